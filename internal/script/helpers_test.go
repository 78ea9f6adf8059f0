package script

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tritiumhq/tritium/internal/connector"
)

// mustCompile compiles or fails the test.
func mustCompile(tb testing.TB, name string, lang Lang, src string) *Program {
	tb.Helper()
	p, err := Compile(name, lang, src)
	if err != nil {
		tb.Fatalf("Compile(%s): %v", name, err)
	}
	return p
}

// mustRun compiles and runs src on e; it fails the test on an engine error
// (not on a script error, which the caller inspects).
func mustRun(tb testing.TB, e *Engine, lang Lang, src string, in Input) *Output {
	tb.Helper()
	p := mustCompile(tb, "test."+string(lang), lang, src)
	out, err := e.Run(context.Background(), p, in)
	if err != nil {
		tb.Fatalf("Run: %v", err)
	}
	return out
}

func mustOK(tb testing.TB, out *Output) {
	tb.Helper()
	if out.Err != nil {
		tb.Fatalf("script failed: %v (kind %s)\nstack: %s\nconsole: %v", out.Err, out.Err.Kind, out.Err.Stack, out.Console)
	}
}

func newEngine(tb testing.TB, cfg Config) *Engine {
	tb.Helper()
	e := NewEngine(cfg)
	tb.Cleanup(func() { _ = e.Close() })
	return e
}

// fakeProxy records requests and answers from a function.
type fakeProxy struct {
	mu     sync.Mutex
	reqs   []connector.CallRequest
	answer func(req connector.CallRequest) (*connector.Result, error)
}

func (f *fakeProxy) Call(ctx context.Context, req connector.CallRequest) (*connector.Result, error) {
	f.mu.Lock()
	f.reqs = append(f.reqs, req)
	f.mu.Unlock()
	if f.answer == nil {
		return &connector.Result{Code: 200, Status: 200, Message: "OK", Data: map[string]any{"ok": true}}, nil
	}
	return f.answer(req)
}

func (f *fakeProxy) requests() []connector.CallRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]connector.CallRequest(nil), f.reqs...)
}

// httpProxy is a stand-in for the connector: it calls one base URL with
// net/http, the interface name as the path, query and headers from the
// request, and the body or the direct-call arguments as JSON.
type httpProxy struct {
	base   string
	client *http.Client
}

func newHTTPProxy(base string) *httpProxy {
	return &httpProxy{base: base, client: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}}
}

func (h *httpProxy) Call(ctx context.Context, req connector.CallRequest) (*connector.Result, error) {
	start := time.Now()
	u := h.base + "/" + req.Platform + "/" + req.Interface
	if id, ok := req.Path["id"]; ok {
		u += "/" + url.PathEscape(toString(id))
	}
	if len(req.Query) > 0 {
		q := url.Values{}
		for k, v := range req.Query {
			q.Set(k, toString(v))
		}
		u += "?" + q.Encode()
	}
	var body any = req.Body
	if !req.HasBody && req.Args != nil {
		body = req.Args
	}
	b, err := json.Marshal(body)
	if err != nil {
		return nil, err
	}
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, u, strings.NewReader(string(b)))
	if err != nil {
		return nil, err
	}
	for k, v := range req.Header {
		hreq.Header.Set(k, toString(v))
	}
	resp, err := h.client.Do(hreq)
	if err != nil {
		return nil, &connector.CallError{Platform: req.Platform, Interface: req.Interface, Cause: err.Error(), Err: err}
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, &connector.CallError{Platform: req.Platform, Interface: req.Interface, Cause: err.Error(), Err: err}
	}
	var data any
	if json.Unmarshal(raw, &data) != nil {
		data = string(raw)
	}
	hs := map[string]string{}
	for k := range resp.Header {
		hs[k] = resp.Header.Get(k)
	}
	return &connector.Result{Code: resp.StatusCode, Status: resp.StatusCode, Message: http.StatusText(resp.StatusCode),
		Data: data, Headers: hs, DurationMS: time.Since(start).Milliseconds()}, nil
}

func toString(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// echoServer answers every request with what it received.
func echoServer(tb testing.TB) *httptest.Server {
	tb.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var parsed any
		_ = json.Unmarshal(body, &parsed)
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{
			"path": r.URL.Path, "query": r.URL.Query(), "body": parsed,
			"x_custom": r.Header.Get("X-Custom"), "name": "张三", "phone": "13800000000",
		})
	}))
	tb.Cleanup(srv.Close)
	return srv
}

var errBoom = errors.New("boom")
