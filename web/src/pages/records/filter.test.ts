import { describe, expect, it } from 'vitest'
import type { FieldDef } from '@/components/record/types'
import { fromText, opsFor, quote, toText, type Builder } from './filter'

const fields: FieldDef[] = [
  { code: 'F0000001', type: 'text' },
  { code: 'F0000004', type: 'number' },
  { code: 'F0000002', type: 'decimal' },
  { code: 'F0000005', type: 'select', options: ['采购', '销售'] },
  { code: 'Done', type: 'bool' },
  { code: 'Due', type: 'date' },
  { code: 'Files', type: 'attachment' },
]

describe('filter builder', () => {
  it('writes conditions per type: numbers bare, text quoted and escaped, lists, null', () => {
    const b: Builder = {
      join: 'and',
      conds: [
        { field: 'F0000004', op: '>=', value: '10' },
        { field: 'F0000001', op: '~', value: 'say "hi" \\ ok' },
        { field: 'F0000005', op: 'in', value: ['采购', '销售'] },
        { field: 'Done', op: '=', value: 'true' },
        { field: 'Files', op: 'notnull', value: '' },
        { field: 'Due', op: '<', value: '2025-03-01' },
      ],
    }
    expect(toText(b, fields)).toBe(
      'F0000004 >= 10 && F0000001 ~ "say \\"hi\\" \\\\ ok" && F0000005 in ["采购", "销售"] && Done = true && Files != null && Due < "2025-03-01"',
    )
  })

  it('quotes a number field value that is not a number, so the server names the problem', () => {
    expect(toText({ join: 'or', conds: [{ field: 'F0000004', op: '=', value: 'abc' }, { field: 'F0000002', op: '>', value: '1.5' }] }, fields)).toBe(
      'F0000004 = "abc" || F0000002 > 1.5',
    )
  })

  it('leaves out incomplete conditions', () => {
    expect(toText({ join: 'and', conds: [{ field: '', op: '=', value: 'x' }, { field: 'F0000001', op: '=', value: '' }] }, fields)).toBe('')
  })

  it('reads its own text back', () => {
    const b: Builder = {
      join: 'or',
      conds: [
        { field: 'F0000004', op: '>', value: '3' },
        { field: 'F0000001', op: '^=', value: 'a\'b"c' },
        { field: 'F0000005', op: '!in', value: ['采购'] },
        { field: 'Files', op: 'null', value: '' },
      ],
    }
    expect(fromText(toText(b, fields), fields)).toEqual(b)
  })

  it('reads the words and, or, not in, == and field names in any case', () => {
    expect(fromText("f0000004 == 2 and F0000005 not in ('采购', '销售',)", fields)).toEqual({
      join: 'and',
      conds: [
        { field: 'F0000004', op: '=', value: '2' },
        { field: 'F0000005', op: '!in', value: ['采购', '销售'] },
      ],
    })
    expect(fromText('', fields)).toEqual({ join: 'and', conds: [] })
  })

  it('answers null for what the builder cannot show', () => {
    expect(fromText('(F0000004 > 1 || F0000004 < 0) && Done = true', fields)).toBeNull()
    expect(fromText('F0000004 > 1 || F0000004 < 0 && Done = true', fields)).toBeNull()
    expect(fromText('F0000001 !^= "x"', fields)).toBeNull()
    expect(fromText('F0000004 >', fields)).toBeNull()
    expect(fromText('F0000001 = "unterminated', fields)).toBeNull()
    expect(fromText('F0000004 > null', fields)).toBeNull()
  })

  it('offers the operators a type takes', () => {
    expect(opsFor('attachment')).toEqual(['null', 'notnull'])
    expect(opsFor('number')).toContain('>=')
    expect(opsFor('text')).not.toContain('>=')
    expect(opsFor('bool')).not.toContain('~')
    expect(quote('a\nb')).toBe('"a\\nb"')
  })
})
