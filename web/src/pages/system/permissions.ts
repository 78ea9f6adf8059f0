// Form grants as GET/PUT /api/v1/forms/{code}/permissions carry them.
export const actions = ['view', 'create', 'edit', 'delete', 'import', 'export', 'print', 'submit'] as const
export const scopes = ['own', 'department', 'departmentTree', 'all', 'custom'] as const
export const principalKinds = ['user', 'role', 'department', 'position', 'everyone'] as const

export interface Grant {
  id?: string
  form?: string
  principal: { kind: (typeof principalKinds)[number]; id?: string }
  actions: string[]
  scope: (typeof scopes)[number]
  rule?: string
  hidden?: string[]
  readOnly?: string[]
  note?: string
  /** answered by the server: the rule the scope expands into */
  expands?: string
}

export interface Permissions {
  form: string
  defaults: boolean
  grants: Grant[]
}

export interface ExplainedAction {
  action: string
  allowed: boolean
  filter: string
  hidden: string[]
  readOnly: string[]
  grants: Grant[]
  object?: boolean
  participation?: { objects: number; hidden: string[] }
}

export interface Explanation {
  form: string
  defaults: boolean
  user: { id: string; administrator: boolean; departments: string[]; roles: string[]; positions: string[] }
  actions: ExplainedAction[]
}

/**
 * toInput is a grant as PUT takes it: without what the server answers
 * (expands), without a rule unless the scope is custom, without empty
 * lists and an id for everyone.
 */
export function toInput(g: Grant): Grant {
  const out: Grant = { principal: g.principal.kind === 'everyone' ? { kind: 'everyone' } : { kind: g.principal.kind, id: g.principal.id }, actions: [...g.actions], scope: g.scope }
  if (g.id) out.id = g.id
  if (g.scope === 'custom') out.rule = g.rule ?? ''
  if (g.hidden?.length) out.hidden = [...g.hidden]
  if (g.readOnly?.length) out.readOnly = [...g.readOnly]
  if (g.note) out.note = g.note
  return out
}

/** blankGrant is a new grant: view of one's own records, for a role. */
export function blankGrant(): Grant {
  return { principal: { kind: 'role', id: '' }, actions: ['view'], scope: 'own', rule: '', hidden: [], readOnly: [], note: '' }
}
