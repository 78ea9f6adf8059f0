package app_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/tritiumhq/tritium/internal/app"
	"github.com/tritiumhq/tritium/internal/httpapi"
)

// TestSessionPasswords: changing one's password ends one's other
// sessions; the administrator setting it ends them all; a disabled
// user's session stops at once.
func TestSessionPasswords(t *testing.T) {
	forEachSessionServer(t, nil, func(t *testing.T, s *server) {
		id := s.consoleUser("张三", "zhangsan")
		a, b := s.signIn("zhangsan", testPassword), s.signIn("zhangsan", testPassword)
		st, out := a.do("PUT", "/api/v1/session/password", map[string]string{"currentPassword": "not it at all", "newPassword": "another good one"})
		if _, field := errField(t, out); st != 422 || field != "currentPassword" {
			t.Errorf("wrong current password: HTTP %d %s", st, out)
		}
		b.want("GET", "/api/v1/session", nil, 200)
		a.want("PUT", "/api/v1/session/password", map[string]string{"currentPassword": testPassword, "newPassword": "another good one"}, 204)
		a.want("GET", "/api/v1/session", nil, 200)
		b.want("GET", "/api/v1/session", nil, 401)
		if resp, _ := s.raw("POST", "/api/v1/session", map[string]string{"login": "zhangsan", "password": testPassword}); resp.StatusCode != 401 {
			t.Errorf("the old password still signs in: HTTP %d", resp.StatusCode)
		}
		c := s.signIn("zhangsan", "another good one")
		s.setPassword(id, "set by the admin")
		a.want("GET", "/api/v1/session", nil, 401)
		c.want("GET", "/api/v1/session", nil, 401)

		d := s.signIn("zhangsan", "set by the admin")
		d.want("GET", "/api/v1/forms", nil, 200)
		s.mustJSON("PATCH", "/api/v1/users/"+id, map[string]any{"enabled": false}, 200)
		d.want("GET", "/api/v1/forms", nil, 401)
		d.want("GET", "/api/v1/session", nil, 401)
		resp, out := s.raw("POST", "/api/v1/session", map[string]string{"login": "zhangsan", "password": "set by the admin"})
		unknown, out2 := s.raw("POST", "/api/v1/session", map[string]string{"login": "nobody", "password": "set by the admin"})
		if resp.StatusCode != 401 || unknown.StatusCode != 401 || string(out) != string(out2) {
			t.Errorf("a disabled user and an unknown login answer differently: %d %s / %d %s", resp.StatusCode, out, unknown.StatusCode, out2)
		}
		// Only the administrator sets passwords.
		s.consoleUser("李四", "lisi")
		li := s.signIn("lisi", testPassword)
		li.want("PUT", "/api/v1/users/"+id+"/password", map[string]string{"password": "li sets it now"}, 403)
		s.mustJSON("PATCH", "/api/v1/users/"+id, map[string]any{"enabled": true}, 200)
		s.signIn("zhangsan", "set by the admin")
	})
}

