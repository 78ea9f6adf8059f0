import { describe, expect, it } from 'vitest'
import { allowed, everything, hiddenFor, readOnlyFor, type Access } from './access'

const lisi: Access = {
  form: 'D1', administrator: false,
  actions: [
    { action: 'view', allowed: true, hidden: ['F5'], readOnly: ['F5'] },
    { action: 'edit', allowed: true, hidden: ['F5'], readOnly: ['F4', 'F5'] },
    { action: 'delete', allowed: false, hidden: [], readOnly: [] },
  ],
}

describe('access', () => {
  it('answers per action; an action the answer lacks is not allowed for a user', () => {
    expect(allowed(lisi, 'edit')).toBe(true)
    expect(allowed(lisi, 'delete')).toBe(false)
    expect(allowed(lisi, 'export')).toBe(false)
    expect(readOnlyFor(lisi, 'edit')).toEqual(['F4', 'F5'])
    expect(hiddenFor(lisi, 'view')).toEqual(['F5'])
  })
  it('gives the administrator everything', () => {
    expect(allowed(everything, 'delete')).toBe(true)
    expect(readOnlyFor(everything, 'edit')).toEqual([])
  })
})
