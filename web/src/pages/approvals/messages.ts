// Strings of the approval pages (inbox, task, instance).
export default {
  zh: {
    approvals: {
      inbox: '审批中心',
      tab: { todo: '待办', done: '已办', started: '我发起的', cc: '抄送我的' },
      tabShort: { todo: '待办', done: '已办', started: '我发起', cc: '抄送' },
      filter: {
        form: '表单', allForms: '全部表单', initiator: '发起人', from: '开始日期', to: '结束日期', range: '接收时间',
        search: '搜索单号、表单、节点或发起人', more: '筛选', status: '流程状态', anyStatus: '全部状态', reset: '重置',
      },
      col: { title: '单据', form: '表单', initiator: '发起人', node: '节点', received: '接收时间', acted: '处理时间', started: '发起时间', status: '状态' },
      loaded: '已加载 {n} / {total} 条', loadMore: '加载更多', noItems: '没有审批', open: '打开',
      status: {
        running: '审批中', approved: '已通过', rejected: '已驳回', canceled: '已撤销', terminated: '已终止',
        pending: '待处理', waiting: '等待中', returned: '已退回', transferred: '已转交', delegated: '已委托', resolved: '已答复', unread: '未读', read: '已读',
      },
      task: '审批任务', instance: '流程详情', record: '单据内容', history: '审批记录', node: '当前节点', initiator: '发起人', assignee: '处理人',
      noActions: '此任务没有可执行的操作', notFound: '任务不存在或无权查看', editable: '可编辑',
      act: {
        approve: '同意', submit: '提交', reject: '驳回', return: '退回', transfer: '转交', delegate: '委托', 'add-signers': '加签',
        'remove-signers': '减签', cc: '抄送', comment: '评论', read: '标为已读', withdraw: '撤回', urge: '催办', cancel: '撤销', terminate: '终止',
      },
      dlg: {
        comment: '意见', commentPh: '填写审批意见（可选）', commentReq: '填写内容', toNode: '退回到', strategy: '重新审批',
        rerun: '按流程重新流转', back: '审批后直接回到我', user: '选择人员', users: '选择人员（可多选）', position: '加签方式',
        before: '在我之前', after: '在我之后', signers: '移除的加签人（不选则全部）', done: '已{action}', searchUser: '输入姓名、账号或邮箱搜索',
        editHint: '同意时一并保存对这些字段的修改',
      },
      need: { comment: '请填写内容', user: '请选择人员', users: '请至少选择一人', node: '请选择退回节点' },
      ev: {
        started: '发起了流程', submitted: '提交', assigned: '待{who}处理', approved: '同意', rejected: '驳回', returned: '退回',
        transferred: '转交', delegated: '委托他人', resolved: '答复委托', read: '已读抄送', cc: '抄送给{who}', comment: '评论',
        urged: '催办{who}', timer: '定时器触发', deleted: '单据被删除', finished: '流程结束：{result}',
      },
      tagTask: '任务：{s}', tagInstance: '流程：{s}',
    },
  },
  en: {
    approvals: {
      inbox: 'Approvals',
      tab: { todo: 'To do', done: 'Done', started: 'Started by me', cc: 'Copied to me' },
      tabShort: { todo: 'To do', done: 'Done', started: 'Mine', cc: 'CC' },
      filter: {
        form: 'Form', allForms: 'All forms', initiator: 'Initiator', from: 'From', to: 'To', range: 'Received',
        search: 'Search number, form, node or initiator', more: 'Filters', status: 'Status', anyStatus: 'Any status', reset: 'Reset',
      },
      col: { title: 'Record', form: 'Form', initiator: 'Initiator', node: 'Step', received: 'Received', acted: 'Acted', started: 'Started', status: 'Status' },
      loaded: '{n} of {total} loaded', loadMore: 'Load more', noItems: 'Nothing here', open: 'Open',
      status: {
        running: 'In approval', approved: 'Approved', rejected: 'Rejected', canceled: 'Canceled', terminated: 'Terminated',
        pending: 'Pending', waiting: 'Waiting', returned: 'Returned', transferred: 'Transferred', delegated: 'Delegated', resolved: 'Answered', unread: 'Unread', read: 'Read',
      },
      task: 'Approval task', instance: 'Approval', record: 'Record', history: 'History', node: 'Step', initiator: 'Initiator', assignee: 'Assignee',
      noActions: 'Nothing to do on this task', notFound: 'The task does not exist or you may not see it', editable: 'Editable',
      act: {
        approve: 'Approve', submit: 'Submit', reject: 'Reject', return: 'Return', transfer: 'Transfer', delegate: 'Delegate', 'add-signers': 'Add signer',
        'remove-signers': 'Remove signers', cc: 'Copy to', comment: 'Comment', read: 'Mark read', withdraw: 'Withdraw', urge: 'Urge', cancel: 'Cancel approval', terminate: 'Terminate',
      },
      dlg: {
        comment: 'Comment', commentPh: 'Your comment (optional)', commentReq: 'Write something', toNode: 'Return to', strategy: 'Afterwards',
        rerun: 'Run through the process again', back: 'Come straight back to me', user: 'Choose a person', users: 'Choose people', position: 'Signs',
        before: 'Before me', after: 'After me', signers: 'Signers to remove (none: all)', done: '{action}: done', searchUser: 'Search by name, login or email',
        editHint: 'Your changes to these fields are saved with it',
      },
      need: { comment: 'Write something', user: 'Choose a person', users: 'Choose at least one person', node: 'Choose the step to return to' },
      ev: {
        started: 'started the approval', submitted: 'submitted', assigned: 'waiting for {who}', approved: 'approved', rejected: 'rejected', returned: 'returned it',
        transferred: 'transferred it', delegated: 'delegated it', resolved: 'answered the delegation', read: 'read the copy', cc: 'copied to {who}', comment: 'commented',
        urged: 'urged {who}', timer: 'a timer fired', deleted: 'the record was deleted', finished: 'finished: {result}',
      },
      tagTask: 'Task: {s}', tagInstance: 'Approval: {s}',
    },
  },
}
