// The form definition and record shapes of REST v1 (docs/forms.md,
// docs/rest-api.md), as the record pages and the record form use them.

export type FieldType =
  | 'text' | 'textarea' | 'number' | 'decimal' | 'bool' | 'date' | 'datetime' | 'select' | 'multiselect'
  | 'user' | 'users' | 'department' | 'relation' | 'attachment' | 'serial'

export interface FieldDef {
  code: string
  name?: string
  type: FieldType
  required?: boolean
  options?: string[]
  scale?: number
  maxLength?: number
  form?: string
}

export interface ChildDef {
  code: string
  name?: string
  fields: FieldDef[]
}

export interface FormDef {
  code: string
  name?: string
  workflow?: boolean
  fields: FieldDef[]
  children?: ChildDef[]
}

export interface FileRef {
  fileKey: string
  name?: string
  size?: number
  contentType?: string
}

export type Row = Record<string, unknown>
export type RecordData = Record<string, unknown>

/** System fields a record carries (docs/forms.md "System fields"). */
export const systemFields: FieldDef[] = [
  { code: 'SeqNo', type: 'text' },
  { code: 'Name', type: 'text' },
  { code: 'Status', type: 'number' },
  { code: 'CreatedBy', type: 'user' },
  { code: 'OwnerId', type: 'user' },
  { code: 'CreatedTime', type: 'datetime' },
  { code: 'ModifiedTime', type: 'datetime' },
  { code: 'ObjectId', type: 'text' },
]

/** Record statuses (0 Draft, 1 Effective, 2 Running, 3 Canceled). */
export const statuses = [0, 1, 2, 3] as const

/** label is a field's display name, its code when it has none. */
export function label(f: { code: string; name?: string }): string {
  return f.name || f.code
}

/** sortable: multiselect, users and attachment fields cannot be sorted. */
export function sortable(f: FieldDef): boolean {
  return !['multiselect', 'users', 'attachment'].includes(f.type)
}
