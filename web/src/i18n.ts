import { createI18n } from 'vue-i18n'

// Every string the console shows goes through i18n. Messages live beside
// the pages that use them (src/**/messages.ts, each exporting
// { zh: {...}, en: {...} } under its own top-level key) and are merged
// here, so pages can be added without touching a shared file.
type Tree = { [k: string]: string | Tree }
type Bundle = { zh: Tree; en: Tree }

function merge(into: Tree, from: Tree) {
  for (const [k, v] of Object.entries(from)) {
    if (typeof v === 'object' && typeof into[k] === 'object') merge(into[k] as Tree, v)
    else into[k] = v
  }
}

export function collect(mods: Record<string, { default: Bundle }>): Bundle {
  const out: Bundle = { zh: {}, en: {} }
  for (const m of Object.values(mods)) {
    merge(out.zh, m.default.zh)
    merge(out.en, m.default.en)
  }
  return out
}

export const locales = ['zh', 'en'] as const
export type Locale = (typeof locales)[number]

export function savedLocale(): Locale {
  const v = localStorage.getItem('tritium.locale')
  return v === 'en' ? 'en' : 'zh'
}

const messages = collect(import.meta.glob<{ default: Bundle }>('./**/messages.ts', { eager: true }))

export const i18n = createI18n({
  legacy: false,
  locale: savedLocale(),
  fallbackLocale: 'zh',
  messages,
  missingWarn: false,
  fallbackWarn: false,
})

export function setLocale(l: Locale) {
  i18n.global.locale.value = l
  localStorage.setItem('tritium.locale', l)
  document.documentElement.lang = l === 'zh' ? 'zh-CN' : 'en'
}
