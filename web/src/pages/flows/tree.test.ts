import { describe, expect, it } from 'vitest'
import { addBranch, canMove, clean, ensureIds, findNode, freshId, insert, move, moveBranch, newNode, remove, removeBranch, walk, type TreeNode } from './tree'
import { flowsOf, oneLanguage, pathOf, placeError } from './graph'

const ids = (t: TreeNode | undefined) => {
  const out: string[] = []
  for (; t; t = t.next) out.push(t.id ?? '?')
  return out
}

function sample(): TreeNode {
  return {
    type: 'start', id: 'start',
    next: {
      type: 'approval', id: 'a1', assignees: [{ kind: 'initiator' }],
      next: {
        type: 'branch', id: 'b1', kind: 'exclusive',
        branches: [
          { name: 'big', condition: 'F0000002 > 1000', next: { type: 'approval', id: 'gm', assignees: [{ kind: 'leader', level: 2 }] } },
          { default: true },
        ],
        next: { type: 'cc', id: 'c1', assignees: [{ kind: 'initiator' }] },
      },
    },
  }
}

describe('tree operations', () => {
  it('inserts after a node and first on a branch', () => {
    const t = sample()
    const n = newNode(t, 'approval', 'x')
    expect(n.id).toBe('approval_1')
    insert(t, { after: 'start' }, n)
    expect(ids(t)).toEqual(['start', 'approval_1', 'a1', 'b1', 'c1'])
    const m = newNode(t, 'cc', 'y')
    insert(t, { branch: 'b1', index: 1 }, m)
    expect(findNode(t, 'b1')!.branches![1].next?.id).toBe('cc_1')
    insert(t, { branch: 'b1', index: 0 }, newNode(t, 'timer', 'z'))
    expect(ids(findNode(t, 'b1')!.branches![0].next)).toEqual(['timer_1', 'gm'])
  })

  it('new branch nodes get two branches, exclusive ones a default', () => {
    const t = sample()
    const b = newNode(t, 'branch', 'cond', 'exclusive')
    expect(b.id).toBe('exclusive_1')
    expect(b.branches).toEqual([{ condition: '' }, { default: true }])
    expect(newNode(t, 'branch', 'par', 'parallel').branches).toEqual([{}, {}])
  })

  it('never reuses an id, join ids included', () => {
    const t = sample()
    findNode(t, 'a1')!.id = 'approval_1'
    expect(freshId(t, 'approval')).toBe('approval_2')
    findNode(t, 'b1')!.id = 'exclusive_1'
    expect(freshId(t, 'exclusive')).toBe('exclusive_2')
  })

  it('removes a node, and a branch node with its branches', () => {
    const t = sample()
    remove(t, 'a1')
    expect(ids(t)).toEqual(['start', 'b1', 'c1'])
    remove(t, 'gm')
    expect(findNode(t, 'b1')!.branches![0].next).toBeUndefined()
    remove(t, 'b1')
    expect(ids(t)).toEqual(['start', 'c1'])
    remove(t, 'start')
    expect(ids(t)).toEqual(['start', 'c1'])
  })

  it('moves nodes within their chain but never past start or end', () => {
    const t = sample()
    t.next!.next!.next!.next = { type: 'end', id: 'end' }
    expect(canMove(t, 'a1', -1)).toBe(false)
    expect(canMove(t, 'c1', 1)).toBe(false)
    move(t, 'a1', 1)
    expect(ids(t)).toEqual(['start', 'b1', 'a1', 'c1', 'end'])
    move(t, 'c1', -1)
    expect(ids(t)).toEqual(['start', 'b1', 'c1', 'a1', 'end'])
    const br = findNode(t, 'b1')!.branches![0]
    insert(t, { after: 'gm' }, newNode(t, 'cc', 'n'))
    move(t, 'cc_1', -1)
    expect(ids(br.next)).toEqual(['cc_1', 'gm'])
  })

  it('adds branches before the default, removes and reorders them', () => {
    const t = sample()
    addBranch(t, 'b1')
    const bs = () => findNode(t, 'b1')!.branches!
    expect(bs().map((b) => !!b.default)).toEqual([false, false, true])
    moveBranch(t, 'b1', 0, 1)
    expect(bs()[1].name).toBe('big')
    removeBranch(t, 'b1', 1)
    expect(bs().length).toBe(2)
    removeBranch(t, 'b1', 0)
    expect(findNode(t, 'b1')).toBeUndefined()
  })

  it('gives every node an id', () => {
    const t: TreeNode = { type: 'start', next: { type: 'approval', next: { type: 'approval', id: 'approval_1', next: { type: 'end' } } } }
    ensureIds(t)
    const all: string[] = []
    walk(t, (n) => all.push(n.id!))
    expect(all).toEqual(['start', 'approval_2', 'approval_1', 'end'])
  })

  it('cleans empty settings before sending', () => {
    const t = sample()
    Object.assign(t.next!, { name: '', mode: '', fieldPerms: {}, timeout: { after: '', action: '' } })
    t.next!.assignees = [{ kind: 'user', ids: [], level: 0, continuous: false, field: '' }]
    const b = findNode(t, 'b1')!
    b.branches![1].condition = 'x'
    const c = clean(t)
    expect(c.next).toEqual({ type: 'approval', id: 'a1', assignees: [{ kind: 'user' }], next: c.next!.next })
    expect(findNode(c, 'b1')!.branches![1]).toEqual({ default: true })
    expect(t.next!.name).toBe('') // the original is untouched
  })
})

