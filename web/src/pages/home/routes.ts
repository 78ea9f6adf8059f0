import type { RouteRecordRaw } from 'vue-router'
import { HomeFilled } from '@element-plus/icons-vue'

export const routes: RouteRecordRaw[] = [
  { path: '', name: 'home', component: () => import('./HomePage.vue'), meta: { menu: { group: 'home', title: 'menu.home', icon: HomeFilled, order: 0 } } },
  { path: 'forbidden', name: 'forbidden', component: () => import('./ForbiddenPage.vue'), meta: { title: 'common.forbidden' } },
]
