// What the server makes of a tree (model.FromTree): the flows it generates
// and where they come from, so an error naming a flow ("flow_3") or a
// simulation's path over gateways can be shown on the tree.
import { walk, type TreeNode } from './tree'

export interface TreeFlow {
  id: string
  from: string
  to: string
  /** the branch whose condition this flow carries */
  branch?: { node: string; index: number }
}

/** flowsOf numbers the flows as the server does: flow_1, flow_2 … in the order it links them. */
export function flowsOf(root: TreeNode): TreeFlow[] {
  const used = new Set<string>()
  walk(root, (n) => {
    if (n.id) used.add(n.id)
    if (n.joinId) used.add(n.joinId)
  })
  let count = 0
  const flows: TreeFlow[] = []
  const link = (from: string, to: string, branch?: TreeFlow['branch']) => {
    let id: string
    do id = `flow_${++count}`
    while (used.has(id))
    used.add(id)
    flows.push({ id, from, to, branch })
  }
  const chain = (t: TreeNode | undefined, from: string, branch?: TreeFlow['branch']): string => {
    let prev = from
    for (; t; t = t.next) {
      const id = t.id ?? ''
      if (prev) link(prev, id, branch)
      branch = undefined
      prev = t.type === 'branch' ? branches(t) : id
    }
    return prev
  }
  const branches = (t: TreeNode): string => {
    const split = t.id ?? ''
    const join = t.joinId || split + '_join'
    ;(t.branches ?? []).forEach((b, index) => {
      const br = { node: split, index }
      const last = chain(b.next, split, br)
      if (last === split) link(split, join, br)
      else link(last, join)
    })
    return join
  }
  const last = chain(root, '')
  let end: TreeNode | undefined
  walk(root, (n) => {
    if (n.type === 'end') end = n
  })
  if (!end) link(last, 'end')
  return flows
}

/** joinOwners maps each join gateway id to its branch node. */
export function joinOwners(root: TreeNode): Map<string, string> {
  const m = new Map<string, string>()
  walk(root, (n) => {
    if (n.type === 'branch' && n.id) m.set(n.joinId || n.id + '_join', n.id)
  })
  return m
}

/** Where an error is shown: on a node, on one branch of a branch node, or nowhere. */
export interface ErrorPlace {
  node?: string
  branch?: number
}

/**
 * placeError finds the node (or branch) an error's field names: a node id,
 * a join id, or a generated flow id, read against the tree that was sent.
 */
export function placeError(root: TreeNode, field: string | undefined, message = ''): ErrorPlace {
  const ids = new Set<string>()
  walk(root, (n) => n.id && ids.add(n.id))
  const joins = joinOwners(root)
  const flows = flowsOf(root)
  const at = (name: string): ErrorPlace | undefined => {
    if (ids.has(name)) return { node: name }
    if (joins.has(name)) return { node: joins.get(name) }
    const f = flows.find((x) => x.id === name)
    if (f?.branch) return { node: f.branch.node, branch: f.branch.index }
    if (f) return at(f.to) ?? at(f.from)
    return undefined
  }
  if (field) {
    const p = at(field) ?? at(field.replace(/^\((.*)\)$/, '$1'))
    if (p) return p
  }
  const m = /(?:node|flow) ([\w-]+)/.exec(message)
  return (m && at(m[1])) || {}
}

export interface SimStep {
  node: string
  name?: string
  type: string
  assignees?: string[]
}

/** The path a simulation took, on the tree: nodes passed and branches taken. */
export interface TreePath {
  nodes: Set<string>
  /** branch node id → indexes of the branches taken */
  branches: Map<string, Set<number>>
  /** node id → the user ids it would ask */
  assignees: Map<string, string[]>
}

export function pathOf(root: TreeNode, steps: SimStep[]): TreePath {
  const joins = joinOwners(root)
  const passed = new Set(steps.map((s) => s.node))
  const path: TreePath = { nodes: new Set(), branches: new Map(), assignees: new Map() }
  for (const s of steps) {
    path.nodes.add(joins.get(s.node) ?? s.node)
    if (s.assignees?.length) path.assignees.set(s.node, [...(path.assignees.get(s.node) ?? []), ...s.assignees])
  }
  const flows = flowsOf(root)
  walk(root, (n) => {
    if (n.type !== 'branch' || !n.id || !passed.has(n.id)) return
    const taken = new Set<number>()
    n.branches?.forEach((b, i) => {
      if (b.next?.id && passed.has(b.next.id)) taken.add(i)
    })
    if (taken.size === 0) {
      // only empty branches were possible: the default, else the first empty one
      const empty = (n.branches ?? []).map((b, i) => (b.next ? -1 : i)).filter((i) => i >= 0)
      const d = empty.find((i) => n.branches?.[i].default)
      if (n.kind === 'parallel') empty.forEach((i) => taken.add(i))
      else if (d !== undefined) taken.add(d)
      else if (empty.length) taken.add(empty[0])
    } else if (n.kind === 'parallel') {
      flows.filter((f) => f.branch?.node === n.id).forEach((f) => taken.add(f.branch!.index))
    }
    path.branches.set(n.id, taken)
  })
  return path
}

/**
 * oneLanguage answers the part of a server message "中文 (English)" in the
 * locale (the English in the last balanced parentheses), or the whole
 * message when it has no such shape.
 */
export function oneLanguage(message: string, locale: string): string {
  const m = message.trim()
  if (!m.endsWith(')')) return m
  let depth = 0
  for (let i = m.length - 1; i >= 0; i--) {
    if (m[i] === ')') depth++
    else if (m[i] === '(' && --depth === 0) {
      const zh = m.slice(0, i).trim(), en = m.slice(i + 1, -1).trim()
      if (!zh || !en) return m
      return locale === 'en' ? en : zh
    }
  }
  return m
}
