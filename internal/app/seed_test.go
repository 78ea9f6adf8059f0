package app_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/tritiumhq/tritium/internal/script/scripttest"
)

// The seed's (BPMAX "接口调用方法") four examples, as written there
// (internal/script/testdata/seed), run by real scripts against a local
// fake CRM and a local server speaking WeCom's wire format, through the
// integration hub.
func seedScript(t *testing.T, name, before, after string) string {
	return before + scripttest.Seed(t, name) + after
}

// fakeVendors serves a CRM (customer 12345 exists; others 404 with a
// vendor message) and WeCom's gettoken/message/send.
type fakeVendors struct {
	mu      sync.Mutex
	crm     []*http.Request
	sent    []map[string]any
	tokens  int
	crmSrv  *httptest.Server
	wecom   *httptest.Server
	headers []http.Header
}

func newFakeVendors(t *testing.T) *fakeVendors {
	f := &fakeVendors{}
	f.crmSrv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.crm = append(f.crm, r)
		f.headers = append(f.headers, r.Header.Clone())
		f.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		if r.Header.Get("X-Api-Key") != "crm-key" {
			w.WriteHeader(401)
			io.WriteString(w, `{"errcode":401,"errmsg":"bad key"}`)
			return
		}
		switch {
		case r.URL.Path == "/customers/12345":
			io.WriteString(w, `{"errcode":0,"errmsg":"ok","data":{"id":"12345","name":"张三","phone":"13800000000","email":"z@example.com","address":"上海","fields":"`+r.URL.Query().Get("fields")+`"}}`)
		case strings.HasPrefix(r.URL.Path, "/customers/"):
			io.WriteString(w, `{"errcode":404,"errmsg":"客户不存在"}`)
		case r.URL.Path == "/some":
			io.WriteString(w, `{"errcode":0,"errmsg":"ok","data":{"echo":"`+r.Header.Get("X-Client-Version")+`"}}`)
		default:
			w.WriteHeader(404)
		}
	}))
	f.wecom = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/cgi-bin/gettoken":
			f.mu.Lock()
			f.tokens++
			f.mu.Unlock()
			if r.URL.Query().Get("corpsecret") != "corp-secret" {
				io.WriteString(w, `{"errcode":40001,"errmsg":"invalid credential"}`)
				return
			}
			io.WriteString(w, `{"errcode":0,"errmsg":"ok","access_token":"accesstoken000001","expires_in":7200}`)
		case "/cgi-bin/message/send":
			if r.URL.Query().Get("access_token") != "accesstoken000001" {
				io.WriteString(w, `{"errcode":40014,"errmsg":"invalid access_token"}`)
				return
			}
			var m map[string]any
			json.NewDecoder(r.Body).Decode(&m)
			f.mu.Lock()
			f.sent = append(f.sent, m)
			f.mu.Unlock()
			io.WriteString(w, `{"errcode":0,"errmsg":"ok","invaliduser":"","msgid":"msg-1"}`)
		default:
			w.WriteHeader(404)
		}
	}))
	t.Cleanup(func() { f.crmSrv.Close(); f.wecom.Close() })
	return f
}

// setUp configures crm_system, external_system and a qywx instance.
func (f *fakeVendors) setUp(s *server) {
	allow := map[string]any{"allow": []string{"127.0.0.1/32"}}
	key := map[string]any{"method": "api_key", "in": "header", "name": "X-Api-Key", "value": "{{secret.apikey}}"}
	success := map[string]any{"codePath": "errcode", "ok": 0, "messagePath": "errmsg", "dataPath": "data"}
	s.mustJSON("POST", "/api/v1/platforms", map[string]any{"key": "crm_system", "name": "CRM", "baseUrl": f.crmSrv.URL, "auth": key, "network": allow, "success": success,
		"interfaces": []any{map[string]any{"key": "get_customer_detail", "method": "GET", "path": "/customers/{id}",
			"params": []any{map[string]any{"name": "id", "in": "path", "required": true}, map[string]any{"name": "fields", "in": "query"}}}}}, 201)
	s.mustJSON("POST", "/api/v1/platforms", map[string]any{"key": "external_system", "baseUrl": f.crmSrv.URL, "auth": key, "network": allow, "success": success,
		"interfaces": []any{map[string]any{"key": "some_api", "method": "GET", "path": "/some"}}}, 201)
	for _, p := range []string{"crm_system", "external_system"} {
		s.mustJSON("POST", "/api/v1/platforms/"+p+"/instances", map[string]any{"key": "prod", "secrets": map[string]any{"apikey": "crm-key"}}, 201)
	}
	s.mustJSON("POST", "/api/v1/platforms/qywx/instances", map[string]any{"key": "corp", "baseUrl": f.wecom.URL, "network": allow,
		"config": map[string]any{"corpid": "ww123", "agentid": 1000002}, "secrets": map[string]any{"corpsecret": "corp-secret"}}, 201)
}

