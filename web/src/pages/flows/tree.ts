// The approval tree the server reads and writes (docs/workflow.md, "The
// approval tree"): a chain of nodes linked by `next`, from the start node
// to an (implicit or explicit) end. The editor edits this very JSON; every
// node it creates gets an id, so the ids the server names in its errors
// and its simulation are the ones on screen.

export type NodeType = 'start' | 'approval' | 'cc' | 'script' | 'timer' | 'branch' | 'end'
export type BranchKind = 'exclusive' | 'parallel' | 'inclusive'
export type FieldPerm = 'editable' | 'readonly' | 'hidden'

export interface Assignee {
  kind: string
  ids?: string[]
  level?: number
  continuous?: boolean
  includeSubDepartments?: boolean
  field?: string
  expr?: string
}

export interface Timeout {
  after?: string
  remindAfter?: string
  remindEvery?: string
  action?: string
  escalateTo?: string
}

export interface TreeNode {
  type: NodeType
  id?: string
  name?: string
  assignees?: Assignee[]
  mode?: string
  passPercent?: number
  emptyPolicy?: string
  emptyUser?: string
  autoApproveSame?: boolean
  rejectPolicy?: string
  fieldPerms?: Record<string, FieldPerm>
  timeout?: Timeout
  external?: { url: string; client?: string }
  delay?: string
  untilField?: string
  hook?: string
  kind?: BranchKind
  joinId?: string
  branches?: Branch[]
  next?: TreeNode
}

export interface Branch {
  name?: string
  condition?: string
  default?: boolean
  next?: TreeNode
}

/** Where a new node goes: after a node, or first on a branch. */
export type Slot = { after: string } | { branch: string; index: number }

/** walk calls fn for every node of the chain from t, branches included. */
export function walk(t: TreeNode | undefined, fn: (n: TreeNode) => void) {
  for (; t; t = t.next) {
    fn(t)
    for (const b of t.branches ?? []) walk(b.next, fn)
  }
}

export function findNode(root: TreeNode, id: string): TreeNode | undefined {
  let found: TreeNode | undefined
  walk(root, (n) => {
    if (!found && n.id === id) found = n
  })
  return found
}

/** usedIds: every node and join id written in the tree. */
export function usedIds(root: TreeNode): Set<string> {
  const used = new Set<string>()
  walk(root, (n) => {
    if (n.id) used.add(n.id)
    if (n.joinId) used.add(n.joinId)
    if (n.type === 'branch' && n.id) used.add(n.id + '_join')
  })
  return used
}

/** freshId answers prefix_n, the first one the tree does not use. */
export function freshId(root: TreeNode, prefix: string): string {
  const used = usedIds(root)
  for (let i = 1; ; i++) {
    const id = `${prefix}_${i}`
    if (!used.has(id)) return id
  }
}

/** ensureIds gives every node without an id one, as the server would. */
export function ensureIds(root: TreeNode): TreeNode {
  if (!root.id) root.id = 'start'
  walk(root, (n) => {
    if (!n.id) n.id = n.type === 'end' && !usedIds(root).has('end') ? 'end' : freshId(root, n.type)
  })
  return root
}

/** newNode makes a node of type for root (an id it does not use yet). */
export function newNode(root: TreeNode, type: NodeType, name: string, kind: BranchKind = 'exclusive'): TreeNode {
  const n: TreeNode = { type, id: freshId(root, type === 'branch' ? kind : type), name }
  if (type === 'approval' || type === 'cc') n.assignees = []
  if (type === 'branch') {
    n.kind = kind
    n.branches = kind === 'parallel' ? [{}, {}] : [{ condition: '' }, { default: true }]
  }
  return n
}

/** chainOf answers the node whose `next` (or the branch whose `next`) holds id, as a setter. */
type Holder = { get: () => TreeNode | undefined; set: (n: TreeNode | undefined) => void }

function holderOf(root: TreeNode, id: string): Holder | undefined {
  let out: Holder | undefined
  walk(root, (n) => {
    if (out) return
    if (n.next?.id === id) out = { get: () => n.next, set: (v) => (n.next = v) }
    for (const b of n.branches ?? []) {
      if (!out && b.next?.id === id) out = { get: () => b.next, set: (v) => (b.next = v) }
    }
  })
  return out
}

