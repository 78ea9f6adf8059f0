import type { FieldDef, FormDef } from './convert'

/** One difference between two definitions of a form. */
export interface Change {
  kind: 'added' | 'removed' | 'changed'
  /** '' for the form itself, else the child table's code */
  table: string
  /** the field's code; '' for a change of the form or child table itself */
  field: string
  /** the attributes that differ (for 'changed') */
  props: string[]
}

const fieldKeys: (keyof FieldDef)[] = ['name', 'type', 'required', 'indexed', 'maxLength', 'precision', 'scale', 'decimals', 'min', 'max', 'options', 'valueSet', 'form', 'pattern']

const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null)

function diffFields(table: string, a: FieldDef[], b: FieldDef[], out: Change[]) {
  const old = new Map(a.map((f) => [f.code.toLowerCase(), f]))
  const seen = new Set<string>()
  for (const f of b) {
    const lc = f.code.toLowerCase()
    seen.add(lc)
    const o = old.get(lc)
    if (!o) {
      out.push({ kind: 'added', table, field: f.code, props: [] })
      continue
    }
    const props = fieldKeys.filter((k) => !same(o[k] || undefined, f[k] || undefined))
    if (props.length) out.push({ kind: 'changed', table, field: f.code, props })
  }
  for (const f of a) if (!seen.has(f.code.toLowerCase())) out.push({ kind: 'removed', table, field: f.code, props: [] })
}

/** diff lists what changed from definition a to definition b, fields matched by code. */
export function diff(a: FormDef, b: FormDef): Change[] {
  const out: Change[] = []
  const props = (['name', 'workflow', 'indexes'] as const).filter((k) => !same(a[k] || undefined, b[k] || undefined))
  if (props.length) out.push({ kind: 'changed', table: '', field: '', props: [...props] })
  diffFields('', a.fields ?? [], b.fields ?? [], out)
  const old = new Map((a.children ?? []).map((c) => [c.code.toLowerCase(), c]))
  const seen = new Set<string>()
  for (const c of b.children ?? []) {
    const lc = c.code.toLowerCase()
    seen.add(lc)
    const o = old.get(lc)
    if (!o) {
      out.push({ kind: 'added', table: c.code, field: '', props: [] })
      continue
    }
    if (!same(o.name, c.name)) out.push({ kind: 'changed', table: c.code, field: '', props: ['name'] })
    diffFields(c.code, o.fields ?? [], c.fields ?? [], out)
  }
  for (const c of a.children ?? []) if (!seen.has(c.code.toLowerCase())) out.push({ kind: 'removed', table: c.code, field: '', props: [] })
  return out
}
