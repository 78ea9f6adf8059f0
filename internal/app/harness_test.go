package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tritiumhq/tritium/internal/app"
	"github.com/tritiumhq/tritium/internal/apperr"
	"github.com/tritiumhq/tritium/internal/sqldb"
	"github.com/tritiumhq/tritium/internal/sqldb/sqldbtest"
)

const (
	// testSecretKey seals secrets on every test node (PostgreSQL needs one
	// key shared by its nodes).
	testSecretKey = "dGVzdC1rZXktdGVzdC1rZXktdGVzdC1rZXktdGVzdC0="
	testCode      = "testengine"
	testSecret    = "test-secret-0123456789"
)

// server is a whole Tritium running on loopback.
type server struct {
	t      testing.TB
	cfg    app.Config
	URL    string
	App    *app.App
	cancel context.CancelFunc
	done   chan error
	client *http.Client
}

// storeConfig returns a config for a fresh store of kind.
func storeConfig(t testing.TB, kind sqldb.Kind) app.Config {
	cfg := app.Config{DataDir: t.TempDir(), EngineCode: testCode, EngineSecret: testSecret, SQLiteSync: "normal", SecretKey: testSecretKey}
	if kind == sqldb.Postgres {
		cfg.DB = sqldbtest.PostgresURL(t)
	}
	return cfg
}

// startServer runs Tritium on 127.0.0.1:0 with cfg until the test ends.
func startServer(t testing.TB, cfg app.Config) *server {
	t.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	a, err := app.Open(context.Background(), cfg, log, io.Discard)
	if err != nil {
		t.Fatalf("open app: %v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &server{t: t, cfg: cfg, URL: "http://" + ln.Addr().String(), App: a, cancel: cancel, done: make(chan error, 1),
		client: &http.Client{Timeout: 30 * time.Second}}
	go func() { s.done <- a.Serve(ctx, ln, 5*time.Second) }()
	t.Cleanup(s.stop)
	return s
}

// stop drains and closes the server (safe to call twice).
func (s *server) stop() {
	if s.cancel == nil {
		return
	}
	// A connection the client dialled but never used counts as busy to
	// Shutdown for its first 5 seconds; close them so the drain is quick.
	s.client.CloseIdleConnections()
	http.DefaultClient.CloseIdleConnections()
	s.cancel()
	if err := <-s.done; err != nil {
		s.t.Errorf("serve: %v", err)
	}
	s.App.Close()
	s.cancel = nil
}

// do sends a request with the engine credentials and returns the status
// and body (hdr as for raw).
func (s *server) do(method, path string, body any, hdr ...string) (int, []byte) {
	s.t.Helper()
	resp, out := s.raw(method, path, body, append([]string{"EngineCode", testCode, "EngineSecret", testSecret}, hdr...)...)
	return resp.StatusCode, out
}

// raw sends a request with the headers hdr (name, value pairs; an empty
// value removes the header) and returns the response, its body read into
// the second value. An error's message is held to checkMessage.
func (s *server) raw(method, path string, body any, hdr ...string) (*http.Response, []byte) {
	s.t.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		r = strings.NewReader(b)
	case []byte:
		r = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			s.t.Fatal(err)
		}
		r = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, s.URL+path, r)
	if err != nil {
		s.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(hdr); i += 2 {
		if hdr[i+1] == "" {
			req.Header.Del(hdr[i])
			continue
		}
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := s.client.Do(req)
	if err != nil {
		s.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		s.t.Fatal(err)
	}
	observe(method, path, resp.StatusCode)
	if resp.StatusCode >= 400 && strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		var e struct{ Error struct{ Message string } }
		if json.Unmarshal(out, &e) == nil {
			s.checkMessage(method+" "+path, e.Error.Message)
		}
	}
	return resp, out
}

// eventTypeRE finds the change feed's event types (record.created…),
// which are wire names, not Go types.
var eventTypeRE = regexp.MustCompile(`\brecord\.(created|updated|deleted|[a-z]+\b)`)

// goTypeRE finds Go type names, which no message may show.
var goTypeRE = regexp.MustCompile(`map\[|interface \{|struct \{|\b(httpapi|record|form|org|workflow|model|json)\.[A-Za-z]`)

// checkMessage holds every error message any test sees to the rule both
// API docs promise: Chinese, then English in parentheses, no Go types.
func (s *server) checkMessage(what, msg string) {
	s.t.Helper()
	if !apperr.HasChinese(msg) || !apperr.HasEnglish(msg) {
		s.t.Errorf("%s: message %q lacks its Chinese or its English part", what, msg)
	}
	if goTypeRE.MatchString(eventTypeRE.ReplaceAllString(msg, "")) {
		s.t.Errorf("%s: message %q shows a Go type", what, msg)
	}
}

