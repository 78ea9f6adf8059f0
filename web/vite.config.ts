import { defineConfig } from 'vitest/config'
import vue from '@vitejs/plugin-vue'
import { fileURLToPath, URL } from 'node:url'

// The console is built to dist/, committed, and embedded in the Go binary
// (web/embed.go). Hashed file names under assets/ let the server cache them
// for a year; index.html is always revalidated.
export default defineConfig({
  plugins: [vue()],
  resolve: { alias: { '@': fileURLToPath(new URL('./src', import.meta.url)) } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsDir: 'assets',
    // No inline data: scripts; the CSP allows only 'self'.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    chunkSizeWarningLimit: 1500,
    rollupOptions: {
      output: {
        manualChunks(id) {
          if (id.includes('node_modules/element-plus') || id.includes('node_modules/@element-plus')) return 'element-plus'
          if (/node_modules\/(@vue|vue|vue-router|pinia|vue-i18n|@intlify)\//.test(id)) return 'vue'
        },
      },
    },
  },
  server: { proxy: { '/api': 'http://127.0.0.1:8090', '/OpenApi': 'http://127.0.0.1:8090' } },
  test: { environment: 'jsdom', include: ['src/**/*.test.ts'] },
})
