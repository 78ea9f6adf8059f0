import { afterEach, describe, expect, it, vi } from 'vitest'
import { mount } from '@vue/test-utils'
import { defineComponent, h, nextTick } from 'vue'
import VirtualList from './VirtualList.vue'

// The inbox's windowed list: 500 rows put only those in view (and a few
// around them) in the DOM, and follow the scroll position.
describe('VirtualList', () => {
  afterEach(() => vi.unstubAllGlobals())

  function mountList(n: number) {
    vi.stubGlobal('requestAnimationFrame', (cb: FrameRequestCallback) => {
      cb(0)
      return 1
    })
    vi.stubGlobal('ResizeObserver', class { observe() {} disconnect() {} })
    const items = Array.from({ length: n }, (_, i) => ({ id: `t${i}` }))
    const Host = defineComponent(() => () =>
      h(VirtualList<{ id: string }>, { items, itemHeight: 50, overscan: 2 }, { default: ({ item }: { item: { id: string } }) => h('span', { class: 'it' }, item.id) }),
    )
    return mount(Host)
  }

  it('renders a window of the rows, not all of them, over the full height', () => {
    const w = mountList(500)
    const rows = w.findAll('.it')
    // jsdom has no layout: the list assumes 600 px, 12 rows of 50 px, + 2 below.
    expect(rows.length).toBe(14)
    expect(rows[0].text()).toBe('t0')
    expect((w.find('.spacer').element as HTMLElement).style.height).toBe('25000px')
  })

  it('moves the window with the scroll position', async () => {
    const w = mountList(500)
    const box = w.find('.vlist').element as HTMLElement
    box.scrollTop = 10000 // row 200 at the top
    await w.find('.vlist').trigger('scroll')
    await nextTick()
    const ids = w.findAll('.it').map((r) => r.text())
    expect(ids[0]).toBe('t198') // 2 rows of overscan above
    expect(ids).toContain('t211')
    expect(ids).not.toContain('t0')
    expect((w.find('.window').element as HTMLElement).style.transform).toBe('translateY(9900px)')
  })

  it('renders nothing for no rows', () => {
    expect(mountList(0).findAll('.it').length).toBe(0)
  })
})
