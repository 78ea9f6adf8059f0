// How a table cell shows a value of each field type.
import type { FieldDef, FileRef } from '@/components/record/types'

type T = (key: string) => string

export function cellText(f: FieldDef, v: unknown, t: T): string {
  if (v === null || v === undefined || v === '') return ''
  if (f.code === 'Status') return t('records.st' + v)
  switch (f.type) {
    case 'bool':
      return v ? t('record.true') : t('record.false')
    case 'datetime':
      return typeof v === 'string' ? v.replace('T', ' ').replace(/(:\d\d)(\.\d+)?([+-]\d\d:\d\d|Z)$/, '$1') : String(v)
    case 'attachment':
      return Array.isArray(v) ? v.map((x) => (x as FileRef).name ?? (x as FileRef).fileKey).join(', ') : ''
    default:
      return Array.isArray(v) ? v.join(', ') : String(v)
  }
}
