// 示例：调用企业微信发送消息接口
const result = await $proxy('qywx').sendTextMessage(
  'UserID',           // 第一个参数：接收人
  '这是一条测试消息'   // 第二个参数：消息内容
);
