// Strings of the shell (menus, header, common buttons).
export default {
  zh: {
    app: { name: 'Tritium', tagline: '表单 · 流程 · 开放接口' },
    menu: { home: '首页', apps: '应用', approvals: '审批', system: '系统管理', integration: '集成' },
    common: {
      ok: '确定', cancel: '取消', save: '保存', delete: '删除', edit: '编辑', create: '新建', search: '搜索',
      refresh: '刷新', back: '返回', close: '关闭', actions: '操作', loading: '加载中…', empty: '暂无数据',
      confirmDelete: '确定删除吗？', saved: '已保存', deleted: '已删除', yes: '是', no: '否', more: '更多',
      notFound: '页面不存在', goHome: '回到首页', forbidden: '没有权限访问此页面',
    },
    header: {
      language: '语言', signOut: '退出登录', signOutEverywhere: '退出所有设备', changePassword: '修改密码',
      currentPassword: '当前密码', newPassword: '新密码', passwordChanged: '密码已修改，其他设备已退出',
    },
  },
  en: {
    app: { name: 'Tritium', tagline: 'Forms · Workflows · Open API' },
    menu: { home: 'Home', apps: 'Apps', approvals: 'Approvals', system: 'System', integration: 'Integration' },
    common: {
      ok: 'OK', cancel: 'Cancel', save: 'Save', delete: 'Delete', edit: 'Edit', create: 'New', search: 'Search',
      refresh: 'Refresh', back: 'Back', close: 'Close', actions: 'Actions', loading: 'Loading…', empty: 'No data',
      confirmDelete: 'Delete this?', saved: 'Saved', deleted: 'Deleted', yes: 'Yes', no: 'No', more: 'More',
      notFound: 'Page not found', goHome: 'Go home', forbidden: 'You may not open this page',
    },
    header: {
      language: 'Language', signOut: 'Sign out', signOutEverywhere: 'Sign out everywhere', changePassword: 'Change password',
      currentPassword: 'Current password', newPassword: 'New password', passwordChanged: 'Password changed; other devices are signed out',
    },
  },
}
