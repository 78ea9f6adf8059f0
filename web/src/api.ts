// The console calls the same REST API (/api/v1) as every other client,
// authenticated by the session cookie. State-changing calls carry the
// session's CSRF token (X-CSRF-Token); the server refuses them without it.

/** An error answered by the API, in its envelope {"error":{code,message,field}}. */
export class ApiError extends Error {
  constructor(
    public status: number,
    public code: string,
    message: string,
    public field?: string,
    public data?: unknown,
  ) {
    super(message)
    this.name = 'ApiError'
  }
}

type Hooks = { csrf: () => string; unauthorized: () => void }
let hooks: Hooks = { csrf: () => '', unauthorized: () => {} }

/** setHooks connects the client to the session store (done once in main.ts). */
export function setHooks(h: Hooks) {
  hooks = h
}

export interface RequestOptions {
  query?: Record<string, string | number | boolean | undefined | null>
  headers?: Record<string, string>
  /** A raw body (File, Blob, FormData) sent as is instead of JSON. */
  raw?: BodyInit
  /** Answer the Response itself (downloads), not its JSON. */
  response?: boolean
  signal?: AbortSignal
  /** Do not run the unauthorized hook on 401 (the session probe). */
  quiet401?: boolean
}

export function url(path: string, query?: RequestOptions['query']): string {
  if (!query) return path
  const q = new URLSearchParams()
  for (const [k, v] of Object.entries(query)) {
    if (v !== undefined && v !== null && v !== '') q.set(k, String(v))
  }
  const s = q.toString()
  return s ? `${path}${path.includes('?') ? '&' : '?'}${s}` : path
}

export async function request<T = unknown>(method: string, path: string, body?: unknown, opts: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json', ...opts.headers }
  let payload: BodyInit | undefined = opts.raw
  if (body !== undefined && payload === undefined) {
    headers['Content-Type'] = 'application/json'
    payload = JSON.stringify(body)
  }
  if (!['GET', 'HEAD', 'OPTIONS'].includes(method)) {
    const t = hooks.csrf()
    if (t) headers['X-CSRF-Token'] = t
  }
  const res = await fetch(url(path, opts.query), { method, headers, body: payload, credentials: 'same-origin', signal: opts.signal })
  if (!res.ok) {
    let code = 'http_' + res.status
    let message = res.statusText || `HTTP ${res.status}`
    let field: string | undefined
    let data: unknown
    try {
      data = await res.json()
      const e = (data as { error?: { code?: string; message?: string; field?: string } }).error
      if (e) {
        code = e.code ?? code
        message = e.message ?? message
        field = e.field
      }
    } catch {
      /* not JSON */
    }
    if (res.status === 401 && !opts.quiet401) hooks.unauthorized()
    throw new ApiError(res.status, code, message, field, data)
  }
  if (opts.response) return res as unknown as T
  if (res.status === 204) return undefined as T
  const text = await res.text()
  return (text ? JSON.parse(text) : undefined) as T
}

export const api = {
  get: <T = unknown>(path: string, query?: RequestOptions['query'], opts?: RequestOptions) => request<T>('GET', path, undefined, { ...opts, query }),
  post: <T = unknown>(path: string, body?: unknown, opts?: RequestOptions) => request<T>('POST', path, body, opts),
  put: <T = unknown>(path: string, body?: unknown, opts?: RequestOptions) => request<T>('PUT', path, body, opts),
  patch: <T = unknown>(path: string, body?: unknown, opts?: RequestOptions) => request<T>('PATCH', path, body, opts),
  del: <T = unknown>(path: string, opts?: RequestOptions) => request<T>('DELETE', path, undefined, opts),
}

/** A list page as REST v1 answers it. */
export interface Page<T> {
  items: T[]
  total: number
  offset: number
  limit: number
}

/** download saves a Response (an export) under the server's file name. */
export async function download(res: Response, fallback: string) {
  const cd = res.headers.get('Content-Disposition') ?? ''
  const m = /filename\*=UTF-8''([^;]+)/i.exec(cd) ?? /filename="?([^";]+)"?/i.exec(cd)
  const name = m ? decodeURIComponent(m[1]) : fallback
  const blob = await res.blob()
  const a = document.createElement('a')
  a.href = URL.createObjectURL(blob)
  a.download = name
  document.body.appendChild(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(a.href), 1000)
}