// run runs a snippet through POST /api/v1/scripts/run.
func run(s *server, source string, form map[string]any) map[string]any {
	s.t.Helper()
	return s.mustJSON("POST", "/api/v1/scripts/run", map[string]any{"source": source, "form": form}, 200)
}

func TestSeedExamples(t *testing.T) {
	forEachServer(t, func(t *testing.T, s *server) {
		f := newFakeVendors(t)
		f.setUp(s)

		// 1. Direct call: WeCom gettoken, then message/send.
		out := run(s, seedScript(t, "direct.js", "", "return result;"), nil)
		res, _ := out["result"].(map[string]any)
		if out["error"] != nil || res["code"] != json.Number("200") || res["message"] != "ok" || res["data"].(map[string]any)["msgid"] != "msg-1" {
			t.Fatalf("direct sendTextMessage: %v", out)
		}
		if len(f.sent) != 1 || f.sent[0]["touser"] != "UserID" || f.sent[0]["agentid"] != float64(1000002) || f.sent[0]["msgtype"] != "text" ||
			f.sent[0]["text"].(map[string]any)["content"] != "这是一条测试消息" {
			t.Fatalf("WeCom got %v", f.sent)
		}
		for _, k := range []string{"code", "data", "message", "status", "headers", "duration_ms"} {
			if _, ok := res[k]; !ok {
				t.Fatalf("result lacks %s: %v", k, res)
			}
		}

		// 2. The chain: path, query and header all arrive.
		out = run(s, seedScript(t, "chain.js", "", "return result;"), nil)
		res, _ = out["result"].(map[string]any)
		if out["error"] != nil || res["code"] != json.Number("200") || res["data"].(map[string]any)["fields"] != "name,phone" {
			t.Fatalf("chained call: %v", out)
		}
		if h := f.headers[len(f.headers)-1]; h.Get("X-Custom") != "value" {
			t.Fatalf("the CRM did not get X-Custom: %v", h)
		}

		// 3. The usage example, top-level await and form.customerId
		// included, as a form's onLoad hook on a record being filled in.
		s.mustCreateForm(map[string]any{"code": "D000003Order", "name": "订单", "fields": []map[string]any{
			{"code": "customerId", "name": "客户", "type": "text"}, {"code": "customerName", "name": "客户名称", "type": "text"}}})
		s.putScript("form", "D000003Order", "onLoad", "js", seedScript(t, "usage.js", "", "form.customerName = customerInfo.name;\nreturn await getCustomerInfoChain(customerId);"))
		d := s.mustJSON("POST", "/api/v1/forms/D000003Order/scripts/onLoad:run", map[string]any{"values": map[string]any{"customerId": "12345"}}, 200)
		if d["values"].(map[string]any)["customerName"] != "张三" || d["result"].(map[string]any)["fields"] != "name,phone,email,address" {
			t.Fatalf("usage example: %v", d)
		}
		console := jsonString(d["console"])
		if !strings.Contains(console, "客户名称: 张三") || !strings.Contains(console, "联系电话: 13800000000") {
			t.Fatalf("console: %s", console)
		}
		// Its failure path: the vendor's message is thrown, logged by
		// console.error, and reaches the caller.
		st, b := s.do("POST", "/api/v1/forms/D000003Order/scripts/onLoad:run", map[string]any{"values": map[string]any{"customerId": "999"}})
		if st != 422 || !strings.Contains(string(b), "客户不存在") {
			t.Fatalf("usage example, unknown customer: %d %s", st, b)
		}
		ex := s.mustJSON("GET", "/api/v1/script-executions?scope=form&target=D000003Order&status=error", nil, 200)["items"].([]any)
		if len(ex) != 1 || !strings.Contains(jsonString(ex[0].(map[string]any)["console"]), "查询客户信息失败: Error: 客户不存在") {
			t.Fatalf("the failure's console: %v", ex)
		}

		// 4. Custom headers.
		out = run(s, seedScript(t, "headers.js", "function generateRequestId() { return 'req-' + $crypto.uuid(); }\n", "return await callApiWithCustomHeaders();"), nil)
		if out["error"] != nil || out["result"].(map[string]any)["echo"] != "1.0.0" {
			t.Fatalf("custom headers: %v", out)
		}
		if h := f.headers[len(f.headers)-1]; !strings.HasPrefix(h.Get("X-Request-ID"), "req-") {
			t.Fatalf("X-Request-ID: %v", h)
		}

		// The calls are in the call log, caller stamped, key redacted.
		s.App.Connectors.Flush(t.Context())
		calls := s.mustJSON("GET", "/api/v1/connector-calls?platform=crm_system&form=D000003Order", nil, 200)
		if b, _ := json.Marshal(calls); strings.Contains(string(b), "crm-key") || calls["total"] == json.Number("0") {
			t.Fatalf("call log: %s", b)
		}

		// A transport failure rejects with an Error naming platform,
		// interface and cause; the try/catch pattern catches it.
		s.mustJSON("PATCH", "/api/v1/platforms/crm_system/instances/prod", map[string]any{"baseUrl": "http://127.0.0.1:1"}, 200)
		out = run(s, `try { await $proxy('crm_system').getCustomerDetail('1'); return 'no error'; } catch (e) { return e.message; }`, nil)
		if msg, _ := out["result"].(string); !strings.Contains(msg, "crm_system") || !strings.Contains(msg, "get_customer_detail") {
			t.Fatalf("transport failure: %v", out)
		}
		out = run(s, `return await $proxy('crm_system').noSuchThing();`, nil)
		if e, _ := out["error"].(map[string]any); e == nil || !strings.Contains(e["message"].(string), "noSuchThing") || !strings.Contains(e["message"].(string), "crm_system") {
			t.Fatalf("unknown interface: %v", out)
		}
		out = run(s, `return await $proxy('nope').x();`, nil)
		if e, _ := out["error"].(map[string]any); e == nil || !strings.Contains(e["message"].(string), "nope") {
			t.Fatalf("unknown platform: %v", out)
		}
	})
}

