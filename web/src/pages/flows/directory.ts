// The people an assignee rule can name, from the org API (/api/v1/users,
// /roles, /departments, /positions), loaded once per designer.
import { reactive } from 'vue'
import { api, type Page } from '@/api'

export interface Named {
  id: string
  name: string
  loginName?: string
}

export type DirectoryKind = 'user' | 'role' | 'department' | 'position'

export interface Directory {
  user: Named[]
  role: Named[]
  department: Named[]
  position: Named[]
}

const paths: Record<DirectoryKind, string> = { user: '/api/v1/users', role: '/api/v1/roles', department: '/api/v1/departments', position: '/api/v1/positions' }

export function useDirectory() {
  const dir = reactive<Directory>({ user: [], role: [], department: [], position: [] })
  async function load() {
    await Promise.all(
      (Object.keys(paths) as DirectoryKind[]).map(async (k) => {
        try {
          dir[k] = (await api.get<Page<Named>>(paths[k], { limit: 500 })).items ?? []
        } catch {
          dir[k] = []
        }
      }),
    )
  }
  return { dir, load }
}

/** nameOf answers the name of id in list, else the id itself. */
export function nameOf(list: Named[], id: string): string {
  return list.find((x) => x.id === id)?.name ?? id
}
