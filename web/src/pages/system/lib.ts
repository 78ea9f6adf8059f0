// Helpers of the system and integration pages that hold logic worth a
// unit test: paging through a whole list, the department tree, the
// changed fields of an edit, the curl example of the H3Yun endpoint.
import { ElMessage, ElMessageBox } from 'element-plus'
import { api, ApiError, type Page } from '@/api'

/** errorText is what a failed call shows: the server's own message. */
export function errorText(e: unknown): string {
  if (e instanceof ApiError) return e.message
  return e instanceof Error ? e.message : String(e)
}

/**
 * fetchAll pages through a REST list (offset/limit) until it has every
 * item or `max` of them, for pickers (departments, roles, positions).
 */
export async function fetchAll<T>(path: string, query: Record<string, string | number> = {}, max = 5000, get = api.get): Promise<T[]> {
  const out: T[] = []
  for (let offset = 0; out.length < max; ) {
    const page = await get<Page<T>>(path, { ...query, offset, limit: 500 })
    const items = page.items ?? []
    out.push(...items)
    offset += items.length
    if (items.length === 0 || offset >= page.total) break
  }
  return out.slice(0, max)
}

export interface Department {
  id: string
  name: string
  parentId?: string
  managerId?: string
  sortOrder: number
  externalId?: string
}

export interface DeptNode {
  id: string
  label: string
  value: string
  dept: Department
  children: DeptNode[]
}

/**
 * deptTree arranges departments under their parents, siblings by
 * sortOrder then name. A department whose parent is unknown (or that
 * is part of a cycle) is shown at the top, so none goes missing.
 */
export function deptTree(depts: Department[]): DeptNode[] {
  const nodes = new Map<string, DeptNode>()
  for (const d of depts) nodes.set(d.id, { id: d.id, label: d.name, value: d.id, dept: d, children: [] })
  const roots: DeptNode[] = []
  for (const n of nodes.values()) {
    const parent = n.dept.parentId ? nodes.get(n.dept.parentId) : undefined
    if (parent && !isBelow(parent, n, nodes)) parent.children.push(n)
    else roots.push(n)
  }
  const sort = (list: DeptNode[]) => {
    list.sort((a, b) => a.dept.sortOrder - b.dept.sortOrder || a.label.localeCompare(b.label))
    list.forEach((c) => sort(c.children))
  }
  sort(roots)
  return roots
}

// isBelow reports whether `node` is `of` or one of its ancestors would be `of` (a cycle).
function isBelow(node: DeptNode, of: DeptNode, nodes: Map<string, DeptNode>): boolean {
  const seen = new Set<string>()
  for (let n: DeptNode | undefined = node; n; n = n.dept.parentId ? nodes.get(n.dept.parentId) : undefined) {
    if (n.id === of.id || seen.has(n.id)) return true
    seen.add(n.id)
  }
  return false
}

/** deptNames maps department ids to their path of names ("总部 / 财务部"). */
export function deptPaths(depts: Department[]): Map<string, string> {
  const byId = new Map(depts.map((d) => [d.id, d]))
  const out = new Map<string, string>()
  for (const d of depts) {
    const names: string[] = []
    const seen = new Set<string>()
    for (let c: Department | undefined = d; c && !seen.has(c.id); c = c.parentId ? byId.get(c.parentId) : undefined) {
      seen.add(c.id)
      names.unshift(c.name)
    }
    out.set(d.id, names.join(' / '))
  }
  return out
}

/**
 * changed is the PATCH body of an edit: the keys of `edited` whose value
 * differs from `original` (arrays compared by content). An emptied text
 * is sent as "" (the API clears it).
 */
export function changed<T extends object>(original: Partial<T>, edited: T, keys: (keyof T)[]): Partial<T> {
  const out: Partial<T> = {}
  for (const k of keys) {
    const a = original[k] ?? (Array.isArray(edited[k]) ? [] : typeof edited[k] === 'string' ? '' : undefined)
    const b = edited[k]
    if (JSON.stringify(a) !== JSON.stringify(b)) out[k] = b
  }
  return out
}

/** shellQuote quotes a value for a POSIX shell. */
export function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`
}

/**
 * h3yunCurl is a runnable call of the H3Yun endpoint: LoadBizObjects on
 * a form, the secret left as a variable (it is never shown again).
 */
export function h3yunCurl(origin: string, engineCode: string, schemaCode = 'D000001Contract'): string {
  const body = JSON.stringify({ ActionName: 'LoadBizObjects', SchemaCode: schemaCode, Filter: { FromRowNum: 0, ToRowNum: 10, RequireCount: true } })
  return [
    `curl -s ${shellQuote(origin + '/OpenApi/Invoke')} \\`,
    `  -H ${shellQuote('EngineCode: ' + engineCode)} \\`,
    `  -H "EngineSecret: $TRITIUM_ENGINE_SECRET" \\`,
    `  -H 'Content-Type: application/json; charset=utf-8' \\`,
    `  -d ${shellQuote(body)}`,
  ].join('\n')
}

/** copyText puts text on the clipboard; false when the browser refuses. */
export async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text)
    return true
  } catch {
    return false
  }
}

/** formatTime shows an RFC 3339 time in the browser's zone ("" for none). */
export function formatTime(s?: string | null): string {
  if (!s) return ''
  const d = new Date(s)
  if (Number.isNaN(d.getTime()) || d.getFullYear() < 1971) return ''
  const p = (n: number) => String(n).padStart(2, '0')
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`
}

/**
 * confirmThen asks before a destructive action and runs it: a refusal
 * does nothing, a failure shows the server's message. It answers whether
 * the action ran to the end.
 */
export async function confirmThen(message: string, title: string, action: () => Promise<unknown>): Promise<boolean> {
  try {
    await ElMessageBox.confirm(message, title, { type: 'warning' })
  } catch {
    return false
  }
  try {
    await action()
    return true
  } catch (e) {
    ElMessage.error(errorText(e))
    return false
  }
}
