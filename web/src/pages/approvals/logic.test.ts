import { describe, expect, it } from 'vitest'
import { body, buttons, changed, emptyForm, link, listQuery, matches, needs, nextDay, problem, shownChildren, shownFields, timeline } from './logic'
import type { FormDef, HistEntry, Item, Task } from './types'
import messages from './messages'

describe('buttons', () => {
  it('shows exactly the actions the server lists, task actions first, approve and reject leading', () => {
    const b = buttons({ kind: 'approval', actions: ['approve', 'reject', 'return', 'transfer', 'comment', 'cc'] }, ['withdraw', 'comment', 'cc'])
    expect(b.map((x) => x.scope + ':' + x.action)).toEqual(['task:approve', 'task:reject', 'task:return', 'task:transfer', 'task:cc', 'task:comment', 'instance:withdraw'])
    expect(b.filter((x) => x.primary).map((x) => x.action)).toEqual(['approve', 'reject'])
    expect(b.find((x) => x.action === 'reject')!.type).toBe('danger')
  })
  it('never invents an action: a decided task with no instance actions has no buttons', () => {
    expect(buttons({ kind: 'approval', actions: [] }, [])).toEqual([])
    expect(buttons({ kind: 'approval' }, [])).toEqual([])
    expect(buttons(null, [])).toEqual([])
  })
  it('ignores an action it does not know rather than showing it', () => {
    expect(buttons({ kind: 'approval', actions: ['jump', 'retry-script'] }, ['jump']).length).toBe(0)
  })
  it('labels the start node approve as submit', () => {
    expect(buttons({ kind: 'start', actions: ['approve', 'comment', 'cc'] })[0].label).toBe('approvals.act.submit')
  })
  it('lets the first action lead when there is no decision (a waiting task, the instance page)', () => {
    const b = buttons({ kind: 'approval', actions: ['remove-signers', 'comment'] })
    expect(b[0]).toMatchObject({ action: 'remove-signers', primary: true })
    const i = buttons(null, ['cancel', 'urge', 'comment'])
    expect(i.map((x) => x.action)).toEqual(['urge', 'comment', 'cancel'])
    expect(i[0].primary).toBe(true)
  })
  it('has a label for every action in both languages', () => {
    const acts = ['approve', 'submit', 'reject', 'return', 'transfer', 'delegate', 'add-signers', 'remove-signers', 'cc', 'comment', 'read', 'withdraw', 'urge', 'cancel', 'terminate']
    for (const a of acts) {
      expect(messages.zh.approvals.act[a as keyof typeof messages.zh.approvals.act]).toBeTruthy()
      expect(messages.en.approvals.act[a as keyof typeof messages.en.approvals.act]).toBeTruthy()
    }
  })
})

describe('action dialogs', () => {
  it('ask what each action needs and refuse to post without it', () => {
    expect(needs('return').node).toBe(true)
    expect(needs('transfer').users).toBe('one')
    expect(needs('add-signers')).toMatchObject({ users: 'many', position: true })
    expect(problem('reject', emptyForm())).toBe('approvals.need.comment')
    expect(problem('transfer', emptyForm())).toBe('approvals.need.user')
    expect(problem('cc', emptyForm())).toBe('approvals.need.users')
    expect(problem('return', emptyForm())).toBe('approvals.need.node')
    expect(problem('approve', emptyForm())).toBe('')
  })
  it('build the bodies the API reads', () => {
    const f = { ...emptyForm(), comment: ' 同意 ', to: 'u1', users: ['u2', 'u3'], toNode: 'n1', strategy: 'back' as const, position: 'before' as const, data: { F1: 'x' } }
    expect(body('approve', f)).toEqual({ comment: '同意', data: { F1: 'x' } })
    expect(body('transfer', f)).toEqual({ comment: '同意', to: 'u1' })
    expect(body('return', f)).toEqual({ comment: '同意', toNode: 'n1', strategy: 'back' })
    expect(body('add-signers', f)).toEqual({ comment: '同意', users: ['u2', 'u3'], position: 'before' })
    expect(body('cc', f)).toEqual({ users: ['u2', 'u3'] })
    expect(body('remove-signers', { ...f, users: [] })).toEqual({ comment: '同意' })
    expect(body('approve', emptyForm())).toEqual({})
  })
})

