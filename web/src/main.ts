import { createApp } from 'vue'
import { createPinia } from 'pinia'
import ElementPlus from 'element-plus'
import 'element-plus/dist/index.css'
import './style.css'
import App from './App.vue'
import { router } from './router'
import { i18n } from './i18n'
import { setHooks } from './api'
import { useSession } from './stores/session'

const app = createApp(App)
const pinia = createPinia()
app.use(pinia).use(i18n).use(ElementPlus)

const session = useSession(pinia)
setHooks({
  csrf: () => session.csrfToken,
  unauthorized: () => {
    if (!session.signedIn) return
    session.expired()
    const here = router.currentRoute.value
    if (!here.meta.public) router.replace({ path: '/login', query: { redirect: here.fullPath } })
  },
})

app.use(router)
app.mount('#app')
