import type { RouteRecordRaw } from 'vue-router'
import { Grid } from '@element-plus/icons-vue'

export const routes: RouteRecordRaw[] = [
  { path: 'apps', name: 'apps', component: () => import('./AppsPage.vue'), meta: { menu: { group: 'apps', title: 'records.menu', icon: Grid, order: 10 } } },
  { path: 'apps/:code', name: 'records', component: () => import('./RecordsPage.vue'), meta: { title: 'records.title' } },
  { path: 'apps/:code/new', name: 'record-new', component: () => import('./RecordPage.vue'), meta: { title: 'records.newTitle' } },
  { path: 'apps/:code/:id', name: 'record', component: () => import('./RecordPage.vue'), meta: { title: 'records.recordTitle' } },
]
