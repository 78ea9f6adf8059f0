package connector_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/tritiumhq/tritium/internal/connector"
	"github.com/tritiumhq/tritium/internal/sqldb"
)

func benchServer(b *testing.B) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"errcode":0,"errmsg":"ok","msgid":"m1"}`)
	}))
	b.Cleanup(srv.Close)
	return srv
}

// BenchmarkCall is a call through Service.Call (bind, auth, policy,
// limits, mapping, log record) to a local server; BenchmarkRawHTTP is
// plain net/http to the same server: the difference is the hub's cost.
func BenchmarkCall(b *testing.B) {
	srv := benchServer(b)
	s, _ := newService(b, sqldb.SQLite)
	mustPlatform(b, s, connector.Platform{Key: "bench", BaseURL: srv.URL, Network: local,
		Auth:    connector.Auth{Method: "api_key", Name: "X-Api-Key", Value: "{{secret.key}}"},
		Success: &connector.Success{CodePath: "errcode", OK: 0, MessagePath: "errmsg"},
		Interfaces: []connector.Interface{{Key: "send_text", Method: "POST", Path: "/send", Params: []connector.Param{
			{Name: "userIds", In: "body", BodyPath: "touser", Join: "|"}, {Name: "text", In: "body", BodyPath: "text.content"}},
			Body: map[string]any{"msgtype": "text", "agentid": "{{config.agentid}}"}}}})
	mustInstance(b, s, "bench", connector.Instance{Key: "i", Config: map[string]any{"agentid": 1}, Secrets: map[string]string{"key": "k-123"}})
	req := connector.CallRequest{Platform: "bench", Interface: "sendText", Args: []any{[]any{"a", "b"}, "hello"}}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		res, err := s.Call(ctx, req)
		if err != nil || res.Code != 200 {
			b.Fatal(res, err)
		}
	}
}

func BenchmarkRawHTTP(b *testing.B) {
	srv := benchServer(b)
	c := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 32}}
	body := []byte(`{"agentid":1,"msgtype":"text","text":{"content":"hello"},"touser":"a|b"}`)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		req, _ := http.NewRequestWithContext(ctx, "POST", srv.URL+"/send", bytesReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Api-Key", "k-123")
		resp, err := c.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		io.ReadAll(resp.Body)
		resp.Body.Close()
	}
}

func bytesReader(b []byte) io.Reader { return &byteReader{b: b} }

type byteReader struct{ b []byte }

func (r *byteReader) Read(p []byte) (int, error) {
	if len(r.b) == 0 {
		return 0, io.EOF
	}
	n := copy(p, r.b)
	r.b = r.b[n:]
	return n, nil
}
