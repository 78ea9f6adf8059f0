// Strings of the form list, the form designer and the revisions page.
export default {
  zh: {
    forms: {
      title: '表单设计',
      list: {
        search: '搜索编码或名称', fields: '字段数', children: '子表', workflow: '流程', modified: '修改时间', revision: '版本',
        records: '数据', flow: '流程设计', design: '设计', revisions: '历史版本', deleteConfirm: '删除表单 {code} 及其全部数据？此操作不可撤销。',
        none: '还没有表单，点击“新建”开始设计。',
      },
      designer: {
        newTitle: '新建表单', editTitle: '设计：{name}', palette: '字段', dragHint: '拖动字段到画布，或点击添加', canvas: '画布',
        emptyCanvas: '把左侧的字段拖到这里', childTable: '子表', addChild: '子表', emptyChild: '把字段拖到子表里',
        formProps: '表单属性', fieldProps: '字段属性', childProps: '子表属性', code: '编码', name: '名称', type: '类型',
        workflow: '启用审批流程', required: '必填', indexed: '建索引', maxLength: '最大长度', precision: '总位数', scale: '小数位',
        decimals: '显示小数位', min: '最小值', max: '最大值', options: '选项（每行一个）', valueSet: '值集编码（代替选项）',
        form: '关联表单', pattern: '编号规则', placeholderDefault: '留空为服务器默认值',
        indexes: '组合索引', addIndex: '添加组合索引', indexHint: '2–8 个本表字段（不含附件和多行文本）', remove: '移除',
        moveUp: '上移', moveDown: '下移', saveOk: '已保存（版本 {n}）', created: '已创建', refused: '服务器拒绝了此次保存',
        renameNote: '已有字段改编码时保留数据（renameFrom: {from}）', selectHint: '点击画布上的字段以编辑其属性',
        leave: '有未保存的修改，确定离开吗？', noCrossMove: '已保存的字段不能在表单和子表之间移动（会丢失数据）：请新建字段',
        dropData: '保存后会删除 {code} 及其已有数据，确定删除吗？', noFields: '表单至少需要一个字段',
      },
      attrs: {
        name: '名称', type: '类型', required: '必填', indexed: '索引', maxLength: '最大长度', precision: '总位数', scale: '小数位',
        decimals: '显示小数位', min: '最小值', max: '最大值', options: '选项', valueSet: '值集', form: '关联表单', pattern: '编号规则',
        workflow: '流程', indexes: '组合索引',
      },
      types: {
        text: '单行文本', textarea: '多行文本', number: '数字', decimal: '金额（精确小数）', bool: '是/否', date: '日期',
        datetime: '日期时间', select: '单选', multiselect: '多选', user: '人员', users: '多人员', department: '部门',
        relation: '关联表单', attachment: '附件', serial: '流水号',
      },
      revisions: {
        title: '历史版本：{code}', current: '当前', show: '查看', diff: '与当前版本比较', definition: '定义', changes: '相对当前版本的变化',
        same: '与当前版本相同', added: '新增', removed: '删除', changed: '修改', form: '表单', fieldsCount: '{n} 个字段', childrenCount: '{n} 个子表',
      },
    },
  },
  en: {
    forms: {
      title: 'Form designer',
      list: {
        search: 'Search code or name', fields: 'Fields', children: 'Child tables', workflow: 'Workflow', modified: 'Modified', revision: 'Revision',
        records: 'Records', flow: 'Flow', design: 'Design', revisions: 'Revisions', deleteConfirm: 'Delete form {code} and all its data? This cannot be undone.',
        none: 'No forms yet. Click “New” to design one.',
      },
      designer: {
        newTitle: 'New form', editTitle: 'Design: {name}', palette: 'Fields', dragHint: 'Drag a field onto the canvas, or click to add', canvas: 'Canvas',
        emptyCanvas: 'Drag fields from the left here', childTable: 'Child table', addChild: 'Child table', emptyChild: 'Drag fields into the child table',
        formProps: 'Form', fieldProps: 'Field', childProps: 'Child table', code: 'Code', name: 'Name', type: 'Type',
        workflow: 'Runs an approval workflow', required: 'Required', indexed: 'Indexed', maxLength: 'Max length', precision: 'Precision', scale: 'Scale',
        decimals: 'Decimals shown', min: 'Minimum', max: 'Maximum', options: 'Options (one a line)', valueSet: 'Value set code (instead of options)',
        form: 'Related form', pattern: 'Number pattern', placeholderDefault: 'Empty: the server default',
        indexes: 'Composite indexes', addIndex: 'Add composite index', indexHint: '2–8 of the form’s own fields (not attachments or long text)', remove: 'Remove',
        moveUp: 'Move up', moveDown: 'Move down', saveOk: 'Saved (revision {n})', created: 'Created', refused: 'The server refused the change',
        renameNote: 'A stored field with a new code keeps its data (renameFrom: {from})', selectHint: 'Click a field on the canvas to edit it',
        leave: 'Leave without saving your changes?', noCrossMove: 'A stored field cannot move between the form and a child table (its data would be lost): add a new field',
        dropData: 'Saving will drop {code} and its stored data. Remove it?', noFields: 'A form needs at least one field',
      },
      attrs: {
        name: 'name', type: 'type', required: 'required', indexed: 'indexed', maxLength: 'max length', precision: 'precision', scale: 'scale',
        decimals: 'decimals', min: 'minimum', max: 'maximum', options: 'options', valueSet: 'value set', form: 'related form', pattern: 'pattern',
        workflow: 'workflow', indexes: 'composite indexes',
      },
      types: {
        text: 'Text', textarea: 'Long text', number: 'Number', decimal: 'Money (exact decimal)', bool: 'Yes/No', date: 'Date',
        datetime: 'Date and time', select: 'Single choice', multiselect: 'Multiple choice', user: 'User', users: 'Users', department: 'Department',
        relation: 'Related form', attachment: 'Attachment', serial: 'Serial number',
      },
      revisions: {
        title: 'Revisions: {code}', current: 'current', show: 'Show', diff: 'Compare with current', definition: 'Definition', changes: 'Changes up to the current revision',
        same: 'Same as the current revision', added: 'added', removed: 'removed', changed: 'changed', form: 'Form', fieldsCount: '{n} fields', childrenCount: '{n} child tables',
      },
    },
  },
}
