package script

import (
	"strings"
	"testing"

	"github.com/tritiumhq/tritium/internal/connector"
	"github.com/tritiumhq/tritium/internal/script/scripttest"
)

// The examples of seeds/001 (BPMAX 接口调用方法), as written there
// (testdata/seed), against a fake connector.
func seedProxy() *fakeProxy {
	return &fakeProxy{answer: func(req connector.CallRequest) (*connector.Result, error) {
		switch req.Interface {
		case "getCustomerDetail", "get_customer_detail":
			id := ""
			if len(req.Args) > 0 {
				id, _ = req.Args[0].(string)
			} else {
				id, _ = req.Path["id"].(string)
			}
			if id == "missing" {
				return &connector.Result{Code: 404, Status: 404, Message: "客户不存在"}, nil
			}
			return &connector.Result{Code: 200, Status: 200, Message: "OK",
				Data: map[string]any{"id": id, "name": "张三", "phone": "13800000000", "email": "z@example.com"}}, nil
		}
		return &connector.Result{Code: 200, Status: 200, Message: "OK", Data: map[string]any{"errcode": 0, "api": req.Interface, "rid": req.Header["X-Request-ID"]}}, nil
	}}
}

func TestSeedDirectCall(t *testing.T) {
	fp := seedProxy()
	e := newEngine(t, Config{Proxy: fp})
	out := mustRun(t, e, JS, scripttest.Seed(t, "direct.js")+"return result.code;", Input{})
	mustOK(t, out)
	if r := fp.requests()[0]; out.Value != int64(200) || r.Interface != "sendTextMessage" || len(r.Args) != 2 || r.Args[1] != "这是一条测试消息" {
		t.Fatalf("value %v request %#v", out.Value, r)
	}
}

func TestSeedChainedCall(t *testing.T) {
	fp := seedProxy()
	e := newEngine(t, Config{Proxy: fp})
	out := mustRun(t, e, JS, scripttest.Seed(t, "chain.js")+"return result.data.name;", Input{})
	mustOK(t, out)
	if r := fp.requests()[0]; out.Value != "张三" || r.Query["fields"] != "name,phone" || r.Header["X-Custom"] != "value" {
		t.Fatalf("value %v request %#v", out.Value, r)
	}
}

func TestSeedUsageExample(t *testing.T) {
	e := newEngine(t, Config{Proxy: seedProxy()})
	out := mustRun(t, e, JS, scripttest.Seed(t, "usage.js"), Input{Form: map[string]any{"customerId": "c-1"}})
	mustOK(t, out)
	if len(out.Console) != 2 || out.Console[0].Message != "客户名称: 张三" || out.Console[1].Message != "联系电话: 13800000000" {
		t.Fatalf("console %#v", out.Console)
	}
	// The failure path: a non-200 code is thrown, logged readably, rethrown.
	out = mustRun(t, e, JS, scripttest.Seed(t, "usage.js"), Input{Form: map[string]any{"customerId": "missing"}})
	if out.Err == nil || out.Err.Message != "客户不存在" || out.Err.Line != 9 {
		t.Fatalf("err %#v", out.Err)
	}
	if len(out.Console) != 1 || !strings.HasPrefix(out.Console[0].Message, "查询客户信息失败: Error: 客户不存在 (test.js:9:") {
		t.Fatalf("console %#v", out.Console)
	}
}

func TestSeedCustomHeaders(t *testing.T) {
	fp := seedProxy()
	e := newEngine(t, Config{Proxy: fp})
	out := mustRun(t, e, JS, "function generateRequestId() { return 'req-' + $crypto.randomHex(8); }\n"+
		scripttest.Seed(t, "headers.js")+"return await callApiWithCustomHeaders();", Input{})
	mustOK(t, out)
	r := fp.requests()[0]
	rid, _ := r.Header["X-Request-ID"].(string)
	if !strings.HasPrefix(rid, "req-") || len(rid) != 20 || r.Header["X-Client-Version"] != "1.0.0" {
		t.Fatalf("headers %#v", r.Header)
	}
	if m := out.Value.(map[string]any); m["rid"] != rid {
		t.Fatalf("value %#v", out.Value)
	}
}
