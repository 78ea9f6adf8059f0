package app_test

import (
	"bytes"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/tritiumhq/tritium/internal/sqldb"
)

// TestUserContextInBody: userIdType + userId at the top of a JSON body act
// as that user, like the X-User-Id headers, and are not record data;
// headers and body naming different users, an unknown user, a key of the
// wrong type and a token without impersonate are refused, and the write
// is not made.
func TestUserContextInBody(t *testing.T) {
	forEachServer(t, func(t *testing.T, s *server) {
		s.mustCreateForm(contractForm())
		const records = "/api/v1/forms/D000001Contract/records"
		lisi := s.mustJSON("POST", "/api/v1/users", map[string]any{"name": "李四", "loginName": "lisi", "email": "lisi@example.com"}, 201)["id"].(string)
		s.grant("D000001Contract", lisi, "create", "view", "edit")

		rec := s.mustJSON("POST", records, map[string]any{"userIdType": "LOGINNAME", "userId": "lisi", "F0000001": "由李四创建"}, 201)
		if rec["CreatedBy"] != lisi || rec["OwnerId"] != lisi {
			t.Fatalf("created as lisi: %v", rec)
		}
		oid := rec["ObjectId"].(string)
		// PATCH too, with the type left out (USERID) and the key last.
		s.mustJSON("PATCH", records+"/"+oid, map[string]any{"F0000001": "改", "userId": lisi}, 200)
		if got := s.mustJSON("GET", records+"/"+oid, nil, 200); got["ModifiedBy"] != lisi || got["F0000001"] != "改" {
			t.Errorf("patched as lisi: %v", got)
		}
		// Headers and body agreeing is fine; disagreeing is not.
		s.mustJSON("POST", records, map[string]any{"userIdType": "EMAIL", "userId": "lisi@example.com", "F0000001": "同"}, 201,
			"X-User-Id-Type", "email", "X-User-Id", "lisi@example.com")
		admin := s.App.Admin.UserID
		for _, c := range []struct {
			name   string
			body   any
			hdr    []string
			status int
			field  string
			msg    string
		}{
			{"headers and body differ", map[string]any{"userId": lisi, "F0000001": "x"}, as(admin), 400, "userId", "different users"},
			{"unknown user in the body", map[string]any{"userIdType": "LOGINNAME", "userId": "ghost", "F0000001": "x"}, nil, 400, "userId", "LOGINNAME=ghost"},
			{"unknown user in the headers", map[string]any{"F0000001": "x"}, []string{"X-User-Id-Type", "EMAIL", "X-User-Id", "ghost@example.com"}, 400, "X-User-Id", "EMAIL=ghost@example.com"},
			{"unknown id type", map[string]any{"userIdType": "PHONE", "userId": "1", "F0000001": "x"}, nil, 400, "userIdType", "PHONE"},
			{"userId not a string", map[string]any{"userId": 42, "F0000001": "x"}, nil, 400, "userId", "must be a string"},
			{"userIdType alone", map[string]any{"userIdType": "USERID", "F0000001": "x"}, nil, 400, "userId", "no userId"},
			{"twice", `{"userId":"` + lisi + `","userId":"` + admin + `","F0000001":"x"}`, nil, 400, "userId", "twice"},
		} {
			status, body := s.do("POST", records, c.body, c.hdr...)
			if e := decodeErr(t, body); status != c.status || e["field"] != c.field || !strings.Contains(fmt.Sprint(e["message"]), c.msg) {
				t.Errorf("%s: HTTP %d %s, want %d naming %s", c.name, status, body, c.status, c.field)
			}
		}
		if l := s.mustJSON("GET", records+"?filter="+urlQuery(`F0000001 = "x"`), nil, 200); fmt.Sprint(l["total"]) != "0" {
			t.Errorf("a refused write was made: %v", l)
		}
		// No field may be called userId: the key names the acting user.
		if status, body := s.do("POST", "/api/v1/forms", map[string]any{"code": "D000008U", "fields": []any{
			map[string]any{"code": "F0000001", "type": "text"}, map[string]any{"code": "UserID", "type": "text"}}}); status != 422 || decodeErr(t, body)["field"] != "fields[1].code" {
			t.Errorf("a field called UserID: HTTP %d %s", status, body)
		}
		// Org writes are the administrator's: acting as lisi is refused.
		if status, _ := s.do("POST", "/api/v1/departments", map[string]any{"name": "部", "userId": lisi}); status != 403 {
			t.Errorf("a department created as lisi: HTTP %d, want 403", status)
		}
		// A token needs impersonate for it.
		id, secret := s.mustClient(map[string]any{"name": "w", "scopes": []string{"records:write", "records:read", "impersonate"}})
		plain := s.mustToken(id, secret, "records:write")
		if status, body := s.bearer(plain, "POST", records, map[string]any{"userId": lisi, "F0000001": "t"}); status != 403 || !strings.Contains(string(body), "impersonate") {
			t.Errorf("body context without impersonate: HTTP %d %s", status, body)
		}
		imp := s.mustToken(id, secret, "records:write impersonate")
		if status, body := s.bearer(imp, "POST", records, map[string]any{"userId": lisi, "F0000001": "t"}); status != 201 || decode(t, body)["CreatedBy"] != lisi {
			t.Errorf("body context with impersonate: HTTP %d %s", status, body)
		}
		// An Idempotency-Key is per user context, wherever it was sent.
		key := []string{"Idempotency-Key", "uc-1"}
		s.mustJSON("POST", records, map[string]any{"userId": lisi, "F0000001": "k"}, 201, key...)
		if status, body := s.do("POST", records, map[string]any{"userId": admin, "F0000001": "k"}, key...); status != 422 || decodeErr(t, body)["field"] != "Idempotency-Key" {
			t.Errorf("the key with another user in the body: HTTP %d %s", status, body)
		}
	})
}

func urlQuery(s string) string {
	return strings.NewReplacer(" ", "%20", `"`, "%22", "=", "%3D").Replace(s)
}

// BenchmarkCreateUserContext creates records over loopback acting as a
// user named by the headers and by the body, in alternating rounds: the
// body's cost is the ratio of the two.
func BenchmarkCreateUserContext(b *testing.B) {
	s := startServer(b, storeConfig(b, sqldb.SQLite))
	s.mustCreateForm(contractForm())
	user := s.mustJSON("POST", "/api/v1/users", map[string]any{"name": "李四", "loginName": "lisi"}, 201)["id"].(string)
	s.grant("D000001Contract", user, "create", "view")
	url := s.URL + "/api/v1/forms/D000001Contract/records"
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	data := `"F0000001":"合同 bench","F0000007":7,"F0000002":"12.50","F0000006":"采购"`
	cases := []struct {
		name, body string
		hdr        bool
	}{
		{"header", "{" + data + "}", true},
		{"body", `{"userIdType":"LOGINNAME","userId":"lisi",` + data + "}", false},
	}
	for i := range 3 * len(cases) {
		c := cases[i%len(cases)]
		b.Run(c.name, func(b *testing.B) {
			b.SetParallelism(2)
			hammer(b, client, 201, func() *http.Request {
				req, _ := http.NewRequest("POST", url, bytes.NewReader([]byte(c.body)))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("EngineCode", testCode)
				req.Header.Set("EngineSecret", testSecret)
				if c.hdr {
					req.Header.Set("X-User-Id-Type", "LOGINNAME")
					req.Header.Set("X-User-Id", "lisi")
				}
				return req
			})
		})
	}
}
