// Strings of the integration pages (集成).
export default {
  zh: {
    integration: {
      menu: { oauth: 'OAuth 客户端', webhooks: 'Webhook', scripts: '脚本', connectors: '连接器', logs: '调用日志' },
      name: '名称', state: '状态', enabled: '启用', disabled: '停用', created: '创建时间', modified: '修改时间', time: '时间', more: '加载更多', rotate: '重新生成密钥',
      oauth: {
        title: 'OAuth 客户端', intro: '第三方系统用 client_id 和 client_secret 在 /oauth/token 换取访问令牌（client credentials），令牌只有授予的权限范围。',
        new: '新建客户端', edit: '编辑客户端', scopes: '权限范围', rateLimit: '限流（次/秒）', rateLimitHelp: '0 表示使用服务器默认值',
        allowedIps: '允许的来源地址', allowedIpsHelp: 'IP 或 CIDR，回车添加；留空表示不限', callbacks: '异步批量回调地址', addCallback: '添加回调',
        created: '客户端已创建', rotated: '客户端密钥已重新生成', tokenUrl: '令牌地址', revoke: '吊销', revoked: '已吊销',
        rotateConfirm: '为 {name} 生成新密钥？旧密钥立即失效（已签发的令牌到期前仍有效）。', revokeConfirm: '吊销 {name}？它的所有令牌立即失效，且不能恢复。',
      },
      webhooks: {
        title: 'Webhook', intro: '把数据和审批事件推送到你的地址；每次推送都用签名密钥签名，失败会按计划重试。',
        new: '新建订阅', edit: '编辑订阅', events: '事件', form: '表单', anyForm: '所有表单', created: '订阅已创建', rotated: '签名密钥已重新生成',
        rotateConfirm: '生成新的签名密钥？尚未发送的推送将用新密钥签名。', deleteConfirm: '删除订阅 {name}？', deliveries: '推送记录', deliveriesOf: '{name} 的推送记录',
      },
      deliveries: {
        status: '状态', kind: '事件', attempts: '次数', code: '响应码', latency: '耗时', lastError: '错误', answer: '响应', resend: '重发', resent: '已重新加入发送队列',
        statuses: { pending: '等待中', delivered: '已送达', failed: '失败' },
      },
      scripts: {
        title: '脚本', intro: '表单事件、流程节点和自定义接口的服务端脚本（JavaScript / TypeScript）。每次保存都是新版本。',
        new: '新建脚本', edit: '编辑脚本', scope: '类型', target: '对象', targetHelp: '表单编码、流程或控制器', name: '名称', version: '版本',
        lang: '语言', timeout: '超时（毫秒）', source: '源代码', run: '试运行', versions: '历史版本', savedVersion: '已保存为第 {v} 版',
        deleteConfirm: '删除脚本 {name}？（历史版本会保留）', newEnv: '新建变量', envName: '变量名', envValue: '值', envSecret: '这是密钥（加密保存，之后不再显示）', secretSet: '已设置（不显示）',
        scopes: { form: '表单', flow: '流程', api: '自定义接口', auth: '签名' },
      },
      connectors: {
        title: '连接器', intro: '脚本通过 $proxy 调用的第三方平台：接口、实例（凭据）和鉴权方式都是数据，内置企业微信、钉钉、飞书。',
        new: '新建平台', import: '导入', platform: '平台定义（JSON）', key: '标识', auth: '鉴权', interfaces: '接口', instances: '实例',
        builtIn: '内置', builtInHelp: '内置平台不能修改；可以导出后以新的标识导入。', open: '打开', view: '查看', request: '请求',
        call: '试调用', callArgs: '参数（JSON：args、path、query、header、body）', instance: '实例', newInstance: '新建实例', default: '默认实例',
        secrets: '密钥', secretName: '密钥名', secretKept: '已设置，留空保持不变', addSecret: '添加密钥', baseUrlHelp: '留空使用平台的地址',
        deleteConfirm: '删除平台 {name} 及其所有实例？', badJson: '{what} 不是有效的 JSON：{err}',
      },
      logs: {
        title: '调用日志', intro: 'Webhook 和回调的推送记录、连接器的外部调用（已脱敏）和脚本的执行记录。',
        deliveries: '推送记录', calls: '外部调用', executions: '脚本执行', platform: '平台', outcome: '结果', answered: '有响应', transportFailed: '网络失败',
        detail: '详情', replay: '重放', replayed: '重放结果',
      },
    },
  },
  en: {
    integration: {
      menu: { oauth: 'OAuth clients', webhooks: 'Webhooks', scripts: 'Scripts', connectors: 'Connectors', logs: 'Call logs' },
      name: 'Name', state: 'State', enabled: 'Enabled', disabled: 'Disabled', created: 'Created', modified: 'Modified', time: 'Time', more: 'Load more', rotate: 'New secret',
      oauth: {
        title: 'OAuth clients', intro: 'Other systems trade a client_id and client_secret for an access token at /oauth/token (client credentials); the token has only the scopes granted.',
        new: 'New client', edit: 'Edit client', scopes: 'Scopes', rateLimit: 'Rate limit (requests/s)', rateLimitHelp: "0: the server's default",
        allowedIps: 'Allowed addresses', allowedIpsHelp: 'IP or CIDR, Enter to add; empty: anywhere', callbacks: 'Async batch callbacks', addCallback: 'Add callback',
        created: 'Client created', rotated: 'Client secret replaced', tokenUrl: 'Token URL', revoke: 'Revoke', revoked: 'Revoked',
        rotateConfirm: 'Give {name} a new secret? The old one stops working at once (tokens already issued stay valid until they expire).', revokeConfirm: 'Revoke {name}? Its tokens stop working at once; this cannot be undone.',
      },
      webhooks: {
        title: 'Webhooks', intro: 'Record and approval events pushed to your URL, each signed with the signing secret and retried on failure.',
        new: 'New subscription', edit: 'Edit subscription', events: 'Events', form: 'Form', anyForm: 'Every form', created: 'Subscription created', rotated: 'Signing secret replaced',
        rotateConfirm: 'Generate a new signing secret? Deliveries not yet sent will be signed with it.', deleteConfirm: 'Delete the subscription {name}?', deliveries: 'Deliveries', deliveriesOf: 'Deliveries of {name}',
      },
      deliveries: {
        status: 'Status', kind: 'Event', attempts: 'Attempts', code: 'Code', latency: 'Latency', lastError: 'Error', answer: 'Answer', resend: 'Resend', resent: 'Queued again',
        statuses: { pending: 'Pending', delivered: 'Delivered', failed: 'Failed' },
      },
      scripts: {
        title: 'Scripts', intro: 'Server-side scripts (JavaScript / TypeScript) for form events, workflow nodes and custom API actions. Every save is a new version.',
        new: 'New script', edit: 'Edit script', scope: 'Kind', target: 'Target', targetHelp: 'A form code, process or controller', name: 'Name', version: 'Version',
        lang: 'Language', timeout: 'Timeout (ms)', source: 'Source', run: 'Test run', versions: 'Versions', savedVersion: 'Saved as version {v}',
        deleteConfirm: 'Delete the script {name}? (Its versions are kept.)', newEnv: 'New value', envName: 'Name', envValue: 'Value', envSecret: 'A secret (sealed at rest, never shown again)', secretSet: 'Set (not shown)',
        scopes: { form: 'Form', flow: 'Workflow', api: 'Custom API', auth: 'Signer' },
      },
      connectors: {
        title: 'Connectors', intro: 'The third-party platforms scripts call through $proxy: interfaces, instances (credentials) and auth methods are data; WeCom, DingTalk and Feishu are built in.',
        new: 'New platform', import: 'Import', platform: 'Platform (JSON)', key: 'Key', auth: 'Auth', interfaces: 'Interfaces', instances: 'Instances',
        builtIn: 'Built-in', builtInHelp: 'Built-in platforms cannot be changed; export one and import it under a new key.', open: 'Open', view: 'View', request: 'Request',
        call: 'Test call', callArgs: 'Arguments (JSON: args, path, query, header, body)', instance: 'Instance', newInstance: 'New instance', default: 'Default instance',
        secrets: 'Secrets', secretName: 'Secret name', secretKept: 'Set; leave empty to keep it', addSecret: 'Add secret', baseUrlHelp: "Empty: the platform's URL",
        deleteConfirm: 'Delete the platform {name} and all its instances?', badJson: '{what} is not valid JSON: {err}',
      },
      logs: {
        title: 'Call logs', intro: 'Deliveries of webhooks and callbacks, outbound connector calls (redacted) and script executions.',
        deliveries: 'Deliveries', calls: 'Outbound calls', executions: 'Script runs', platform: 'Platform', outcome: 'Outcome', answered: 'Answered', transportFailed: 'Transport failure',
        detail: 'Detail', replay: 'Replay', replayed: 'Replay result',
      },
    },
  },
}
