export default {
  zh: { home: { welcome: '你好，{name}', intro: '在左侧菜单中打开审批待办、应用表单或系统管理。', apps: '我的应用', noApps: '还没有可用的表单。' } },
  en: { home: { welcome: 'Hello, {name}', intro: 'Open your approvals, app forms or system settings from the menu.', apps: 'My apps', noApps: 'No forms yet.' } },
}
