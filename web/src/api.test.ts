import { afterEach, describe, expect, it, vi } from 'vitest'
import { api, ApiError, setHooks, url } from './api'

afterEach(() => vi.unstubAllGlobals())

function answer(status: number, body: unknown) {
  return vi.fn(async () => new Response(body === undefined ? null : JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } }))
}

describe('api', () => {
  it('builds query strings, leaving out empty values', () => {
    expect(url('/api/v1/tasks', { state: 'todo', q: '', limit: 50, x: undefined })).toBe('/api/v1/tasks?state=todo&limit=50')
    expect(url('/a?b=1', { c: true })).toBe('/a?b=1&c=true')
  })

  it('sends the CSRF token on writes only', async () => {
    const f = answer(200, { ok: true })
    vi.stubGlobal('fetch', f)
    setHooks({ csrf: () => 'tok', unauthorized: () => {} })
    await api.get('/api/v1/forms')
    await api.post('/api/v1/forms', { code: 'x' })
    const [, getInit] = f.mock.calls[0] as unknown as [string, RequestInit]
    const [, postInit] = f.mock.calls[1] as unknown as [string, RequestInit]
    expect((getInit.headers as Record<string, string>)['X-CSRF-Token']).toBeUndefined()
    expect((postInit.headers as Record<string, string>)['X-CSRF-Token']).toBe('tok')
    expect(postInit.body).toBe('{"code":"x"}')
  })

  it('turns the error envelope into an ApiError naming the field', async () => {
    vi.stubGlobal('fetch', answer(422, { error: { code: 'invalid', message: '金额必须大于 0 (must be positive)', field: 'Amount' } }))
    const err = (await api.post('/api/v1/forms/c/records', {}).catch((e) => e)) as ApiError
    expect(err).toBeInstanceOf(ApiError)
    expect(err.status).toBe(422)
    expect(err.field).toBe('Amount')
    expect(err.message).toContain('must be positive')
  })

  it('tells the session store about a 401 unless asked not to', async () => {
    vi.stubGlobal('fetch', answer(401, { error: { code: 'unauthorized', message: 'no' } }))
    const seen = vi.fn()
    setHooks({ csrf: () => '', unauthorized: seen })
    await api.get('/api/v1/forms').catch(() => {})
    await api.get('/api/v1/session', undefined, { quiet401: true }).catch(() => {})
    expect(seen).toHaveBeenCalledTimes(1)
  })
})
