import { describe, expect, it } from 'vitest'
import { collect } from './i18n'

// Every message file must give the same keys in both languages: a key
// missing in one shows up as the raw key on screen.
function keys(tree: Record<string, unknown>, prefix = ''): string[] {
  return Object.entries(tree).flatMap(([k, v]) => (typeof v === 'object' && v ? keys(v as Record<string, unknown>, prefix + k + '.') : [prefix + k]))
}

describe('i18n', () => {
  const all = collect(import.meta.glob('./**/messages.ts', { eager: true }))
  it('has the same keys in Chinese and English', () => {
    const zh = new Set(keys(all.zh))
    const en = new Set(keys(all.en))
    expect([...zh].filter((k) => !en.has(k))).toEqual([])
    expect([...en].filter((k) => !zh.has(k))).toEqual([])
    expect(zh.size).toBeGreaterThan(20)
  })
  it('merges message files', () => {
    const m = collect({ a: { default: { zh: { x: { a: '1' } }, en: { x: { a: 'one' } } } }, b: { default: { zh: { x: { b: '2' } }, en: { x: { b: 'two' } } } } })
    expect(m.en).toEqual({ x: { a: 'one', b: 'two' } })
  })
})
