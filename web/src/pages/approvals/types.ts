// The workflow API's shapes as the console reads them (docs/workflow.md).

export type View = 'todo' | 'done' | 'started' | 'cc'
export const views: View[] = ['todo', 'done', 'started', 'cc']

/** One entry of GET /api/v1/tasks. */
export interface Item {
  taskId?: string
  node?: string
  nodeName?: string
  kind?: string
  assignee?: string
  taskStatus?: string
  instanceId: string
  form: string
  objectId: string
  status: string
  initiator: string
  createdTime: string
  actedTime?: string
  /** the console's row key: the task, else the instance */
  rowKey?: string
}

export interface ItemPage {
  items: Item[]
  total: number
  page: number
  pageSize: number
}

export interface NodeRef {
  node: string
  nodeName?: string
}

export type FieldPerm = 'editable' | 'readonly' | 'hidden'

/** GET /api/v1/tasks/{id}, read as its user. */
export interface Task {
  id: string
  node: string
  nodeName?: string
  kind: string
  assignee: string
  status: string
  comment?: string
  addedBy?: string
  position?: string
  delegatedFrom?: string
  instanceId: string
  form: string
  objectId: string
  instanceStatus: string
  created: string
  acted?: string
  actions?: string[]
  returnTo?: NodeRef[]
  fieldPerms?: Record<string, FieldPerm>
  defaultPerm?: FieldPerm
}

export interface HistEntry {
  seq: number
  type: string
  actor?: string
  time: string
  node?: string
  nodeName?: string
  data: Record<string, unknown> & { status?: string; comment?: string; assignee?: string; task?: string; result?: string; to?: string; from?: string; kind?: string }
}

/** GET /api/v1/instances/{id}, read as a user. */
export interface Instance {
  id: string
  form: string
  objectId: string
  version: number
  status: string
  initiator: string
  positions: { node: string; nodeName?: string; token: string }[]
  tasks: Task[]
  history: HistEntry[]
  actions?: string[]
}

export interface Field {
  code: string
  name?: string
  type: string
  options?: string[]
  required?: boolean
  scale?: number
}

export interface FormDef {
  code: string
  name?: string
  workflow?: boolean
  fields: Field[]
  children?: { code: string; name?: string; fields: Field[] }[]
}

export interface User {
  id: string
  name: string
  loginName?: string
  email?: string
}
