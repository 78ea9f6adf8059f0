// Writes .br and .gz beside every built file worth compressing, so the Go
// server sends precompressed bytes (web/embed.go, internal/httpapi/console.go)
// without compressing at request time. Output is deterministic, so a
// rebuild of unchanged sources leaves dist/ unchanged (the test command
// checks the committed build is not stale).
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { brotliCompressSync, constants, gzipSync } from 'node:zlib'

const root = new URL('../dist/', import.meta.url).pathname
const worth = /\.(js|css|html|svg|json|map|txt|mjs)$/

function walk(dir) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name)
    if (statSync(p).isDirectory()) walk(p)
    else if (worth.test(name)) compress(p)
  }
}

function compress(p) {
  const src = readFileSync(p)
  if (src.length < 1024) return
  const br = brotliCompressSync(src, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: src.length } })
  const gz = gzipSync(src, { level: 9 })
  if (br.length < src.length * 0.9) writeFileSync(p + '.br', br)
  if (gz.length < src.length * 0.9) writeFileSync(p + '.gz', gz)
}

walk(root)
