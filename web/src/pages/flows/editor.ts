// What the tree's components share (provided by FlowDesigner, injected by
// TreeChain and its cards): the tree, the selection, the server's errors
// and the simulated path.
import { inject, type InjectionKey, type Ref } from 'vue'
import type { BranchKind, NodeType, Slot, TreeNode } from './tree'
import type { TreePath } from './graph'
import type { Directory } from './directory'
import type { FormField } from './conditions'

export interface NodeError {
  message: string
  /** the branch of a branch node the error is about */
  branch?: number
}

export type Selection = { node: string; branch?: number } | undefined

export interface Editor {
  root: Ref<TreeNode>
  fields: Ref<FormField[]>
  dir: Directory
  selected: Ref<Selection>
  errors: Ref<Map<string, NodeError>>
  path: Ref<TreePath | undefined>
  add(slot: Slot, type: NodeType, kind?: BranchKind): void
  remove(id: string): void
  move(id: string, dir: -1 | 1): void
  addBranch(id: string): void
  removeBranch(id: string, index: number): void
  moveBranch(id: string, index: number, dir: -1 | 1): void
  select(s: Selection): void
}

export const editorKey: InjectionKey<Editor> = Symbol('flow editor')

export function useEditor(): Editor {
  const e = inject(editorKey)
  if (!e) throw new Error('flow editor not provided')
  return e
}
