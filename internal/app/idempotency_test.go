package app_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
)

// post sends a POST with the engine credentials and an Idempotency-Key.
func (s *server) postKey(path, key, body string) (int, http.Header, string) {
	s.t.Helper()
	req, err := http.NewRequest("POST", s.URL+path, bytes.NewReader([]byte(body)))
	if err != nil {
		s.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("EngineCode", testCode)
	req.Header.Set("EngineSecret", testSecret)
	req.Header.Set("Idempotency-Key", key)
	resp, err := s.client.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	observe("POST", path, resp.StatusCode)
	return resp.StatusCode, resp.Header, string(b)
}

// TestIdempotencyKey: a POST retried with its Idempotency-Key gets the
// first answer again — status, body, Location — and writes nothing twice;
// refusals are replayed too; the same key for another request is refused.
func TestIdempotencyKey(t *testing.T) {
	forEachServer(t, func(t *testing.T, s *server) {
		s.mustCreateForm(contractForm())
		path := "/api/v1/forms/D000001Contract/records"
		st1, h1, b1 := s.postKey(path, "order-1", `{"F0000001": "合同一"}`)
		st2, h2, b2 := s.postKey(path, "order-1", `{"F0000001": "合同一"}`)
		if st1 != 201 || st2 != 201 || b1 != b2 || h1.Get("Location") == "" || h2.Get("Location") != h1.Get("Location") {
			t.Fatalf("first %d %s %s, retry %d %s %s", st1, h1.Get("Location"), b1, st2, h2.Get("Location"), b2)
		}
		if h1.Get("Idempotent-Replayed") != "" || h2.Get("Idempotent-Replayed") != "true" {
			t.Errorf("Idempotent-Replayed: first %q, retry %q", h1.Get("Idempotent-Replayed"), h2.Get("Idempotent-Replayed"))
		}
		if l := s.mustJSON("GET", path, nil, 200); fmt.Sprint(l["total"]) != "1" {
			t.Fatalf("after a retried create: %v records", l["total"])
		}
		// The same key for another request.
		if st, _, b := s.postKey(path, "order-1", `{"F0000001": "合同二"}`); st != 422 || !strings.Contains(b, "Idempotency-Key") {
			t.Errorf("key reused for another body: %d %s", st, b)
		}
		// A refusal is the answer too.
		st3, _, b3 := s.postKey(path, "order-2", `{"F0000099": "x"}`)
		st4, h4, b4 := s.postKey(path, "order-2", `{"F0000099": "x"}`)
		if st3 != 422 || st4 != 422 || b3 != b4 || h4.Get("Idempotent-Replayed") != "true" {
			t.Errorf("a refused create retried: %d %s / %d %s", st3, b3, st4, b4)
		}
		// Batches, and a bad key.
		batch := `{"items": [{"F0000001": "批一"}, {"F0000001": "批二"}]}`
		if a, _, x := s.postKey(path+":batch", "batch-1", batch); a != 201 {
			t.Fatalf("batch: %d %s", a, x)
		}
		if a, h, _ := s.postKey(path+":batch", "batch-1", batch); a != 201 || h.Get("Idempotent-Replayed") != "true" {
			t.Errorf("batch retried: %d", a)
		}
		if l := s.mustJSON("GET", path, nil, 200); fmt.Sprint(l["total"]) != "3" {
			t.Errorf("after a retried batch: %v records, want 3", l["total"])
		}
		for _, bad := range []string{strings.Repeat("k", 256), "键", "a b"} {
			if st, _, b := s.postKey(path, bad, `{"F0000001": "x"}`); st != 422 || !strings.Contains(b, "Idempotency-Key") {
				t.Errorf("key %q: %d %s", bad, st, b)
			}
		}
	})
}

// TestIdempotencyKeyOnAnotherNode: the answer is in the database, so a
// retry that reaches another node is replayed there.
func TestIdempotencyKeyOnAnotherNode(t *testing.T) {
	a, b := twoNodes(t)
	a.mustCreateForm(contractForm())
	path := "/api/v1/forms/D000001Contract/records"
	st1, _, b1 := a.postKey(path, "n-1", `{"F0000001": "跨节点"}`)
	st2, h2, b2 := b.postKey(path, "n-1", `{"F0000001": "跨节点"}`)
	if st1 != 201 || st2 != 201 || b1 != b2 || h2.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("node A %d %s, node B %d %s", st1, b1, st2, b2)
	}
}

// TestBySource: a record is read, changed and deleted by the caller's own
// sourceSystem + sourceCode, as by its ObjectId; out of a user's view it is
// not found.
func TestBySource(t *testing.T) {
	forEachServer(t, func(t *testing.T, s *server) {
		s.mustCreateForm(contractForm())
		base := "/api/v1/forms/D000001Contract/records"
		o := s.mustJSON("POST", base, map[string]any{"sourceSystem": "ERP", "sourceCode": "PO/7", "F0000001": "采购"}, 201)
		path := base + "/source/ERP/PO%2F7"
		if got := s.mustJSON("GET", path, nil, 200); got["ObjectId"] != o["ObjectId"] {
			t.Fatalf("by source: %v", got)
		}
		if got := s.mustJSON("PATCH", path, map[string]any{"F0000001": "采购 v2"}, 200); got["F0000001"] != "采购 v2" || got["ObjectId"] != o["ObjectId"] {
			t.Fatalf("patched by source: %v", got)
		}
		u := s.mustJSON("POST", "/api/v1/users", map[string]any{"name": "外人"}, 201)["id"].(string)
		if status, _ := s.do("GET", path, nil, as(u)...); status != 404 {
			t.Errorf("out of the user's view: HTTP %d, want 404", status)
		}
		if status, body := s.do("GET", base+"/source/ERP/PO-8", nil); status != 404 || !strings.Contains(string(body), "sourceCode") {
			t.Errorf("unknown pair: HTTP %d %s", status, body)
		}
		s.mustJSON("DELETE", path, nil, 204)
		if status, _ := s.do("GET", base+"/"+o["ObjectId"].(string), nil); status != 404 {
			t.Errorf("deleted by source, then: HTTP %d", status)
		}
	})
}