// TestSessionBadInput: what cannot be read is refused naming the field,
// and changes nothing; no answer ever shows a password hash.
func TestSessionBadInput(t *testing.T) {
	forEachSessionServer(t, nil, func(t *testing.T, s *server) {
		id := s.consoleUser("张三", "zhangsan")
		for _, c := range []struct {
			name, body, field string
			status            int
		}{
			{"login a number", `{"login": 1, "password": "x"}`, "login", 422},
			{"password an object", `{"login": "zhangsan", "password": {}}`, "password", 422},
			{"no login", `{"password": "correct horse battery"}`, "login", 400},
			{"no password", `{"login": "zhangsan"}`, "password", 400},
			{"empty login", `{"login": " ", "password": "x"}`, "login", 400},
			{"NUL", `{"login": "zhangsan", "password": "correct horse\u0000battery"}`, "password", 400},
			{"invalid UTF-8", "{\"login\": \"zhang\xffsan\", \"password\": \"x\"}", "login", 400},
			{"unknown key", `{"login": "zhangsan", "password": "x", "remember": true}`, "remember", 422},
		} {
			resp, out := s.raw("POST", "/api/v1/session", c.body)
			if _, field := errField(t, out); resp.StatusCode != c.status || field != c.field {
				t.Errorf("sign in, %s: HTTP %d %s, want %d naming %s", c.name, resp.StatusCode, out, c.status, c.field)
			}
		}
		if resp, out := s.raw("POST", "/api/v1/session", `[1]`); resp.StatusCode != 400 {
			t.Errorf("sign in with an array: HTTP %d %s", resp.StatusCode, out)
		}
		for _, c := range []struct {
			name, body string
			status     int
		}{
			{"short", `{"password": "short"}`, 422},
			{"long", `{"password": "` + strings.Repeat("长", 257) + `"}`, 422},
			{"NUL", `{"password": "0123456789\u0000"}`, 400},
			{"invalid UTF-8", "{\"password\": \"0123456789\xff\"}", 400},
			{"a number", `{"password": 12345678}`, 422},
			{"missing", `{}`, 400},
		} {
			st, out := s.do("PUT", "/api/v1/users/"+id+"/password", c.body)
			if _, field := errField(t, out); st != c.status || field != "password" {
				t.Errorf("set password, %s: HTTP %d %s, want %d naming password", c.name, st, out, c.status)
			}
		}
		s.mustJSON("PUT", "/api/v1/users/nobody/password", map[string]string{"password": "long enough"}, 404)
		s.mustJSON("PUT", "/api/v1/users/"+id+"/secret", map[string]string{"password": "long enough"}, 404)
		b := s.signIn("zhangsan", testPassword) // the refused changes changed nothing
		st, out := b.do("PUT", "/api/v1/session/password", map[string]any{"currentPassword": testPassword, "newPassword": "short"})
		if _, field := errField(t, out); st != 422 || field != "newPassword" {
			t.Errorf("a short new password: HTTP %d %s", st, out)
		}
		st, out = b.do("PUT", "/api/v1/session/password", map[string]any{"newPassword": "long enough"})
		if _, field := errField(t, out); st != 400 || field != "currentPassword" {
			t.Errorf("no current password: HTTP %d %s", st, out)
		}
		b.want("GET", "/api/v1/session?everywhere=maybe", nil, 200) // GET ignores it
		st, out = b.do("DELETE", "/api/v1/session?everywhere=maybe", nil)
		if _, field := errField(t, out); st != 422 || field != "everywhere" {
			t.Errorf("everywhere=maybe: HTTP %d %s", st, out)
		}

		var seen []string
		_, o := s.do("GET", "/api/v1/users?limit=500", nil)
		seen = append(seen, string(o))
		_, o = s.do("GET", "/api/v1/users/"+id, nil)
		seen = append(seen, string(o))
		seen = append(seen, string(b.want("GET", "/api/v1/session", nil, 200)), string(b.want("GET", "/api/v1/users/"+id, nil, 200)))
		for _, text := range seen {
			if strings.Contains(text, "argon2") || strings.Contains(strings.ToLower(text), "password") {
				t.Errorf("an answer shows a password or its hash: %s", text)
			}
		}
	})
}

// TestLoginRateLimit: five wrong passwords lock a login for the rest of
// the window (even the right one is refused); twenty attempts a minute
// from one address are all it gets.
func TestLoginRateLimit(t *testing.T) {
	forEachSessionServer(t, func(c *app.Config) { c.Login = httpapi.LoginLimits{} }, func(t *testing.T, s *server) {
		s.consoleUser("张三", "zhangsan")
		s.consoleUser("李四", "lisi")
		attempts := 0
		try := func(login, pw string) (int, string, []byte) {
			attempts++
			resp, out := s.raw("POST", "/api/v1/session", map[string]string{"login": login, "password": pw})
			return resp.StatusCode, resp.Header.Get("Retry-After"), out
		}
		for i := 0; i < 5; i++ {
			if st, _, out := try("zhangsan", "wrong password"); st != 401 {
				t.Fatalf("wrong password %d: HTTP %d %s", i+1, st, out)
			}
		}
		st, retry, out := try("ZhangSan@example.com", testPassword) // the same account, spelt otherwise
		if code, _ := errField(t, out); st != 429 || code != "rate_limited" || retry == "" || retry == "0" {
			t.Errorf("locked login: HTTP %d Retry-After %q %s", st, retry, out)
		}
		if st, _, out := try("lisi", testPassword); st != 201 {
			t.Errorf("another login is not locked: HTTP %d %s", st, out)
		}
		for attempts < 20 {
			if st, _, out := try(fmt.Sprintf("nobody%d", attempts), "wrong password"); st != 401 {
				t.Fatalf("attempt %d: HTTP %d %s", attempts, st, out)
			}
		}
		st, retry, out = try("lisi", testPassword)
		if code, _ := errField(t, out); st != 429 || code != "rate_limited" || retry == "" {
			t.Errorf("attempt 21 from one address: HTTP %d Retry-After %q %s", st, retry, out)
		}
	})
}

