// The server's form definition (docs/forms.md) is the source of truth. The
// designer edits its own model — a Design: fields and child tables with a
// stable UI id, the code they have on the server (so a changed code is sent
// as renameFrom and keeps its data) and every property as an editable
// value. toDesign reads a definition into a Design; toDefinition writes the
// Design back, with only the attributes that apply to each type.

export const fieldTypes = [
  'text', 'textarea', 'number', 'decimal', 'bool', 'date', 'datetime', 'select', 'multiselect',
  'user', 'users', 'department', 'relation', 'attachment', 'serial',
] as const
export type FieldType = (typeof fieldTypes)[number]

/** A field as the server defines it. */
export interface FieldDef {
  code: string
  name?: string
  type: FieldType
  required?: boolean
  indexed?: boolean
  maxLength?: number
  precision?: number
  scale?: number
  decimals?: number
  min?: number
  max?: number
  options?: string[]
  valueSet?: string
  form?: string
  pattern?: string
  renameFrom?: string
}

export interface ChildDef {
  code: string
  name?: string
  fields: FieldDef[]
  renameFrom?: string
}

export interface FormDef {
  code: string
  name?: string
  workflow?: boolean
  fields: FieldDef[]
  children?: ChildDef[]
  indexes?: string[][]
  revision?: number
  createdTime?: string
  modifiedTime?: string
}

/** The properties each type takes besides code, name, type, required and indexed. */
export const typeProps: Record<FieldType, Prop[]> = {
  text: ['maxLength'],
  textarea: ['maxLength'],
  number: ['decimals', 'min', 'max'],
  decimal: ['precision', 'scale', 'min', 'max'],
  bool: [],
  date: [],
  datetime: [],
  select: ['options', 'valueSet'],
  multiselect: ['options', 'valueSet'],
  user: [],
  users: [],
  department: [],
  relation: ['form'],
  attachment: [],
  serial: ['pattern'],
}
export type Prop = 'maxLength' | 'precision' | 'scale' | 'decimals' | 'min' | 'max' | 'options' | 'valueSet' | 'form' | 'pattern'
const numericProps: Prop[] = ['maxLength', 'precision', 'scale', 'decimals', 'min', 'max']

/** A field in the designer. Numbers left empty are null (the server's default). */
export interface DesignField {
  id: string
  code: string
  name: string
  type: FieldType
  /** the code on the server, for a field loaded from it */
  origCode?: string
  required: boolean
  indexed: boolean
  maxLength: number | null
  precision: number | null
  scale: number | null
  decimals: number | null
  min: number | null
  max: number | null
  /** select options; used unless valueSet is set */
  options: string[]
  valueSet: string
  form: string
  pattern: string
}

export interface DesignChild {
  id: string
  code: string
  name: string
  origCode?: string
  fields: DesignField[]
}

export interface Design {
  code: string
  name: string
  workflow: boolean
  /** not yet on the server (saved with POST) */
  isNew: boolean
  revision?: number
  fields: DesignField[]
  children: DesignChild[]
  indexes: string[][]
}

let seq = 0
/** uid gives designer items their stable keys. */
export function uid(prefix = 'd'): string {
  seq += 1
  return `${prefix}${seq}`
}

export function newField(type: FieldType, code: string, name = ''): DesignField {
  return {
    id: uid('f'), code, name, type, required: false, indexed: false,
    maxLength: null, precision: null, scale: null, decimals: null, min: null, max: null,
    options: type === 'select' || type === 'multiselect' ? ['A', 'B'] : [], valueSet: '', form: '', pattern: '',
  }
}

export function newChild(code: string, name = ''): DesignChild {
  return { id: uid('c'), code, name, fields: [] }
}

export function emptyDesign(): Design {
  return { code: '', name: '', workflow: false, isNew: true, fields: [], children: [], indexes: [] }
}

function fieldToDesign(f: FieldDef): DesignField {
  const d = newField(f.type, f.code, f.name ?? '')
  d.origCode = f.code
  d.required = !!f.required
  d.indexed = !!f.indexed
  for (const p of numericProps) {
    const v = f[p as keyof FieldDef]
    ;(d[p as keyof DesignField] as number | null) = typeof v === 'number' ? v : null
  }
  d.options = f.options ? [...f.options] : []
  d.valueSet = f.valueSet ?? ''
  d.form = f.form ?? ''
  d.pattern = f.pattern ?? ''
  return d
}

/** toDesign reads a server definition into the designer's model. */
export function toDesign(def: FormDef): Design {
  return {
    code: def.code,
    name: def.name ?? '',
    workflow: !!def.workflow,
    isNew: false,
    revision: def.revision,
    fields: (def.fields ?? []).map(fieldToDesign),
    children: (def.children ?? []).map((c) => ({ id: uid('c'), code: c.code, name: c.name ?? '', origCode: c.code, fields: (c.fields ?? []).map(fieldToDesign) })),
    indexes: (def.indexes ?? []).map((ix) => [...ix]),
  }
}

