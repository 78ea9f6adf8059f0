package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tritiumhq/tritium/internal/delivery"
	"github.com/tritiumhq/tritium/internal/record"
	"github.com/tritiumhq/tritium/internal/sqldb"
	"github.com/tritiumhq/tritium/internal/sqldb/sqldbtest"
)

// BenchmarkWebhookFanOut writes 10,000 records to a form with one
// subscription and waits until a loopback receiver has acknowledged every
// event: "ok" answers 2xx (each event must arrive exactly once), "flaky"
// fails every other request with 503 (each event must still arrive; a
// failed request is retried). It reports the seconds to write and to
// deliver, events/s, and the ratio of flaky to ok delivery time. Run with
// -benchtime=1x.
func BenchmarkWebhookFanOut(b *testing.B) {
	const n = 10000
	for _, kind := range sqldbtest.Kinds {
		var okTime time.Duration
		for _, mode := range []string{"ok", "flaky"} {
			b.Run(string(kind)+"/"+mode, func(b *testing.B) {
				for range b.N {
					d := fanOut(b, kind, n, mode == "flaky")
					if mode == "ok" {
						okTime = d
					} else if okTime > 0 {
						b.ReportMetric(float64(d)/float64(okTime), "flaky/ok")
					}
				}
			})
		}
	}
}

func fanOut(b *testing.B, kind sqldb.Kind, n int, flaky bool) time.Duration {
	b.StopTimer()
	cfg := storeConfig(b, kind)
	cfg.OutboundAllow = []string{"127.0.0.1/32"}
	// 40 attempts: an event fails them all once in 2^40 with a receiver
	// that fails half the time.
	cfg.DeliveryBackoff = []time.Duration{100 * time.Millisecond, 200 * time.Millisecond, 400 * time.Millisecond}
	for len(cfg.DeliveryBackoff) < 39 {
		cfg.DeliveryBackoff = append(cfg.DeliveryBackoff, 500*time.Millisecond)
	}
	cfg.WebhookDisableAfter = 1 << 30
	s := startServer(b, cfg)
	s.mustCreateForm(map[string]any{"code": "D000001Fan", "name": "扇出", "fields": []map[string]any{{"code": "F0000001", "name": "名称", "type": "text"}}})
	var mu sync.Mutex
	acked := map[string]int{} // eventId → 2xx answers
	var requests, failed atomic.Int64
	var secret atomic.Value
	secret.Store("")
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if !delivery.Verify(secret.Load().(string), r.Header.Get(delivery.HeaderTimestamp), body, r.Header.Get(delivery.HeaderSignature)) {
			w.WriteHeader(401)
			return
		}
		if flaky && requests.Add(1)%2 == 0 {
			failed.Add(1)
			w.WriteHeader(503)
			return
		}
		var ev delivery.WebhookEvent
		json.Unmarshal(body, &ev)
		mu.Lock()
		acked[ev.EventID]++
		mu.Unlock()
		w.WriteHeader(200)
	}))
	defer rcv.Close()
	wh := s.mustJSON("POST", "/api/v1/webhooks", map[string]any{"url": rcv.URL, "events": []string{"record.created"}, "form": "D000001Fan"}, 201)
	secret.Store(wh["secret"].(string))
	ctx := context.Background()
	b.StartTimer()
	t0 := time.Now()
	for done := 0; done < n; done += record.MaxBatch {
		items := make([]record.Data, min(record.MaxBatch, n-done))
		for i := range items {
			items[i] = record.Data{"F0000001": fmt.Sprint(done + i)}
		}
		if _, err := s.App.Records.CreateBatch(ctx, s.App.Admin, "D000001Fan", items, record.CreateOptions{}); err != nil {
			b.Fatal(err)
		}
	}
	written := time.Since(t0)
	deadline := time.Now().Add(10 * time.Minute)
	for {
		mu.Lock()
		got := len(acked)
		mu.Unlock()
		if got >= n {
			break
		}
		if time.Now().After(deadline) {
			b.Fatalf("%d of %d events acknowledged after 10 minutes", got, n)
		}
		time.Sleep(20 * time.Millisecond)
	}
	total := time.Since(t0)
	b.StopTimer()
	time.Sleep(500 * time.Millisecond) // a late duplicate would show now
	mu.Lock()
	twice := 0
	for _, c := range acked {
		if c > 1 {
			twice++
		}
	}
	mu.Unlock()
	if twice > 0 {
		b.Errorf("%d events were acknowledged more than once", twice)
	}
	b.ReportMetric(written.Seconds(), "write-s")
	b.ReportMetric(total.Seconds(), "deliver-s")
	b.ReportMetric(float64(n)/total.Seconds(), "events/s")
	b.ReportMetric(float64(failed.Load()), "503s")
	b.ReportMetric(float64(twice), "dup")
	return total
}
