// The approval pages' decisions, kept out of the components so Vitest can
// check them: which buttons show (only what the server lists as allowed),
// what each action's dialog asks, which fields show, how a list query and
// the history timeline are built.
import type { Field, FieldPerm, FormDef, HistEntry, Item, Task, View } from './types'

/** The task actions in the order the page shows them. */
export const taskActionOrder = ['approve', 'reject', 'return', 'transfer', 'delegate', 'add-signers', 'remove-signers', 'cc', 'comment', 'read'] as const
/** The instance actions the pages offer (terminate: administrators). */
export const instanceActionOrder = ['withdraw', 'urge', 'cc', 'comment', 'cancel', 'terminate'] as const

export interface Button {
  /** task or instance action */
  scope: 'task' | 'instance'
  action: string
  /** i18n key of its label */
  label: string
  /** shown in the main row / the phone's bottom bar (else under "more") */
  primary: boolean
  type: 'primary' | 'danger' | 'default'
}

/**
 * buttons lists exactly the actions the server says the user may take now
 * (task.actions, instance actions), task actions first; an instance
 * action the task also offers (comment, cc) shows once, as the task's.
 */
export function buttons(task: Pick<Task, 'actions' | 'kind'> | null, instanceActions: string[] = []): Button[] {
  const out: Button[] = []
  const taskActs = new Set(task?.actions ?? [])
  for (const a of taskActionOrder) {
    if (!taskActs.has(a)) continue
    const label = a === 'approve' && task?.kind === 'start' ? 'approvals.act.submit' : `approvals.act.${a}`
    out.push({
      scope: 'task',
      action: a,
      label,
      primary: a === 'approve' || a === 'reject' || a === 'read',
      type: a === 'approve' || a === 'read' ? 'primary' : a === 'reject' ? 'danger' : 'default',
    })
  }
  const inst = new Set(instanceActions)
  for (const a of instanceActionOrder) {
    if (!inst.has(a) || taskActs.has(a)) continue
    out.push({ scope: 'instance', action: a, label: `approvals.act.${a}`, primary: false, type: a === 'cancel' || a === 'terminate' ? 'danger' : 'default' })
  }
  // With no decision to take, the first other action leads.
  if (out.length && !out.some((b) => b.primary)) out[0].primary = true
  return out
}

/** What an action's dialog asks for. */
export interface Needs {
  comment: 'none' | 'optional' | 'required'
  /** a user picker: one user (to) or several (users) */
  users: 'none' | 'one' | 'many' | 'signers'
  /** return: the target node */
  node: boolean
  /** add-signers: before or after */
  position: boolean
  /** approve: the record's editable fields go along */
  data: boolean
  /** a plain confirm is enough (read) */
  direct: boolean
}

export function needs(action: string): Needs {
  const n: Needs = { comment: 'optional', users: 'none', node: false, position: false, data: false, direct: false }
  switch (action) {
    case 'approve':
      n.data = true
      break
    case 'reject':
    case 'comment':
      n.comment = 'required'
      break
    case 'return':
      n.node = true
      break
    case 'transfer':
    case 'delegate':
      n.users = 'one'
      break
    case 'add-signers':
      n.users = 'many'
      n.position = true
      break
    case 'remove-signers':
      n.users = 'signers'
      break
    case 'cc':
      n.users = 'many'
      n.comment = 'none'
      break
    case 'read':
      n.comment = 'none'
      n.direct = true
      break
  }
  return n
}

export interface ActionForm {
  comment: string
  to: string
  users: string[]
  toNode: string
  strategy: 'rerun' | 'back'
  position: 'before' | 'after'
  data: Record<string, unknown>
}

export function emptyForm(): ActionForm {
  return { comment: '', to: '', users: [], toNode: '', strategy: 'rerun', position: 'after', data: {} }
}

