import { describe, expect, it } from 'vitest'
import { cellText } from './format'

const t = (k: string) => `<${k}>`

describe('cells', () => {
  it('show each type readably', () => {
    expect(cellText({ code: 'Status', type: 'number' }, 2, t)).toBe('<records.st2>')
    expect(cellText({ code: 'D', type: 'datetime' }, '2025-02-17T19:10:07+08:00', t)).toBe('2025-02-17 19:10:07')
    expect(cellText({ code: 'B', type: 'bool' }, false, t)).toBe('<record.false>')
    expect(cellText({ code: 'A', type: 'attachment' }, [{ fileKey: 'k', name: 'a.pdf' }, { fileKey: 'k2' }], t)).toBe('a.pdf, k2')
    expect(cellText({ code: 'M', type: 'multiselect' }, ['x', 'y'], t)).toBe('x, y')
    expect(cellText({ code: 'N', type: 'number' }, 0, t)).toBe('0')
    expect(cellText({ code: 'N', type: 'text' }, null, t)).toBe('')
  })
})
