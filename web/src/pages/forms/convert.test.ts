import { describe, expect, it } from 'vitest'
import { fieldTypes, locate, newChild, newField, nextCode, toDefinition, toDesign, typeProps, type FormDef } from './convert'
import { diff } from './diff'

// Every field type with every attribute it takes, as the server answers it
// (docs/forms.md "A definition").
const purchase: FormDef = {
  code: 'D000002Purchase',
  name: '采购单',
  workflow: true,
  fields: [
    { code: 'F0000001', name: '标题', type: 'text', required: true, maxLength: 100 },
    { code: 'F0000002', name: '单号', type: 'serial', pattern: 'PO-{yyyy}{MM}-{0000}' },
    { code: 'F0000003', name: '金额', type: 'decimal', precision: 12, scale: 2, min: 0, max: 99999 },
    { code: 'F0000004', name: '数量', type: 'number', decimals: 0, indexed: true, min: -5, max: 10.5 },
    { code: 'F0000005', name: '类别', type: 'select', options: ['原料', '设备', '服务'], indexed: true },
    { code: 'F0000006', name: '标签', type: 'multiselect', options: ['紧急', '海外'] },
    { code: 'F0000007', name: '交货日期', type: 'date' },
    { code: 'F0000008', name: '下单时间', type: 'datetime', required: true },
    { code: 'F0000009', name: '已付款', type: 'bool' },
    { code: 'F0000010', name: '采购员', type: 'user' },
    { code: 'F0000011', name: '审批人', type: 'users' },
    { code: 'F0000012', name: '需求部门', type: 'department' },
    { code: 'F0000013', name: '合同', type: 'relation', form: 'D000001Contract' },
    { code: 'F0000014', name: '说明', type: 'textarea', maxLength: 5000 },
    { code: 'F0000015', name: '附件', type: 'attachment' },
    { code: 'F0000016', name: '地区', type: 'select', valueSet: 'regions' },
  ],
  children: [
    {
      code: 'D000002PurchaseLines',
      name: '明细',
      fields: [
        { code: 'F0000021', name: '物料', type: 'text', required: true, indexed: true, maxLength: 200 },
        { code: 'F0000022', name: '单价', type: 'decimal', precision: 18, scale: 4 },
        { code: 'F0000023', name: '数量', type: 'number' },
      ],
    },
  ],
  indexes: [['F0000005', 'F0000004']],
}

