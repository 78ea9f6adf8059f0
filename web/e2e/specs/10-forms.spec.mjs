// Forms: the administrator designs 报销单 (expense) in the designer — a
// text, a money field 金额, a date, a select, an attachment and a child
// table 明细 with two fields, plus a composite index — sees the server
// refuse an invalid code and a type change its data cannot take (named on
// the field), saves, checks the server holds exactly that definition,
// changes it, reads the revisions, and meets the server's 409 when deleting
// a form another form refers to. Later specs use t.state.form and
// t.state.fields.
export default async function (t) {
  const { assert } = t
  const page = await t.page()
  const field = (code) => page.locator(`[data-test=canvas-field][data-code="${code}"]`)
  // Element Plus puts data-test on the input itself (el-input) or on the wrapper (el-input-number)
  const fill = (test, value) => page.locator(`:is(input, textarea)[data-test=${test}], [data-test=${test}] :is(input, textarea)`).first().fill(value)
  const dragTo = async (from, to) => {
    await page.locator(`[data-test=${from}]`).dragTo(page.locator(to))
  }
  const save = () => page.locator('[data-test=designer-save]').click()

  t.step('form list')
  await t.signIn(page, t.admin, '/forms')
  await page.locator('[data-test=form-list]').waitFor()
  await page.locator('[data-test=form-new]').click()
  await page.waitForURL(/\/forms\/new$/)

  t.step('design 报销单')
  await fill('form-name', '报销单')
  await fill('form-code', '1expense') // refused below
  await dragTo('palette-text', '[data-test=list-main]')
  await field('F0000001').waitFor()
  await fill('prop-name', '事由')
  await page.locator('[data-test=prop-required]').click()
  await page.locator('[data-test=palette-decimal]').click()
  await fill('prop-name', '金额')
  await fill('prop-scale', '2')
  await page.locator('[data-test=palette-date]').click()
  await fill('prop-name', '日期')
  await page.locator('[data-test=palette-select]').click()
  await fill('prop-name', '类别')
  await fill('prop-options', '差旅\n餐饮\n办公')
  await page.locator('[data-test=palette-attachment]').click()
  await fill('prop-name', '附件')
  await page.locator('[data-test=palette-child]').click()
  await fill('child-code', 'expenseLines')
  await fill('child-name', '明细')
  await page.locator('[data-test=palette-text]').click() // into the selected child table
  await fill('prop-name', '项目')
  await dragTo('palette-decimal', '[data-test=child-0] [data-test=list-end]')
  await field('F0000007').waitFor()
  await fill('prop-name', '金额')
  await t.shot(page, 'form-designer-new-zh')

  t.step('a refused code is shown')
  await save()
  const err = page.locator('[data-test=designer-error]')
  await err.waitFor()
  assert.match(await err.innerText(), /1expense/)
  assert.equal((await t.api('GET', '/api/v1/forms/1expense')).status, 404)
  await t.shot(page, 'form-designer-refused-zh')

  t.step('save')
  await page.locator('[data-test=sheet-title]').click()
  await fill('form-code', 'expense')
  await page.locator('[data-test=index-add]').click()
  await page.locator('[data-test=index-0]').click()
  await page.locator('.el-select-dropdown__item:visible', { hasText: 'F0000004' }).click()
  await page.locator('.el-select-dropdown__item:visible', { hasText: 'F0000003' }).click()
  await page.keyboard.press('Escape')
  await save()
  await page.waitForURL(/\/forms\/expense$/)
  await page.locator('[data-test=designer-error]').waitFor({ state: 'detached' })

  const want = [
    { code: 'F0000001', name: '事由', type: 'text', required: true, maxLength: 200 },
    { code: 'F0000002', name: '金额', type: 'decimal', precision: 18, scale: 2 },
    { code: 'F0000003', name: '日期', type: 'date' },
    { code: 'F0000004', name: '类别', type: 'select', options: ['差旅', '餐饮', '办公'] },
    { code: 'F0000005', name: '附件', type: 'attachment' },
  ]
  const wantChildren = [{ code: 'expenseLines', name: '明细', fields: [
    { code: 'F0000006', name: '项目', type: 'text', maxLength: 200 },
    { code: 'F0000007', name: '金额', type: 'decimal', precision: 18, scale: 2 },
  ] }]
  let def = await t.ok('GET', '/api/v1/forms/expense')
  assert.equal(def.name, '报销单')
  assert.equal(def.workflow, false)
  assert.deepEqual(def.fields, want)
  assert.deepEqual(def.children, wantChildren)
  assert.deepEqual(def.indexes, [['F0000004', 'F0000003']])
  assert.equal(def.revision, 1)

  t.step('change a field and save again')
  await field('F0000003').click()
  await fill('prop-name', '发生日期')
  await field('F0000004').click()
  await fill('prop-options', '差旅\n餐饮\n办公\n交通')
  await save()
  await page.locator('.el-tag', { hasText: /2$/ }).first().waitFor()
  def = await t.ok('GET', '/api/v1/forms/expense')
  assert.equal(def.revision, 2)
  assert.deepEqual(def.fields[2], { code: 'F0000003', name: '发生日期', type: 'date' })
  assert.deepEqual(def.fields[3].options, ['差旅', '餐饮', '办公', '交通'])

  t.step('a change the data cannot take is refused on its field')
  const rec = await t.ok('POST', '/api/v1/forms/expense/records', { F0000001: '出差北京' })
  await field('F0000001').click()
  await page.locator('[data-test=prop-type]').click()
  await page.locator('[data-test=type-number]:visible').click()
  await save()
  await err.waitFor()
  assert.match(await page.locator('[data-test=designer-error-message]').innerText(), /F0000001/)
  assert.match((await field('F0000001').getAttribute('class')) ?? '', /\berror\b/)
  await t.shot(page, 'form-designer-data-refused-zh')
  assert.equal((await t.ok('GET', '/api/v1/forms/expense')).revision, 2)
  await t.ok('DELETE', `/api/v1/forms/expense/records/${rec.ObjectId}`)
  await page.locator('[data-test=prop-type]').click()
  await page.locator('[data-test=type-text]:visible').click()
  await t.shot(page, 'form-designer-zh')

  t.step('revisions')
  await page.goto(t.base + '/forms/expense/revisions')
  await page.locator('[data-test=revision-show-1]').click()
  const changes = await page.locator('[data-test=revision-changes]').innerText()
  assert.match(changes, /F0000003/)
  assert.match(changes, /F0000004/)
  await t.shot(page, 'form-revisions-zh')

  t.step('delete: the server says why not')
  await t.ok('POST', '/api/v1/forms', { code: 'expenseRef', name: '引用', fields: [{ code: 'R1', name: '报销', type: 'relation', form: 'expense' }] })
  await page.goto(t.base + '/forms')
  await page.locator('[data-test=form-delete-expense]').click()
  await page.locator('.el-message-box .el-button--primary').click()
  const listErr = page.locator('[data-test=form-list-error]')
  await listErr.waitFor()
  assert.match(await listErr.innerText(), /expenseRef/)
  await page.locator('[data-test=form-delete-expenseRef]').click()
  await page.locator('.el-message-box .el-button--primary').click()
  await page.locator('[data-test=form-open-expenseRef]').waitFor({ state: 'detached' })
  assert.equal((await t.api('GET', '/api/v1/forms/expenseRef')).status, 404)
  assert.equal((await t.api('GET', '/api/v1/forms/expense')).status, 200)
  await t.shot(page, 'form-list-zh')

  t.step('English and phone')
  const en = await t.page({ locale: 'en' })
  await t.signIn(en, t.admin, '/forms')
  await en.getByText('Form designer').first().waitFor()
  await t.shot(en, 'form-list-en')
  await en.goto(t.base + '/forms/expense')
  await en.locator('[data-test=canvas-field]').first().waitFor()
  await t.shot(en, 'form-designer-en')
  const phone = await t.page({ viewport: t.phone })
  await t.signIn(phone, t.admin, '/forms')
  await phone.locator('[data-test=form-row-expense]').waitFor()
  await t.shot(phone, 'form-list-phone-zh')
  await phone.goto(t.base + '/forms/expense')
  await phone.locator('[data-test=canvas-field]').first().waitFor()
  await t.shot(phone, 'form-designer-phone-zh')
  await phone.locator('[data-test=canvas-field][data-code=F0000002]').click() // properties open in a drawer
  await phone.locator('.el-drawer [data-test=field-props]').waitFor()
  await phone.waitForTimeout(600) // the drawer slides in
  await t.shot(phone, 'form-designer-phone-props-zh')

  t.state.form = 'expense'
  t.state.fields = {
    text: 'F0000001', amount: 'F0000002', date: 'F0000003', select: 'F0000004', attachment: 'F0000005',
    child: 'expenseLines', childText: 'F0000006', childAmount: 'F0000007',
  }
}
