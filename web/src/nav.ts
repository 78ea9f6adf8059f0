import type { Component } from 'vue'
import 'vue-router'

/**
 * Where a page appears in the side menu. Pages declare it in their
 * routes.ts (src/pages/<area>/routes.ts, found by router.ts), so a new
 * page needs no edit of a shared file.
 */
export interface MenuMeta {
  group: MenuGroup
  /** i18n key of the menu title */
  title: string
  order?: number
  icon?: Component
}

export type MenuGroup = 'home' | 'apps' | 'approvals' | 'integration' | 'system'
export const menuGroups: MenuGroup[] = ['home', 'approvals', 'apps', 'integration', 'system']

declare module 'vue-router' {
  interface RouteMeta {
    menu?: MenuMeta
    /** only the administrator may open it (the server refuses the calls anyway) */
    admin?: boolean
    /** reachable without signing in (the sign-in page) */
    public?: boolean
    /** i18n key of the page title (browser tab) */
    title?: string
  }
}
