import type { RouteRecordRaw } from 'vue-router'
import { Connection, Document, Lock, OfficeBuilding } from '@element-plus/icons-vue'

// 系统管理 (administrators only; the server refuses the calls anyway).
export const routes: RouteRecordRaw[] = [
  { path: 'system/integration', name: 'system-integration', component: () => import('./IntegrationPage.vue'), meta: { admin: true, menu: { group: 'system', title: 'system.menu.integration', order: 10, icon: Connection } } },
  { path: 'system/org', name: 'system-org', component: () => import('./OrgPage.vue'), meta: { admin: true, menu: { group: 'system', title: 'system.menu.org', order: 20, icon: OfficeBuilding } } },
  { path: 'system/permissions', name: 'system-permissions', component: () => import('./PermissionsPage.vue'), meta: { admin: true, menu: { group: 'system', title: 'system.menu.permissions', order: 30, icon: Lock } } },
  { path: 'system/api', name: 'system-api', component: () => import('./ApiReference.vue'), meta: { admin: true, menu: { group: 'system', title: 'system.menu.api', order: 40, icon: Document } } },
]
