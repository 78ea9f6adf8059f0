// End-to-end tests of the console: a real `tritium serve` on a temporary
// SQLite data directory, driven by Debian's chromium through
// playwright-core. Usage: node e2e/run.mjs <tritium binary> [spec filter]
//
// Specs are e2e/specs/*.spec.mjs, run in name order against ONE server, so
// a later spec may build on what an earlier one made (t.state). Each
// exports `default async function (t)`. A spec fails on a thrown error and
// on any console error or CSP violation in the pages it opened.
// Screenshots go to web/test-artifacts/screens/.
import { spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium } from 'playwright-core'
import { makeContext } from './harness.mjs'

const here = dirname(fileURLToPath(import.meta.url))
const [binary, filter] = process.argv.slice(2)
if (!binary) {
  console.error('usage: node e2e/run.mjs <tritium binary> [spec filter]')
  process.exit(2)
}
const artifacts = join(here, '..', 'test-artifacts')
rmSync(join(artifacts, 'screens'), { recursive: true, force: true })
rmSync(join(artifacts, 'report.json'), { force: true })
mkdirSync(join(artifacts, 'screens'), { recursive: true })

const admin = { login: 'admin@example.com', password: 'Admin-Passw0rd!' }
const engine = { code: 'e2etest', secret: 'e2e-secret-0123456789abcdef' }

async function startServer() {
  const data = mkdtempSync(join(tmpdir(), 'tritium-e2e-'))
  const env = {
    ...process.env,
    TRITIUM_ADMIN_EMAIL: admin.login,
    TRITIUM_ADMIN_PASSWORD: admin.password,
    TRITIUM_ENGINE_CODE: engine.code,
    TRITIUM_ENGINE_SECRET: engine.secret,
    TRITIUM_SQLITE_SYNC: 'normal',
    TRITIUM_ACCESS_LOG: 'false',
    TRITIUM_RATE_LIMIT: '0',
  }
  const proc = spawn(binary, ['serve', '--data', data, '--http', '127.0.0.1:0'], { env, stdio: ['ignore', 'pipe', 'pipe'] })
  let log = ''
  const addr = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('server did not start in 30 s:\n' + log)), 30000)
    const onData = (b) => {
      log += b.toString()
      const m = /"msg":"serving","addr":"([^"]+)"/.exec(log)
      if (m) {
        clearTimeout(timer)
        resolve(m[1])
      }
    }
    proc.stdout.on('data', onData)
    proc.stderr.on('data', onData)
    proc.on('exit', (code) => reject(new Error(`server exited (${code}):\n` + log)))
  })
  return { base: 'http://' + addr, proc, data, log: () => log }
}

const specs = readdirSync(join(here, 'specs'))
  .filter((f) => f.endsWith('.spec.mjs') && (!filter || f.includes(filter)))
  .sort()
const server = await startServer()
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
})
const state = {}
let failed = 0
const started = Date.now()
try {
  for (const f of specs) {
    const t = makeContext({ browser, base: server.base, admin, engine, state, artifacts, name: f })
    const t0 = Date.now()
    try {
      const mod = await import(join(here, 'specs', f))
      await mod.default(t)
      const errs = t.pageErrors()
      if (errs.length) throw new Error('errors in the page:\n  ' + errs.join('\n  '))
      console.log(`ok   ${f} (${((Date.now() - t0) / 1000).toFixed(1)} s)`)
    } catch (e) {
      failed++
      console.log(`FAIL ${f} (${((Date.now() - t0) / 1000).toFixed(1)} s) at step "${t.lastStep()}"\n${e?.stack ?? e}`)
      for (const pe of t.pageErrors()) console.log('  page: ' + pe)
      await t.failShots()
    } finally {
      await t.close()
    }
  }
} finally {
  await browser.close()
  server.proc.kill('SIGTERM')
  rmSync(server.data, { recursive: true, force: true })
}
console.log(`${specs.length - failed} of ${specs.length} e2e specs passed in ${((Date.now() - started) / 1000).toFixed(0)} s; screenshots in ${join(artifacts, 'screens')}`)
process.exit(failed ? 1 : 0)
