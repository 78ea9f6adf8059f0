import { onBeforeUnmount, ref } from 'vue'

/** useNarrow is true on phone-width screens (below 768 px). */
export function useNarrow(width = 768) {
  const q = window.matchMedia(`(max-width: ${width - 1}px)`)
  const narrow = ref(q.matches)
  const on = (e: MediaQueryListEvent) => (narrow.value = e.matches)
  q.addEventListener('change', on)
  onBeforeUnmount(() => q.removeEventListener('change', on))
  return narrow
}
