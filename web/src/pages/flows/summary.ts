// One line telling what a node does, for its card in the tree.
import type { Assignee, Branch, TreeNode } from './tree'
import { nameOf, type Directory } from './directory'
import type { FormField } from './conditions'

type T = (key: string, named?: Record<string, unknown>) => string

export function assigneeText(a: Assignee, dir: Directory, fields: FormField[], t: T): string {
  const names = (list: keyof Directory) => (a.ids ?? []).map((id) => nameOf(dir[list], id)).join('、')
  switch (a.kind) {
    case 'user':
    case 'role':
    case 'department':
    case 'position':
      return `${t('flows.kind.' + a.kind)}: ${names(a.kind) || '—'}`
    case 'leader':
      return a.continuous ? t('flows.leaderUpTo', { n: a.level ?? 1 }) : t('flows.leaderAt', { n: a.level ?? 1 })
    case 'field':
      return `${t('flows.kind.field')}: ${fields.find((f) => f.code === a.field)?.name ?? a.field ?? '—'}`
    case 'chosen':
      return a.ids?.length ? `${t('flows.kind.chosen')}: ${names('user')}` : t('flows.kind.chosen')
    case 'expression':
      return `${t('flows.kind.expression')}: ${a.expr ?? ''}`
    default:
      return t('flows.kind.' + a.kind)
  }
}

export function nodeSummary(n: TreeNode, dir: Directory, fields: FormField[], t: T): string {
  switch (n.type) {
    case 'start':
      return t('flows.summary.start')
    case 'approval':
    case 'cc': {
      if (n.external) return t('flows.summary.external')
      const who = (n.assignees ?? []).map((a) => assigneeText(a, dir, fields, t)).join('; ')
      if (!who) return t(n.type === 'cc' ? 'flows.summary.noCc' : 'flows.summary.noApprover')
      return n.type === 'approval' && (n.assignees?.length ?? 0) > 0 ? `${who} · ${t('flows.mode.' + (n.mode || 'any'))}` : who
    }
    case 'timer':
      return n.untilField ? t('flows.summary.until', { field: fields.find((f) => f.code === n.untilField)?.name ?? n.untilField }) : t('flows.summary.delay', { d: n.delay ?? '—' })
    case 'script':
      return t('flows.summary.script', { hook: n.hook ?? '—' })
    default:
      return ''
  }
}

export function branchSummary(b: Branch, fields: FormField[], t: T): string {
  if (b.default) return t('flows.summary.default')
  if (!b.condition) return t('flows.summary.noCondition')
  let s = b.condition
  for (const f of fields) s = s.split(f.code).join(f.name)
  return s
}
