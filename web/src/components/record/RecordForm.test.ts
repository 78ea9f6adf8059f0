import { describe, expect, it, vi } from 'vitest'
import { mount } from '@vue/test-utils'
import { nextTick, reactive } from 'vue'
import ElementPlus from 'element-plus'
import { i18n } from '@/i18n'
import RecordForm from './RecordForm.vue'
import { toEdit, toInput } from './record'
import { contract } from './record.fixture'

vi.stubGlobal('matchMedia', () => ({ matches: false, addEventListener() {}, removeEventListener() {} }))

function make(model: Record<string, unknown>, props: Record<string, unknown> = {}) {
  return mount(RecordForm, { props: { form: contract, model, ...props }, global: { plugins: [ElementPlus, i18n] } })
}

describe('RecordForm', () => {
  it('shows the fields the model holds, and a child table whose rows can be added and removed', async () => {
    const model = reactive(toEdit(contract))
    delete model.F0000005
    const w = make(model)
    expect(w.find('[data-test=field-F0000001]').text()).toContain('合同名称')
    expect(w.find('[data-test=field-F0000005]').exists()).toBe(false)
    await w.find('[data-test=add-row-D000001Lines]').trigger('click')
    await w.find('[data-test=add-row-D000001Lines]').trigger('click')
    await nextTick()
    expect((model.D000001Lines as unknown[]).length).toBe(2)
    await w.find('[data-test="cell-D000001Lines-1-F0000011"] input').setValue('钢板')
    await w.find('[data-test=remove-row-D000001Lines-0]').trigger('click')
    await nextTick()
    expect(toInput(contract, model).D000001Lines).toEqual([{ F0000011: '钢板', F0000012: null }])
  })

  it('writes typed text into the model', async () => {
    const model = reactive(toEdit(contract))
    const w = make(model)
    await w.find('[data-test=field-F0000002] input').setValue('88.5')
    expect(model.F0000002).toBe('88.5')
  })

  it('shows the server message under the field and the child cell it names', async () => {
    const model = reactive(toEdit(contract))
    ;(model.D000001Lines as unknown[]).push({ F0000011: '', F0000012: 'x' })
    const w = make(model, { errors: { F0000002: '小数位数超过 2 位 (more than 2 fraction digits)', 'D000001Lines.F0000012#1': '子表 第1行: 需要数字 (expected a number)' } })
    await new Promise((r) => setTimeout(r, 50))
    expect(w.find('[data-test=field-F0000002]').text()).toContain('more than 2 fraction digits')
    expect(w.find('[data-test=child-D000001Lines] .cell-error').text()).toContain('expected a number')
  })

  it('locks read-only fields and everything when disabled', async () => {
    const model = reactive(toEdit(contract))
    const w = make(model, { readOnly: ['F0000001', 'D000001Lines'] })
    expect(w.find('[data-test=field-F0000001] input').attributes('disabled')).toBeDefined()
    expect(w.find('[data-test=field-F0000002] input').attributes('disabled')).toBeUndefined()
    expect(w.find('[data-test=add-row-D000001Lines]').exists()).toBe(false)
    const d = make(reactive(toEdit(contract)), { disabled: true })
    expect(d.find('[data-test=field-F0000002] input').attributes('disabled')).toBeDefined()
    expect(d.find('[data-test=attachment-input]').exists()).toBe(false)
  })
})
