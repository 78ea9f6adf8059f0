package app_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tritiumhq/tritium/internal/sqldb"
	"github.com/tritiumhq/tritium/internal/sqldb/sqldbtest"
)

// metricsServer is a server with metrics on, and the address of its
// metrics listener.
func metricsServer(t *testing.T, kind sqldb.Kind) (*server, string) {
	t.Helper()
	cfg := storeConfig(t, kind)
	cfg.Metrics, cfg.Version = true, "test-1.2.3"
	s := startServer(t, cfg)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.App.ServeMetrics(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("metrics server: %v", err)
		}
	})
	return s, "http://" + ln.Addr().String()
}

// scrape reads /metrics.
func scrape(t *testing.T, base string) string {
	t.Helper()
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET /metrics: %d %v\n%s", resp.StatusCode, err, b)
	}
	return string(b)
}

// sample finds the sample of metric name whose labels include want, in
// the text format; ok is false when there is none.
func sample(text, name string, want map[string]string) (v float64, ok bool) {
	for _, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(line, "#") || !strings.HasPrefix(line, name) {
			continue
		}
		rest := line[len(name):]
		labels := map[string]string{}
		if strings.HasPrefix(rest, "{") {
			end := strings.LastIndex(rest, "}")
			for _, kv := range splitLabels(rest[1:end]) {
				k, val, _ := strings.Cut(kv, "=")
				labels[k] = strings.Trim(val, `"`)
			}
			rest = rest[end+1:]
		}
		if !strings.HasPrefix(rest, " ") {
			continue // a longer name with this prefix
		}
		match := true
		for k, val := range want {
			if labels[k] != val {
				match = false
			}
		}
		if match {
			f, err := strconv.ParseFloat(strings.TrimSpace(rest), 64)
			return f, err == nil
		}
	}
	return 0, false
}

// splitLabels splits `a="x",b="y"` at the commas between pairs.
func splitLabels(s string) []string {
	var out []string
	inQuote, start := false, 0
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '\\':
			i++
		case s[i] == '"':
			inQuote = !inQuote
		case s[i] == ',' && !inQuote:
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	if start < len(s) {
		out = append(out, s[start:])
	}
	return out
}

// eventually polls cond for up to 15 s.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestMetrics drives a server through both APIs and a workflow with timers
// and reads the figures back from its metrics listener: HTTP requests by
// route pattern (never the raw path) and H3Yun action, write batches and
// commits, instances started and finished, jobs done and failed, the
// queue depth and the build.
func TestMetrics(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, kind sqldb.Kind) {
		s, base := metricsServer(t, kind)
		text := scrape(t, base)
		if v, ok := sample(text, "tritium_build_info", map[string]string{"version": "test-1.2.3", "database": string(kind)}); !ok || v != 1 {
			t.Fatalf("build info: %v %v\n%s", v, ok, text)
		}

		s.mustCreateForm(contractForm())
		var ids []string
		for i := range 3 {
			rd := s.ok(map[string]any{"ActionName": "CreateBizObject", "SchemaCode": "D000001Contract", "IsSubmit": true,
				"BizObject": jsonString(map[string]any{"F0000001": "合同" + strconv.Itoa(i)})})
			ids = append(ids, rd["BizObjectId"].(string))
		}
		s.ok(map[string]any{"ActionName": "loadBIZobject", "SchemaCode": "D000001Contract", "BizObjectId": ids[0]})
		s.fails(map[string]any{"ActionName": "NoSuchAction"}, "ActionName")
		for _, id := range ids[:2] {
			s.mustJSON("GET", "/api/v1/forms/D000001Contract/records/"+id, nil, 200)
		}
		s.mustJSON("GET", "/api/v1/forms/NoSuchForm", nil, 404)
		if status, _ := s.do("GET", "/no/such/"+ids[2], nil); status != 404 {
			t.Fatalf("unknown path: HTTP %d", status)
		}

		text = scrape(t, base)
		count := func(method, route, action string, status int) float64 {
			v, _ := sample(text, "tritium_http_request_duration_seconds_count",
				map[string]string{"method": method, "route": route, "action": action, "status": strconv.Itoa(status)})
			return v
		}
		for _, c := range []struct {
			method, route, action string
			status                int
			want                  float64
		}{
			{"POST", "/OpenApi/Invoke", "CreateBizObject", 200, 3},
			{"POST", "/OpenApi/Invoke", "LoadBizObject", 200, 1},
			{"POST", "/OpenApi/Invoke", "other", 200, 1},
			{"GET", "/api/v1/forms/{code}/records/{id}", "", 200, 2},
			{"GET", "/api/v1/forms/{code}", "", 404, 1},
			{"POST", "/api/v1/forms", "", 201, 1},
			{"GET", "unmatched", "", 404, 1},
		} {
			if got := count(c.method, c.route, c.action, c.status); got != c.want {
				t.Errorf("requests %s %s action=%q status %d: %v, want %v", c.method, c.route, c.action, c.status, got, c.want)
			}
		}
		if _, ok := sample(text, "tritium_http_request_duration_seconds_bucket", map[string]string{"route": "/OpenApi/Invoke", "le": "0.01"}); !ok {
			t.Error("no latency histogram buckets for /OpenApi/Invoke")
		}
		for _, id := range ids {
			if strings.Contains(text, id) {
				t.Fatalf("a raw path (object id %s) became a label:\n%s", id, text)
			}
		}
		if n, _ := sample(text, "tritium_db_write_batch_size_sum", nil); n < 4 { // the form and three objects
			t.Errorf("write batch sizes sum to %v, want at least 4", n)
		}
		if n, _ := sample(text, "tritium_db_commit_duration_seconds_count", nil); n < 1 {
			t.Errorf("commit latency count %v", n)
		}
		testWorkflowMetrics(t, s, base)
	})
}

