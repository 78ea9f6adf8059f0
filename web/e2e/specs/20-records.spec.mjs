// Records: two records are created in the console with child rows (one
// with an image attachment, previewed), one is edited, a bad value shows
// the server's message on its field, the table is filtered (raw text,
// read back into the builder; a syntax error shows the server's
// message), the filtered records are exported to Excel, a cell is edited
// in the workbook with exceljs and the workbook imported back (a dry
// run first: one with a bad cell lists its row error, the good one says
// all rows are OK), and the change is checked through the API. A filter
// saved as a view (kept on the server) comes back.
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import ExcelJS from 'exceljs'

const ownForm = {
  code: 'D000020E2eOrder',
  name: '采购订单',
  fields: [
    { code: 'F0000001', name: '订单名称', type: 'text', required: true },
    { code: 'F0000002', name: '数量', type: 'number' },
    { code: 'F0000003', name: '类型', type: 'select', options: ['采购', '销售'] },
    { code: 'F0000004', name: '附件', type: 'attachment' },
    { code: 'F0000005', name: '金额', type: 'decimal', scale: 2 }, // the flows spec routes on it
  ],
  children: [
    { code: 'D000020Lines', name: '订单行', fields: [{ code: 'F0000011', name: '物料', type: 'text' }, { code: 'F0000012', name: '单价', type: 'decimal', scale: 2 }] },
  ],
}

// a 1×1 PNG
const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGP4z8DwHwAFAAH/iZk9HQAAAABJRU5ErkJggg==', 'base64')

/** pick finds the fields the spec types into, in the forms spec's form or ours. */
function pick(def) {
  const text = def.fields.find((f) => f.type === 'text')
  const num = def.fields.find((f) => f.type === 'number')
  const child = (def.children ?? []).find((c) => c.fields.some((f) => f.type === 'text'))
  if (!text || !num || !child) return null
  return { def, text: text.code, num: num.code, child: child.code, childText: child.fields.find((f) => f.type === 'text').code, attachment: def.fields.find((f) => f.type === 'attachment')?.code }
}

async function formFor(t) {
  const code = typeof t.state.form === 'string' ? t.state.form : t.state.form?.code
  if (code) {
    const r = await t.api('GET', `/api/v1/forms/${code}`)
    const p = r.status === 200 ? pick(r.body) : null
    if (p) return p
  }
  const def = await t.ok('POST', '/api/v1/forms', ownForm)
  if (!t.state.form) t.state.form = def.code // a form code, as the forms spec leaves it
  return pick(def)
}

async function createRecord(t, page, f, name, qty, lines) {
  await page.goto(`${t.base}/apps/${f.def.code}/new`)
  await page.locator(`[data-test=field-${f.text}] input`).fill(name)
  await page.locator(`[data-test=field-${f.num}] input`).fill(String(qty))
  for (let i = 0; i < lines.length; i++) {
    await page.locator(`[data-test=add-row-${f.child}]`).click()
    await page.locator(`[data-test="cell-${f.child}-${i}-${f.childText}"] input`).fill(lines[i])
  }
  return page
}

async function save(t, page, f) {
  await page.locator('[data-test=record-save]').click()
  await page.waitForURL((u) => new RegExp(`/apps/${f.def.code}/(?!new$)[^/]+$`).test(u.pathname))
  await page.locator('[data-test=record-edit]').waitFor()
  return decodeURIComponent(new URL(page.url()).pathname.split('/').pop())
}

// The session probe before signing in answers 401, and the spec's bad value and
// bad filter are refused (422, 400): chromium logs those answers.
const quiet401 = [/status of 4(00|01|22)/]

/** signIn signs in at /login (the input may carry data-test itself or wrap it). */
async function signIn(t, page, to, who = t.admin) {
  await page.goto(t.base + to)
  await page.locator('[data-test=login] input, input[data-test=login]').fill(who.login)
  await page.locator('[data-test=password] input, input[data-test=password]').fill(who.password)
  await page.locator('[data-test=submit]').click()
  await page.waitForURL((u) => !u.pathname.startsWith('/login'))
}

/** workbook edits the exported file: sets column code of the first data row. */
async function editWorkbook(src, dst, code, value) {
  const wb = new ExcelJS.Workbook()
  await wb.xlsx.readFile(src)
  const ws = wb.worksheets[0]
  let col = 0
  ws.getRow(2).eachCell((c, n) => {
    if (String(c.value) === code) col = n
  })
  if (!col) throw new Error(`no column ${code} in the export's code row`)
  ws.getRow(3).getCell(col).value = value
  await wb.xlsx.writeFile(dst)
}

