package script

import (
	"context"
	"net/http"
	"testing"

	"github.com/tritiumhq/tritium/internal/connector"
)

func BenchmarkEmptyRun(b *testing.B) {
	e := newEngine(b, Config{})
	p := mustCompile(b, "empty.js", JS, "")
	benchRun(b, e, p, Input{})
}

func BenchmarkBeforeSaveSetThreeFields(b *testing.B) {
	e := newEngine(b, Config{})
	p := mustCompile(b, "beforeSave.ts", TS, `
const qty: number = $form.qty, price: number = $form.price;
$form.total = qty * price;
$form.set('status', qty > 10 ? 'bulk' : 'normal');
$form.checkedBy = $user.name;
`)
	in := Input{Hook: "beforeSave", User: User{ID: "u1", Name: "张三"},
		Form: map[string]any{"qty": 12.0, "price": 3.5, "customer": "c-1", "note": "", "rows": []any{map[string]any{"sku": "a", "n": 1.0}}}}
	benchRun(b, e, p, in)
}

func benchRun(b *testing.B, e *Engine, p *Program, in Input) {
	b.Helper()
	ctx := context.Background()
	if out, err := e.Run(ctx, p, in); err != nil || out.Err != nil {
		b.Fatalf("%v %v", err, out.Err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		out, err := e.Run(ctx, p, in)
		if err != nil || out.Err != nil {
			b.Fatalf("%v %v", err, out.Err)
		}
	}
}

// BenchmarkProxyCallScript and BenchmarkProxyCallRaw make the same request
// to the same local server; the difference is the script's overhead.
func BenchmarkProxyCallScript(b *testing.B) {
	srv := echoServer(b)
	e := newEngine(b, Config{Proxy: newHTTPProxy(srv.URL)})
	p := mustCompile(b, "call.js", JS, `const r = await $proxy('crm').$api('get').$path({ id: '12345' }).$query({ fields: 'name,phone' }).$call();
return r.data.name`)
	benchRun(b, e, p, Input{})
}

func BenchmarkProxyCallRaw(b *testing.B) {
	srv := echoServer(b)
	hp := newHTTPProxy(srv.URL)
	ctx := context.Background()
	req := connector.CallRequest{Platform: "crm", Interface: "get", Path: map[string]any{"id": "12345"}, Query: map[string]any{"fields": "name,phone"}}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		res, err := hp.Call(ctx, req)
		if err != nil || res.Code != http.StatusOK || res.Data.(map[string]any)["name"] != "张三" {
			b.Fatalf("%v %v", err, res)
		}
	}
}
