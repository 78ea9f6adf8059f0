// The organisation's lookups the system pages share while open: the
// departments (as a tree), roles and positions, loaded whole for pickers.
import { computed, ref } from 'vue'
import { deptPaths, deptTree, fetchAll, type Department } from './lib'

export interface User {
  id: string
  name: string
  loginName?: string
  email?: string
  mobile?: string
  title?: string
  departmentId?: string
  leaderId?: string
  enabled: boolean
  roleIds: string[]
  positionIds: string[]
  externalId?: string
}

export interface Role {
  id: string
  name: string
  description?: string
  memberIds: string[]
  externalId?: string
}

export interface Position {
  id: string
  code: string
  name: string
  departmentId?: string
  description?: string
  memberIds: string[]
  externalId?: string
}

export function useOrgLookups() {
  const departments = ref<Department[]>([])
  const roles = ref<Role[]>([])
  const positions = ref<Position[]>([])
  const tree = computed(() => deptTree(departments.value))
  const deptPath = computed(() => deptPaths(departments.value))
  const roleName = computed(() => new Map(roles.value.map((r) => [r.id, r.name])))
  const positionName = computed(() => new Map(positions.value.map((p) => [p.id, p.name])))
  async function reload() {
    const [d, r, p] = await Promise.all([
      fetchAll<Department>('/api/v1/departments'),
      fetchAll<Role>('/api/v1/roles'),
      fetchAll<Position>('/api/v1/positions'),
    ])
    departments.value = d
    roles.value = r
    positions.value = p
  }
  return { departments, roles, positions, tree, deptPath, roleName, positionName, reload }
}

export type OrgLookups = ReturnType<typeof useOrgLookups>