// testWorkflowMetrics: a process with a short delay finishes through a
// timer job; one with a long timeout leaves a scheduled job; a timer whose
// form was deleted meanwhile fails.
func testWorkflowMetrics(t *testing.T, s *server, base string) {
	metric := func(name string, labels map[string]string) float64 {
		v, _ := sample(scrape(t, base), name, labels)
		return v
	}
	p := s.org()
	s.mustCreateForm(expenseForm())
	s.process(tree(`{"type":"timer","id":"wait","delay":"200ms"}`))
	_, inst := s.submit(p.initiator, "10")
	eventually(t, "the delayed instance to finish", func() bool {
		return metric("tritium_workflow_instances_finished_total", map[string]string{"result": "approved"}) == 1
	})
	if n := metric("tritium_workflow_instances_started_total", nil); n != 1 {
		t.Errorf("instances started: %v, want 1", n)
	}
	if st := s.instance(inst)["status"]; st != "approved" {
		t.Fatalf("instance %s is %v", inst, st)
	}
	if n := metric("tritium_jobs_completed_total", map[string]string{"job": "workflow.timer"}); n != 1 {
		t.Errorf("timer jobs completed: %v, want 1", n)
	}

	s.process(tree(approval("boss", userRule(p.a), `"timeout":{"after":"1h","action":"autoApprove"}`)))
	scheduled, _ := sample(scrape(t, base), "tritium_job_queue_depth", map[string]string{"state": "scheduled"})
	s.submit(p.initiator, "20")
	// The timeout waits as a scheduled job. Periodic jobs (file
	// collection, the feed's pruning) may be available or running for a
	// moment, so the others are waited for rather than read once.
	depth := func(state string) float64 {
		v, ok := sample(scrape(t, base), "tritium_job_queue_depth", map[string]string{"state": state})
		if !ok {
			t.Fatalf("no queue depth for state %s", state)
		}
		return v
	}
	eventually(t, "the queue to hold nothing but scheduled jobs", func() bool {
		return depth("available") == 0 && depth("running") == 0 && depth("retryable") == 0
	})
	if n := depth("scheduled"); n != scheduled+1 {
		t.Errorf("queue depth scheduled: %v, want %v and the timeout's job", n, scheduled)
	}
	if n := metric("tritium_workflow_instances_started_total", nil); n != 2 {
		t.Errorf("instances started: %v, want 2", n)
	}

	s.process(tree(`{"type":"timer","id":"wait","delay":"300ms"}`))
	s.submit(p.initiator, "30")
	if status, body := s.do("DELETE", "/api/v1/forms/D000002Expense", nil); status != 204 {
		t.Fatalf("delete the form under a pending timer: HTTP %d %s", status, body)
	}
	eventually(t, "the orphaned timer to fail", func() bool {
		return metric("tritium_jobs_failed_total", map[string]string{"job": "workflow.timer"}) >= 1
	})
}

// TestMetricsOff: without Config.Metrics nothing is collected and
// ServeMetrics refuses to start.
func TestMetricsOff(t *testing.T) {
	s := startServer(t, storeConfig(t, sqldb.SQLite))
	if s.App.Metrics != nil {
		t.Fatal("metrics collected while off")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	if err := s.App.ServeMetrics(context.Background(), ln); err == nil || errors.Is(err, http.ErrServerClosed) {
		t.Fatalf("ServeMetrics with metrics off: %v", err)
	}
}
