// The context each e2e spec gets (see run.mjs).
import assert from 'node:assert/strict'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

export const phone = { width: 390, height: 844 }
export const desktop = { width: 1366, height: 860 }

export function makeContext({ browser, base, admin, engine, state, artifacts, name }) {
  const contexts = []
  const reportFile = join(artifacts, 'report.json')
  const reports = existsSync(reportFile) ? JSON.parse(readFileSync(reportFile, 'utf8')) : {}
  const errors = []
  let step = '(start)'
  const t = {
    base,
    admin,
    engine,
    /** shared between specs, in run order */
    state,
    assert,
    phone,
    desktop,
    lastStep: () => step,
    pageErrors: () => errors.slice(),
    /** step names the part of the spec now running (shown on failure). */
    step(s) {
      step = s
    },
    /**
     * page opens a new browser context (own cookies) and page. opts:
     * viewport (desktop by default), locale 'zh' (default) or 'en'.
     */
    async page(opts = {}) {
      const ctx = await browser.newContext({ viewport: opts.viewport ?? desktop, acceptDownloads: true, locale: opts.locale === 'en' ? 'en-US' : 'zh-CN' })
      if (opts.locale) {
        await ctx.addInitScript((l) => localStorage.setItem('tritium.locale', l), opts.locale)
      }
      contexts.push(ctx)
      const page = await ctx.newPage()
      page.setDefaultTimeout(15000)
      page.on('pageerror', (e) => errors.push(`${page.url()}: ${e.message}`))
      page.on('console', (m) => {
        if (m.type() !== 'error' || opts.allowConsoleErrors?.some((re) => re.test(m.text()))) return
        // An API call the console answers on screen (a 401 session probe, a
        // 422 shown on its field) is logged by chromium as a failed load;
        // a missing script or style sheet is not excused.
        if (/^Failed to load resource: the server responded with a status of 4\d\d/.test(m.text()) && new URL(m.location().url || page.url()).pathname.startsWith('/api/')) return
        errors.push(`${page.url()}: console: ${m.text()}`)
      })
      return page
    },
    /** signIn opens /login (or `to`) and signs in; answers the page. */
    async signIn(page, who = admin, to = '/') {
      await page.goto(base + to)
      await page.locator('[data-test=login]').fill(who.login)
      await page.locator('[data-test=password]').fill(who.password)
      await page.locator('[data-test=submit]').click()
      await page.waitForURL((u) => !u.pathname.startsWith('/login'))
      return page
    },
    /** shot saves a full-page screenshot as test-artifacts/screens/<name>.png. */
    async shot(page, shotName) {
      await page.waitForLoadState('networkidle').catch(() => {})
      await page.screenshot({ path: join(artifacts, 'screens', shotName + '.png'), fullPage: true })
    },
    /**
     * api calls the REST API with the engine credentials (test setup, and
     * checking what the console did); answers {status, body}.
     */
    async api(method, path, body, headers = {}) {
      const res = await fetch(base + path, {
        method,
        headers: { EngineCode: engine.code, EngineSecret: engine.secret, 'Content-Type': 'application/json', ...headers },
        body: body === undefined ? undefined : JSON.stringify(body),
      })
      const text = await res.text()
      let parsed = text
      try {
        parsed = text ? JSON.parse(text) : undefined
      } catch {
        /* not JSON */
      }
      return { status: res.status, body: parsed, headers: res.headers }
    },
    /** ok is api() that fails the spec unless the answer is 2xx. */
    async ok(method, path, body, headers) {
      const r = await t.api(method, path, body, headers)
      assert.ok(r.status >= 200 && r.status < 300, `${method} ${path} → ${r.status} ${JSON.stringify(r.body)}`)
      return r.body
    },
    /**
     * firstLoad opens path in a fresh browser (signed in when asked) and
     * sums the bytes the server sent for the console's files (HTML, JS,
     * CSS, fonts, images; compressed as sent), API calls left out.
     */
    async firstLoad(path, signedIn) {
      const ctx = await browser.newContext({ viewport: desktop })
      contexts.push(ctx)
      if (signedIn) {
        const r = await ctx.request.post(base + '/api/v1/session', { data: { login: admin.login, password: admin.password } })
        assert.equal(r.status(), 201, 'sign in for the size check')
      }
      const page = await ctx.newPage()
      const got = { total: 0, files: 0, encodings: {} }
      page.on('response', async (res) => {
        const u = new URL(res.url())
        if (u.origin !== base || u.pathname.startsWith('/api/')) return
        const h = await res.allHeaders()
        const n = Number(h['content-length'] ?? 0)
        got.total += n
        got.files++
        const enc = h['content-encoding'] ?? 'identity'
        got.encodings[enc] = (got.encodings[enc] ?? 0) + 1
      })
      await page.goto(base + path, { waitUntil: 'networkidle' })
      await page.close()
      return got
    },
    /** report prints a measured figure and keeps it in test-artifacts/report.json. */
    report(what, value) {
      console.log(`     ${what}: ${JSON.stringify(value)}`)
      reports[what] = value
      writeFileSync(join(artifacts, 'report.json'), JSON.stringify(reports, null, 2))
    },
    async failShots() {
      let i = 0
      for (const ctx of contexts) {
        for (const p of ctx.pages()) {
          await p.screenshot({ path: join(artifacts, 'screens', `FAILED-${name}-${i++}.png`), fullPage: true }).catch(() => {})
        }
      }
    },
    async close() {
      for (const ctx of contexts) await ctx.close().catch(() => {})
    },
  }
  return t
}
