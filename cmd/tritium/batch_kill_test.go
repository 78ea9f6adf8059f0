package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/tritiumhq/tritium/internal/delivery"
	"github.com/tritiumhq/tritium/internal/sqldb"
	"github.com/tritiumhq/tritium/internal/sqldb/sqldbtest"
)

// batchState is GET /api/v1/batches/{id} as this test reads it.
type batchState struct {
	Status string
	Counts struct{ Total, Done, Succeeded, Failed int }
	Items  []struct {
		SourceCode string
		ObjectID   string `json:"objectId"`
		Code       string
		SubCode    string
	}
	ItemsTotal int
}

func getBatch(t *testing.T, c *client, url, id, query string) (batchState, error) {
	var b batchState
	status, out, err := c.do(t.Context(), "GET", url+"/api/v1/batches/"+id+query, nil)
	if err != nil {
		return b, err
	}
	if status != 200 {
		t.Fatalf("GET batch: %d %s", status, out)
	}
	return b, json.Unmarshal(out, &b)
}

// TestKill9Batch posts a 10,000-item batch to the real server, kills it
// with SIGKILL once some chunks but not all have committed, and starts it
// again on the same store: the batch completes, every item exists exactly
// once, and the signed callback arrives at least once.
func TestKill9Batch(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, kind sqldb.Kind) {
		var mu sync.Mutex
		var callbacks [][]byte
		recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			b, _ := io.ReadAll(r.Body)
			if !delivery.Verify(procSecret, r.Header.Get("X-Tritium-Timestamp"), b, r.Header.Get("X-Tritium-Signature")) {
				t.Errorf("callback with a bad signature: %v", r.Header)
				w.WriteHeader(http.StatusUnauthorized)
				return
			}
			mu.Lock()
			callbacks = append(callbacks, b)
			mu.Unlock()
		}))
		defer recv.Close()
		args := []string{"--data", t.TempDir(), "--rate-limit", "0", "--access-log=false", "--outbound-allow", "127.0.0.1"}
		if kind == sqldb.Postgres {
			args = append(args, "--db", sqldbtest.PostgresURL(t))
		}
		c := newClient()
		srv := startServe(t, args...)
		c.must(t, "POST", srv.URL+"/api/v1/forms", durableForm(), 201)
		const n = 10000
		items := make([]map[string]any, n)
		for i := range items {
			m := fmt.Sprintf("K%05d", i)
			items[i] = map[string]any{"sourceCode": m, "data": map[string]any{"F0000001": m, "F0000002": i,
				"D000001DurLines": []map[string]any{{"F0000011": lineOf(m, 1)}, {"F0000011": lineOf(m, 2)}}}}
		}
		out := c.must(t, "POST", srv.URL+"/api/v1/batches", map[string]any{"form": durForm, "operation": "create", "sourceSystem": "kill9",
			"items": items, "callbackUrl": recv.URL + "/cb"}, 202)
		var queued struct{ BatchId string }
		json.Unmarshal(out, &queued)

		// Kill it once some chunks, not all, have committed — twice, the
		// second time while the restarted server resumes it.
		last := 0
		for cycle := range 2 {
			target := last + 500*(1+rand.IntN(6))
			deadline := time.Now().Add(60 * time.Second)
			for {
				b, err := getBatch(t, c, srv.URL, queued.BatchId, "?pageSize=1")
				if err != nil {
					t.Fatal(err)
				}
				if b.Counts.Done == n {
					t.Fatalf("cycle %d: the batch completed before it could be killed", cycle+1)
				}
				if b.Counts.Done >= target || (b.Counts.Done > last && time.Now().After(deadline.Add(-50*time.Second))) {
					srv.kill()
					t.Logf("cycle %d: killed with %d of %d items done", cycle+1, b.Counts.Done, n)
					last = b.Counts.Done
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("no progress: %+v\n%s", b.Counts, srv.logs)
				}
				time.Sleep(2 * time.Millisecond)
			}
			srv = startServe(t, args...)
		}

		var b batchState
		for deadline := time.Now().Add(120 * time.Second); ; {
			var err error
			if b, err = getBatch(t, c, srv.URL, queued.BatchId, "?failed=true"); err != nil {
				t.Fatal(err)
			}
			if b.Status == "completed" || b.Status == "failed" {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("not completed after restart: %+v\n%s", b.Counts, srv.logs)
			}
			time.Sleep(50 * time.Millisecond)
		}
		if b.Status != "completed" || b.Counts.Done != n || b.Counts.Succeeded != n || b.Counts.Failed != 0 || len(b.Items) != 0 {
			t.Fatalf("after restart: %s %+v, failed items %+v", b.Status, b.Counts, b.Items)
		}
		// Every item once: by sourceCode in the store, and in the results.
		seen := map[string]int{}
		for _, r := range listAll(t, c, srv.URL) {
			seen[r.SourceCode]++
			if r.F0000001 != r.SourceCode || len(r.D000001DurLines) != 2 {
				t.Errorf("%s stored as %+v", r.SourceCode, r)
			}
		}
		for i := range n {
			if k := fmt.Sprintf("K%05d", i); seen[k] != 1 {
				t.Errorf("%s stored %d times", k, seen[k])
			}
		}
		if len(seen) != n {
			t.Errorf("%d distinct source codes stored, want %d", len(seen), n)
		}
		results := map[string]int{}
		for page := 1; page <= 10; page++ {
			rb, err := getBatch(t, c, srv.URL, queued.BatchId, fmt.Sprintf("?page=%d&pageSize=1000", page))
			if err != nil {
				t.Fatal(err)
			}
			for _, it := range rb.Items {
				if it.Code != "0" || it.SubCode != "created" || it.ObjectID == "" {
					t.Errorf("item result %+v", it)
				}
				results[it.SourceCode]++
			}
		}
		if len(results) != n {
			t.Errorf("%d item results, want %d", len(results), n)
		}

		// The callback, signed with the engine secret, at least once.
		for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
			mu.Lock()
			got := len(callbacks)
			mu.Unlock()
			if got > 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("no callback arrived\n%s", srv.logs)
			}
		}
		mu.Lock()
		var cb struct {
			BatchID, Code, SubCode, SourceSystem string
			Items                                []struct{ SourceCode, Code string }
		}
		err := json.Unmarshal(callbacks[0], &cb)
		mu.Unlock()
		if err != nil || cb.BatchID != queued.BatchId || cb.Code != "0" || cb.SubCode != "success" || cb.SourceSystem != "kill9" || len(cb.Items) != n {
			t.Fatalf("callback: %v %+v (%d items)", err, cb.BatchID, len(cb.Items))
		}
	})
}