function renamed(orig: string | undefined, code: string): string | undefined {
  return orig && orig.toLowerCase() !== code.toLowerCase() ? orig : undefined
}

function fieldToDef(d: DesignField, isNew: boolean): FieldDef {
  const f: FieldDef = { code: d.code.trim(), name: d.name.trim() || d.code.trim(), type: d.type }
  if (d.required) f.required = true
  if (d.indexed) f.indexed = true
  for (const p of typeProps[d.type]) {
    if (numericProps.includes(p)) {
      const v = d[p as keyof DesignField]
      if (typeof v === 'number' && Number.isFinite(v)) (f[p as keyof FieldDef] as number) = v
    } else if (p === 'options') {
      if (!d.valueSet.trim()) f.options = d.options.map((o) => o.trim()).filter((o) => o !== '')
    } else {
      const v = (d[p as keyof DesignField] as string).trim()
      if (v) (f[p as keyof FieldDef] as string) = v
    }
  }
  const from = isNew ? undefined : renamed(d.origCode, f.code)
  if (from) f.renameFrom = from
  return f
}

/** toDefinition writes the design as the definition to POST or PUT. */
export function toDefinition(d: Design): FormDef {
  const def: FormDef = { code: d.code.trim(), name: d.name.trim() || d.code.trim(), workflow: d.workflow, fields: d.fields.map((f) => fieldToDef(f, d.isNew)) }
  if (d.children.length) {
    def.children = d.children.map((c) => {
      const out: ChildDef = { code: c.code.trim(), name: c.name.trim() || c.code.trim(), fields: c.fields.map((f) => fieldToDef(f, d.isNew)) }
      const from = d.isNew ? undefined : renamed(c.origCode, out.code)
      if (from) out.renameFrom = from
      return out
    })
  }
  const indexes = d.indexes.filter((ix) => ix.length > 0)
  if (indexes.length) def.indexes = indexes.map((ix) => [...ix])
  return def
}

/** nextCode proposes a field code not used in `taken`: F0000001, F0000002, … */
export function nextCode(taken: string[], prefix = 'F', width = 7): string {
  const used = new Set(taken.map((c) => c.toLowerCase()))
  let max = 0
  const re = new RegExp(`^${prefix}(\\d+)$`, 'i')
  for (const c of taken) {
    const m = re.exec(c)
    if (m) max = Math.max(max, Number(m[1]))
  }
  for (let n = max + 1; ; n++) {
    const c = prefix + String(n).padStart(width, '0')
    if (!used.has(c.toLowerCase())) return c
  }
}

/** allFieldCodes lists the codes of every field of the design (children's included). */
export function allFieldCodes(d: Design): string[] {
  return [...d.fields.map((f) => f.code), ...d.children.flatMap((c) => c.fields.map((f) => f.code))]
}

/** Where an API error's field path points in the design. */
export type Target =
  | { kind: 'form'; prop: string }
  | { kind: 'field'; id: string; prop?: string }
  | { kind: 'child'; id: string; prop?: string }
  | { kind: 'index'; index: number }

/**
 * locate maps an error's field (e.g. "fields[2].options",
 * "children[0].fields[1]", "indexes[0]", "code", or a bare field code)
 * to the part of the design it names.
 */
export function locate(d: Design, path: string | undefined): Target | undefined {
  if (!path) return undefined
  let m = /^children\[(\d+)\](?:\.fields\[(\d+)\])?(?:\.(\w+))?/.exec(path)
  if (m) {
    const c = d.children[Number(m[1])]
    if (!c) return undefined
    if (m[2] !== undefined) {
      const f = c.fields[Number(m[2])]
      return f ? { kind: 'field', id: f.id, prop: m[3] } : { kind: 'child', id: c.id }
    }
    return { kind: 'child', id: c.id, prop: m[3] }
  }
  m = /^fields\[(\d+)\](?:\.(\w+))?/.exec(path)
  if (m) {
    const f = d.fields[Number(m[1])]
    return f ? { kind: 'field', id: f.id, prop: m[2] } : { kind: 'form', prop: 'fields' }
  }
  m = /^indexes\[(\d+)\]/.exec(path)
  if (m) return { kind: 'index', index: Number(m[1]) }
  const lc = path.toLowerCase()
  const f = d.fields.find((x) => x.code.toLowerCase() === lc)
  if (f) return { kind: 'field', id: f.id }
  for (const c of d.children) {
    if (c.code.toLowerCase() === lc) return { kind: 'child', id: c.id }
    const cf = c.fields.find((x) => x.code.toLowerCase() === lc)
    if (cf) return { kind: 'field', id: cf.id }
  }
  return { kind: 'form', prop: path }
}
