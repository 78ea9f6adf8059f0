// System administration: the EngineCode is shown and the secret rotated
// from the page (the new one shown once, in the dialog only; the H3Yun
// API takes it and refuses the old one); a user is created and given a
// password, and signs in; a role is granted a form; an OAuth client is
// created (its secret shown once and good for a token); a webhook; the
// API reference renders the routes. Every page in zh, en and at phone width.
const form = { code: 'E2ESysNote', name: '系统测试', fields: [{ code: 'F0000001', name: '标题', type: 'text' }] }

const pages = [
  ['system-integration', '/system/integration', '[data-test=engine-code]'],
  ['system-org', '/system/org', '[data-test=user-table]'],
  ['system-departments', '/system/org?tab=departments', '[data-test=departments]'],
  ['system-roles', '/system/org?tab=roles', '[data-test=roles]'],
  ['system-permissions', `/system/permissions?form=${form.code}`, '[data-test=grant-table]'],
  ['system-api', '/system/api', '.swagger-ui .opblock'],
  ['integration-oauth', '/integration/oauth', '[data-test=oauth-table]'],
  ['integration-webhooks', '/integration/webhooks', '[data-test=webhook-table]'],
  ['integration-scripts', '/integration/scripts', '[data-test=scripts]'],
  ['integration-connectors', '/integration/connectors', '[data-test=platform-table]'],
  ['integration-logs', '/integration/logs', '[data-test=deliveries]'],
]

// field finds an el-input by its data-test (Element Plus puts it on the <input>).
const field = (page, name) => page.locator(`input[data-test=${name}], textarea[data-test=${name}], [data-test=${name}] input`).first()
const confirmBox = (page) => page.locator('.el-message-box__btns .el-button--primary').click()
// dialogShot waits for the dialog's fade-in before the screenshot.
const dialogShot = async (t, page, name) => {
  await page.waitForTimeout(400)
  await t.shot(page, name)
}
const option = (page, text) => page.locator('.el-select-dropdown__item:visible', { hasText: text }).first().click()

async function invoke(t, secret) {
  const res = await fetch(t.base + '/OpenApi/Invoke', {
    method: 'POST',
    headers: { EngineCode: t.engine.code, EngineSecret: secret, 'Content-Type': 'application/json' },
    body: JSON.stringify({ ActionName: 'LoadBizObjects', SchemaCode: form.code, Filter: { FromRowNum: 0, ToRowNum: 10, RequireCount: true } }),
  })
  return res.json()
}

