package app_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/tritiumhq/tritium/internal/sqldb"
	"github.com/tritiumhq/tritium/internal/sqldb/sqldbtest"
)

// BenchmarkBatchVsSingle writes 10,000 contracts (each with a child row)
// two ways in the same run: one async batch, from POST until GET says
// completed, and 10,000 single REST creates sent one after another by one
// client. It reports both times and their ratio (single/batch; the target
// is ≥ 10). SQLite runs with sync=full (the default) and sync=normal.
// Run with -benchtime=1x.
func BenchmarkBatchVsSingle(b *testing.B) {
	for _, kind := range sqldbtest.Kinds {
		syncs := []string{""}
		if kind == sqldb.SQLite {
			syncs = []string{"full", "normal"}
		}
		for _, sync := range syncs {
			name := string(kind)
			if sync != "" {
				name += "/sync=" + sync
			}
			b.Run(name, func(b *testing.B) {
				cfg := storeConfig(b, kind)
				cfg.SQLiteSync, cfg.RateLimit = sync, 0
				s := startServer(b, cfg)
				s.mustCreateForm(contractForm())
				const n = 10000
				for i := range b.N {
					items := contractItems(fmt.Sprintf("S%d", i), n)
					start := time.Now()
					for _, it := range items {
						data := it["data"].(map[string]any)
						data["sourceSystem"], data["sourceCode"] = "BENCH", it["sourceCode"]
						if status, out := s.do("POST", "/api/v1/forms/"+batchForm+"/records", data); status != 201 {
							b.Fatalf("single create: %d %s", status, out)
						}
						delete(data, "sourceSystem")
						delete(data, "sourceCode")
					}
					single := time.Since(start)
					items = contractItems(fmt.Sprintf("B%d", i), n)
					start = time.Now()
					id := s.submitBatch(map[string]any{"form": batchForm, "operation": "create", "sourceSystem": "BENCH", "items": items})
					for {
						bt := s.mustJSON("GET", "/api/v1/batches/"+id+"?pageSize=1", nil, 200)
						if bt["status"] == "completed" {
							if _, _, ok, _ := counts(nil, bt); ok != n {
								b.Fatalf("batch: %v", bt["counts"])
							}
							break
						}
						time.Sleep(5 * time.Millisecond)
					}
					batch := time.Since(start)
					b.ReportMetric(float64(single.Milliseconds()), "single-ms")
					b.ReportMetric(float64(batch.Milliseconds()), "batch-ms")
					b.ReportMetric(single.Seconds()/batch.Seconds(), "ratio")
				}
			})
		}
	}
}
