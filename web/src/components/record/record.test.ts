import { describe, expect, it } from 'vitest'
import { childError, fieldErrors, toEdit, toInput } from './record'
import { contract } from './record.fixture'

const stored = {
  ObjectId: 'HT-1', version: 3, F0000001: '水泥', F0000002: '12.50', F0000003: '2025-02-17T19:10:07+08:00', F0000005: null,
  F0000006: [{ fileKey: 'k1', name: 'a.pdf', size: 3, contentType: 'application/pdf' }], F0000008: 'PO-0001',
  D000001Lines: [{ ObjectId: 'r1', ParentObjectId: 'HT-1', F0000011: '钢', F0000012: '1.0000' }],
}

describe('record model', () => {
  it('turns a stored record into inputs: decimals as text, datetimes without offset', () => {
    const m = toEdit(contract, stored)
    expect(m.F0000002).toBe('12.50')
    expect(m.F0000003).toBe('2025-02-17 19:10:07')
    expect(m.F0000005).toBe('')
    expect(m.D000001Lines).toEqual([{ ObjectId: 'r1', F0000011: '钢', F0000012: '1.0000' }])
  })

  it('leaves out fields the record does not hold (hidden from the user)', () => {
    const { F0000002: _, ...rest } = stored
    const m = toEdit(contract, rest)
    expect('F0000002' in m).toBe(false)
    expect('F0000002' in toInput(contract, m)).toBe(false)
  })

  it('creates with every field, attachments as keys, empty as null, serials left to the server', () => {
    const m = toEdit(contract)
    m.F0000001 = '新合同'
    m.F0000006 = [{ fileKey: 'k9', name: 'x.png' }]
    ;(m.D000001Lines as unknown[]).push({ F0000011: '砂', F0000012: '' })
    expect(toInput(contract, m)).toEqual({
      F0000001: '新合同', F0000002: null, F0000003: null, F0000005: null, F0000006: ['k9'],
      D000001Lines: [{ F0000011: '砂', F0000012: null }],
    })
  })

  it('patches only what changed; a changed child table is sent whole with row ids', () => {
    const base = toEdit(contract, stored)
    const m = toEdit(contract, stored)
    expect(toInput(contract, m, base)).toEqual({})
    m.F0000002 = '13'
    ;(m.D000001Lines as Record<string, unknown>[])[0].F0000012 = '2'
    ;(m.D000001Lines as unknown[]).push({ F0000011: '新', F0000012: '' })
    expect(toInput(contract, m, base)).toEqual({
      F0000002: '13',
      D000001Lines: [{ ObjectId: 'r1', F0000011: '钢', F0000012: '2' }, { F0000011: '新', F0000012: null }],
    })
  })

  it('files server errors under the field, a child cell by its row', () => {
    expect(fieldErrors('F0000002', 'x')).toEqual({ F0000002: 'x' })
    const e = fieldErrors('D000001Lines.F0000012', '子表D000001Lines 第2行: 字段F0000012: 需要数字')
    expect(e['D000001Lines.F0000012#2']).toMatch(/第2行/)
    expect(childError(e, contract.children![0])).toBe('')
    expect(childError(fieldErrors('D000001Lines', '子表D000001Lines: 最多 10000 行'), contract.children![0])).toMatch(/10000/)
    expect(fieldErrors(undefined, 'x')).toEqual({})
  })
})
