package app_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestConnectorsREST drives the integration hub over HTTP: a platform,
// an instance with a secret, a direct test call to a local server, the
// call log and a replay.
func TestConnectorsREST(t *testing.T) {
	forEachServer(t, func(t *testing.T, s *server) {
		var seen []string
		vendor := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			b, _ := io.ReadAll(r.Body)
			seen = append(seen, r.Header.Get("Authorization")+" "+string(b))
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{"errcode":0,"errmsg":"ok","id":"`+r.URL.Query().Get("id")+`"}`)
		}))
		defer vendor.Close()
		platform := map[string]any{"key": "crm_system", "name": "CRM", "baseUrl": vendor.URL,
			"auth":    map[string]any{"method": "bearer", "token": "{{secret.token}}"},
			"network": map[string]any{"allow": []string{"127.0.0.1/32"}},
			"success": map[string]any{"codePath": "errcode", "ok": 0, "messagePath": "errmsg"},
			"interfaces": []any{map[string]any{"key": "get_customer_detail", "method": "POST", "path": "/c",
				"params": []any{map[string]any{"name": "id", "in": "query", "required": true}, map[string]any{"name": "name", "in": "body"}}}}}
		if st, b := s.do("POST", "/api/v1/platforms", platform); st != 201 {
			t.Fatalf("create platform: %d %s", st, b)
		}
		if st, b := s.do("POST", "/api/v1/platforms", map[string]any{"key": "x", "baseUrl": "ftp://no"}); st != 422 || !strings.Contains(string(b), "baseUrl") {
			t.Fatalf("bad platform: %d %s", st, b)
		}
		if st, b := s.do("POST", "/api/v1/platforms", map[string]any{"key": "x", "baseUrl": "https://a.example", "colour": 1}); st != 422 || !strings.Contains(string(b), "colour") {
			t.Fatalf("unknown member: %d %s", st, b)
		}
		st, b := s.do("POST", "/api/v1/platforms/crm_system/instances", map[string]any{"key": "prod", "secrets": map[string]any{"token": "tok-secret-1"}})
		if st != 201 || strings.Contains(string(b), "tok-secret-1") || !strings.Contains(string(b), `"token":"set"`) {
			t.Fatalf("create instance: %d %s", st, b)
		}
		st, b = s.do("POST", "/api/v1/platforms/crm_system/interfaces/getCustomerDetail/call", map[string]any{"args": []any{"12345", "张三"}})
		if st != 200 {
			t.Fatalf("call: %d %s", st, b)
		}
		var res map[string]any
		json.Unmarshal(b, &res)
		if res["code"] != float64(200) || res["message"] != "ok" || res["data"].(map[string]any)["id"] != "12345" || seen[0] != `Bearer tok-secret-1 {"name":"张三"}` {
			t.Fatalf("result %s, vendor saw %q", b, seen)
		}
		if st, b = s.do("POST", "/api/v1/platforms/crm_system/interfaces/nope/call", map[string]any{}); st != 404 || !strings.Contains(string(b), "nope") {
			t.Fatalf("unknown interface: %d %s", st, b)
		}
		if st, b = s.do("POST", "/api/v1/platforms/crm_system/interfaces/get_customer_detail/call", map[string]any{}); st != 422 || !strings.Contains(string(b), "id") {
			t.Fatalf("missing param: %d %s", st, b)
		}
		s.App.Connectors.Flush(t.Context())
		st, b = s.do("GET", "/api/v1/connector-calls?platform=crm_system&status=200", nil)
		var calls struct {
			Items []map[string]any `json:"items"`
			Total int              `json:"total"`
		}
		json.Unmarshal(b, &calls)
		if st != 200 || calls.Total != 1 || strings.Contains(string(b), "tok-secret-1") || calls.Items[0]["requestHeaders"].(map[string]any)["Authorization"] != "***" {
			t.Fatalf("calls: %d %s", st, b)
		}
		id := calls.Items[0]["id"].(string)
		if st, b = s.do("POST", "/api/v1/connector-calls/"+id+"/replay", nil); st != 200 || len(seen) != 2 || seen[1] != seen[0] {
			t.Fatalf("replay: %d %s (%q)", st, b, seen)
		}
		if st, _ = s.do("GET", "/api/v1/connector-calls/"+id, nil); st != 200 {
			t.Fatalf("get call: %d", st)
		}
		if st, _ = s.do("GET", "/api/v1/connector-calls/nope", nil); st != 404 {
			t.Fatalf("get unknown call: %d", st)
		}
		if st, b = s.do("GET", "/api/v1/connector-calls?from=yesterday", nil); st != 422 || !strings.Contains(string(b), "from") {
			t.Fatalf("bad from: %d %s", st, b)
		}
		if st, b = s.do("GET", "/api/v1/platforms/qywx/export", nil); st != 200 || !strings.Contains(string(b), "sendTextMessage") || strings.Contains(string(b), "builtIn") {
			t.Fatalf("export: %d %s", st, b)
		}
		var exp map[string]any
		json.Unmarshal(b, &exp)
		exp["key"] = "qywx2"
		if st, b = s.do("POST", "/api/v1/platforms/import", map[string]any{"platforms": []any{exp}}); st != 200 {
			t.Fatalf("import: %d %s", st, b)
		}
		if st, b = s.do("GET", "/api/v1/platforms/qywx2/interfaces/send_text_message", nil); st != 200 {
			t.Fatalf("get interface: %d %s", st, b)
		}
		if st, b = s.do("DELETE", "/api/v1/platforms/qywx", nil); st != 409 {
			t.Fatalf("delete built-in: %d %s", st, b)
		}
		for _, c := range []struct{ method, path string }{{"GET", "/api/v1/platforms"}, {"GET", "/api/v1/platforms/crm_system"},
			{"GET", "/api/v1/platforms/crm_system/interfaces"}, {"GET", "/api/v1/platforms/crm_system/instances"},
			{"GET", "/api/v1/platforms/crm_system/instances/prod"}} {
			if st, b := s.do(c.method, c.path, nil); st != 200 || strings.Contains(string(b), "tok-secret-1") {
				t.Fatalf("%s %s: %d %s", c.method, c.path, st, b)
			}
		}
		if st, b = s.do("PATCH", "/api/v1/platforms/crm_system/instances/prod", map[string]any{"baseUrl": "http://10.0.0.1"}); st != 200 {
			t.Fatalf("patch: %d %s", st, b)
		}
		if st, b = s.do("POST", "/api/v1/platforms/crm_system/interfaces/get_customer_detail/call", map[string]any{"args": []any{"1"}}); st != 503 || !strings.Contains(string(b), "network policy") {
			t.Fatalf("blocked: %d %s", st, b)
		}
		platform["name"] = "CRM 2"
		if st, b = s.do("PUT", "/api/v1/platforms/crm_system", platform); st != 200 || !strings.Contains(string(b), "CRM 2") {
			t.Fatalf("put: %d %s", st, b)
		}
		if st, _ = s.do("DELETE", "/api/v1/platforms/crm_system/instances/prod", nil); st != 204 {
			t.Fatalf("delete instance: %d", st)
		}
		if st, _ = s.do("DELETE", "/api/v1/platforms/crm_system", nil); st != 204 {
			t.Fatalf("delete platform: %d", st)
		}
		if st, _ = s.do("GET", "/api/v1/platforms/crm_system", nil); st != 404 {
			t.Fatalf("after delete: %d", st)
		}
	})
}
