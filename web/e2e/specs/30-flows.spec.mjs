// The flow designer: the administrator builds a two-step approval (approver
// 1, then approver 2 by role, then a condition branch on 金额 with a cc) in
// the approval-tree editor, sees the server refuse an approver without
// assignees ON that node, saves, checks the stored definition through the
// API, opens the BPMN view, and simulates with sample values (the path and
// the people asked highlighted). Leaves t.state.approvers and t.state.flow
// for the approvals spec.
export default async function (t) {
  const { assert } = t

  t.step('set-up: form, approvers, role')
  let code = t.state.form
  if (!code) {
    code = 'flowexp'
    await t.ok('POST', '/api/v1/forms', {
      code, name: '报销单', workflow: true,
      fields: [{ code: 'F0000001', name: '事由', type: 'text' }, { code: 'F0000002', name: '金额', type: 'decimal' }],
    })
    t.state.form = code
  }
  let form = await t.ok('GET', `/api/v1/forms/${code}`)
  if (!form.workflow) form = await t.ok('PUT', `/api/v1/forms/${code}`, { ...form, workflow: true })
  const amount = form.fields.find((f) => f.name === '金额' && ['decimal', 'number', 'integer'].includes(f.type))
  assert.ok(amount, 'the form has a number field 金额')
  if (!t.state.approvers) {
    const suffix = Date.now().toString(36).slice(-5)
    const approvers = []
    for (const [i, name] of [['1', '审批人甲'], ['2', '审批人乙']]) {
      const login = `approver${i}_${suffix}`
      const u = await t.ok('POST', '/api/v1/users', { name, loginName: login })
      const password = `Approver-Passw0rd-${i}`
      await t.ok('PUT', `/api/v1/users/${u.id}/password`, { password })
      approvers.push({ id: u.id, login, password, name })
    }
    t.state.approvers = approvers
  }
  const [a1, a2] = t.state.approvers
  const names = {}
  for (const a of t.state.approvers) names[a.id] = a.name ?? (await t.ok('GET', `/api/v1/users/${a.id}`)).name
  const roleName = `财务主管-${Date.now().toString(36).slice(-4)}`
  const role = await t.ok('POST', '/api/v1/roles', { name: roleName, memberIds: [a2.id] })
  const members = (await t.ok('GET', `/api/v1/roles/${role.id}`)).memberIds ?? []
  if (!members.includes(a2.id)) await t.ok('PUT', `/api/v1/roles/${role.id}`, { ...role, memberIds: [a2.id] })

  const page = await t.page()
  const pick = async (select, text) => {
    await page.locator(select).click()
    await page.locator('.el-select-dropdown__item:visible', { hasText: text }).first().click()
  }
  const closeDrawer = async () => {
    await page.locator('[data-test=node-drawer] .el-drawer__close-btn').click()
    await page.locator('[data-test=node-drawer]').waitFor({ state: 'hidden' })
  }
  const cls = (sel) => page.locator(`[data-test=${sel}]`).getAttribute('class')
  const addAt = async (plus, what) => {
    await page.locator(`[data-test="${plus}"]`).click()
    await page.locator(`[data-test=add-${what}]:visible`).click()
  }

  t.step('flow list')
  await t.signIn(page, t.admin, '/flows')
  await page.locator(`[data-test=flow-link-${code}]`).waitFor()
  await t.shot(page, 'flows-list-zh')
  await page.locator(`[data-test=flow-link-${code}]`).click()
  await page.waitForURL((u) => u.pathname === `/forms/${code}/flow`)
  await page.locator('[data-test=node-start]').waitFor()

  t.step('approver 1: a user, 金额 read-only')
  await addAt('add-after-start', 'approval')
  await page.locator('[data-test=node-drawer]').waitFor()
  await page.locator('[data-test=node-name]').fill('一级审批')
  await page.locator('[data-test=rule-add]').click()
  await pick('[data-test=rule-ids-0]', names[a1.id])
  await page.locator('[data-test=node-drawer] .el-drawer__header').click() // close the multiple select
  await page.locator(`[data-test=perm-${amount.code}-readonly]`).click()
  await page.waitForTimeout(400) // the drawer's slide-in
  await t.shot(page, 'flows-drawer-zh')
  await closeDrawer()

  t.step('approver 2 without assignees: the server names the node')
  await addAt('add-after-approval_1', 'approval')
  await page.locator('[data-test=node-name]').fill('二级审批')
  await closeDrawer()
  await page.locator('[data-test=flow-save]').click()
  const err = page.locator('[data-test=node-error-approval_2]')
  await err.waitFor()
  assert.match(await err.innerText(), /approval_2/)
  assert.match(await page.locator('[data-test=node-approval_2]').getAttribute('class'), /has-error/)
  await t.shot(page, 'flows-error-zh')

  t.step('approver 2: a role, everyone signs')
  await page.locator('[data-test=node-approval_2]').click()
  await page.locator('[data-test=drawer-error]').waitFor()
  await page.locator('[data-test=rule-add]').click()
  await pick('[data-test=rule-kind-0]', '角色')
  await pick('[data-test=rule-ids-0]', roleName)
  await page.locator('[data-test=node-drawer] .el-drawer__header').click()
  await page.locator('[data-test=mode-all]').click()
  await closeDrawer()

  t.step('condition branch on 金额 with a cc')
  await addAt('add-after-approval_2', 'exclusive')
  await page.locator('[data-test=branch-exclusive_1-0]').click()
  await page.locator('[data-test=cond-add]').click()
  await pick('[data-test=cond-field-0]', '金额')
  await pick('[data-test=cond-op-0]', '大于')
  await page.locator('[data-test=cond-value-0]').fill('10000')
  await closeDrawer()
  await addAt('add-in-exclusive_1-0', 'cc')
  await page.locator('[data-test=node-name]').fill('大额抄送')
  await page.locator('[data-test=rule-add]').click()
  await pick('[data-test=rule-kind-0]', '发起人自己')
  await closeDrawer()

  t.step('a bad condition: the server names its flow, shown on the branch')
  await page.locator('[data-test=branch-exclusive_1-0]').click()
  await page.locator('[data-test=cond-to-text]').click()
  await page.locator('[data-test=cond-text]').fill(`${amount.code} >`)
  await closeDrawer()
  await page.locator('[data-test=flow-save]').click()
  await page.locator('[data-test=branch-error-exclusive_1-0]').waitFor()
  assert.match(await cls('branch-exclusive_1-0'), /has-error/)
  await t.shot(page, 'flows-branch-error-zh')
  await page.locator('[data-test=branch-exclusive_1-0]').click()
  await page.locator('[data-test=cond-text]').fill(`${amount.code} > 10000`)
  await closeDrawer()

  t.step('save')
  await page.locator('[data-test=flow-save]').click()
  await page.locator('[data-test=flow-version]').waitFor()
  await page.locator('[data-test=node-error-approval_2]').waitFor({ state: 'detached' })
  await t.shot(page, 'flows-tree-zh')

  t.step('the stored definition')
  const tree = await t.ok('GET', `/api/v1/forms/${code}/workflow?format=tree`)
  const s1 = tree.next, s2 = s1.next, br = s2.next
  assert.equal(s1.id, 'approval_1')
  assert.deepEqual(s1.assignees, [{ kind: 'user', ids: [a1.id] }])
  assert.deepEqual(s1.fieldPerms, { [amount.code]: 'readonly' })
  assert.equal(s2.id, 'approval_2')
  assert.deepEqual(s2.assignees, [{ kind: 'role', ids: [role.id] }])
  assert.equal(s2.mode, 'all')
  assert.equal(br.type, 'branch')
  assert.equal(br.kind, 'exclusive')
  assert.equal(br.branches[0].condition, `${amount.code} > 10000`)
  assert.deepEqual(br.branches[0].next.assignees, [{ kind: 'initiator' }])
  assert.equal(br.branches[0].next.type, 'cc')
  assert.equal(br.branches[1].default, true)
  assert.equal(br.branches[1].next, undefined)

  t.step('BPMN view')
  await page.locator('#tab-bpmn').click()
  await page.locator('[data-test=bpmn-view] .djs-element[data-element-id=approval_2]').waitFor()
  assert.ok(await page.locator('[data-test=bpmn-view] .bjs-powered-by').isVisible(), 'the bpmn.io watermark shows')
  await t.shot(page, 'flows-bpmn-zh')
  await page.locator('[data-test=bpmn-view] .bjs-powered-by').click() // its notice, under the strict CSP
  await page.locator('.bjs-powered-by-lightbox').waitFor()
  await page.locator('.bjs-powered-by-lightbox .backdrop').click({ position: { x: 5, y: 5 } })
  await page.locator('.bjs-powered-by-lightbox').waitFor({ state: 'hidden' })

  t.step('BPMN modeler: save the diagram back as version 2')
  await page.locator('[data-test=bpmn-edit]').click()
  await page.locator('[data-test=bpmn-view] .djs-palette').waitFor()
  await t.shot(page, 'flows-bpmn-modeler-zh')
  await page.locator('[data-test=bpmn-save]').click()
  await page.locator('[data-test=flow-version]', { hasText: '2' }).waitFor()
  await page.locator('[data-test=bpmn-view] .djs-palette').waitFor({ state: 'detached' })
  const again = await t.ok('GET', `/api/v1/forms/${code}/workflow?format=tree`)
  assert.deepEqual(again, tree, 'the modeler keeps every Tritium setting')
  await page.locator('#tab-tree').click()

  t.step('simulate a large claim')
  await page.locator('[data-test=flow-simulate]').click()
  await page.locator(`[data-test=sim-value-${amount.code}]`).fill('25000')
  await page.locator('[data-test=sim-run]').click()
  await page.locator('[data-test=asks-approval_1]').waitFor()
  assert.match(await page.locator('[data-test=asks-approval_1]').innerText(), new RegExp(names[a1.id]))
  assert.match(await page.locator('[data-test=asks-approval_2]').innerText(), new RegExp(names[a2.id]))
  assert.match(await cls('node-cc_1'), /on-path/)
  assert.match(await cls('branch-exclusive_1-0'), /on-path/)
  assert.doesNotMatch(await cls('branch-exclusive_1-1'), /on-path/)
  await page.locator('[data-test=sim-step-cc_1]').waitFor()
  await t.shot(page, 'flows-simulate-zh')

  t.step('simulate a small claim: the default branch')
  await page.locator(`[data-test=sim-value-${amount.code}]`).fill('500')
  await page.locator('[data-test=sim-run]').click()
  await page.locator('[data-test=sim-step-cc_1]').waitFor({ state: 'detached' })
  assert.doesNotMatch(await cls('node-cc_1'), /on-path/)
  assert.match(await cls('branch-exclusive_1-1'), /on-path/)
  assert.match(await cls('node-approval_2'), /on-path/)
  t.state.flow = true

  t.step('English')
  const en = await t.page({ locale: 'en' })
  await t.signIn(en, t.admin, `/forms/${code}/flow`)
  await en.locator('[data-test=node-approval_2]').waitFor()
  await t.shot(en, 'flows-tree-en')
  await en.locator('[data-test=node-approval_1]').click()
  await en.locator('[data-test=node-drawer]').getByText('Field permissions').waitFor()
  await en.waitForTimeout(400)
  await t.shot(en, 'flows-drawer-en')
  await en.locator('[data-test=node-drawer] .el-drawer__close-btn').click()
  await en.locator('[data-test=flow-simulate]').click()
  await en.locator(`[data-test=sim-value-${amount.code}]`).fill('25000')
  await en.locator('[data-test=sim-run]').click()
  await en.locator('[data-test=asks-approval_1]').waitFor()
  await t.shot(en, 'flows-simulate-en')
  await en.locator('#tab-bpmn').click()
  await en.locator('[data-test=bpmn-view] .djs-element[data-element-id=cc_1]').waitFor()
  await t.shot(en, 'flows-bpmn-en')
  await en.goto(t.base + '/flows')
  await en.locator(`[data-test=flow-state-${code}]`).waitFor()
  await t.shot(en, 'flows-list-en')

  t.step('phone')
  const phone = await t.page({ viewport: t.phone })
  await t.signIn(phone, t.admin, `/forms/${code}/flow`)
  await phone.locator('[data-test=node-approval_2]').waitFor()
  await t.shot(phone, 'flows-tree-phone-zh')
  const scroll = phone.locator('[data-test=tree-scroll]')
  assert.ok(await scroll.evaluate((el) => el.scrollWidth > el.clientWidth), 'the tree scrolls sideways on a phone')
  await phone.locator('[data-test=node-approval_1]').click()
  await phone.locator('[data-test=node-drawer]').getByText('字段权限').waitFor()
  await phone.waitForTimeout(400)
  await t.shot(phone, 'flows-drawer-phone-zh')
  await phone.locator('[data-test=node-drawer] .el-drawer__close-btn').click()
  await phone.locator('[data-test=flow-simulate]').click()
  await phone.locator(`[data-test=sim-value-${amount.code}]`).fill('25000')
  await phone.locator('[data-test=sim-run]').click()
  await phone.locator('[data-test=asks-approval_1]').waitFor()
  await t.shot(phone, 'flows-simulate-phone-zh')
  await phone.locator('#tab-bpmn').click()
  await phone.locator('[data-test=bpmn-view] .djs-element[data-element-id=approval_1]').waitFor()
  await t.shot(phone, 'flows-bpmn-phone-zh')
}