// TestScriptAuthMethod: a platform whose auth method is script has its
// requests signed by its auth/<platform>/sign script.
func TestScriptAuthMethod(t *testing.T) {
	forEachServer(t, func(t *testing.T, s *server) {
		var got http.Header
		var gotQuery string
		vendor := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			got, gotQuery = r.Header.Clone(), r.URL.RawQuery
			io.WriteString(w, `{"ok":true}`)
		}))
		defer vendor.Close()
		s.mustJSON("POST", "/api/v1/platforms", map[string]any{"key": "signed", "baseUrl": vendor.URL, "auth": map[string]any{"method": "script"},
			"network":    map[string]any{"allow": []string{"127.0.0.1/32"}},
			"interfaces": []any{map[string]any{"key": "ping", "method": "POST", "path": "/ping", "params": []any{map[string]any{"name": "n", "in": "body"}}}}}, 201)
		s.mustJSON("POST", "/api/v1/platforms/signed/instances", map[string]any{"key": "main"}, 201)
		out := run(s, `return (await $proxy('signed').ping(1)).code;`, nil)
		if e, _ := out["error"].(map[string]any); e == nil || !strings.Contains(e["message"].(string), "auth/signed/sign") {
			t.Fatalf("without its sign script: %v", out)
		}
		s.putScript("auth", "signed", "sign", "js", `
const secret = 'k';
return { headers: { 'X-Sign': $crypto.hmac('sha256', secret, $args.method + $args.path + $args.body) }, query: { ts: '1' } };`)
		out = run(s, `return (await $proxy('signed').ping(1)).code;`, nil)
		if out["result"] != json.Number("200") || got.Get("X-Sign") == "" || gotQuery != "ts=1" {
			t.Fatalf("signed call: %v; vendor saw %v %q", out, got, gotQuery)
		}
		check := run(s, `return $crypto.hmac('sha256', 'k', 'POST/ping{"n":1}');`, nil)
		if check["result"] != got.Get("X-Sign") {
			t.Fatalf("signature %q, want %v", got.Get("X-Sign"), check["result"])
		}
	})
}
