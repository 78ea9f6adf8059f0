// 示例：使用链式调用
const result = await $proxy('crm_system')
  .$api('get_customer_detail')      // 指定接口
  .$path({ id: '12345' })            // 设置路径参数
  .$query({ fields: 'name,phone' })  // 设置查询参数
  .$header({ 'X-Custom': 'value' })  // 设置请求头
  .$call();                          // 执行调用
