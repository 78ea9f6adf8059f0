import type { RouteRecordRaw } from 'vue-router'
import { Stamp } from '@element-plus/icons-vue'

export const routes: RouteRecordRaw[] = [
  { path: 'inbox', name: 'inbox', component: () => import('./InboxPage.vue'), meta: { menu: { group: 'approvals', title: 'approvals.inbox', icon: Stamp, order: 0 } } },
  { path: 'tasks/:id', name: 'task', component: () => import('./DetailPage.vue'), props: (r) => ({ mode: 'task', id: String(r.params.id) }), meta: { title: 'approvals.task' } },
  { path: 'instances/:id', name: 'instance', component: () => import('./DetailPage.vue'), props: (r) => ({ mode: 'instance', id: String(r.params.id) }), meta: { title: 'approvals.instance' } },
]