/** problem names what the dialog still lacks (an i18n key), or ''. */
export function problem(action: string, f: ActionForm): string {
  const n = needs(action)
  if (n.comment === 'required' && !f.comment.trim()) return 'approvals.need.comment'
  if (n.users === 'one' && !f.to) return 'approvals.need.user'
  if (n.users === 'many' && f.users.length === 0) return 'approvals.need.users'
  if (n.node && !f.toNode) return 'approvals.need.node'
  return ''
}

/** body is the JSON body of the action's POST. */
export function body(action: string, f: ActionForm): Record<string, unknown> {
  const n = needs(action)
  const b: Record<string, unknown> = {}
  if (n.comment !== 'none' && f.comment.trim()) b.comment = f.comment.trim()
  if (n.users === 'one') b.to = f.to
  if (n.users === 'many' || (n.users === 'signers' && f.users.length)) b.users = f.users
  if (n.node) {
    b.toNode = f.toNode
    b.strategy = f.strategy
  }
  if (n.position) b.position = f.position
  if (n.data && Object.keys(f.data).length) b.data = f.data
  return b
}

/** A field as the task page shows it. */
export interface ShownField {
  field: Field
  perm: Exclude<FieldPerm, 'hidden'>
}

const editableTypes = new Set(['text', 'textarea', 'number', 'decimal', 'date', 'datetime', 'select', 'bool'])

/**
 * shownFields applies a node's field permissions: hidden fields are left
 * out; a field is editable only when the node says so (or by default at
 * the start node) and the page can edit its type.
 */
export function shownFields(fields: Field[], perms: Record<string, FieldPerm> = {}, def: FieldPerm = 'readonly', canEdit = true): ShownField[] {
  const out: ShownField[] = []
  for (const f of fields) {
    const p = perms[f.code] ?? def
    if (p === 'hidden') continue
    out.push({ field: f, perm: p === 'editable' && canEdit && editableTypes.has(f.type) ? 'editable' : 'readonly' })
  }
  return out
}

/** shownChildren is the form's child tables the node does not hide. */
export function shownChildren(form: FormDef, perms: Record<string, FieldPerm> = {}): FormDef['children'] {
  return (form.children ?? []).filter((c) => perms[c.code] !== 'hidden').map((c) => ({ ...c, fields: c.fields.filter((f) => perms[f.code] !== 'hidden') }))
}

/** changed keeps the edited values that differ from the record's. */
export function changed(record: Record<string, unknown>, edits: Record<string, unknown>, editable: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const code of editable) {
    if (!(code in edits)) continue
    const a = edits[code]
    const b = record[code]
    if (String(a ?? '') !== String(b ?? '')) out[code] = a === '' ? null : a
  }
  return out
}

export interface Filters {
  form?: string
  initiator?: string
  /** yyyy-MM-dd, inclusive */
  from?: string
  to?: string
  status?: string
}

/** listQuery is the GET /api/v1/tasks query for a tab, its filters and page. */
export function listQuery(view: View, f: Filters, page: number, pageSize: number): Record<string, string | number> {
  const q: Record<string, string | number> = { view, page, pageSize }
  if (f.form) q.form = f.form
  if (f.initiator && view !== 'started') q.initiator = f.initiator
  if (f.from) q.from = f.from
  if (f.to) q.to = nextDay(f.to) // the API's "to" is exclusive
  if (f.status) q.status = f.status
  return q
}

/** nextDay of yyyy-MM-dd. */
export function nextDay(d: string): string {
  const [y, m, day] = d.split('-').map(Number)
  const t = new Date(Date.UTC(y, m - 1, day + 1))
  return t.toISOString().slice(0, 10)
}

/** matches is the inbox's text search over what a row shows. */
export function matches(it: Item, text: string, label: (it: Item) => string[]): boolean {
  const q = text.trim().toLowerCase()
  if (!q) return true
  return [it.objectId, it.form, it.nodeName ?? '', ...label(it)].some((s) => s.toLowerCase().includes(q))
}

/** link is where an inbox row leads: its task, or (started) its instance. */
export function link(view: View, it: Item): string {
  return view === 'started' || !it.taskId ? `/instances/${it.instanceId}` : `/tasks/${it.taskId}`
}