/** insert puts node at slot; what stood there follows it. Before an end node when after the last. */
export function insert(root: TreeNode, slot: Slot, node: TreeNode): void {
  if ('after' in slot) {
    const at = findNode(root, slot.after)
    if (!at || at.type === 'end') throw new Error(`no node ${slot.after} to insert after`)
    node.next = at.next
    at.next = node
    return
  }
  const br = findNode(root, slot.branch)?.branches?.[slot.index]
  if (!br) throw new Error(`no branch ${slot.branch}[${slot.index}]`)
  node.next = br.next
  br.next = node
}

/** remove takes a node out of its chain (a branch node with all its branches). */
export function remove(root: TreeNode, id: string): void {
  const h = holderOf(root, id)
  const n = h?.get()
  if (!h || !n || n.type === 'start' || n.type === 'end') return
  h.set(n.next)
}

/** chainWith answers the chain (array, in order) that holds id, and where. */
function chainWith(root: TreeNode, id: string): { chain: TreeNode[]; index: number; head: Holder | undefined } | undefined {
  const heads: { first: TreeNode; holder: Holder | undefined }[] = [{ first: root, holder: undefined }]
  walk(root, (n) => {
    for (const b of n.branches ?? []) if (b.next) heads.push({ first: b.next, holder: { get: () => b.next, set: (v) => (b.next = v) } })
  })
  for (const h of heads) {
    const chain: TreeNode[] = []
    for (let t: TreeNode | undefined = h.first; t; t = t.next) chain.push(t)
    const index = chain.findIndex((n) => n.id === id)
    if (index >= 0) return { chain, index, head: h.holder }
  }
  return undefined
}

/** canMove reports whether id can move one place up (-1) or down (1) in its chain. */
export function canMove(root: TreeNode, id: string, dir: -1 | 1): boolean {
  const c = chainWith(root, id)
  if (!c) return false
  const j = c.index + dir
  const fixed = (n: TreeNode) => n.type === 'start' || n.type === 'end'
  return j >= 0 && j < c.chain.length && !fixed(c.chain[c.index]) && !fixed(c.chain[j])
}

/** move swaps id with its neighbour in its chain. */
export function move(root: TreeNode, id: string, dir: -1 | 1): void {
  if (!canMove(root, id, dir)) return
  const c = chainWith(root, id)!
  const chain = c.chain.slice()
  const j = c.index + dir
  ;[chain[c.index], chain[j]] = [chain[j], chain[c.index]]
  chain.forEach((n, i) => (n.next = chain[i + 1]))
  if (c.head) c.head.set(chain[0])
}

/** addBranch adds a branch before the default one (conditions are tried in order). */
export function addBranch(root: TreeNode, id: string): void {
  const n = findNode(root, id)
  if (!n?.branches) return
  const b: Branch = n.kind === 'parallel' ? {} : { condition: '' }
  const d = n.branches.findIndex((x) => x.default)
  if (d >= 0) n.branches.splice(d, 0, b)
  else n.branches.push(b)
}

/** removeBranch drops a branch; with two left the whole branch node goes. */
export function removeBranch(root: TreeNode, id: string, index: number): void {
  const n = findNode(root, id)
  if (!n?.branches) return
  if (n.branches.length <= 2) remove(root, id)
  else n.branches.splice(index, 1)
}

/** moveBranch swaps branch index with its neighbour. */
export function moveBranch(root: TreeNode, id: string, index: number, dir: -1 | 1): void {
  const bs = findNode(root, id)?.branches
  const j = index + dir
  if (!bs || j < 0 || j >= bs.length) return
  ;[bs[index], bs[j]] = [bs[j], bs[index]]
}

/** clean answers a copy fit to send: empty settings left out. */
export function clean(root: TreeNode): TreeNode {
  const copy = JSON.parse(JSON.stringify(root)) as TreeNode
  walk(copy, (n) => {
    const o = n as unknown as Record<string, unknown>
    for (const k of Object.keys(o)) {
      const v = o[k]
      if (v === '' || v === undefined || v === null || (k === 'fieldPerms' && Object.keys(v as object).length === 0)) delete o[k]
    }
    if (n.timeout) {
      const t = n.timeout as Record<string, unknown>
      for (const k of Object.keys(t)) if (!t[k]) delete t[k]
      if (Object.keys(t).length === 0) delete n.timeout
    }
    for (const a of n.assignees ?? []) {
      const r = a as unknown as Record<string, unknown>
      for (const k of Object.keys(r)) {
        const v = r[k]
        if (v === '' || v === undefined || v === false || v === 0 || (Array.isArray(v) && v.length === 0)) delete r[k]
      }
    }
    for (const b of n.branches ?? []) {
      if (!b.name) delete b.name
      if (b.default || !b.condition) delete b.condition
      if (!b.default) delete b.default
    }
  })
  return copy
}