describe('field permissions', () => {
  const form: FormDef = {
    code: 'D1',
    fields: [
      { code: 'F1', name: '事由', type: 'text' },
      { code: 'F2', name: '金额', type: 'decimal' },
      { code: 'F3', name: '备注', type: 'textarea' },
      { code: 'F4', name: '附件', type: 'attachment' },
    ],
    children: [
      { code: 'C1', name: '明细', fields: [{ code: 'F9', type: 'text' }, { code: 'F8', type: 'text' }] },
      { code: 'C2', name: '隐藏的', fields: [{ code: 'F7', type: 'text' }] },
    ],
  }
  it('leaves hidden fields out and makes only the node-editable ones editable', () => {
    const s = shownFields(form.fields, { F2: 'hidden', F3: 'editable', F4: 'editable' }, 'readonly')
    expect(s.map((x) => `${x.field.code}:${x.perm}`)).toEqual(['F1:readonly', 'F3:editable', 'F4:readonly'])
  })
  it('edits nothing when the user cannot approve', () => {
    expect(shownFields(form.fields, { F3: 'editable' }, 'readonly', false).every((x) => x.perm === 'readonly')).toBe(true)
  })
  it('uses the default permission for fields the node does not name (the start node edits)', () => {
    expect(shownFields(form.fields, {}, 'editable').filter((x) => x.perm === 'editable').map((x) => x.field.code)).toEqual(['F1', 'F2', 'F3'])
  })
  it('hides child tables and child fields the node hides', () => {
    const c = shownChildren(form, { C2: 'hidden', F8: 'hidden' })!
    expect(c.map((x) => x.code)).toEqual(['C1'])
    expect(c[0].fields.map((f) => f.code)).toEqual(['F9'])
  })
  it('sends only editable fields that changed', () => {
    expect(changed({ F1: 'a', F3: 'b' }, { F1: 'z', F3: 'c', F2: '1' }, ['F3'])).toEqual({ F3: 'c' })
    expect(changed({ F3: 'b' }, { F3: 'b' }, ['F3'])).toEqual({})
    expect(changed({ F3: 'b' }, { F3: '' }, ['F3'])).toEqual({ F3: null })
  })
})

describe('inbox', () => {
  it('builds the list query, the end date inclusive', () => {
    expect(listQuery('done', { form: 'D1', initiator: 'u1', from: '2026-12-01', to: '2026-12-31', status: 'approved' }, 2, 500)).toEqual({
      view: 'done', page: 2, pageSize: 500, form: 'D1', initiator: 'u1', from: '2026-12-01', to: '2027-01-01', status: 'approved',
    })
    expect(listQuery('started', { initiator: 'u1' }, 1, 20)).toEqual({ view: 'started', page: 1, pageSize: 20 })
    expect(nextDay('2028-02-28')).toBe('2028-02-29')
  })
  const it1: Item = { taskId: 't1', instanceId: 'i1', form: 'D1', objectId: 'BX-0001', nodeName: '主管审批', status: 'running', initiator: 'u1', createdTime: '' }
  it('searches what a row shows', () => {
    const label = () => ['张三', '报销单']
    expect(matches(it1, 'bx-0001', label)).toBe(true)
    expect(matches(it1, '张三', label)).toBe(true)
    expect(matches(it1, '主管', label)).toBe(true)
    expect(matches(it1, '王五', label)).toBe(false)
    expect(matches(it1, '  ', label)).toBe(true)
  })
  it('links a task row to its task and a started row to its instance', () => {
    expect(link('todo', it1)).toBe('/tasks/t1')
    expect(link('started', it1)).toBe('/instances/i1')
  })
})

describe('timeline', () => {
  const tasks = [
    { id: 's', kind: 'start', assignee: 'u1' },
    { id: 'a', kind: 'approval', assignee: 'u2' },
  ] as Task[]
  const h = (seq: number, type: string, data: HistEntry['data'], actor = 'u1'): HistEntry => ({ seq, type, actor, time: '2026-12-01T10:00:00Z', data })
  it('keeps what people did and leaves the bookkeeping out', () => {
    const lines = timeline(
      [
        h(1, 'started', {}),
        h(2, 'entered', {}),
        h(3, 'task', { task: 's', kind: 'start', status: 'pending', assignee: 'u1' }),
        h(4, 'task_set', { task: 's', status: 'approved', comment: '请批' }),
        h(5, 'task', { task: 'a', kind: 'approval', status: 'pending', assignee: 'u2' }),
        h(6, 'task_set', { task: 'a', status: 'approved', comment: '同意' }, 'u2'),
        h(7, 'decided', { result: 'approved' }),
        h(8, 'finished', { result: 'approved' }),
      ],
      tasks,
    )
    expect(lines.map((l) => l.what)).toEqual(['approvals.ev.started', 'approvals.ev.submitted', 'approvals.ev.assigned', 'approvals.ev.approved', 'approvals.ev.finished'])
    expect(lines[3]).toMatchObject({ actor: 'u2', comment: '同意', kind: 'success' })
    expect(lines[4].result).toBe('approved')
  })
})
