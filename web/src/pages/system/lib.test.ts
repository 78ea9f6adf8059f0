import { describe, expect, it, vi } from 'vitest'
import { ElMessage, ElMessageBox } from 'element-plus'
import { ApiError } from '@/api'
import { changed, confirmThen, deptPaths, deptTree, fetchAll, formatTime, h3yunCurl, shellQuote, type Department } from './lib'

vi.mock('element-plus', () => ({ ElMessageBox: { confirm: vi.fn() }, ElMessage: { error: vi.fn() } }))
import { toInput, type Grant } from './permissions'

const d = (id: string, name: string, parentId = '', sortOrder = 0): Department => ({ id, name, parentId, sortOrder })

describe('deptTree', () => {
  it('nests departments under their parents, siblings by order then name', () => {
    const tree = deptTree([d('b', '销售部', 'root', 2), d('root', '总部'), d('a', '财务部', 'root', 1), d('a1', '会计组', 'a'), d('c', 'Alpha', 'root', 1)])
    expect(tree.map((n) => n.id)).toEqual(['root'])
    expect(tree[0].children.map((n) => n.label)).toEqual(['Alpha', '财务部', '销售部'])
    expect(tree[0].children[1].children.map((n) => n.id)).toEqual(['a1'])
  })
  it('keeps a department with an unknown parent, and a cycle, at the top', () => {
    const tree = deptTree([d('x', 'X', 'gone'), d('p', 'P', 'q'), d('q', 'Q', 'p')])
    const ids = (ns: ReturnType<typeof deptTree>): string[] => ns.flatMap((n) => [n.id, ...ids(n.children)])
    expect(ids(tree).sort()).toEqual(['p', 'q', 'x'])
    expect(tree.map((n) => n.id)).toContain('x')
  })
  it('names each department by its path', () => {
    const paths = deptPaths([d('root', '总部'), d('a', '财务部', 'root'), d('a1', '会计组', 'a'), d('p', 'P', 'q'), d('q', 'Q', 'p')])
    expect(paths.get('a1')).toBe('总部 / 财务部 / 会计组')
    expect(paths.get('p')).toBe('Q / P')
  })
})

describe('changed', () => {
  it('answers only the fields that differ, arrays by content, a cleared text as ""', () => {
    const orig = { name: '张三', email: 'z@example.com', roleIds: ['r1'], enabled: true }
    expect(changed(orig, { ...orig, roleIds: ['r1'] }, ['name', 'email', 'roleIds', 'enabled'])).toEqual({})
    expect(changed(orig, { ...orig, email: '', roleIds: ['r1', 'r2'], enabled: false }, ['name', 'email', 'roleIds', 'enabled'])).toEqual({ email: '', roleIds: ['r1', 'r2'], enabled: false })
  })
  it('does not send an empty value for a field the original did not have', () => {
    expect(changed<{ title: string; roleIds: string[] }>({}, { title: '', roleIds: [] }, ['title', 'roleIds'])).toEqual({})
  })
})

describe('fetchAll', () => {
  it('pages on until the total is reached', async () => {
    const all = Array.from({ length: 1200 }, (_, i) => ({ id: String(i) }))
    const get = vi.fn(async (_p: string, q?: Record<string, unknown>) => {
      const offset = Number(q?.offset)
      return { items: all.slice(offset, offset + 500), total: all.length, offset, limit: 500 }
    })
    const got = await fetchAll<{ id: string }>('/api/v1/departments', {}, 5000, get as never)
    expect(got).toHaveLength(1200)
    expect(get).toHaveBeenCalledTimes(3)
    expect(get.mock.calls.map((c) => c[1]?.offset)).toEqual([0, 500, 1000])
  })
  it('stops at max and on an empty page', async () => {
    const get = vi.fn(async () => ({ items: [{ id: 'a' }, { id: 'b' }], total: 99, offset: 0, limit: 500 }))
    expect(await fetchAll('/x', {}, 3, get as never)).toHaveLength(3)
    const empty = vi.fn(async () => ({ items: [], total: 10, offset: 0, limit: 500 }))
    expect(await fetchAll('/x', {}, 100, empty as never)).toEqual([])
    expect(empty).toHaveBeenCalledTimes(1)
  })
})

describe('h3yunCurl', () => {
  it('is a runnable call that leaves the secret out', () => {
    const s = h3yunCurl('http://127.0.0.1:8090', "it's")
    expect(s).toContain(`'http://127.0.0.1:8090/OpenApi/Invoke'`)
    expect(s).toContain(`-H 'EngineCode: it'\\''s'`)
    expect(s).toContain('$TRITIUM_ENGINE_SECRET')
    const body = /-d '(.*)'$/.exec(s)?.[1]
    expect(JSON.parse(body!)).toMatchObject({ ActionName: 'LoadBizObjects', SchemaCode: 'D000001Contract' })
  })
  it('quotes for the shell', () => {
    expect(shellQuote("a'b")).toBe(`'a'\\''b'`)
  })
})

describe('formatTime', () => {
  it('shows a time and nothing for none or the zero time', () => {
    expect(formatTime('2026-01-02T03:04:05Z')).toMatch(/^2026-01-0[12] \d\d:04:05$/)
    expect(formatTime('0001-01-01T00:00:00Z')).toBe('')
    expect(formatTime(null)).toBe('')
  })
})

describe('toInput', () => {
  it('drops what the server answers and what the scope does not use', () => {
    const g: Grant = { id: 'g1', form: 'F', principal: { kind: 'everyone', id: 'x' }, actions: ['view'], scope: 'own', rule: 'Status = 1', hidden: [], readOnly: ['F1'], note: '', expands: 'OwnerId = @user.id' }
    expect(toInput(g)).toEqual({ id: 'g1', principal: { kind: 'everyone' }, actions: ['view'], scope: 'own', readOnly: ['F1'] })
    expect(toInput({ ...g, scope: 'custom', principal: { kind: 'role', id: 'r1' } })).toMatchObject({ scope: 'custom', rule: 'Status = 1', principal: { kind: 'role', id: 'r1' } })
  })
})

describe('confirmThen', () => {
  it('does nothing when refused', async () => {
    vi.mocked(ElMessageBox.confirm).mockRejectedValueOnce('cancel')
    const action = vi.fn(async () => {})
    expect(await confirmThen('删除吗？', '删除', action)).toBe(false)
    expect(action).not.toHaveBeenCalled()
  })
  it('runs the action when confirmed and shows the server message when it fails', async () => {
    vi.mocked(ElMessageBox.confirm).mockResolvedValue('confirm' as never)
    expect(await confirmThen('?', 't', async () => {})).toBe(true)
    const fail = async () => {
      throw new ApiError(409, 'conflict', '部门下还有用户 (the department has users)')
    }
    expect(await confirmThen('?', 't', fail)).toBe(false)
    expect(ElMessage.error).toHaveBeenCalledWith('部门下还有用户 (the department has users)')
  })
})