// envelope is the H3Yun response.
type envelope struct {
	Successful   bool
	ErrorMessage *string
	Logined      bool
	ReturnData   map[string]any
	DataType     int
}

// invoke posts body to /OpenApi/Invoke and decodes the envelope; the HTTP
// status must be 200 whatever happened.
func (s *server) invoke(body any, hdr ...string) envelope {
	s.t.Helper()
	status, out := s.do("POST", "/OpenApi/Invoke", body, hdr...)
	if status != 200 {
		s.t.Fatalf("invoke: HTTP %d: %s", status, out)
	}
	var env envelope
	dec := json.NewDecoder(bytes.NewReader(out))
	dec.UseNumber()
	if err := dec.Decode(&env); err != nil {
		s.t.Fatalf("invoke: decode %s: %v", out, err)
	}
	if env.Successful && (env.ReturnData == nil || env.ErrorMessage != nil) {
		s.t.Fatalf("invoke: success needs non-null ReturnData and null ErrorMessage: %s", out)
	}
	if !env.Successful && (env.ErrorMessage == nil || *env.ErrorMessage == "" || env.ReturnData != nil) {
		s.t.Fatalf("invoke: failure needs a message and null ReturnData: %s", out)
	}
	if !env.Successful {
		s.checkMessage("invoke", *env.ErrorMessage)
	}
	return env
}

// ok invokes and fails the test unless the call succeeded.
func (s *server) ok(body any) map[string]any {
	s.t.Helper()
	env := s.invoke(body)
	if !env.Successful {
		s.t.Fatalf("invoke %v: %s", body, *env.ErrorMessage)
	}
	return env.ReturnData
}

// fails invokes and returns the error message, failing the test on
// success or when the message lacks want.
func (s *server) fails(body any, want string) string {
	s.t.Helper()
	env := s.invoke(body)
	if env.Successful {
		s.t.Fatalf("invoke %.300v: want failure containing %q, got success %v", body, want, env.ReturnData)
	}
	if !strings.Contains(*env.ErrorMessage, want) {
		s.t.Fatalf("invoke %.300v: error %q lacks %q", body, *env.ErrorMessage, want)
	}
	return *env.ErrorMessage
}

// jsonString marshals v into a JSON string value (as H3Yun's BizObject).
func jsonString(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// decode unmarshals b with UseNumber.
func decode(t testing.TB, b []byte) map[string]any {
	t.Helper()
	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		t.Fatalf("decode %s: %v", b, err)
	}
	return m
}

// contractForm is the spec's example form, with a child table.
func contractForm() map[string]any {
	return map[string]any{
		"code": "D000001Contract", "name": "合同",
		"fields": []map[string]any{
			{"code": "F0000001", "name": "合同名称", "type": "text", "required": true},
			{"code": "F0000002", "name": "金额", "type": "decimal", "scale": 2},
			{"code": "F0000003", "name": "签订日期", "type": "date"},
			{"code": "F0000004", "name": "已盖章", "type": "bool"},
			{"code": "F0000005", "name": "经办人", "type": "user"},
			{"code": "F0000006", "name": "类型", "type": "select", "options": []string{"采购", "销售"}},
			{"code": "F0000007", "name": "数量", "type": "number", "indexed": true},
			{"code": "F0000008", "name": "标签", "type": "multiselect", "options": []string{"紧急", "大客户", "海外"}},
			{"code": "F0000009", "name": "签订时间", "type": "datetime"},
			{"code": "F0000010", "name": "附件", "type": "attachment"},
		},
		"children": []map[string]any{
			{"code": "D000001Lines", "name": "合同行", "fields": []map[string]any{
				{"code": "F0000011", "name": "物料", "type": "text"},
				{"code": "F0000012", "name": "单价", "type": "decimal", "scale": 4},
				{"code": "F0000013", "name": "图纸", "type": "attachment"},
			}},
		},
	}
}

// forEachServer runs f against a fresh server on SQLite and on PostgreSQL.
func forEachServer(t *testing.T, f func(t *testing.T, s *server)) {
	sqldbtest.ForEach(t, func(t *testing.T, kind sqldb.Kind) {
		s := startServer(t, storeConfig(t, kind))
		f(t, s)
	})
}

// mustCreateForm defines a form through REST.
func (s *server) mustCreateForm(def map[string]any) {
	s.t.Helper()
	status, body := s.do("POST", "/api/v1/forms", def)
	if status != 201 {
		s.t.Fatalf("create form: HTTP %d: %s", status, body)
	}
}
