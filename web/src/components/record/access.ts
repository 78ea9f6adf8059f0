// The signed-in user's access to a form (GET /api/v1/forms/{code}/access,
// docs/permissions.md): which actions a grant gives them, and the fields
// each hides or keeps read-only. The console shows only what will work;
// the server still decides every call.
import { api } from '@/api'

export interface ActionAccess {
  action: string
  allowed: boolean
  hidden: string[]
  readOnly: string[]
}

export interface Access {
  form: string
  administrator: boolean
  actions: ActionAccess[]
}

/** everything is what an administrator has (and the fallback when the answer is missing). */
export const everything: Access = { form: '', administrator: true, actions: [] }

export async function loadAccess(form: string): Promise<Access> {
  try {
    return await api.get<Access>(`/api/v1/forms/${encodeURIComponent(form)}/access`)
  } catch {
    return everything
  }
}

function of(a: Access, action: string): ActionAccess | undefined {
  return a.administrator ? undefined : a.actions.find((x) => x.action === action)
}

export const allowed = (a: Access, action: string) => of(a, action)?.allowed ?? a.administrator
export const hiddenFor = (a: Access, action: string) => of(a, action)?.hidden ?? []
export const readOnlyFor = (a: Access, action: string) => of(a, action)?.readOnly ?? []