/** Element Plus tag types for statuses. */
export function tagType(status: string): 'primary' | 'success' | 'warning' | 'danger' | 'info' {
  switch (status) {
    case 'pending':
    case 'running':
    case 'unread':
      return 'primary'
    case 'approved':
    case 'resolved':
    case 'read':
      return 'success'
    case 'waiting':
    case 'delegated':
    case 'returned':
    case 'transferred':
      return 'warning'
    case 'rejected':
    case 'terminated':
      return 'danger'
  }
  return 'info'
}

/** A line of the history timeline. */
export interface Line {
  seq: number
  time: string
  /** i18n key of what happened */
  what: string
  actor?: string
  /** whom it concerned (a task's assignee, a signer) */
  whom?: string
  nodeName?: string
  comment?: string
  /** finished: the instance's result */
  result?: string
  kind: 'primary' | 'success' | 'warning' | 'danger' | 'info'
}

/**
 * timeline turns the instance history into what people read: decisions,
 * returns, comments, urges, copies and the end; the engine's bookkeeping
 * (entered, split, joined …) is left out.
 */
export function timeline(history: HistEntry[], tasks: Task[] = []): Line[] {
  const byId = new Map(tasks.map((t) => [t.id, t]))
  const out: Line[] = []
  for (const h of history) {
    const base = { seq: h.seq, time: h.time, actor: h.actor, nodeName: h.nodeName, comment: h.data?.comment }
    switch (h.type) {
      case 'started':
        out.push({ ...base, what: 'approvals.ev.started', kind: 'info' })
        break
      case 'task': {
        const d = h.data
        if (d.kind === 'start') break // the initiator's own step: "submitted" tells it
        if (d.kind === 'cc') out.push({ ...base, what: 'approvals.ev.cc', whom: d.assignee, kind: 'info' })
        else if (d.status === 'pending') out.push({ ...base, what: 'approvals.ev.assigned', whom: d.assignee, kind: 'primary' })
        break
      }
      case 'task_set': {
        const d = h.data
        const t = d.task ? byId.get(d.task) : undefined
        const s = d.status ?? ''
        if (['approved', 'rejected', 'returned', 'transferred', 'delegated', 'resolved', 'read'].includes(s)) {
          const what = s === 'approved' && t?.kind === 'start' ? 'approvals.ev.submitted' : `approvals.ev.${s}`
          out.push({ ...base, what, actor: t?.assignee ?? h.actor, kind: tagType(s) })
        }
        break
      }
      case 'returned':
        break // the task_set "returned" tells it
      case 'comment':
        out.push({ ...base, what: 'approvals.ev.comment', kind: 'info' })
        break
      case 'urged':
        out.push({ ...base, what: 'approvals.ev.urged', whom: h.data.assignee, kind: 'warning' })
        break
      case 'timer':
        out.push({ ...base, what: 'approvals.ev.timer', kind: 'warning' })
        break
      case 'deleted':
        out.push({ ...base, what: 'approvals.ev.deleted', kind: 'danger' })
        break
      case 'finished':
        out.push({ ...base, actor: undefined, what: 'approvals.ev.finished', result: String(h.data.result ?? ''), kind: tagType(String(h.data.result ?? '')) })
        break
    }
  }
  return out
}

/** userIds collects the user ids a timeline and its tasks name. */
export function userIds(lines: Line[]): string[] {
  const s = new Set<string>()
  for (const l of lines) {
    if (l.actor) s.add(l.actor)
    if (l.whom) s.add(l.whom)
  }
  return [...s]
}

/** when shows an instant as local yyyy-MM-dd HH:mm. */
export function when(iso: string | undefined): string {
  if (!iso) return ''
  const d = new Date(iso)
  if (isNaN(d.getTime())) return iso
  const p = (n: number) => String(n).padStart(2, '0')
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`
}

/** rowStatus is the status a row shows: the task's, else the instance's. */
export function rowStatus(view: View, it: Item): string {
  return view === 'started' || !it.taskStatus ? it.status : it.taskStatus
}
