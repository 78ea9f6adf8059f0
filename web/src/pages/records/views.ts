// Saved views of a record table: a named filter, sort, columns and page
// size, kept on the server per user (GET/PUT/DELETE
// /api/v1/forms/{code}/views[/{name}], docs/rest-api.md "Saved views").
import { api, type Page } from '@/api'

export interface View {
  name: string
  filter: string
  sort: string
  columns: string[]
  pageSize: number
}

const path = (form: string, name?: string) => `/api/v1/forms/${encodeURIComponent(form)}/views` + (name === undefined ? '' : '/' + encodeURIComponent(name))

/** loadViews answers the signed-in user's views of a form, by name. */
export async function loadViews(form: string): Promise<View[]> {
  return (await api.get<Page<View>>(path(form))).items ?? []
}

/** saveView stores a view (replacing the one with its name); answers them all. */
export async function saveView(form: string, v: View): Promise<View[]> {
  await api.put(path(form, v.name), { filter: v.filter, sort: v.sort, columns: v.columns, pageSize: v.pageSize })
  return loadViews(form)
}

/** deleteView removes the view with that name; answers the rest. */
export async function deleteView(form: string, name: string): Promise<View[]> {
  await api.del(path(form, name))
  return loadViews(form)
}
