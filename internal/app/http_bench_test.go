package app_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/tritiumhq/tritium/internal/loadtest"
	"github.com/tritiumhq/tritium/internal/sqldb"
	"github.com/tritiumhq/tritium/internal/sqldb/sqldbtest"
)

// BenchmarkHTTP measures the HTTP path end to end on loopback, with
// metrics off and on (the cost of collecting them): the reference
// `GET /healthz` (what `tritium bench` measures its scenarios against),
// and the bench's LoadBizObject and CreateBizObject calls on a form of
// 2,000 objects. Run it with -cpu to vary the parallelism.
func BenchmarkHTTP(b *testing.B) {
	for _, kind := range sqldbtest.Kinds {
		for _, m := range []bool{false, true} {
			b.Run(fmt.Sprintf("%s/metrics=%t", kind, m), func(b *testing.B) { benchHTTP(b, kind, m) })
		}
	}
}

func benchHTTP(b *testing.B, kind sqldb.Kind, withMetrics bool) {
	cfg := storeConfig(b, kind)
	cfg.Metrics = withMetrics
	s := startServer(b, cfg)
	ctx := context.Background()
	c := loadtest.NewClient(loadtest.Config{URL: s.URL, Code: testCode, Secret: testSecret, Concurrency: 16,
		Form: "BenchOrder", Objects: 2000, Composite: true})
	defer c.Close()
	ids, err := c.Setup(ctx)
	if err != nil {
		b.Fatal(err)
	}
	b.SetParallelism(8)
	run := func(name string, op func(context.Context, *rand.Rand) error) {
		b.Run(name, func(b *testing.B) {
			b.RunParallel(func(pb *testing.PB) {
				rng := rand.New(rand.NewPCG(rand.Uint64(), 0))
				for pb.Next() {
					if err := op(ctx, rng); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
	run("healthz", c.Reference)
	run("load", c.Load(ids))
	run("create", c.Create)
}
