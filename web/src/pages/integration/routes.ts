import type { RouteRecordRaw } from 'vue-router'
import { Key, Share, EditPen, Connection, Tickets } from '@element-plus/icons-vue'

// 集成 (administrators only; the server refuses the calls anyway).
export const routes: RouteRecordRaw[] = [
  { path: 'integration/oauth', name: 'integration-oauth', component: () => import('./OAuthClients.vue'), meta: { admin: true, menu: { group: 'integration', title: 'integration.menu.oauth', order: 10, icon: Key } } },
  { path: 'integration/webhooks', name: 'integration-webhooks', component: () => import('./WebhooksPage.vue'), meta: { admin: true, menu: { group: 'integration', title: 'integration.menu.webhooks', order: 20, icon: Share } } },
  { path: 'integration/scripts', name: 'integration-scripts', component: () => import('./ScriptsPage.vue'), meta: { admin: true, menu: { group: 'integration', title: 'integration.menu.scripts', order: 30, icon: EditPen } } },
  { path: 'integration/connectors', name: 'integration-connectors', component: () => import('./ConnectorsPage.vue'), meta: { admin: true, menu: { group: 'integration', title: 'integration.menu.connectors', order: 40, icon: Connection } } },
  { path: 'integration/logs', name: 'integration-logs', component: () => import('./LogsPage.vue'), meta: { admin: true, menu: { group: 'integration', title: 'integration.menu.logs', order: 50, icon: Tickets } } },
]
