// A record as the form edits it, and back to a REST body: values are
// kept as the inputs hold them (numbers and decimals as typed text,
// datetimes in the server's zone without offset), and only what changed
// is sent on a PATCH, so fields the user may not write stay untouched.
import type { ChildDef, FieldDef, FileRef, FormDef, RecordData, Row } from './types'

/** emptyValue is what an unset field holds in the form. */
export function emptyValue(f: FieldDef): unknown {
  if (f.type === 'multiselect' || f.type === 'users' || f.type === 'attachment') return []
  if (f.type === 'bool') return null
  return ''
}

/** editValue turns a value as the server writes it into the input's. */
export function editValue(f: FieldDef, v: unknown): unknown {
  if (v === null || v === undefined) return emptyValue(f)
  switch (f.type) {
    case 'number':
    case 'decimal':
      return String(v)
    case 'datetime':
      // written in the server's zone: the same wall time without the
      // offset is read back in that zone
      return typeof v === 'string' ? v.replace('T', ' ').replace(/(\.\d+)?([+-]\d\d:\d\d|Z)$/, '') : v
    case 'multiselect':
    case 'users':
      return Array.isArray(v) ? [...v] : String(v).split(';').filter(Boolean)
    case 'attachment':
      return Array.isArray(v) ? v.map((x) => (typeof x === 'string' ? { fileKey: x } : { ...(x as FileRef) })) : []
    default:
      return v
  }
}

function editRow(c: ChildDef, r: Row): Row {
  const out: Row = {}
  if (r.ObjectId) out.ObjectId = r.ObjectId
  for (const f of c.fields) out[f.code] = editValue(f, r[f.code])
  return out
}

/** blankRow is a new child row. */
export function blankRow(c: ChildDef): Row {
  return editRow(c, {})
}

/**
 * toEdit makes the form's model from a record (a new one when rec is
 * undefined). Fields the record leaves out — hidden from this user — are
 * left out too.
 */
export function toEdit(form: FormDef, rec?: RecordData): RecordData {
  const out: RecordData = {}
  for (const f of form.fields) {
    if (rec && !(f.code in rec)) continue
    out[f.code] = editValue(f, rec?.[f.code])
  }
  for (const c of form.children ?? []) {
    if (rec && !(c.code in rec)) continue
    const rows = (rec?.[c.code] as Row[] | null) ?? []
    out[c.code] = rows.map((r) => editRow(c, r))
  }
  return out
}

/** inputValue turns an input's value into the REST body's. */
export function inputValue(f: FieldDef, v: unknown): unknown {
  if (v === '' || v === undefined) return null
  if (f.type === 'attachment') return Array.isArray(v) ? v.map((x) => (x as FileRef).fileKey) : []
  if (f.type === 'number' || f.type === 'decimal' || f.type === 'text' || f.type === 'textarea') {
    if (typeof v === 'string' && v.trim() === '') return null
  }
  return v
}

const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null)

function rowInput(c: ChildDef, r: Row): Row {
  const out: Row = {}
  if (r.ObjectId) out.ObjectId = r.ObjectId
  for (const f of c.fields) {
    if (f.type === 'serial' || !(f.code in r)) continue
    out[f.code] = inputValue(f, r[f.code])
  }
  return out
}

/**
 * toInput is the REST body for the model: every field on create, only
 * the changed fields and child tables when base (the model as loaded)
 * is given.
 */
export function toInput(form: FormDef, model: RecordData, base?: RecordData): RecordData {
  const out: RecordData = {}
  for (const f of form.fields) {
    if (f.type === 'serial' || !(f.code in model)) continue
    if (base && same(model[f.code], base[f.code])) continue
    out[f.code] = inputValue(f, model[f.code])
  }
  for (const c of form.children ?? []) {
    if (!(c.code in model)) continue
    if (base && same(model[c.code], base[c.code])) continue
    out[c.code] = ((model[c.code] as Row[]) ?? []).map((r) => rowInput(c, r))
  }
  return out
}

/**
 * fieldErrors files a server error under what the form shows it on:
 * "F0000002", or for a child table "D000001Lines.F0000012#2" (its row,
 * from the message's 第2行) and "D000001Lines.F0000012".
 */
export function fieldErrors(field: string | undefined, message: string): Record<string, string> {
  if (!field) return {}
  const out: Record<string, string> = { [field]: message }
  const row = /第(\d+)行/.exec(message)
  if (row && field.includes('.')) out[`${field}#${row[1]}`] = message
  return out
}

/** errorFor is the message to show under a field (child: its table and row). */
export function errorFor(errors: Record<string, string>, code: string, child?: string, row?: number): string {
  if (child === undefined) return errors[code] ?? ''
  return errors[`${child}.${code}#${row}`] ?? ''
}

/** childError is a child table's message that names no row cell. */
export function childError(errors: Record<string, string>, c: ChildDef): string {
  if (errors[c.code]) return errors[c.code]
  for (const f of c.fields) {
    const k = `${c.code}.${f.code}`
    if (errors[k] && !Object.keys(errors).some((e) => e.startsWith(k + '#'))) return errors[k]
  }
  return ''
}
