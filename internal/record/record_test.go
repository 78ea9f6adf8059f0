package record_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/tritiumhq/tritium/internal/apperr"
	"github.com/tritiumhq/tritium/internal/filter"
	"github.com/tritiumhq/tritium/internal/form"
	"github.com/tritiumhq/tritium/internal/org"
	"github.com/tritiumhq/tritium/internal/record"
	"github.com/tritiumhq/tritium/internal/sqldb"
	"github.com/tritiumhq/tritium/internal/sqldb/sqldbtest"
)

type env struct {
	db    *sqldb.DB
	forms *form.Service
	rec   *record.Service
	actor record.Actor
}

func newEnv(tb testing.TB, kind sqldb.Kind) *env {
	tb.Helper()
	ctx := context.Background()
	db := openDB(tb, kind)
	forms, err := form.NewService(ctx, db, &form.Codec{Loc: time.FixedZone("CST", 8*3600)}, slog.New(slog.DiscardHandler))
	if err != nil {
		tb.Fatal(err)
	}
	o := org.NewService(db)
	admin, err := o.EnsureAdmin(ctx)
	if err != nil {
		tb.Fatal(err)
	}
	rec := record.NewService(record.Config{DB: db, Forms: forms, Directory: o})
	return &env{db: db, forms: forms, rec: rec, actor: record.Actor{UserID: admin.UserID, DepartmentID: admin.DepartmentID}}
}

func (e *env) define(tb testing.TB, def string) *form.Form {
	tb.Helper()
	var f form.Form
	if err := json.Unmarshal([]byte(def), &f); err != nil {
		tb.Fatal(err)
	}
	out, err := e.forms.Create(context.Background(), &f)
	if err != nil {
		tb.Fatal(err)
	}
	return out
}

func data(s string) record.Data {
	var d record.Data
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	if err := dec.Decode(&d); err != nil {
		panic(err)
	}
	return d
}

const orderForm = `{"code":"Order","fields":[
	{"code":"Title","type":"text","required":true},
	{"code":"Amount","type":"decimal","scale":2,"precision":28},
	{"code":"Qty","type":"number","indexed":true},
	{"code":"Category","type":"select","options":["C0","C1","C2","C3","C4","C5","C6","C7","C8","C9"],"indexed":true},
	{"code":"No","type":"serial","pattern":"PO-{yyyy}-{0000}"},
	{"code":"Due","type":"date"}],
	"indexes":[["Category","Qty"]],
	"children":[{"code":"OrderLines","fields":[{"code":"Item","type":"text"},{"code":"Price","type":"decimal","scale":4}]}]}`

func TestExactDecimalsAndSerials(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, kind sqldb.Kind) {
		ctx := context.Background()
		e := newEnv(t, kind)
		e.define(t, orderForm)
		// 25 digits: beyond float64 and beyond SQLite's scaled integers.
		res, err := e.rec.Create(ctx, e.actor, "Order", data(`{"Title":"a","Amount":"12345678901234567890123.45","OrderLines":[{"Item":"x","Price":"0.1000"}]}`), record.CreateOptions{Submit: true})
		if err != nil {
			t.Fatal(err)
		}
		o, err := e.rec.Load(ctx, "Order", res.ID)
		if err != nil {
			t.Fatal(err)
		}
		enc := &record.Encoder{Codec: e.rec.Codec(), Flavor: form.H3Yun}
		js := string(enc.Append(nil, o))
		for _, want := range []string{`"Amount":12345678901234567890123.45`, `"Price":0.1000`, `"No":"PO-` + time.Now().In(e.rec.Codec().Loc).Format("2006") + `-0001"`, `"Status":1`} {
			if !strings.Contains(js, want) {
				t.Errorf("%s lacks %s", js, want)
			}
		}
		res2, _ := e.rec.Create(ctx, e.actor, "Order", data(`{"Title":"b","Amount":"0.01"}`), record.CreateOptions{})
		o2, _ := e.rec.Load(ctx, "Order", res2.ID)
		if got := o2.Value("No"); !strings.HasSuffix(got.(string), "-0002") || o2.Sys.Status != form.StatusDraft || o2.Sys.SeqNo != o.Sys.SeqNo+1 {
			t.Fatalf("second object: No %v, Status %d, SeqNo %d after %d", got, o2.Sys.Status, o2.Sys.SeqNo, o.Sys.SeqNo)
		}
		// Filters compare wide decimals too.
		node, _ := filter.Parse(`Amount > 1000000000000000000000`)
		page, err := e.rec.List(ctx, "Order", record.Query{Filter: node, Count: true})
		if err != nil || page.Total != 1 || page.Objects[0].ID != res.ID {
			t.Fatalf("wide decimal filter: %v %+v", err, page)
		}
	})
}

func TestRequiredRules(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, kind sqldb.Kind) {
		ctx := context.Background()
		e := newEnv(t, kind)
		e.define(t, orderForm)
		// A draft may lack required fields; a submit may not.
		draft, err := e.rec.Create(ctx, e.actor, "Order", data(`{"Qty":1}`), record.CreateOptions{})
		if err != nil {
			t.Fatalf("draft without Title: %v", err)
		}
		if _, err := e.rec.Create(ctx, e.actor, "Order", data(`{"Qty":1}`), record.CreateOptions{Submit: true}); apperr.As(err) == nil || apperr.As(err).Field != "Title" {
			t.Fatalf("submit without Title: %v", err)
		}
		// Clearing a required field is allowed on a draft, not once effective.
		if _, err := e.rec.Update(ctx, e.actor, "Order", draft.ID, data(`{"Title":null}`), record.UpdateOptions{}); err != nil {
			t.Fatalf("clear on draft: %v", err)
		}
		eff, _ := e.rec.Create(ctx, e.actor, "Order", data(`{"Title":"x"}`), record.CreateOptions{Submit: true})
		if _, err := e.rec.Update(ctx, e.actor, "Order", eff.ID, data(`{"Title":""}`), record.UpdateOptions{}); apperr.CodeOf(err) != apperr.Invalid {
			t.Fatalf("clear on effective: %v", err)
		}
		// An update naming only other fields leaves the required one alone.
		if _, err := e.rec.Update(ctx, e.actor, "Order", eff.ID, data(`{"Qty":5}`), record.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
	})
}

