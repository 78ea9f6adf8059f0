import { defineStore } from 'pinia'
import { api, type Page } from '@/api'
import type { FormDef, User } from './types'

// Names the approval pages show for ids: users (initiators, assignees)
// and forms, fetched once per id and kept for the page's life.
export const useDirectory = defineStore('approvals-directory', {
  state: () => ({
    users: {} as Record<string, string>,
    forms: {} as Record<string, FormDef>,
    formsLoaded: false,
  }),
  actions: {
    userName(id: string | undefined): string {
      if (!id) return ''
      return this.users[id] ?? id.slice(0, 8)
    },
    formName(code: string): string {
      return this.forms[code]?.name || code
    },
    /** needUsers fetches the names of the ids not known yet. */
    async needUsers(ids: (string | undefined)[]) {
      const missing = [...new Set(ids.filter((id): id is string => !!id && !(id in this.users)))]
      await Promise.all(
        missing.map(async (id) => {
          try {
            const u = await api.get<User>(`/api/v1/users/${encodeURIComponent(id)}`)
            this.users[id] = u.name
          } catch {
            this.users[id] = id.slice(0, 8)
          }
        }),
      )
    },
    remember(us: User[]) {
      for (const u of us) this.users[u.id] = u.name
    },
    async loadForms() {
      if (this.formsLoaded) return
      try {
        const p = await api.get<Page<FormDef>>('/api/v1/forms')
        for (const f of p.items) this.forms[f.code] = f
      } catch {
        /* names fall back to codes */
      }
      this.formsLoaded = true
    },
    async form(code: string): Promise<FormDef> {
      const f = this.forms[code]
      if (f?.fields) return f
      const d = await api.get<FormDef>(`/api/v1/forms/${encodeURIComponent(code)}`)
      this.forms[code] = d
      return d
    },
  },
})