export default async function (t) {
  const { assert } = t
  const dir = mkdtempSync(join(tmpdir(), 'tritium-e2e-records-'))
  t.step('form')
  const f = await formFor(t)
  const path = `/apps/${f.def.code}`

  t.step('app list')
  const page = await t.page({ allowConsoleErrors: quiet401 })
  await signIn(t, page, '/apps')
  await page.locator(`[data-test=app-${f.def.code}]`).click()
  await page.waitForURL((u) => u.pathname === path)
  await page.locator('[data-test=records-table]').waitFor()

  t.step('create two records with child rows')
  await createRecord(t, page, f, 'E2E 水泥订单', 20, ['水泥'])
  if (f.attachment) {
    await page.locator(`[data-test=field-${f.attachment}] [data-test=attachment-input]`).setInputFiles({ name: 'photo.png', mimeType: 'image/png', buffer: png })
    await page.locator(`[data-test=field-${f.attachment}] [data-test=attachment]`).waitFor()
  }
  await t.shot(page, 'record-new-zh')
  const id1 = await save(t, page, f)
  if (f.attachment) {
    t.step('preview the attachment')
    await page.locator(`[data-test=field-${f.attachment}] [data-test=attachment-preview]`).click()
    await page.locator('[data-test=preview-image]').waitFor()
    await page.keyboard.press('Escape')
  }
  await createRecord(t, page, f, 'E2E 砂石订单', 5, ['砂', '石'])
  const id2 = await save(t, page, f)
  const r2 = await t.ok('GET', `/api/v1/forms/${f.def.code}/records/${encodeURIComponent(id2)}`)
  assert.deepEqual(r2[f.child].map((r) => r[f.childText]), ['砂', '石'])
  assert.equal(r2[f.num], 5)
  t.state.records = [id1, id2]

  t.step('edit one')
  await page.goto(`${t.base}${path}/${encodeURIComponent(id2)}`)
  await page.locator('[data-test=record-edit]').click()
  await page.locator(`[data-test=field-${f.num}] input`).fill('7')
  await page.locator(`[data-test=remove-row-${f.child}-0]`).click()
  await page.locator('[data-test=record-save]').click()
  await page.locator('[data-test=record-edit]').waitFor()
  const e2 = await t.ok('GET', `/api/v1/forms/${f.def.code}/records/${encodeURIComponent(id2)}`)
  assert.equal(e2[f.num], 7)
  assert.deepEqual(e2[f.child].map((r) => r[f.childText]), ['石'])
  assert.equal(e2.version, r2.version + 1)
  await t.shot(page, 'record-view-zh')

  t.step('a bad value shows the server message on the field')
  await page.locator('[data-test=record-edit]').click()
  await page.locator(`[data-test=field-${f.num}] input`).fill('abc')
  await page.locator('[data-test=record-save]').click()
  const msg = page.locator(`[data-test=field-${f.num}] [data-test=field-error]`)
  await msg.waitFor()
  const bad = await t.api('PATCH', `/api/v1/forms/${f.def.code}/records/${encodeURIComponent(id2)}`, { [f.num]: 'abc' })
  assert.equal(bad.status, 422)
  assert.equal((await msg.textContent()).trim(), bad.body.error.message)
  await t.shot(page, 'record-error-zh')
  assert.equal((await t.ok('GET', `/api/v1/forms/${f.def.code}/records/${encodeURIComponent(id2)}`)).version, e2.version)

  t.step('filter the table')
  await page.goto(t.base + path)
  await page.locator('input[data-test=filter-raw]').fill(`${f.num} >= 10 && ${f.text} ~ "E2E"`)
  await page.locator('[data-test=filter-apply]').click()
  await page.locator('[data-test=cond-1]').waitFor()
  await page.waitForFunction(() => document.querySelectorAll('[data-test=record-link]').length === 1)
  assert.match(await page.locator('[data-test=records-table]').textContent(), /E2E 水泥订单/)
  await t.shot(page, 'records-table-zh')

  t.step('save the filter as a view, clear it, apply the view')
  const filterText = `${f.num} >= 10 && ${f.text} ~ "E2E"`
  await page.locator('[data-test=views-button]').click()
  await page.locator('[data-test=view-save]').click()
  await page.locator('.el-message-box input').fill('E2E-big')
  await page.locator('.el-message-box__btns .el-button--primary').click()
  await page.locator('.el-message--success').waitFor()
  const asAdmin = { 'X-User-Id-Type': 'EMAIL', 'X-User-Id': t.admin.login }
  const saved = await t.ok('GET', `/api/v1/forms/${f.def.code}/views`, undefined, asAdmin)
  assert.deepEqual(saved.items.map((v) => [v.name, v.filter]), [['E2E-big', filterText]])
  await page.locator('[data-test=filter-clear]').click()
  await page.waitForFunction(() => document.querySelectorAll('[data-test=record-link]').length === 2)
  await page.locator('[data-test=views-button]').click()
  await page.locator('[data-test=view-E2E-big]').click()
  await page.waitForFunction(() => document.querySelectorAll('[data-test=record-link]').length === 1)
  assert.equal(await page.locator('input[data-test=filter-raw]').inputValue(), filterText)

  t.step('a filter syntax error shows the server message')
  await page.locator('input[data-test=filter-raw]').fill(`${f.num} >`)
  await page.locator('[data-test=filter-apply]').click()
  await page.locator('[data-test=filter-error]').getByText('EOF').waitFor()
  await page.locator('input[data-test=filter-raw]').fill(`${f.num} >= 10 && ${f.text} ~ "E2E"`)
  await page.locator('[data-test=filter-apply]').click()
  await page.waitForFunction(() => document.querySelectorAll('[data-test=record-link]').length === 1)

  t.step('export the filtered records')
  const [dl] = await Promise.all([page.waitForEvent('download'), page.locator('[data-test=records-export]').click()])
  assert.match(dl.suggestedFilename(), /\.xlsx$/)
  const exported = join(dir, 'export.xlsx')
  await dl.saveAs(exported)
  const check = new ExcelJS.Workbook()
  await check.xlsx.readFile(exported)
  assert.equal(check.worksheets[0].rowCount, 3, 'header, codes and the one filtered record')

  t.step('import a workbook with a bad cell: the dry run lists its row')
  const badFile = join(dir, 'bad.xlsx')
  await editWorkbook(exported, badFile, f.num, 'abc')
  await page.locator('[data-test=records-import]').click()
  const dialog = page.locator('[data-test=import-dialog]')
  await dialog.locator('[data-test=import-file]').setInputFiles(badFile)
  await dialog.locator('[data-test=import-dry-run]').click()
  await dialog.locator('[data-test=dry-run-errors]').waitFor()
  assert.ok((await dialog.locator('[data-test=import-errors] .el-table__row').count()) >= 1, 'the row error is listed')
  await page.waitForTimeout(400) // the dialog's opening animation
  await t.shot(page, 'records-import-errors-zh')

  t.step('import the edited workbook: dry run, then import')
  const goodFile = join(dir, 'good.xlsx')
  await editWorkbook(exported, goodFile, f.text, 'E2E 水泥订单（Excel 改）')
  await dialog.locator('[data-test=import-file]').setInputFiles(goodFile)
  await dialog.locator('[data-test=import-dry-run]').click()
  await dialog.locator('[data-test=dry-run-ok]').waitFor()
  const unchanged = await t.ok('GET', `/api/v1/forms/${f.def.code}/records/${encodeURIComponent(id1)}`)
  assert.equal(unchanged[f.text], 'E2E 水泥订单', 'a dry run writes nothing')
  await t.shot(page, 'records-import-zh')
  await dialog.locator('[data-test=import-rows]').click()
  await dialog.locator('[data-test=import-run]').click()
  await dialog.locator('[data-test=import-result]').waitFor()
  const imported = await t.ok('GET', `/api/v1/forms/${f.def.code}/records/${encodeURIComponent(id1)}`)
  assert.equal(imported[f.text], 'E2E 水泥订单（Excel 改）')
  assert.deepEqual(imported[f.child].map((r) => r[f.childText]), ['水泥'])
  await page.keyboard.press('Escape')
  await page.locator('[data-test=records-table]').getByText('E2E 水泥订单（Excel 改）').waitFor()

  t.step('a workflow form: save a draft, then submit it into its approval')
  const claim = 'D000020E2eClaim'
  await t.ok('POST', '/api/v1/forms', { code: claim, name: '报销单', workflow: true, fields: [{ code: 'F0000001', name: '事由', type: 'text', required: true }, { code: 'F0000002', name: '金额', type: 'decimal', scale: 2 }] })
  await t.ok('PUT', `/api/v1/forms/${claim}/workflow`, { type: 'start', next: { type: 'approval', id: 'check', name: '审核', assignees: [{ kind: 'initiator' }] } })
  await page.goto(`${t.base}/apps/${claim}/new`)
  await page.locator('[data-test=field-F0000001] input').fill('E2E 差旅')
  await page.locator('[data-test=field-F0000002] input').fill('12.5')
  await page.locator('[data-test=record-save]').click()
  await page.waitForURL((u) => new RegExp(`/apps/${claim}/(?!new$)[^/]+$`).test(u.pathname))
  const claimId = decodeURIComponent(new URL(page.url()).pathname.split('/').pop())
  await page.locator('[data-test=instance-status][data-status=running]').waitFor() // a draft at the start node
  await page.locator('[data-test=record-submit]').click()
  await page.locator('[data-test=instance-at]').getByText('审核').waitFor()
  assert.equal(await page.locator('[data-test=instance-status]').getAttribute('data-status'), 'running')
  await t.shot(page, 'record-submitted-zh')
  const sub = await t.ok('GET', `/api/v1/forms/${claim}/records/${encodeURIComponent(claimId)}`)
  assert.equal(sub.Status, 2)
  const inst = await t.ok('GET', `/api/v1/instances/${sub.WorkflowInstanceId}`)
  assert.deepEqual(inst.positions.map((p) => p.node), ['check'])
  await page.locator('[data-test=record-submit]').waitFor({ state: 'detached' })

  t.step('a user sees and changes only what their grants allow')
  const hidden = f.def.fields.find((x) => ![f.text, f.num].includes(x.code)).code
  const wang = await t.ok('POST', '/api/v1/users', { name: '王五', loginName: 'e2e-wangwu' })
  const wangLogin = { login: 'e2e-wangwu', password: 'Wangwu-Passw0rd!' }
  await t.ok('PUT', `/api/v1/users/${wang.id}/password`, { password: wangLogin.password })
  await t.ok('PUT', `/api/v1/forms/${f.def.code}/permissions`, { grants: [{ principal: { kind: 'user', id: wang.id }, actions: ['view', 'edit'], scope: 'all', hidden: [hidden], readOnly: [f.num] }] })
  const limited = await t.page({ allowConsoleErrors: quiet401 })
  await signIn(t, limited, path, wangLogin)
  await limited.locator('[data-test=record-link]').first().waitFor()
  assert.equal(await limited.locator('[data-test=record-new]').count(), 0, 'no create grant: no New button')
  assert.equal(await limited.locator('[data-test=records-export]').count(), 0, 'no export grant: no Export button')
  await limited.goto(`${t.base}${path}/${encodeURIComponent(id2)}`)
  await limited.locator('[data-test=record-edit]').click()
  await limited.locator(`[data-test=field-${f.text}] input`).fill('E2E 砂石订单（王五改）')
  assert.equal(await limited.locator(`[data-test=field-${hidden}]`).count(), 0, 'the hidden field is not shown')
  assert.equal(await limited.locator('[data-test=record-delete]').count(), 0, 'no delete grant: no Delete button')
  assert.equal(await limited.locator('[data-test=record-submit]').count(), 0, 'no submit grant: no Submit button')
  assert.ok(await limited.locator(`[data-test=field-${f.num}] input`).isDisabled(), 'the read-only field is locked')
  await t.shot(limited, 'record-limited-zh')
  await limited.locator('[data-test=record-save]').click()
  await limited.locator('[data-test=record-edit]').waitFor()
  const byWang = await t.ok('GET', `/api/v1/forms/${f.def.code}/records/${encodeURIComponent(id2)}`)
  assert.equal(byWang[f.text], 'E2E 砂石订单（王五改）')
  assert.equal(byWang.ModifiedBy, wang.id)
  await t.ok('DELETE', `/api/v1/forms/${f.def.code}/permissions`)

  t.step('English')
  const en = await t.page({ locale: 'en', allowConsoleErrors: quiet401 })
  await signIn(t, en, path)
  await en.locator('[data-test=records-table]').getByText('E2E 砂石订单').waitFor()
  await t.shot(en, 'records-table-en')
  await en.locator('[data-test=records-import]').click()
  await en.locator('[data-test=import-dialog]').getByText('Dry run', { exact: true }).waitFor()
  await en.waitForTimeout(400)
  await t.shot(en, 'records-import-en')
  await en.goto(`${t.base}${path}/${encodeURIComponent(id1)}`)
  await en.locator('[data-test=record-edit]').getByText('Edit').waitFor()
  await t.shot(en, 'record-view-en')

  t.step('phone')
  const phone = await t.page({ viewport: t.phone, allowConsoleErrors: quiet401 })
  await signIn(t, phone, path)
  await phone.locator('[data-test=record-link]').first().waitFor()
  await t.shot(phone, 'records-table-phone-zh')
  await phone.locator('[data-test=records-import]').click()
  await phone.locator('[data-test=import-dialog]').waitFor()
  await phone.waitForTimeout(400)
  await t.shot(phone, 'records-import-phone-zh')
  await phone.goto(`${t.base}${path}/${encodeURIComponent(id2)}`)
  await phone.locator('[data-test=record-edit]').waitFor()
  await t.shot(phone, 'record-view-phone-zh')
}