describe('the graph the server makes', () => {
  it('numbers flows as model.FromTree does', () => {
    // the server answered this tree with flow_1 start→a1, flow_2 a1→b1,
    // flow_3 b1→gm (big), flow_4 gm→b1_join, flow_5 b1→b1_join (default),
    // flow_6 b1_join→c1, flow_7 c1→end
    const f = flowsOf(sample())
    expect(f.map((x) => `${x.id} ${x.from}→${x.to}`)).toEqual([
      'flow_1 start→a1', 'flow_2 a1→b1', 'flow_3 b1→gm', 'flow_4 gm→b1_join', 'flow_5 b1→b1_join', 'flow_6 b1_join→c1', 'flow_7 c1→end',
    ])
    expect(f[2].branch).toEqual({ node: 'b1', index: 0 })
    expect(f[4].branch).toEqual({ node: 'b1', index: 1 })
    expect(f[3].branch).toBeUndefined()
  })

  it('places errors on nodes, joins and branches', () => {
    const t = sample()
    expect(placeError(t, 'gm')).toEqual({ node: 'gm' })
    expect(placeError(t, 'b1_join')).toEqual({ node: 'b1' })
    expect(placeError(t, 'flow_3')).toEqual({ node: 'b1', branch: 0 })
    expect(placeError(t, 'flow_2')).toEqual({ node: 'b1' })
    expect(placeError(t, 'type', 'node c1 has no assignees')).toEqual({ node: 'c1' })
    expect(placeError(t, 'initiator')).toEqual({})
  })

  it('reads a simulation as a path on the tree', () => {
    const t = sample()
    const p = pathOf(t, [
      { node: 'start', type: 'start' }, { node: 'a1', type: 'approval', assignees: ['u1'] }, { node: 'b1', type: 'exclusive' },
      { node: 'b1_join', type: 'exclusive' }, { node: 'c1', type: 'cc', assignees: ['u1', 'u2'] }, { node: 'end', type: 'end' },
    ])
    expect([...p.nodes]).toEqual(['start', 'a1', 'b1', 'c1', 'end'])
    expect([...p.branches.get('b1')!]).toEqual([1])
    expect(p.assignees.get('c1')).toEqual(['u1', 'u2'])
    const q = pathOf(t, [{ node: 'start', type: 'start' }, { node: 'a1', type: 'approval' }, { node: 'b1', type: 'exclusive' }, { node: 'gm', type: 'approval' }])
    expect([...q.branches.get('b1')!]).toEqual([0])
    expect(q.nodes.has('c1')).toBe(false)
  })
})

describe('server messages', () => {
  it('shows one language of "中文 (English)"', () => {
    const m = '连线 flow_4 (exclusive_1 → cc_1) 的条件无效: unexpected token EOF (1:10) (flow flow_4 (exclusive_1 → cc_1) has an invalid condition: unexpected token EOF (1:10))'
    expect(oneLanguage(m, 'en')).toBe('flow flow_4 (exclusive_1 → cc_1) has an invalid condition: unexpected token EOF (1:10)')
    expect(oneLanguage(m, 'zh')).toBe('连线 flow_4 (exclusive_1 → cc_1) 的条件无效: unexpected token EOF (1:10)')
    expect(oneLanguage('no parentheses', 'en')).toBe('no parentheses')
    expect(oneLanguage('(only English)', 'zh')).toBe('(only English)')
  })
})
