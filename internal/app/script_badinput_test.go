package app_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestScriptBadInput: each kind of bad script or bad peer stops only its
// own execution with a clear error, and the server stays healthy: 100
// concurrent runaway scripts, then a normal request answers promptly.
func TestScriptBadInput(t *testing.T) {
	forEachServer(t, func(t *testing.T, s *server) {
		garbage := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{"errcode": 0, "data": [1, 2,`) // cut off mid-way
		}))
		defer garbage.Close()
		s.mustJSON("POST", "/api/v1/platforms", map[string]any{"key": "garbage", "baseUrl": garbage.URL,
			"network": map[string]any{"allow": []string{"127.0.0.1/32"}}, "success": map[string]any{"codePath": "errcode", "ok": 0},
			"interfaces": []any{map[string]any{"key": "get", "method": "GET", "path": "/x", "params": []any{map[string]any{"name": "id", "in": "query", "required": true}}}}}, 201)
		s.mustJSON("POST", "/api/v1/platforms/garbage/instances", map[string]any{"key": "main"}, 201)
		s.mustJSON("POST", "/api/v1/platforms", map[string]any{"key": "inside", "baseUrl": garbage.URL,
			"interfaces": []any{map[string]any{"key": "get", "method": "GET", "path": "/x"}}}, 201)
		s.mustJSON("POST", "/api/v1/platforms/inside/instances", map[string]any{"key": "main"}, 201)

		for _, c := range []struct{ name, source, kind, words string }{
			{"busy loop", `while (true) {}`, "timeout", "1"},
			{"never settles", `await new Promise(() => {});`, "timeout", "1"},
			{"huge string to a binding", `return $crypto.sha256('x'.repeat(2 << 20));`, "limit", "1048576"},
			{"unknown platform", `return await $proxy('nope').get(1);`, "thrown", "nope"},
			{"unknown interface", `return await $proxy('garbage').nope();`, "thrown", "nope"},
			{"unknown instance", `return await $proxy('garbage', {instance_key: 'other'}).get(1);`, "thrown", "other"},
			{"missing parameter", `return await $proxy('garbage').get();`, "thrown", "id"},
			{"blocked address", `return await $proxy('inside').get();`, "thrown", "network policy"},
		} {
			out := s.mustJSON("POST", "/api/v1/scripts/run", map[string]any{"source": c.source, "timeoutMs": 1000}, 200)
			e, _ := out["error"].(map[string]any)
			if e == nil || e["kind"] != c.kind || !strings.Contains(e["message"].(string), c.words) {
				t.Errorf("%s: error %v, want kind %s naming %q", c.name, out["error"], c.kind, c.words)
			}
		}
		// A vendor answering garbage is not a transport failure: the
		// script gets the status and the text.
		out := s.mustJSON("POST", "/api/v1/scripts/run", map[string]any{"source": `const r = await $proxy('garbage').get(1); return [r.code, typeof r.data];`}, 200)
		if fmt.Sprint(out["result"]) != "[200 string]" {
			t.Fatalf("garbage answer: %v", out)
		}

		base := runtime.NumGoroutine()
		var wg sync.WaitGroup
		var mu sync.Mutex
		timeouts := 0
		for range 100 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				st, b := s.do("POST", "/api/v1/scripts/run", map[string]any{"source": `while (true) {}`, "timeoutMs": 1000})
				if st == 200 && strings.Contains(string(b), `"kind":"timeout"`) {
					mu.Lock()
					timeouts++
					mu.Unlock()
				}
			}()
		}
		time.Sleep(300 * time.Millisecond)
		start := time.Now()
		if st, _ := s.do("GET", "/api/v1/forms", nil); st != 200 {
			t.Fatalf("a normal request during the runaways: %d", st)
		}
		during := time.Since(start)
		wg.Wait()
		start = time.Now()
		s.mustJSON("POST", "/api/v1/scripts/run", map[string]any{"source": `return 1 + 1`}, 200)
		after := time.Since(start)
		if timeouts != 100 || during > time.Second || after > 500*time.Millisecond {
			t.Fatalf("runaways: %d timed out (want 100); a request during them took %v, a script after them %v", timeouts, during, after)
		}
		t.Logf("100 runaways: a request during them took %v, a script after them %v", during, after)
		deadline := time.Now().Add(5 * time.Second)
		for runtime.NumGoroutine() > base+20 && time.Now().Before(deadline) {
			time.Sleep(50 * time.Millisecond)
		}
		if n := runtime.NumGoroutine(); n > base+20 {
			t.Fatalf("goroutines: %d before the runaways, %d after", base, n)
		}
	})
}
