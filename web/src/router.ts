import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router'
import Shell from '@/layouts/Shell.vue'
import { useSession } from '@/stores/session'
import { i18n } from '@/i18n'

// Each area of the console declares its routes in src/pages/<area>/routes.ts.
const mods = import.meta.glob<{ routes: RouteRecordRaw[] }>('./pages/*/routes.ts', { eager: true })

export function buildRoutes(all: RouteRecordRaw[]): RouteRecordRaw[] {
  const bare = all.filter((r) => r.meta?.public)
  const inShell = all.filter((r) => !r.meta?.public)
  return [
    ...bare,
    {
      path: '/',
      component: Shell,
      children: [...inShell, { path: ':pathMatch(.*)*', name: 'not-found', component: () => import('@/pages/home/NotFound.vue') }],
    },
  ]
}

export const pageRoutes: RouteRecordRaw[] = Object.values(mods).flatMap((m) => m.routes)

export const router = createRouter({
  history: createWebHistory(),
  routes: buildRoutes(pageRoutes),
  scrollBehavior: () => ({ top: 0 }),
})

router.beforeEach(async (to) => {
  const session = useSession()
  await session.load()
  if (!to.meta.public && !session.signedIn) {
    return { path: '/login', query: to.fullPath !== '/' ? { redirect: to.fullPath } : {} }
  }
  if (to.meta.admin && !session.admin) return { name: 'forbidden' }
  return true
})

router.afterEach((to) => {
  const t = to.meta.title ?? to.meta.menu?.title
  document.title = t ? `${i18n.global.t(t)} · Tritium` : 'Tritium'
})