// benchEnv is a service over a form filled with n objects.
func benchEnv(b *testing.B, kind sqldb.Kind, n int) (*env, []string) {
	e := newEnv(b, kind)
	e.define(b, orderForm)
	rng := rand.New(rand.NewPCG(1, 2))
	var ids []string
	for len(ids) < n {
		batch := make([]record.Data, min(500, n-len(ids)))
		for i := range batch {
			batch[i] = benchObject(rng)
		}
		res, err := e.rec.CreateBatch(context.Background(), e.actor, "Order", batch, record.CreateOptions{Submit: true})
		if err != nil {
			b.Fatal(err)
		}
		for _, r := range res {
			ids = append(ids, r.ID)
		}
	}
	if err := e.db.Optimize(context.Background()); err != nil {
		b.Fatal(err)
	}
	return e, ids
}

func benchObject(rng *rand.Rand) record.Data {
	return record.Data{
		"Title": fmt.Sprintf("订单 %d", rng.IntN(1e9)), "Amount": json.Number(fmt.Sprintf("%d.%02d", rng.IntN(1e5), rng.IntN(100))),
		"Qty": json.Number(fmt.Sprint(rng.IntN(100000))), "Category": fmt.Sprintf("C%d", rng.IntN(10)), "Due": "2025/02/17",
	}
}

// BenchmarkCreate measures creates from many goroutines (group commit on
// SQLite). Run with -cpu to vary the parallelism.
func BenchmarkCreate(b *testing.B) {
	for _, kind := range sqldbtest.Kinds {
		b.Run(string(kind), func(b *testing.B) {
			e, _ := benchEnv(b, kind, 0)
			b.SetParallelism(25) // 50 writers on 2 cores
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				rng := rand.New(rand.NewPCG(rand.Uint64(), 0))
				for pb.Next() {
					if _, err := e.rec.Create(context.Background(), e.actor, "Order", benchObject(rng), record.CreateOptions{Submit: true}); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}

func BenchmarkLoad(b *testing.B) {
	for _, kind := range sqldbtest.Kinds {
		b.Run(string(kind), func(b *testing.B) {
			e, ids := benchEnv(b, kind, 10000)
			enc := &record.Encoder{Codec: e.rec.Codec(), Flavor: form.H3Yun}
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				rng := rand.New(rand.NewPCG(rand.Uint64(), 0))
				var buf []byte
				for pb.Next() {
					o, err := e.rec.Load(context.Background(), "Order", ids[rng.IntN(len(ids))])
					if err != nil {
						b.Error(err)
						return
					}
					buf = enc.Append(buf[:0], o)
				}
			})
		})
	}
}

// BenchmarkList is the filtered page: two conditions on indexed fields
// (~0.1% of 100,000 objects match), 20 per page, with the count.
func BenchmarkList(b *testing.B) {
	for _, kind := range sqldbtest.Kinds {
		b.Run(string(kind), func(b *testing.B) {
			e, _ := benchEnv(b, kind, 100000)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				rng := rand.New(rand.NewPCG(rand.Uint64(), 0))
				for pb.Next() {
					node := &filter.And{Nodes: []filter.Node{
						&filter.Cond{Field: "Category", Op: filter.Eq, Value: fmt.Sprintf("C%d", rng.IntN(10))},
						&filter.Cond{Field: "Qty", Op: filter.Lt, Value: json.Number(fmt.Sprint(rng.IntN(2000)))},
					}}
					if _, err := e.rec.List(context.Background(), "Order", record.Query{Filter: node, Limit: 20, Count: true}); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}

// TestContainsIgnoresCaseInAnyScript: contains, starts and ends with ignore
// letter case beyond ASCII on both databases.
func TestContainsIgnoresCaseInAnyScript(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, kind sqldb.Kind) {
		ctx := context.Background()
		e := newEnv(t, kind)
		e.define(t, orderForm)
		for _, title := range []string{"ÉCOLE Ελλάδα 合同", "Москва", "plain"} {
			if _, err := e.rec.Create(ctx, e.actor, "Order", record.Data{"Title": title}, record.CreateOptions{}); err != nil {
				t.Fatal(err)
			}
		}
		for filterText, want := range map[string]int{`Title ~ "école"`: 1, `Title ~ "ΕΛΛΆΔΑ"`: 1, `Title ^= "москва"`: 1, `Title $= "合同"`: 1, `Title !~ "É"`: 2, `Title ~ "PLAIN"`: 1} {
			node, err := filter.Parse(filterText)
			if err != nil {
				t.Fatal(err)
			}
			page, err := e.rec.List(ctx, "Order", record.Query{Filter: node, Count: true})
			if err != nil || page.Total != int64(want) {
				t.Errorf("%s: %d matches (%v), want %d", filterText, page.Total, err, want)
			}
		}
	})
}
