// The shell: the console is served at /, an unsigned visitor lands on the
// sign-in page (keeping where they meant to go), a wrong password is
// refused with the server's message, the administrator signs in, the
// language switches, and the phone layout has a menu drawer.
export default async function (t) {
  const { assert } = t
  t.step('static headers')
  const res = await fetch(t.base + '/', { headers: { 'Accept-Encoding': 'br', Accept: 'text/html' } })
  assert.equal(res.status, 200)
  assert.match(res.headers.get('content-security-policy') ?? '', /script-src 'self'/)
  const html = await res.text()
  const js = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1]
  assert.ok(js, 'index.html names its script')
  const asset = await fetch(t.base + js)
  assert.equal(asset.headers.get('content-type'), 'text/javascript; charset=utf-8')
  assert.match(asset.headers.get('cache-control') ?? '', /immutable/)

  t.step('redirect to sign-in')
  const page = await t.page()
  await page.goto(t.base + '/inbox?tab=done')
  await page.waitForURL(/\/login\?redirect=/)
  await t.shot(page, 'login-zh')

  t.step('wrong password')
  await page.locator('[data-test=login]').fill(t.admin.login)
  await page.locator('[data-test=password]').fill('wrong-password')
  await page.locator('[data-test=submit]').click()
  await page.locator('[data-test=login-error]').waitFor()

  t.step('sign in')
  await page.locator('[data-test=password]').fill(t.admin.password)
  await page.locator('[data-test=submit]').click()
  await page.waitForURL((u) => u.pathname === '/inbox')

  t.step('home')
  await page.goto(t.base + '/')
  await page.locator('[data-test=welcome]').waitFor()
  await t.shot(page, 'home-zh')

  t.step('switch to English')
  await page.locator('[data-test=locale-switch]').click()
  await page.locator('[data-test=locale-en]').click()
  await page.getByText('Hello,').waitFor()
  await t.shot(page, 'home-en')

  t.step('first-load size')
  const sizes = { login: await t.firstLoad('/login', false), inbox: await t.firstLoad('/inbox', true) }
  t.report('first load (compressed HTML+JS+CSS, bytes)', sizes)
  for (const [route, n] of Object.entries(sizes)) assert.ok(n.total < 600 * 1024, `first load of ${route} is ${n.total} bytes`)

  t.step('the menu marks the page you are on')
  await page.goto(t.base + '/inbox')
  await page.locator('[data-test=menu] .el-menu-item.is-active').waitFor()
  const activeItems = await page.locator('[data-test=menu] .el-menu-item.is-active').allInnerTexts()
  assert.deepEqual(activeItems.map((s) => s.trim()), ['Approvals'], 'only the approvals item is highlighted on /inbox')

  t.step('phone layout')
  const phone = await t.page({ viewport: t.phone })
  await t.signIn(phone)
  await phone.locator('[data-test=menu-toggle]').click()
  await t.shot(phone, 'home-menu-phone-zh')
}
