export default {
  zh: {
    login: {
      title: '登录', heading: '登录 Tritium', login: '邮箱或登录名', password: '密码', submit: '登录',
      required: '请输入邮箱或登录名和密码', firstTime: '首次使用？管理员账号由 TRITIUM_ADMIN_EMAIL / TRITIUM_ADMIN_PASSWORD 或 “tritium admin create” 设置。',
    },
  },
  en: {
    login: {
      title: 'Sign in', heading: 'Sign in to Tritium', login: 'Email or login name', password: 'Password', submit: 'Sign in',
      required: 'Enter your email or login name and your password', firstTime: 'First time? The administrator account is set by TRITIUM_ADMIN_EMAIL / TRITIUM_ADMIN_PASSWORD or “tritium admin create”.',
    },
  },
}
