package app_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/tritiumhq/tritium/internal/app"
	"github.com/tritiumhq/tritium/internal/connector"
	"github.com/tritiumhq/tritium/internal/form"
	"github.com/tritiumhq/tritium/internal/hook"
	"github.com/tritiumhq/tritium/internal/record"
	"github.com/tritiumhq/tritium/internal/script"
	"github.com/tritiumhq/tritium/internal/sqldb"
	"github.com/tritiumhq/tritium/internal/sqldb/sqldbtest"
)

// BenchmarkCreateWithBeforeSave measures record creates through the
// record service on one form without scripts ("plain") and on one whose
// beforeSave sets three fields ("beforeSave"), in the same run: the ratio
// of their ns/op is the hook's cost on the write path (target: the hooked
// create runs at ≥ 0.6× the plain one's throughput).
func BenchmarkCreateWithBeforeSave(b *testing.B) {
	for _, kind := range sqldbtest.Kinds {
		b.Run(string(kind), func(b *testing.B) {
			cfg := storeConfig(b, kind)
			a, err := app.Open(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), io.Discard)
			if err != nil {
				b.Fatal(err)
			}
			defer a.Close()
			ctx := context.Background()
			for _, code := range []string{"D000001Plain", "D000001Hooked"} {
				f := contractForm()
				f["code"] = code
				f["children"] = nil
				if _, err := a.Forms.Create(ctx, formDef(b, f)); err != nil {
					b.Fatal(err)
				}
			}
			if _, err := a.Scripts.Store().Put(ctx, a.Admin.UserID, hook.Script{Scope: "form", Target: "D000001Hooked", Name: "beforeSave", Lang: "js", Enabled: true,
				Source: `$form.F0000007 = 42; $form.F0000006 = '销售'; $form.F0000004 = true;`}); err != nil {
				b.Fatal(err)
			}
			for _, code := range []string{"D000001Plain", "D000001Hooked"} {
				name := "plain"
				if code == "D000001Hooked" {
					name = "beforeSave"
				}
				b.Run(name, func(b *testing.B) {
					b.SetParallelism(8)
					b.RunParallel(func(pb *testing.PB) {
						for pb.Next() {
							if _, err := a.Records.Create(ctx, a.Admin, code, record.Data{"F0000001": "合同", "F0000002": "99.50"}, record.CreateOptions{}); err != nil {
								b.Error(err)
								return
							}
						}
					})
				})
			}
		})
	}
}

// formDef turns a REST form definition into the form service's type.
func formDef(tb testing.TB, def map[string]any) *form.Form {
	b, err := json.Marshal(def)
	if err != nil {
		tb.Fatal(err)
	}
	var f form.Form
	if err := json.Unmarshal(b, &f); err != nil {
		tb.Fatal(err)
	}
	return &f
}

// BenchmarkProxyCall measures one $proxy call from a warm script through
// the integration hub (auth, network policy, call log) to a local server
// ("script"), beside the raw net/http call to the same server ("raw") in
// the same run: the difference is $proxy's overhead (target < 100 µs).
func BenchmarkProxyCall(b *testing.B) {
	vendor := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"errcode":0,"errmsg":"ok","data":{"id":"12345","name":"张三"}}`)
	}))
	defer vendor.Close()
	cfg := storeConfig(b, sqldb.SQLite)
	a, err := app.Open(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), io.Discard)
	if err != nil {
		b.Fatal(err)
	}
	defer a.Close()
	ctx := context.Background()
	if _, err := a.Connectors.CreatePlatform(ctx, connector.Platform{Key: "crm_system", BaseURL: vendor.URL,
		Network:    connector.Network{Allow: []string{"127.0.0.1/32"}},
		Success:    &connector.Success{CodePath: "errcode", OK: 0, MessagePath: "errmsg"},
		Interfaces: []connector.Interface{{Key: "get_customer_detail", Method: "GET", Path: "/customers/{id}", Params: []connector.Param{{Name: "id", In: "path", Required: true}}}}}); err != nil {
		b.Fatal(err)
	}
	if _, err := a.Connectors.CreateInstance(ctx, "crm_system", connector.Instance{Key: "main"}); err != nil {
		b.Fatal(err)
	}
	b.Run("raw", func(b *testing.B) {
		c := &http.Client{}
		for b.Loop() {
			resp, err := c.Get(vendor.URL + "/customers/12345")
			if err != nil {
				b.Fatal(err)
			}
			var v map[string]any
			json.NewDecoder(resp.Body).Decode(&v)
			resp.Body.Close()
		}
	})
	b.Run("script", func(b *testing.B) {
		eng := script.NewEngine(script.Config{Proxy: a.Connectors})
		defer eng.Close()
		p, err := script.Compile("bench", script.JS, `const r = await $proxy('crm_system').getCustomerDetail('12345'); return r.data.data.name;`)
		if err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			out, err := eng.Run(ctx, p, script.Input{})
			if err != nil || out.Err != nil || out.Value != "张三" {
				b.Fatalf("%v %+v", err, out)
			}
		}
	})
}
