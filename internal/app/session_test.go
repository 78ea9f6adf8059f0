package app_test

import (
	"strings"
	"testing"
	"time"

	"github.com/tritiumhq/tritium/internal/app"
)

// TestSessionSignIn: signing in sets the cookie as the console needs it,
// GET /api/v1/session reads the session back, and a session acts as its
// user — grants and field permissions apply, exactly as engine
// credentials with that user's context — while the administrator's
// session is the administrator.
func TestSessionSignIn(t *testing.T) {
	forEachSessionServer(t, nil, func(t *testing.T, s *server) {
		w := newPermWorld(t, s)
		s.setPassword(w.li, testPassword)
		s.setPassword(w.zhao, testPassword)
		s.setPassword(s.App.Admin.UserID, testPassword)

		resp, out := s.raw("POST", "/api/v1/session", map[string]string{"login": "LISI@example.COM", "password": testPassword})
		if resp.StatusCode != 201 {
			t.Fatalf("sign in by email, any case: HTTP %d: %s", resp.StatusCode, out)
		}
		sc := resp.Header.Get("Set-Cookie")
		for _, want := range []string{"tritium_session=", "Path=/", "HttpOnly", "SameSite=Lax"} {
			if !strings.Contains(sc, want) {
				t.Errorf("Set-Cookie %q lacks %s", sc, want)
			}
		}
		if strings.Contains(sc, "Secure") {
			t.Errorf("Set-Cookie %q is Secure on plain HTTP", sc)
		}
		body := decode(t, out)
		if u := body["user"].(map[string]any); u["id"] != w.li || u["loginName"] != "lisi" || body["admin"] != false {
			t.Errorf("sign-in answer: %s", out)
		}
		for _, k := range []string{"csrfToken", "expiresAt", "idleExpiresAt"} {
			if v, _ := body[k].(string); v == "" {
				t.Errorf("sign-in answer lacks %s: %s", k, out)
			}
		}
		li := s.signIn("lisi", testPassword) // by login name
		got := decode(t, li.want("GET", "/api/v1/session", nil, 200))
		if got["csrfToken"] != li.csrf || got["user"].(map[string]any)["id"] != w.li {
			t.Errorf("GET /api/v1/session: %v", got)
		}

		// 李四 sees his own contracts, not 张三's; as with X-User-Id.
		for name, id := range w.ids {
			st, _ := li.do("GET", w.contractPath+"/"+id, nil)
			ref, _ := s.do("GET", w.contractPath+"/"+id, nil, as(w.li)...)
			if st != ref || (st == 200) != (name == "C3" || name == "C4") {
				t.Errorf("李四's session GET %s: HTTP %d, engine credentials as 李四: %d", name, st, ref)
			}
		}
		if st, _ := s.do("GET", w.contractPath+"/"+w.ids["C1"], nil); st != 200 {
			t.Errorf("the administrator cannot read C1: %d", st)
		}
		// 赵审批 does not see the hidden cost.
		zhao := s.signIn("zhao", testPassword)
		if o := decode(t, zhao.want("GET", w.contractPath+"/"+w.ids["C2"], nil, 200)); o["F0000003"] != nil || o["F0000002"] != "20000.00" {
			t.Errorf("赵审批's session sees %v", o)
		}
		// A user may not change forms; the administrator may.
		def := map[string]any{"code": permContract, "name": "合同(改)", "fields": []map[string]any{{"code": "F0000001", "name": "名称", "type": "text", "required": true},
			{"code": "F0000002", "name": "金额", "type": "decimal", "scale": 2}, {"code": "F0000003", "name": "成本", "type": "decimal", "scale": 2},
			{"code": "F0000004", "name": "备注", "type": "text"}}, "children": []map[string]any{{"code": "D000009Lines", "name": "明细", "fields": []map[string]any{
			{"code": "F0000011", "name": "物料", "type": "text"}, {"code": "F0000012", "name": "单价", "type": "decimal", "scale": 2}}}}}
		li.want("PUT", "/api/v1/forms/"+permContract, def, 403)
		admin := s.signIn("admin", testPassword)
		if admin.body["admin"] != true {
			t.Errorf("the administrator's sign-in says admin false: %v", admin.body)
		}
		admin.want("PUT", "/api/v1/forms/"+permContract, def, 200)
		if f := s.mustJSON("GET", "/api/v1/forms/"+permContract, nil, 200); f["name"] != "合同(改)" {
			t.Errorf("the administrator's change did not land: %v", f["name"])
		}
	})
}