// TestEngineRotate: the administrator reads the EngineCode (never the
// secret) and rotates the secret, shown once; the H3Yun API takes the new
// secret at once and refuses the old one.
func TestEngineRotate(t *testing.T) {
	forEachSessionServer(t, nil, func(t *testing.T, s *server) {
		s.setPassword(s.App.Admin.UserID, testPassword)
		s.consoleUser("张三", "zhangsan")
		user := s.signIn("zhangsan", testPassword)
		user.want("GET", "/api/v1/engine", nil, 403)
		user.want("POST", "/api/v1/engine/rotate-secret", nil, 403)
		admin := s.signIn("admin", testPassword)
		got := decode(t, admin.want("GET", "/api/v1/engine", nil, 200))
		if got["engineCode"] != testCode || len(got) != 1 {
			t.Errorf("GET /api/v1/engine: %v", got)
		}
		admin.want("POST", "/api/v1/engine/rotate-secret", nil, 403, "X-CSRF-Token", "")
		rot := decode(t, admin.want("POST", "/api/v1/engine/rotate-secret", nil, 200))
		secret, _ := rot["engineSecret"].(string)
		if rot["engineCode"] != testCode || len(secret) < 16 || secret == testSecret {
			t.Fatalf("rotate: %v", rot)
		}
		if again := string(admin.want("GET", "/api/v1/engine", nil, 200)); strings.Contains(again, secret) || strings.Contains(again, "Secret") {
			t.Errorf("GET /api/v1/engine after rotating: %s", again)
		}
		load := map[string]any{"ActionName": "LoadBizObjects", "SchemaCode": "D000404Nothing", "Filter": "{}"}
		if env := s.invoke(load, "EngineSecret", secret); !env.Successful && strings.Contains(*env.ErrorMessage, "EngineSecret") {
			t.Errorf("the new secret is refused: %s", *env.ErrorMessage)
		}
		if env := s.invoke(load); env.Successful || !strings.Contains(*env.ErrorMessage, "EngineSecret") {
			t.Errorf("the old secret still works: %+v", env)
		}
		if st, _ := s.do("GET", "/api/v1/forms", nil, "EngineSecret", secret); st != 200 {
			t.Errorf("REST with the new secret: HTTP %d", st)
		}
		if st, _ := s.do("GET", "/api/v1/forms", nil); st != 401 {
			t.Errorf("REST with the old secret: HTTP %d", st)
		}
	})
}

// TestSessionIdempotency: an Idempotency-Key belongs to the session's
// user: another user's same key and body is a write of their own, not a
// replay of the first user's answer.
func TestSessionIdempotency(t *testing.T) {
	forEachSessionServer(t, nil, func(t *testing.T, s *server) {
		s.mustCreateForm(map[string]any{"code": "D000300Idem", "name": "Idem", "fields": []map[string]any{{"code": "F0000001", "name": "名称", "type": "text"}}})
		s.setPassword(s.App.Admin.UserID, testPassword)
		s.consoleUser("张三", "zhangsan")
		admin, zhang := s.signIn("admin", testPassword), s.signIn("zhangsan", testPassword)
		s.grant("D000300Idem", zhang.body["user"].(map[string]any)["id"].(string), "view", "create")
		body := map[string]any{"F0000001": "same"}
		a := decode(t, admin.want("POST", "/api/v1/forms/D000300Idem/records", body, 201, "Idempotency-Key", "k-1"))
		again := decode(t, admin.want("POST", "/api/v1/forms/D000300Idem/records", body, 201, "Idempotency-Key", "k-1"))
		z := decode(t, zhang.want("POST", "/api/v1/forms/D000300Idem/records", body, 201, "Idempotency-Key", "k-1"))
		if a["ObjectId"] != again["ObjectId"] || z["ObjectId"] == a["ObjectId"] {
			t.Errorf("idempotency across users: admin %v then %v, 张三 %v", a["ObjectId"], again["ObjectId"], z["ObjectId"])
		}
		// An async batch from a session is the engine credential's, read back by the session.
		bt := decode(t, admin.want("POST", "/api/v1/batches", map[string]any{"form": "D000300Idem", "operation": "create", "sourceSystem": "ERP", "items": []any{map[string]any{"sourceCode": "S-1", "data": body}}}, 202))
		if got := decode(t, admin.want("GET", "/api/v1/batches/"+bt["batchId"].(string), nil, 200)); got["batchId"] != bt["batchId"] {
			t.Errorf("the session's batch: %v", got)
		}
	})
}
