// Strings of the record form component (shared by the record pages and,
// later, the task page).
export default {
  zh: {
    record: {
      addRow: '添加行', removeRow: '删除行', noRows: '没有行', upload: '上传', uploading: '上传中…', preview: '预览',
      download: '下载', remove: '移除', previewTitle: '预览：{name}', uploadFailed: '上传失败：{msg}',
      choose: '请选择', enterId: '输入 ID', enterValues: '输入后回车', serialAuto: '保存后生成', row: '第 {n} 行',
      true: '是', false: '否',
    },
  },
  en: {
    record: {
      addRow: 'Add row', removeRow: 'Remove row', noRows: 'No rows', upload: 'Upload', uploading: 'Uploading…', preview: 'Preview',
      download: 'Download', remove: 'Remove', previewTitle: 'Preview: {name}', uploadFailed: 'Upload failed: {msg}',
      choose: 'Choose', enterId: 'Enter an id', enterValues: 'Type and press Enter', serialAuto: 'Generated on save', row: 'Row {n}',
      true: 'Yes', false: 'No',
    },
  },
}