// TestSessionCSRF: a cookie-authenticated request that changes something
// needs the session's CSRF token and a same-site origin; refused, it
// changes nothing. A session carries no user context, and other
// credentials win over a cookie.
func TestSessionCSRF(t *testing.T) {
	forEachSessionServer(t, nil, func(t *testing.T, s *server) {
		s.setPassword(s.App.Admin.UserID, testPassword)
		admin := s.signIn("admin", testPassword)
		form := map[string]any{"code": "D000100Csrf", "name": "CSRF", "fields": []map[string]any{{"code": "F0000001", "name": "名称", "type": "text"}}}
		for _, c := range []struct {
			name string
			hdr  []string
		}{
			{"no token", []string{"X-CSRF-Token", ""}},
			{"wrong token", []string{"X-CSRF-Token", admin.csrf + "x"}},
			{"cross-site origin", []string{"Origin", "https://evil.example"}},
			{"null origin", []string{"Origin", "null"}},
			{"sec-fetch-site", []string{"Sec-Fetch-Site", "cross-site"}},
		} {
			hdr := c.hdr
			if hdr[1] == "" { // send no token at all
				resp, out := s.raw("POST", "/api/v1/forms", form, "Cookie", "tritium_session="+admin.cookie)
				checkCSRF(t, c.name, resp.StatusCode, out)
			} else {
				st, out := admin.do("POST", "/api/v1/forms", form, hdr...)
				checkCSRF(t, c.name, st, out)
			}
		}
		s.mustJSON("GET", "/api/v1/forms/D000100Csrf", nil, 404)
		admin.want("POST", "/api/v1/forms", form, 201, "Origin", s.URL, "Sec-Fetch-Site", "same-origin")

		// Signing in needs no token, but not from another site.
		resp, out := s.raw("POST", "/api/v1/session", map[string]string{"login": "admin", "password": testPassword}, "Origin", "https://evil.example")
		checkCSRF(t, "cross-site sign-in", resp.StatusCode, out)

		// No user context on a session.
		st, out := admin.do("GET", "/api/v1/forms", nil, as(s.App.Admin.UserID)...)
		if code, field := errField(t, out); st != 400 || field != "X-User-Id" {
			t.Errorf("session with X-User-Id: HTTP %d %s %s", st, code, field)
		}
		st, out = admin.do("POST", "/api/v1/forms/D000100Csrf/records", map[string]any{"F0000001": "x", "userId": s.App.Admin.UserID})
		if _, field := errField(t, out); st != 400 || field != "userId" {
			t.Errorf("session with a body userId: HTTP %d %s", st, out)
		}
		if l := s.mustJSON("GET", "/api/v1/forms/D000100Csrf/records", nil, 200); l["total"].(interface{ String() string }).String() != "0" {
			t.Errorf("a refused write wrote: %v", l)
		}
		// Engine credentials beside a dead cookie: the credentials count.
		if st, _ := s.do("GET", "/api/v1/forms", nil, "Cookie", "tritium_session=nonsense"); st != 200 {
			t.Errorf("engine credentials with a dead cookie: HTTP %d", st)
		}
		// Session routes take no engine credentials.
		if st, _ := s.do("GET", "/api/v1/session", nil); st != 400 {
			t.Errorf("GET /api/v1/session with engine credentials: HTTP %d", st)
		}
		if resp, _ := s.raw("GET", "/api/v1/forms", nil, "Cookie", "tritium_session=nonsense"); resp.StatusCode != 401 {
			t.Errorf("a dead cookie: HTTP %d", resp.StatusCode)
		}
	})
}

