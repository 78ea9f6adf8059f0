import { describe, expect, it } from 'vitest'
import { build, kindOf, opsFor, parse, type FormField } from './conditions'

const fields: FormField[] = [
  { code: 'F0000001', name: '事由', type: 'text' },
  { code: 'F0000002', name: '金额', type: 'decimal' },
  { code: 'F0000003', name: '日期', type: 'date' },
  { code: 'F0000004', name: '加急', type: 'bool' },
]

describe('conditions', () => {
  it('writes literals by field type', () => {
    expect(build({ join: '&&', clauses: [{ field: 'F0000002', op: '>', value: '10000' }] }, fields)).toBe('F0000002 > 10000')
    expect(build({ join: '||', clauses: [
      { field: 'F0000001', op: 'in', value: '采购, 销售' },
      { field: 'F0000003', op: '>=', value: '2026-01-01' },
      { field: 'F0000004', op: '==', value: 'true' },
    ] }, fields)).toBe('F0000001 in ["采购", "销售"] || F0000003 >= date("2026-01-01") || F0000004 == true')
    expect(build({ join: '&&', clauses: [{ field: 'F0000001', op: '==', value: 'a "b"' }] }, fields)).toBe('F0000001 == "a \\"b\\""')
  })

  it('reads back what it writes', () => {
    for (const e of ['F0000002 > 10000', 'F0000001 in ["采购", "销售"] || F0000003 >= date("2026-01-01")', 'F0000004 == true && F0000002 <= -3.5']) {
      const c = parse(e)
      expect(c).toBeDefined()
      expect(build(c!, fields)).toBe(e)
    }
    expect(parse('')).toEqual({ join: '&&', clauses: [] })
  })

  it('leaves other expressions to the text box', () => {
    expect(parse('F0000002 > 1 && F0000002 < 5 || x')).toBeUndefined()
    expect(parse('"r1" in initiator.roles')).toBeUndefined()
    expect(parse('F0000002 * 2 > 10')).toBeUndefined()
  })

  it('offers the operators a type takes', () => {
    expect(opsFor('decimal')).toContain('>')
    expect(opsFor('text')).not.toContain('>')
    expect(kindOf('datetime')).toBe('date')
  })
})