describe('convert', () => {
  it('round-trips every field type, child tables and indexes', () => {
    const types = new Set(purchase.fields.map((f) => f.type))
    expect([...types].sort()).toEqual([...fieldTypes].sort())
    const back = toDefinition(toDesign(purchase))
    const { revision: _r, ...want } = purchase
    expect(back).toEqual(want)
  })

  it('round-trips each type alone', () => {
    for (const type of fieldTypes) {
      const def: FormDef = { code: 'T', name: 'T', workflow: false, fields: [{ code: 'A', name: 'a', type }] }
      if (type === 'select' || type === 'multiselect') def.fields[0].options = ['x']
      if (type === 'relation') def.fields[0].form = 'T'
      expect(toDefinition(toDesign(def))).toEqual(def)
    }
  })

  it('sends only the attributes that apply to the type', () => {
    const d = toDesign(purchase)
    const f = d.fields[0] // text, maxLength 100
    f.type = 'number'
    f.decimals = 2
    f.precision = 10 // not for numbers
    const def = toDefinition(d)
    expect(def.fields[0]).toEqual({ code: 'F0000001', name: '标题', type: 'number', required: true, decimals: 2 })
    for (const t of fieldTypes) for (const p of typeProps[t]) expect(['maxLength', 'precision', 'scale', 'decimals', 'min', 'max', 'options', 'valueSet', 'form', 'pattern']).toContain(p)
  })

  it('a valueSet wins over options; empty numbers are left to the server', () => {
    const d = toDesign(purchase)
    d.fields[4].valueSet = 'cats'
    d.fields[2].precision = null
    const def = toDefinition(d)
    expect(def.fields[4]).toEqual({ code: 'F0000005', name: '类别', type: 'select', indexed: true, valueSet: 'cats' })
    expect(def.fields[2]).toEqual({ code: 'F0000003', name: '金额', type: 'decimal', scale: 2, min: 0, max: 99999 })
  })

  it('a changed code of a stored field or child table is sent as renameFrom; a new form never sends it', () => {
    const d = toDesign(purchase)
    d.fields[3].code = 'Qty'
    d.children[0].code = 'Lines'
    d.children[0].fields[0].code = 'f0000021' // only the case: the same field
    const def = toDefinition(d)
    expect(def.fields[3].renameFrom).toBe('F0000004')
    expect(def.children![0].renameFrom).toBe('D000002PurchaseLines')
    expect(def.children![0].fields[0].renameFrom).toBeUndefined()
    d.isNew = true
    expect(toDefinition(d).fields[3].renameFrom).toBeUndefined()
  })

  it('new fields and child tables, names default to codes, empty indexes dropped', () => {
    const d = toDesign({ code: 'X', fields: [] })
    d.fields.push(newField('select', nextCode(['F0000001', 'f0000009'])))
    const c = newChild('XLines')
    c.fields.push(newField('text', 'A'))
    d.children.push(c)
    d.indexes.push([])
    expect(toDefinition(d)).toEqual({
      code: 'X', name: 'X', workflow: false,
      fields: [{ code: 'F0000010', name: 'F0000010', type: 'select', options: ['A', 'B'] }],
      children: [{ code: 'XLines', name: 'XLines', fields: [{ code: 'A', name: 'A', type: 'text' }] }],
    })
    expect(nextCode([])).toBe('F0000001')
  })

  it('locates API error paths in the design', () => {
    const d = toDesign(purchase)
    expect(locate(d, 'fields[2].options')).toEqual({ kind: 'field', id: d.fields[2].id, prop: 'options' })
    expect(locate(d, 'fields[0]')).toEqual({ kind: 'field', id: d.fields[0].id, prop: undefined })
    expect(locate(d, 'children[0].fields[1].scale')).toEqual({ kind: 'field', id: d.children[0].fields[1].id, prop: 'scale' })
    expect(locate(d, 'children[0].code')).toEqual({ kind: 'child', id: d.children[0].id, prop: 'code' })
    expect(locate(d, 'indexes[0]')).toEqual({ kind: 'index', index: 0 })
    expect(locate(d, 'f0000013')).toEqual({ kind: 'field', id: d.fields[12].id })
    expect(locate(d, 'code')).toEqual({ kind: 'form', prop: 'code' })
    expect(locate(d, undefined)).toBeUndefined()
  })
})

describe('diff', () => {
  it('names added, removed and changed fields and child tables', () => {
    const b: FormDef = JSON.parse(JSON.stringify(purchase))
    b.name = '采购'
    b.fields[0].maxLength = 50
    b.fields.splice(1, 1)
    b.fields.push({ code: 'New', type: 'bool' })
    b.children![0].fields[1].scale = 2
    b.children!.push({ code: 'More', fields: [{ code: 'A', type: 'text' }] })
    expect(diff(purchase, b)).toEqual([
      { kind: 'changed', table: '', field: '', props: ['name'] },
      { kind: 'changed', table: '', field: 'F0000001', props: ['maxLength'] },
      { kind: 'added', table: '', field: 'New', props: [] },
      { kind: 'removed', table: '', field: 'F0000002', props: [] },
      { kind: 'changed', table: 'D000002PurchaseLines', field: 'F0000022', props: ['scale'] },
      { kind: 'added', table: 'More', field: '', props: [] },
    ])
    expect(diff(purchase, purchase)).toEqual([])
  })
})
