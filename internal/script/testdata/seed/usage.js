// 使用直接调用方式
async function getCustomerInfo(customerId) {
  try {
    const result = await $proxy('crm_system').getCustomerDetail(customerId);
    
    if (result.code === 200) {
      return result.data;
    } else {
      throw new Error(result.message);
    }
  } catch (error) {
    console.error('查询客户信息失败:', error);
    throw error;
  }
}

// 使用链式调用方式
async function getCustomerInfoChain(customerId) {
  const result = await $proxy('crm_system')
    .$api('get_customer_detail')
    .$path({ id: customerId })
    .$query({ fields: 'name,phone,email,address' })
    .$call();
  
  return result.data;
}

// 使用示例
const customerId = form.customerId;
const customerInfo = await getCustomerInfo(customerId);
console.log('客户名称:', customerInfo.name);
console.log('联系电话:', customerInfo.phone);
