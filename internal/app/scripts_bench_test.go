package app_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"testing"

	"github.com/tritiumhq/tritium/internal/app"
	"github.com/tritiumhq/tritium/internal/form"
	"github.com/tritiumhq/tritium/internal/hook"
	"github.com/tritiumhq/tritium/internal/record"
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