func checkCSRF(t *testing.T, what string, status int, out []byte) {
	t.Helper()
	code, _ := errField(t, out)
	if status != 403 || code != "csrf" || !strings.Contains(string(out), "CSRF") {
		t.Errorf("%s: HTTP %d %s, want 403 csrf", what, status, out)
	}
}

// TestSessionExpiry: a session ends when idle too long, and at its
// absolute expiry however busy.
func TestSessionExpiry(t *testing.T) {
	forEachSessionServer(t, func(c *app.Config) { c.SessionIdle, c.SessionMax = time.Second, 2500*time.Millisecond }, func(t *testing.T, s *server) {
		s.setPassword(s.App.Admin.UserID, testPassword)
		idle := s.signIn("admin", testPassword)
		busy := s.signIn("admin", testPassword)
		start := time.Now()
		idle.want("GET", "/api/v1/session", nil, 200)
		var late bool
		for time.Since(start) < 2100*time.Millisecond {
			busy.want("GET", "/api/v1/session", nil, 200)
			late = late || time.Since(start) > 1300*time.Millisecond
			time.Sleep(150 * time.Millisecond)
		}
		if !late {
			t.Fatal("the loop did not outlast the idle timeout")
		}
		idle.want("GET", "/api/v1/session", nil, 401)
		time.Sleep(time.Until(start.Add(2700 * time.Millisecond)))
		busy.want("GET", "/api/v1/forms", nil, 401)
	})
}

// TestSessionSignOut: signing out ends this session; everywhere ends all
// of the user's.
func TestSessionSignOut(t *testing.T) {
	forEachSessionServer(t, nil, func(t *testing.T, s *server) {
		s.consoleUser("张三", "zhangsan")
		a, b, c := s.signIn("zhangsan", testPassword), s.signIn("zhangsan", testPassword), s.signIn("zhangsan", testPassword)
		a.want("DELETE", "/api/v1/session", nil, 403, "X-CSRF-Token", "wrong") // needs the token too
		resp, _ := s.raw("DELETE", "/api/v1/session", nil, "Cookie", "tritium_session="+a.cookie, "X-CSRF-Token", a.csrf)
		if resp.StatusCode != 204 || !strings.Contains(resp.Header.Get("Set-Cookie"), "Max-Age=0") {
			t.Errorf("sign out: HTTP %d, Set-Cookie %q", resp.StatusCode, resp.Header.Get("Set-Cookie"))
		}
		a.want("GET", "/api/v1/session", nil, 401)
		b.want("GET", "/api/v1/session", nil, 200)
		b.want("DELETE", "/api/v1/session?everywhere=true", nil, 204)
		b.want("GET", "/api/v1/session", nil, 401)
		c.want("GET", "/api/v1/forms", nil, 401)
	})
}

// TestSessionSecureCookie: behind an https public URL the cookie is
// Secure, and that URL's origin is the console's own.
func TestSessionSecureCookie(t *testing.T) {
	forEachSessionServer(t, func(c *app.Config) { c.PublicURL = "https://tritium.example.com" }, func(t *testing.T, s *server) {
		s.setPassword(s.App.Admin.UserID, testPassword)
		resp, out := s.raw("POST", "/api/v1/session", map[string]string{"login": "admin", "password": testPassword}, "Origin", "https://tritium.example.com")
		if resp.StatusCode != 201 || !strings.Contains(resp.Header.Get("Set-Cookie"), "; Secure") {
			t.Fatalf("sign in behind https: HTTP %d, Set-Cookie %q: %s", resp.StatusCode, resp.Header.Get("Set-Cookie"), out)
		}
		b := s.signIn("admin", testPassword)
		b.want("POST", "/api/v1/forms", map[string]any{"code": "D000101Origin", "name": "Origin", "fields": []map[string]any{{"code": "F0000001", "name": "名称", "type": "text"}}}, 201, "Origin", "https://tritium.example.com")
		st, out := b.do("POST", "/api/v1/forms", map[string]any{"code": "D000102Origin", "name": "Origin"}, "Origin", "http://tritium.example.com")
		checkCSRF(t, "the public host over http", st, out)
	})
}
