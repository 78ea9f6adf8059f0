import type { RouteRecordRaw } from 'vue-router'
import { Share } from '@element-plus/icons-vue'

export const routes: RouteRecordRaw[] = [
  {
    path: 'flows',
    name: 'flows',
    component: () => import('./FlowList.vue'),
    meta: { admin: true, menu: { group: 'apps', title: 'flows.menu', icon: Share, order: 50 } },
  },
  { path: 'forms/:code/flow', name: 'flow-designer', component: () => import('./FlowDesigner.vue'), meta: { admin: true, title: 'flows.menu' } },
]
