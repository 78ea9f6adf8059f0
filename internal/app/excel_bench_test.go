package app_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tritiumhq/tritium/internal/record"
	"github.com/tritiumhq/tritium/internal/sheet"
	"github.com/tritiumhq/tritium/internal/sqldb/sqldbtest"
)

// BenchmarkExcel100k exports 100,000 records (a tenth with a child row)
// to .xlsx, imports the file back (100,000 updates, atomic), and, as the
// reference in the same run, fetches the same records as JSON pages of
// 500 through the list API. Each reports its time and the peak heap
// (HeapInuse, sampled every 10 ms, above the heap before it started;
// server and client share the process).
//
//	go test ./internal/app -run '^$' -bench Excel100k -benchtime 1x -timeout 30m
func BenchmarkExcel100k(b *testing.B) {
	if testing.Short() {
		b.Skip("100,000 records")
	}
	const n = 100_000
	for _, kind := range sqldbtest.Kinds {
		b.Run(string(kind), func(b *testing.B) {
			s := startServer(b, storeConfig(b, kind))
			s.client = &http.Client{Timeout: 30 * time.Minute}
			s.mustCreateForm(dealDef())
			seedDeals(b, s, n)
			var book []byte
			b.Run("json-pages", func(b *testing.B) {
				for range b.N {
					measure(b, func() {
						got := 0
						for off := 0; off < n; off += record.MaxPage {
							m := s.mustJSON("GET", dealPath+"?count=false&limit=500&offset="+strconv.Itoa(off), nil, 200)
							got += len(m["items"].([]any))
						}
						if got != n {
							b.Fatalf("pages held %d records", got)
						}
					})
				}
			})
			b.Run("export", func(b *testing.B) {
				for range b.N {
					measure(b, func() {
						resp, body := s.get(dealPath+":export?fields="+dealFields, false)
						if resp.StatusCode != 200 {
							b.Fatalf("export: %d %s", resp.StatusCode, body)
						}
						book = body
					})
					b.ReportMetric(float64(len(book))/(1<<20), "xlsx-MB")
				}
			})
			// A tenth of the rows: the export's peak heap does not grow
			// with the rows it writes.
			b.Run("export-tenth", func(b *testing.B) {
				for range b.N {
					measure(b, func() {
						if resp, body := s.get(dealPath+":export?filter=F0000007%20%3C%2010&fields="+dealFields, false); resp.StatusCode != 200 {
							b.Fatalf("export: %d %s", resp.StatusCode, body)
						}
					})
				}
			})
			for _, mode := range []string{"atomic", "rows"} {
				b.Run("import-"+mode, func(b *testing.B) {
					for range b.N {
						measure(b, func() {
							// Without the version column: the second import
							// updates what the first one did.
							status, out := s.do("POST", dealPath+":import?mode="+mode, book, "Content-Type", sheet.ContentType)
							if status != 200 || !bytes.Contains(out, []byte(`"updated":100000`)) {
								b.Fatalf("import: %d %.300s", status, out)
							}
						})
					}
				})
			}
		})
	}
}

// dealFields are the deal's fields and child table, without the system
// columns (so the workbook carries no versions).
const dealFields = "F0000001,F0000002,F0000003,F0000004,F0000005,F0000006,F0000007,F0000008,F0000009,F0000010,F0000011,F0000012," + dealLines

// seedDeals writes n deals through the record service, 500 a batch.
func seedDeals(b *testing.B, s *server, n int) {
	b.Helper()
	ctx := context.Background()
	for i := 0; i < n; i += 500 {
		items := make([]record.Data, 0, 500)
		for j := i; j < i+500 && j < n; j++ {
			d := record.Data{"F0000001": fmt.Sprintf("客户%06d", j), "F0000002": fmt.Sprintf("%d.%02d", j%9000, j%100),
				"F0000003": "2026-03-01", "F0000006": "采购", "F0000007": float64(j % 97), "F0000009": "2026-03-01T08:00:00Z"}
			if j%10 == 0 {
				d[dealLines] = []any{map[string]any{"F0000021": "物料", "F0000022": "1.2500"}}
			}
			items = append(items, d)
		}
		if _, err := s.App.Records.CreateBatch(ctx, s.App.Admin, dealForm, items, record.CreateOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

// measure runs f, timed, and reports the peak heap it took.
func measure(b *testing.B, f func()) {
	b.Helper()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := ms.HeapInuse
	var peak atomic.Uint64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(10 * time.Millisecond)
		defer t.Stop()
		for {
			var m runtime.MemStats
			runtime.ReadMemStats(&m)
			if m.HeapInuse > peak.Load() {
				peak.Store(m.HeapInuse)
			}
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	})
	b.ResetTimer()
	f()
	b.StopTimer()
	close(stop)
	wg.Wait()
	b.ReportMetric(float64(peak.Load()-min(base, peak.Load()))/(1<<20), "peak-heap-MB")
}
