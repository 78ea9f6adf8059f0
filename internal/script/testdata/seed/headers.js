// 添加自定义请求头
async function callApiWithCustomHeaders() {
  const result = await $proxy('external_system')
    .$api('some_api')
    .$header({
      'X-Request-ID': generateRequestId(),
      'X-Client-Version': '1.0.0'
    })
    .$call();
  
  return result.data;
}
