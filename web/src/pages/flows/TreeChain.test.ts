import { describe, expect, it } from 'vitest'
import { mount } from '@vue/test-utils'
import { reactive, ref } from 'vue'
import ElementPlus from 'element-plus'
import { i18n } from '@/i18n'
import TreeChain from './TreeChain.vue'
import { editorKey, type Editor, type NodeError, type Selection } from './editor'
import * as tree from './tree'
import { pathOf, placeError, type TreePath } from './graph'
import type { BranchKind, NodeType, Slot, TreeNode } from './tree'

function setup(root: TreeNode) {
  const r = ref(root)
  const errors = ref(new Map<string, NodeError>())
  const path = ref<TreePath>()
  const selected = ref<Selection>()
  const ed: Editor = {
    root: r, fields: ref([{ code: 'F0000002', name: '金额', type: 'decimal' }]),
    dir: reactive({ user: [{ id: 'u1', name: '张三' }], role: [{ id: 'r1', name: '财务' }], department: [], position: [] }),
    selected, errors, path,
    add: (at: Slot, type: NodeType, kind?: BranchKind) => tree.insert(r.value, at, tree.newNode(r.value, type, 'n', kind)),
    remove: (id) => tree.remove(r.value, id),
    move: (id, d) => tree.move(r.value, id, d),
    addBranch: (id) => tree.addBranch(r.value, id),
    removeBranch: (id, i) => tree.removeBranch(r.value, id, i),
    moveBranch: (id, i, d) => tree.moveBranch(r.value, id, i, d),
    select: (s) => (selected.value = s),
  }
  i18n.global.locale.value = 'en'
  const w = mount(TreeChain, { props: { head: r.value }, global: { plugins: [ElementPlus, i18n], provide: { [editorKey as symbol]: ed } } })
  return { w, ed }
}

const sample = (): TreeNode => ({
  type: 'start', id: 'start',
  next: {
    type: 'approval', id: 'a1', name: 'Manager', assignees: [{ kind: 'user', ids: ['u1'] }],
    next: { type: 'branch', id: 'b1', kind: 'exclusive', branches: [{ condition: 'F0000002 > 10000', next: { type: 'cc', id: 'c1', assignees: [{ kind: 'role', ids: ['r1'] }] } }, { default: true }] },
  },
})

describe('TreeChain', () => {
  it('draws each node with what it does, by name', () => {
    const { w } = setup(sample())
    expect(w.find('[data-test=node-a1]').text()).toContain('Members: 张三 · Any one')
    expect(w.find('[data-test=node-c1]').text()).toContain('Role: 财务')
    expect(w.find('[data-test=branch-b1-0]').text()).toContain('金额 > 10000')
    expect(w.find('[data-test=branch-b1-1]').text()).toContain('Taken when no other condition holds')
  })

  it('shows a server error on the node and on the branch it names', async () => {
    const { w, ed } = setup(sample())
    const root = ed.root.value
    for (const [field, msg] of [['c1', '节点 c1 没有设置审批人或抄送人 (node c1 has no assignees)'], ['flow_3', '连线 flow_3 (b1 → c1) 的条件无效 (flow flow_3 (b1 → c1) has an invalid condition)']]) {
      const p = placeError(root, field, msg)
      ed.errors.value = new Map([[p.node!, { message: msg, branch: p.branch }]])
      await w.vm.$nextTick()
      if (p.branch === undefined) {
        expect(w.find('[data-test=node-c1]').classes()).toContain('has-error')
        expect(w.find('[data-test=node-error-c1]').text()).toBe('node c1 has no assignees')
      } else {
        expect(w.find('[data-test=node-c1]').classes()).not.toContain('has-error')
        expect(w.find('[data-test=branch-b1-0]').classes()).toContain('has-error')
        expect(w.find('[data-test=branch-error-b1-0]').text()).toBe('flow flow_3 (b1 → c1) has an invalid condition')
      }
    }
  })

  it('highlights a simulated path and the people asked', async () => {
    const { w, ed } = setup(sample())
    ed.path.value = pathOf(ed.root.value, [
      { node: 'start', type: 'start' }, { node: 'a1', type: 'approval', assignees: ['u1'] }, { node: 'b1', type: 'exclusive' }, { node: 'b1_join', type: 'exclusive' },
    ])
    await w.vm.$nextTick()
    expect(w.find('[data-test=node-a1]').classes()).toContain('on-path')
    expect(w.find('[data-test=asks-a1]').text()).toBe('Asks 张三')
    expect(w.find('[data-test=branch-b1-1]').classes()).toContain('on-path')
    expect(w.find('[data-test=branch-b1-0]').classes()).not.toContain('on-path')
    expect(w.find('[data-test=node-c1]').classes()).not.toContain('on-path')
  })

  it('edits the tree from its buttons', async () => {
    const { w, ed } = setup(sample())
    await w.find('[data-test=add-branch-b1]').trigger('click')
    expect(tree.findNode(ed.root.value, 'b1')!.branches!.length).toBe(3)
    await w.find('[data-test=remove-c1]').trigger('click')
    expect(tree.findNode(ed.root.value, 'c1')).toBeUndefined()
    await w.find('[data-test=node-a1]').trigger('click')
    expect(ed.selected.value).toEqual({ node: 'a1' })
    await w.find('[data-test=branch-b1-1]').trigger('click')
    expect(ed.selected.value).toEqual({ node: 'b1', branch: 1 })
  })
})
