package script

import (
	"reflect"
	"strings"
	"testing"

	"github.com/tritiumhq/tritium/internal/connector"
)

func TestProxyDirectCall(t *testing.T) {
	fp := &fakeProxy{}
	e := newEngine(t, Config{Proxy: fp})
	out := mustRun(t, e, JS, `const r = await $proxy('qywx', {instance_key: 'corp2', caller: 'welcome'}).sendTextMessage('UserID', '这是一条测试消息', {n: 1});
return Object.keys(r).sort().join()`, Input{Caller: connector.Caller{Kind: "form", Form: "orders", ObjectID: "o1"}})
	mustOK(t, out)
	if out.Value != "code,data,duration_ms,headers,message,status" {
		t.Fatalf("result keys %v", out.Value)
	}
	reqs := fp.requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests", len(reqs))
	}
	r := reqs[0]
	want := []any{"UserID", "这是一条测试消息", map[string]any{"n": int64(1)}}
	if r.Platform != "qywx" || r.Instance != "corp2" || r.Interface != "sendTextMessage" || !reflect.DeepEqual(r.Args, want) {
		t.Fatalf("request %#v", r)
	}
	if r.Caller.Kind != "form" || r.Caller.Label != "welcome" || r.Caller.ObjectID != "o1" || r.Caller.Script == "" {
		t.Fatalf("caller %#v", r.Caller)
	}
	if len(out.Calls) != 1 || out.Calls[0].Platform != "qywx" || out.Calls[0].Code != 200 {
		t.Fatalf("calls %#v", out.Calls)
	}
}

func TestProxyChainMerges(t *testing.T) {
	fp := &fakeProxy{}
	e := newEngine(t, Config{Proxy: fp})
	out := mustRun(t, e, JS, `
const c = $proxy('crm_system').$api('get_customer_detail')
  .$path({ id: '12345' }).$query({ fields: 'name' }).$query({ page: 2 })
  .$header({ 'X-Custom': 'value' }).$body({ name: '张三' }).$body({ age: 3 });
const r = await c.$call();
return r.code`, Input{})
	mustOK(t, out)
	r := fp.requests()[0]
	if r.Interface != "get_customer_detail" || r.Path["id"] != "12345" || r.Query["fields"] != "name" || r.Query["page"] != int64(2) ||
		r.Header["X-Custom"] != "value" || !r.HasBody || !reflect.DeepEqual(r.Body, map[string]any{"name": "张三", "age": int64(3)}) {
		t.Fatalf("request %#v", r)
	}
}

func TestProxyChainWithoutAPI(t *testing.T) {
	fp := &fakeProxy{}
	e := newEngine(t, Config{Proxy: fp})
	out := mustRun(t, e, JS, `try { await $proxy('crm_system').$path({id: 1}).$call(); return 'no error' } catch (e) { return e instanceof Error ? e.message : 'not an Error' }`, Input{})
	mustOK(t, out)
	if s, _ := out.Value.(string); !strings.Contains(s, "crm_system") || !strings.Contains(s, "$api") {
		t.Fatalf("message %q", out.Value)
	}
	if len(fp.requests()) != 0 {
		t.Fatal("a chain without $api reached the proxy")
	}
}

func TestProxyIsNotThenable(t *testing.T) {
	fp := &fakeProxy{}
	e := newEngine(t, Config{Proxy: fp})
	out := mustRun(t, e, JS, `const p = await $proxy('qywx'); const q = await Promise.resolve($proxy('x'));
console.log(p, String(p), `+"`${q}`"+`);
return [typeof p.then, typeof p.sendTextMessage, typeof q.$api]`, Input{})
	mustOK(t, out)
	if len(fp.requests()) != 0 {
		t.Fatalf("printing a proxy made calls: %#v", fp.requests())
	}
	if !reflect.DeepEqual(out.Value, []any{"undefined", "function", "function"}) {
		t.Fatalf("value %#v", out.Value)
	}
}

func TestProxyErrorsReject(t *testing.T) {
	fp := &fakeProxy{answer: func(req connector.CallRequest) (*connector.Result, error) {
		return nil, &connector.CallError{Platform: req.Platform, Interface: req.Interface, Cause: "address 127.0.0.1 is not allowed by the network policy", CallID: "c9"}
	}}
	e := newEngine(t, Config{Proxy: fp})
	out := mustRun(t, e, JS, `try { await $proxy('crm').getX(1) } catch (e) { return [e instanceof Error, e.message] }`, Input{})
	mustOK(t, out)
	want := []any{true, "crm.getX: address 127.0.0.1 is not allowed by the network policy"}
	if !reflect.DeepEqual(out.Value, want) {
		t.Fatalf("value %#v", out.Value)
	}
	if len(out.Calls) != 1 || out.Calls[0].ID != "c9" || out.Calls[0].Error == "" {
		t.Fatalf("calls %#v", out.Calls)
	}
	// Uncaught, the rejection is the run's error at the author's line.
	out = mustRun(t, e, JS, "const a = 1;\nawait $proxy('crm').getX(a);", Input{})
	if out.Err == nil || out.Err.Kind != "thrown" || !strings.Contains(out.Err.Message, "network policy") {
		t.Fatalf("err %#v", out.Err)
	}
}

func TestProxyNilConfig(t *testing.T) {
	e := newEngine(t, Config{})
	out := mustRun(t, e, JS, `try { await $proxy('a').b() } catch (e) { return e.message }`, Input{})
	mustOK(t, out)
	if s, _ := out.Value.(string); !strings.Contains(s, "a.b") {
		t.Fatalf("value %q", out.Value)
	}
}

func TestProxyOverHTTP(t *testing.T) {
	srv := echoServer(t)
	e := newEngine(t, Config{Proxy: newHTTPProxy(srv.URL)})
	out := mustRun(t, e, JS, `const r = await $proxy('crm').$api('get').$path({id: 'a b'}).$query({q: 1}).$header({'X-Custom': 'v'}).$call();
return [r.code, r.status, r.message, r.data.path, r.data.x_custom, r.headers['Content-Type']]`, Input{})
	mustOK(t, out)
	want := []any{int64(200), int64(200), "OK", "/crm/get/a b", "v", "application/json"}
	if !reflect.DeepEqual(out.Value, want) {
		t.Fatalf("value %#v", out.Value)
	}
}
