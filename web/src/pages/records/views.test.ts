import { afterEach, describe, expect, it, vi } from 'vitest'
import { deleteView, loadViews, saveView } from './views'

afterEach(() => vi.unstubAllGlobals())

describe('saved views', () => {
  it('are read, saved by name and deleted through the server', async () => {
    const calls: [string, string, string | undefined][] = []
    vi.stubGlobal('fetch', vi.fn(async (u: string, init: RequestInit) => {
      calls.push([init.method ?? 'GET', u, init.body as string | undefined])
      if (init.method === 'DELETE') return new Response(null, { status: 204 })
      if (init.method === 'PUT') return new Response('{}', { status: 201 })
      return new Response(JSON.stringify({ items: [{ name: '采购 ≥ 10', filter: 'F1 >= 10', sort: '', columns: ['F1'], pageSize: 20 }], total: 1 }), { status: 200 })
    }))
    expect((await loadViews('D1'))[0].name).toBe('采购 ≥ 10')
    await saveView('D1', { name: '采购 ≥ 10', filter: 'F1 >= 10', sort: '-F1', columns: ['F1'], pageSize: 50 })
    await deleteView('D1', 'a/b')
    expect(calls.map((c) => c[0] + ' ' + c[1])).toEqual([
      'GET /api/v1/forms/D1/views',
      'PUT /api/v1/forms/D1/views/%E9%87%87%E8%B4%AD%20%E2%89%A5%2010',
      'GET /api/v1/forms/D1/views',
      'DELETE /api/v1/forms/D1/views/a%2Fb',
      'GET /api/v1/forms/D1/views',
    ])
    expect(JSON.parse(calls[1][2]!)).toEqual({ filter: 'F1 >= 10', sort: '-F1', columns: ['F1'], pageSize: 50 })
  })
})
