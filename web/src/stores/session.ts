import { defineStore } from 'pinia'
import { api, ApiError } from '@/api'

export interface SessionUser {
  id: string
  name: string
  email?: string
  loginName?: string
  departmentId?: string
}

interface SessionAnswer {
  user: SessionUser
  admin: boolean
  csrfToken: string
  expiresAt?: string
  idleExpiresAt?: string
}

/** The signed-in user, as GET/POST /api/v1/session answer. */
export const useSession = defineStore('session', {
  state: () => ({
    user: null as SessionUser | null,
    admin: false,
    csrfToken: '',
    loaded: false,
  }),
  getters: {
    signedIn: (s) => s.user !== null,
  },
  actions: {
    set(a: SessionAnswer | null) {
      this.user = a?.user ?? null
      this.admin = a?.admin ?? false
      this.csrfToken = a?.csrfToken ?? ''
      this.loaded = true
    },
    /** load asks the server who is signed in (once per page load). */
    async load() {
      if (this.loaded) return
      try {
        this.set(await api.get<SessionAnswer>('/api/v1/session', undefined, { quiet401: true }))
      } catch (e) {
        if (e instanceof ApiError && e.status === 401) this.set(null)
        else throw e
      }
    },
    async login(login: string, password: string) {
      this.set(await api.post<SessionAnswer>('/api/v1/session', { login, password }, { quiet401: true }))
    },
    async logout(everywhere = false) {
      try {
        await api.del('/api/v1/session', { query: everywhere ? { everywhere: true } : undefined, quiet401: true })
      } finally {
        this.set(null)
      }
    },
    /** expired forgets the session after the server answered 401. */
    expired() {
      this.set(null)
    },
  },
})
