// Saved views of a record table: a named filter, sort, columns and page
// size. They are kept in this browser's localStorage, per user and form
// (there is no server endpoint for them yet), under
// tritium.views.<user id>.<form code>.

export interface View {
  name: string
  filter: string
  sort: string
  columns: string[]
  pageSize: number
}

function key(user: string, form: string) {
  return `tritium.views.${user}.${form.toLowerCase()}`
}

function valid(v: unknown): v is View {
  const o = v as View
  return !!o && typeof o.name === 'string' && typeof o.filter === 'string' && typeof o.sort === 'string' && Array.isArray(o.columns) && typeof o.pageSize === 'number'
}

/** loadViews answers the user's views of a form, by name. */
export function loadViews(user: string, form: string, store: Storage = localStorage): View[] {
  try {
    const all = JSON.parse(store.getItem(key(user, form)) ?? '[]')
    return Array.isArray(all) ? all.filter(valid) : []
  } catch {
    return []
  }
}

/** saveView adds a view, or replaces the one with its name. */
export function saveView(user: string, form: string, v: View, store: Storage = localStorage): View[] {
  const all = loadViews(user, form, store).filter((x) => x.name !== v.name)
  all.push(v)
  all.sort((a, b) => a.name.localeCompare(b.name))
  store.setItem(key(user, form), JSON.stringify(all))
  return all
}

/** deleteView removes the view with that name. */
export function deleteView(user: string, form: string, name: string, store: Storage = localStorage): View[] {
  const all = loadViews(user, form, store).filter((x) => x.name !== name)
  store.setItem(key(user, form), JSON.stringify(all))
  return all
}
