// A contract form with a child table, for the tests.
import type { FormDef } from './types'

export const contract: FormDef = {
  code: 'D000001Contract',
  name: '合同',
  fields: [
    { code: 'F0000001', name: '合同名称', type: 'text', required: true },
    { code: 'F0000002', name: '金额', type: 'decimal', scale: 2 },
    { code: 'F0000003', name: '签订时间', type: 'datetime' },
    { code: 'F0000005', name: '类型', type: 'select', options: ['采购', '销售'] },
    { code: 'F0000006', name: '附件', type: 'attachment' },
    { code: 'F0000008', name: '编号', type: 'serial' },
  ],
  children: [{ code: 'D000001Lines', name: '合同行', fields: [{ code: 'F0000011', name: '物料', type: 'text' }, { code: 'F0000012', name: '单价', type: 'decimal' }] }],
}
