import { describe, expect, it, vi } from 'vitest'
import { mount } from '@vue/test-utils'
import { nextTick } from 'vue'
import ElementPlus from 'element-plus'
import { i18n } from '@/i18n'
import SecretDialog from './SecretDialog.vue'

const settle = async () => {
  await nextTick()
  await new Promise((r) => setTimeout(r, 20))
  await nextTick()
}

// The secret lives only in the v-model the parent passes: closing the
// dialog sets it to null, so nothing keeps it afterwards.
describe('SecretDialog', () => {
  it('shows the secret once, copies it, and forgets it on close', async () => {
    const writeText = vi.fn(async () => {})
    Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true })
    const w = mount(SecretDialog, {
      props: { modelValue: { title: 'New', facts: [{ label: 'EngineCode', value: 'code1' }], secret: 's3cr3t-value' }, 'onUpdate:modelValue': (v: unknown) => w.setProps({ modelValue: v as never }) },
      global: { plugins: [ElementPlus, i18n] },
      attachTo: document.body,
    })
    await settle()
    const input = document.querySelector<HTMLInputElement>('[data-test=secret-value] input')
    expect(input?.value).toBe('s3cr3t-value')
    expect(document.body.textContent).toContain('code1')
    document.querySelector<HTMLButtonElement>('[data-test=secret-copy]')!.click()
    await settle()
    expect(writeText).toHaveBeenCalledWith('s3cr3t-value')
    document.querySelector<HTMLButtonElement>('[data-test=secret-close]')!.click()
    await settle()
    expect(w.props('modelValue')).toBeNull()
    expect(w.emitted('update:modelValue')?.at(-1)).toEqual([null])
    w.unmount()
  })
})
