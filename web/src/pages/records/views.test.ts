import { beforeEach, describe, expect, it } from 'vitest'
import { deleteView, loadViews, saveView, type View } from './views'

const v = (name: string, filter = ''): View => ({ name, filter, sort: '-CreatedTime', columns: ['F1'], pageSize: 20 })

describe('saved views', () => {
  beforeEach(() => localStorage.clear())
  it('are kept per user and form, replaced by name, deleted', () => {
    saveView('u1', 'D1', v('b'))
    saveView('u1', 'D1', v('a'))
    saveView('u1', 'D1', v('b', 'F1 = 1'))
    saveView('u2', 'D1', v('other'))
    expect(loadViews('u1', 'd1').map((x) => [x.name, x.filter])).toEqual([['a', ''], ['b', 'F1 = 1']])
    expect(loadViews('u2', 'D1').map((x) => x.name)).toEqual(['other'])
    expect(deleteView('u1', 'D1', 'a').map((x) => x.name)).toEqual(['b'])
  })
  it('ignore what is not a view', () => {
    localStorage.setItem('tritium.views.u1.d1', '[{"name":1},"x"]')
    expect(loadViews('u1', 'D1')).toEqual([])
    localStorage.setItem('tritium.views.u1.d1', '{bad')
    expect(loadViews('u1', 'D1')).toEqual([])
  })
})
