import { describe, expect, it } from 'vitest'
import { mount } from '@vue/test-utils'
import { nextTick, reactive } from 'vue'
import ElementPlus from 'element-plus'
import { createI18n } from 'vue-i18n'
import FieldProps from './FieldProps.vue'
import messages from './messages'
import { newField, toDefinition, emptyDesign } from './convert'

function mountProps(type: Parameters<typeof newField>[0], inChild = false) {
  const field = reactive(newField(type, 'F0000001', '金额'))
  const i18n = createI18n({ legacy: false, locale: 'en', messages: { en: messages.en } })
  const w = mount(FieldProps, { props: { field, forms: ['D1'], inChild }, global: { plugins: [ElementPlus, i18n] }, attachTo: document.body })
  return { w, field }
}

const shown = (w: ReturnType<typeof mount>) => w.findAll('[data-test^=prop-]').map((e) => e.attributes('data-test'))

// The properties panel offers exactly the attributes the field's type takes
// (docs/forms.md "Field attributes") and edits the field in place.
describe('FieldProps', () => {
  it('shows the attributes of the type', async () => {
    const { w, field } = mountProps('decimal')
    expect(shown(w)).toEqual(expect.arrayContaining(['prop-code', 'prop-name', 'prop-type', 'prop-required', 'prop-indexed', 'prop-precision', 'prop-scale', 'prop-min', 'prop-max']))
    expect(shown(w)).not.toContain('prop-maxLength')
    expect(shown(w)).not.toContain('prop-options')
    field.type = 'select'
    await nextTick()
    expect(shown(w)).toContain('prop-options')
    expect(shown(w)).toContain('prop-valueSet')
    expect(shown(w)).not.toContain('prop-scale')
  })

  it('edits options one a line and the name in place', async () => {
    const { w, field } = mountProps('select')
    await w.find('textarea[data-test=prop-options]').setValue('差旅\n餐饮\n')
    await w.find('input[data-test=prop-name]').setValue('类别')
    const d = emptyDesign()
    d.code = 'X'
    d.fields.push(field)
    expect(toDefinition(d).fields[0]).toEqual({ code: 'F0000001', name: '类别', type: 'select', options: ['差旅', '餐饮'] })
  })

  it('offers serial numbers only outside child tables', async () => {
    for (const inChild of [false, true]) {
      const { w } = mountProps('text', inChild)
      await w.find('[data-test=prop-type]').trigger('click')
      await nextTick()
      const offered = [...document.querySelectorAll('[data-test^=type-]')].map((e) => e.getAttribute('data-test'))
      expect(offered).toContain('type-text')
      expect(offered.includes('type-serial')).toBe(!inChild)
      w.unmount()
      document.body.innerHTML = ''
    }
  })
})