export default async function (t) {
  const { assert } = t
  t.step('setup: a form and a role')
  const existing = await t.api('GET', `/api/v1/forms/${form.code}`)
  if (existing.status === 404) await t.ok('POST', '/api/v1/forms', form)
  const role = await t.ok('POST', '/api/v1/roles', { name: 'E2E 审核员' })

  t.step('system integration shows the EngineCode, never the secret')
  const page = await t.page()
  await t.signIn(page, t.admin, '/system/integration')
  await page.locator('[data-test=engine-code]').filter({ hasText: t.engine.code }).waitFor()
  assert.match(await page.locator('[data-test=h3yun-endpoint]').innerText(), /\/OpenApi\/Invoke$/)
  assert.ok(!(await page.content()).includes(t.engine.secret), 'the page does not hold the engine secret')
  await t.shot(page, 'system-integration-zh')

  t.step('rotate the secret: shown once, in the dialog')
  const old = t.engine.secret
  await page.locator('[data-test=rotate-secret]').click()
  await confirmBox(page)
  const secretInput = page.locator('[data-test=secret-dialog] [data-test=secret-value] input')
  await secretInput.waitFor()
  const fresh = await secretInput.inputValue()
  assert.ok(fresh.length >= 16 && fresh !== old, 'a new secret is shown')
  await dialogShot(t, page, 'system-secret-dialog-zh')
  t.engine.secret = fresh

  t.step('the H3Yun API takes the new secret and refuses the old one')
  const ok = await invoke(t, fresh)
  assert.equal(ok.Successful, true, JSON.stringify(ok))
  const refused = await invoke(t, old)
  assert.equal(refused.Successful, false, 'the old secret is refused')
  assert.ok(refused.ErrorMessage, 'with a message')

  t.step('closed and reloaded, the secret is not shown again')
  await page.locator('[data-test=secret-close]').click()
  await page.locator('[data-test=secret-dialog]').waitFor({ state: 'hidden' })
  assert.ok(!(await page.content()).includes(fresh), 'the closed dialog forgot the secret')
  await page.reload()
  await page.locator('[data-test=engine-code]').filter({ hasText: t.engine.code }).waitFor()
  assert.ok(!(await page.content()).includes(fresh), 'the reloaded page does not show the secret')
  const engine = await t.ok('GET', '/api/v1/engine')
  assert.ok(!JSON.stringify(engine).includes(fresh), 'GET /api/v1/engine never answers the secret')

  t.step('create a user')
  const login = 'e2e.sys.' + Date.now().toString(36)
  const password = 'Sys-Passw0rd-42'
  await page.goto(t.base + '/system/org')
  await page.locator('[data-test=user-create]').click()
  await field(page, 'user-name').fill('系统测试用户')
  await field(page, 'user-login').fill(login)
  await field(page, 'user-email').fill(login + '@example.com')
  await page.locator('[data-test=user-save]').click()
  await page.locator('[data-test=user-form]').waitFor({ state: 'hidden' })
  const found = await t.ok('GET', `/api/v1/users?search=${encodeURIComponent(login)}`)
  assert.equal(found.items.length, 1, 'the user was created')
  const user = found.items[0]
  assert.equal(user.loginName, login)

  t.step('a short password is refused with the server message')
  await field(page, 'user-search').fill(login)
  await field(page, 'user-search').press('Enter')
  await page.locator('[data-test=user-table] .el-table__row', { hasText: login }).waitFor()
  await page.locator('[data-test=user-table] .el-table__row', { hasText: login }).locator('[data-test=user-password]').first().click()
  await field(page, 'user-new-password').fill('short')
  await page.locator('[data-test=password-save]').click()
  await page.locator('[data-test=password-error]').waitFor()

  t.step('set their password; they sign in')
  await field(page, 'user-new-password').fill(password)
  await page.locator('[data-test=password-save]').click()
  // The dialog closes only when the server took the password.
  await field(page, 'user-new-password').waitFor({ state: 'hidden' })
  await t.shot(page, 'system-org-password-zh')
  const other = await t.page()
  await t.signIn(other, { login, password })
  await other.locator('[data-test=welcome]').waitFor()
  assert.ok((await other.locator('[data-test=welcome]').innerText()).includes('系统测试用户'))
  assert.equal(await other.locator('[data-test=menu]').getByText('系统集成').count(), 0, 'a user without admin has no system menu')
  await other.goto(t.base + '/system/integration')
  await other.waitForURL(/\/forbidden/)

  t.step('a department below the top one')
  await page.goto(t.base + '/system/org?tab=departments')
  await page.locator('[data-test=dept-add-child]').first().click()
  await field(page, 'dept-name').fill('E2E 财务部')
  await page.locator('[data-test=dept-save]').click()
  await page.locator('[data-test=departments] .el-tree-node__content', { hasText: 'E2E 财务部' }).waitFor()
  const depts = await t.ok('GET', '/api/v1/departments?limit=500')
  const dept = depts.items.find((d) => d.name === 'E2E 财务部')
  assert.ok(dept?.parentId, 'created below the top department')

  t.step('grant the role the form')
  await page.goto(t.base + `/system/permissions?form=${form.code}`)
  await page.locator('[data-test=grant-table]').waitFor()
  await page.locator('[data-test=grant-add]').click()
  await page.locator('[data-test=grant-role]').click()
  await option(page, 'E2E 审核员')
  await page.locator('[data-test=grant-done]').click()
  await page.locator('[data-test=grants-save]').click()
  // Saving: the button is disabled while loading too; the saved message is the end.
  await page.locator('.el-message--success').waitFor()
  const perms = await t.ok('GET', `/api/v1/forms/${form.code}/permissions`)
  assert.equal(perms.defaults, false)
  assert.ok(perms.grants.some((g) => g.principal.kind === 'role' && g.principal.id === role.id && g.actions.includes('view')), JSON.stringify(perms))

  t.step('explain for the new user')
  await page.locator('[data-test=explain-user]').click()
  await page.keyboard.type(login)
  await option(page, login)
  await page.locator('[data-test=explain-run]').click()
  await page.locator('[data-test=explain-table] .el-table__row').first().waitFor()
  await page.waitForTimeout(400)
  await t.shot(page, 'system-permissions-explain-zh')

  t.step('an OAuth client: its secret shown once and good for a token')
  await page.goto(t.base + '/integration/oauth')
  await page.locator('[data-test=oauth-create]').click()
  await field(page, 'oauth-name').fill('E2E ERP')
  await page.locator('[data-test=oauth-save]').click()
  await secretInput.waitFor()
  const clientSecret = await secretInput.inputValue()
  const clientId = await page.locator('[data-test=secret-dialog] dd code').first().innerText()
  await dialogShot(t, page, 'integration-oauth-secret-zh')
  const tok = await fetch(t.base + '/oauth/token', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret }),
  })
  assert.equal(tok.status, 200, 'the shown secret gets a token')
  assert.ok((await tok.json()).access_token)
  await page.locator('[data-test=secret-close]').click()
  await page.reload()
  await page.locator('[data-test=oauth-table] .el-table__row', { hasText: 'E2E ERP' }).waitFor()
  assert.ok(!(await page.content()).includes(clientSecret), 'the client secret is not shown again')
  const clients = await t.ok('GET', '/api/v1/oauth-clients')
  assert.ok(!JSON.stringify(clients).includes(clientSecret), 'nor answered by the API')

  t.step('a webhook: its secret shown once')
  await page.goto(t.base + '/integration/webhooks')
  await page.locator('[data-test=webhook-create]').click()
  await field(page, 'webhook-name').fill('E2E hook')
  await field(page, 'webhook-url').fill('https://hooks.example.com/tritium')
  await page.locator('[data-test=webhook-save]').click()
  const hookSecretOrError = await Promise.race([
    secretInput.waitFor().then(() => 'secret'),
    page.locator('[data-test=webhook-error]').waitFor().then(() => 'error'),
  ])
  if (hookSecretOrError === 'secret') {
    const hookSecret = await secretInput.inputValue()
    await page.locator('[data-test=secret-close]').click()
    // A record write makes a delivery; its log shows it, with its attempts.
    const hooks = await t.ok('GET', '/api/v1/webhooks')
    const hook = hooks.items.find((h) => h.name === 'E2E hook')
    assert.ok(hook && !('secret' in hook), 'listed without its secret')
    await t.ok('POST', `/api/v1/forms/${form.code}/records`, { F0000001: 'webhook test' })
    let deliveries = []
    for (let i = 0; i < 40 && deliveries.length === 0; i++) {
      deliveries = (await t.ok('GET', `/api/v1/webhooks/${hook.id}/deliveries`)).items
      if (!deliveries.length) await new Promise((r) => setTimeout(r, 250))
    }
    assert.ok(deliveries.length > 0, 'the record write was queued for delivery')
    await page.locator('[data-test=webhook-log]').first().click()
    const row = page.locator('.el-drawer [data-test=deliveries] .el-table__row', { hasText: 'record.created' }).first()
    await row.waitFor()
    await row.locator('.el-table__expand-icon').click()
    await page.waitForTimeout(400)
    await t.shot(page, 'integration-webhook-deliveries-zh')
    await page.keyboard.press('Escape')
    assert.ok(!(await page.content()).includes(hookSecret), 'the webhook secret is not shown again')
  } else {
    // The server may refuse URLs it cannot resolve; the page shows why.
    assert.ok((await page.locator('[data-test=webhook-error]').innerText()).length > 0)
    await page.keyboard.press('Escape')
  }

  t.step('the API reference renders the routes')
  await page.goto(t.base + '/system/api')
  await page.locator('.swagger-ui .opblock').first().waitFor({ timeout: 30000 })
  assert.ok((await page.locator('.swagger-ui .opblock').count()) > 20, 'many operations are listed')
  await page.locator('.swagger-ui .opblock-summary-path', { hasText: '/api/v1/forms/{code}/records' }).first().waitFor()
  // "Try it out" goes out as the signed-in administrator (the session cookie).
  const op = page.locator('.swagger-ui .opblock-get', { has: page.locator('.opblock-summary-path', { hasText: /^\/api\/v1\/engine$/ }) }).first()
  await op.locator('.opblock-summary').click()
  await op.locator('.try-out__btn').click()
  await op.locator('.execute').click()
  await op.locator('.live-responses-table .response-col_status', { hasText: '200' }).waitFor()
  assert.ok((await op.locator('.live-responses-table').innerText()).includes(t.engine.code), 'the call answered the EngineCode')
  await t.shot(page, 'system-api-try-zh')

  t.step('every page: zh, en and phone')
  const en = await t.page({ locale: 'en' })
  await t.signIn(en, t.admin, '/system/integration')
  const phone = await t.page({ viewport: t.phone })
  await t.signIn(phone, t.admin, '/system/integration')
  for (const [name, path, ready] of pages) {
    for (const [p, suffix] of [[page, 'zh'], [en, 'en'], [phone, 'phone-zh']]) {
      await p.goto(t.base + path)
      await p.locator(ready).first().waitFor({ timeout: 30000 })
      await t.shot(p, `${name}-${suffix}`)
    }
  }
  assert.ok(await en.getByText('System integration').count())
  t.state.systemUser = { login, password, id: user.id }
}
