// The context each e2e spec gets (see run.mjs).
import assert from 'node:assert/strict'
import { join } from 'node:path'

export const phone = { width: 390, height: 844 }
export const desktop = { width: 1366, height: 860 }

export function makeContext({ browser, base, admin, engine, state, artifacts, name }) {
  const contexts = []
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
        // A signed-out visitor's session probe (GET /api/v1/session) is answered 401 by design.
        const probe = /status of 401/.test(m.text()) && m.location()?.url?.endsWith('/api/v1/session')
        if (m.type() === 'error' && !probe && !opts.allowConsoleErrors?.some((re) => re.test(m.text()))) errors.push(`${page.url()}: console: ${m.text()}`)
      })
      return page
    },
    /** signIn opens /login (or `to`) and signs in; answers the page. */
    async signIn(page, who = admin, to = '/') {
      await page.goto(base + to)
      // Element Plus puts an el-input's attributes on its <input>.
      await page.locator('input[data-test=login], [data-test=login] input').fill(who.login)
      await page.locator('input[data-test=password], [data-test=password] input').fill(who.password)
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
