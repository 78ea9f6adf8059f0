import type { RouteRecordRaw } from 'vue-router'
import { EditPen } from '@element-plus/icons-vue'

// The form list, the designer (its own chunk: it is not part of the
// sign-in or inbox load) and a form's revisions. Administrators only.
export const routes: RouteRecordRaw[] = [
  { path: 'forms', name: 'forms', component: () => import('./FormList.vue'), meta: { admin: true, menu: { group: 'apps', title: 'forms.title', icon: EditPen, order: 50 } } },
  { path: 'forms/new', name: 'form-new', component: () => import('./FormDesigner.vue'), meta: { admin: true, title: 'forms.designer.newTitle' } },
  { path: 'forms/:code', name: 'form-design', component: () => import('./FormDesigner.vue'), meta: { admin: true, title: 'forms.title' } },
  { path: 'forms/:code/revisions', name: 'form-revisions', component: () => import('./FormRevisions.vue'), meta: { admin: true, title: 'forms.list.revisions' } },
]
