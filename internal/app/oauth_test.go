package app_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/tritiumhq/tritium/internal/sqldb"
)

// tokenCall posts to /oauth/token: form-encoded (ctype "form") or JSON,
// with HTTP Basic when basic is set.
func (s *server) tokenCall(ctype string, params map[string]string, basic ...string) (int, http.Header, map[string]any) {
	s.t.Helper()
	var body string
	if ctype == "form" {
		v := url.Values{}
		for k, x := range params {
			v.Set(k, x)
		}
		body, ctype = v.Encode(), "application/x-www-form-urlencoded"
	} else {
		b, _ := json.Marshal(params)
		body, ctype = string(b), "application/json"
	}
	req, _ := http.NewRequest("POST", s.URL+"/oauth/token", strings.NewReader(body))
	req.Header.Set("Content-Type", ctype)
	if len(basic) == 2 {
		req.SetBasicAuth(url.QueryEscape(basic[0]), url.QueryEscape(basic[1]))
	}
	resp, err := s.client.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	var m map[string]any
	if err := json.Unmarshal(out, &m); err != nil {
		s.t.Fatalf("token answer %s: %v", out, err)
	}
	return resp.StatusCode, resp.Header, m
}

// mustClient creates an OAuth client and returns its id and secret.
func (s *server) mustClient(def map[string]any) (string, string) {
	s.t.Helper()
	status, body := s.do("POST", "/api/v1/oauth-clients", def)
	if status != 201 {
		s.t.Fatalf("create client: %d %s", status, body)
	}
	c := decode(s.t, body)
	return c["id"].(string), c["secret"].(string)
}

func (s *server) mustToken(id, secret, scope string) string {
	s.t.Helper()
	status, _, m := s.tokenCall("form", map[string]string{"grant_type": "client_credentials", "scope": scope}, id, secret)
	if status != 200 {
		s.t.Fatalf("token: %d %v", status, m)
	}
	return m["access_token"].(string)
}

// bearer calls with a token instead of engine credentials.
func (s *server) bearer(tok, method, path string, body any, hdr ...string) (int, []byte) {
	s.t.Helper()
	return s.do(method, path, body, append([]string{"EngineCode", "", "EngineSecret", "", "Authorization", "Bearer " + tok}, hdr...)...)
}

func errCode(t testing.TB, body []byte) (string, string) {
	t.Helper()
	var e struct {
		Error struct{ Code, Message string }
	}
	json.Unmarshal(body, &e)
	return e.Error.Code, e.Error.Message
}

func TestOAuthClientAdmin(t *testing.T) {
	forEachServer(t, func(t *testing.T, s *server) {
		if status, body := s.do("POST", "/api/v1/oauth-clients", map[string]any{"name": "x", "scopes": []string{"records:read", "everything"}}); status != 422 || !strings.Contains(string(body), `"field":"scopes"`) || !strings.Contains(string(body), "everything") {
			t.Fatalf("unknown scope: %d %s", status, body)
		}
		if status, body := s.do("POST", "/api/v1/oauth-clients", map[string]any{"name": "x", "allowedIps": []string{"300.1.1.1"}}); status != 422 || !strings.Contains(string(body), `"field":"allowedIps"`) {
			t.Fatalf("bad CIDR: %d %s", status, body)
		}
		id, secret := s.mustClient(map[string]any{"name": "ERP", "scopes": []string{"records:read"}})
		for _, p := range []string{"/api/v1/oauth-clients", "/api/v1/oauth-clients/" + id} {
			status, body := s.do("GET", p, nil)
			if status != 200 || strings.Contains(string(body), "secret") || strings.Contains(string(body), secret) || !strings.Contains(string(body), id) {
				t.Fatalf("GET %s: %d %s", p, status, body)
			}
		}
		status, body := s.do("PATCH", "/api/v1/oauth-clients/"+id, map[string]any{"name": "ERP 2", "scopes": []string{"records:read", "workflow"}, "rateLimit": 5})
		if c := decode(t, body); status != 200 || c["name"] != "ERP 2" || fmt.Sprint(c["rateLimit"]) != "5" || c["secret"] != nil {
			t.Fatalf("PATCH: %d %s", status, body)
		}
		status, body = s.do("POST", "/api/v1/oauth-clients/"+id+"/rotate-secret", nil)
		newSecret, _ := decode(t, body)["secret"].(string)
		if status != 200 || newSecret == "" || newSecret == secret {
			t.Fatalf("rotate-secret: %d %s", status, body)
		}
		if status, _, m := s.tokenCall("form", map[string]string{"grant_type": "client_credentials"}, id, secret); status != 401 || m["error"] != "invalid_client" {
			t.Fatalf("old secret: %d %v", status, m)
		}
		s.mustToken(id, newSecret, "")
		tok := s.mustToken(id, newSecret, "records:read")
		if status, body := s.bearer(tok, "GET", "/api/v1/oauth-clients", nil); status != 403 || !strings.Contains(string(body), "scope admin") {
			t.Fatalf("a token without admin on an admin route: %d %s", status, body)
		}
		// Scope admin makes a token the administrator; org, on the organisation's routes.
		boss, bossSecret := s.mustClient(map[string]any{"name": "ops", "scopes": []string{"admin", "org"}})
		if status, body := s.bearer(s.mustToken(boss, bossSecret, "admin"), "GET", "/api/v1/oauth-clients", nil); status != 200 {
			t.Fatalf("admin token on an admin route: %d %s", status, body)
		}
		if status, body := s.bearer(s.mustToken(boss, bossSecret, "org"), "POST", "/api/v1/departments", map[string]any{"name": "OAuth 部"}); status != 201 {
			t.Fatalf("org token creating a department: %d %s", status, body)
		}
		if status, body := s.bearer(s.mustToken(boss, bossSecret, "admin"), "POST", "/api/v1/departments", map[string]any{"name": "OAuth 部 2"}); status != 403 || !strings.Contains(string(body), "scope org") {
			t.Fatalf("admin token without org on an org route: %d %s", status, body)
		}
		if status, _ := s.do("DELETE", "/api/v1/oauth-clients/"+id, nil); status != 204 {
			t.Fatalf("revoke: %d", status)
		}
		if status, _ := s.do("DELETE", "/api/v1/oauth-clients/nope", nil); status != 404 {
			t.Fatalf("revoke unknown: %d", status)
		}
	})
}

func TestOAuthTokenEndpoint(t *testing.T) {
	forEachServer(t, func(t *testing.T, s *server) {
		id, secret := s.mustClient(map[string]any{"name": "ERP", "scopes": []string{"records:read", "records:write"}})
		grant := map[string]string{"grant_type": "client_credentials"}
		body := func(kv ...string) map[string]string {
			m := map[string]string{"grant_type": "client_credentials", "client_id": id, "client_secret": secret}
			for i := 0; i+1 < len(kv); i += 2 {
				m[kv[i]] = kv[i+1]
			}
			return m
		}
		for _, c := range []struct {
			name, ctype string
			params      map[string]string
			basic       []string
			status      int
			err, scope  string
		}{
			{"basic form", "form", grant, []string{id, secret}, 200, "", "records:read records:write"},
			{"basic json", "json", map[string]string{"grant_type": "client_credentials", "scope": "records:read"}, []string{id, secret}, 200, "", "records:read"},
			{"body form", "form", body(), nil, 200, "", "records:read records:write"},
			{"body json", "json", body("scope", "records:write"), nil, 200, "", "records:write"},
			{"wrong secret basic", "form", grant, []string{id, "wrong"}, 401, "invalid_client", ""},
			{"wrong secret body", "json", body("client_secret", "wrong"), nil, 401, "invalid_client", ""},
			{"unknown client", "form", body("client_id", "cl_nobody"), nil, 401, "invalid_client", ""},
			{"no credentials", "form", grant, nil, 401, "invalid_client", ""},
			{"both methods", "form", body(), []string{id, secret}, 400, "invalid_request", ""},
			{"no grant", "form", map[string]string{"client_id": id, "client_secret": secret}, nil, 400, "invalid_request", ""},
			{"password grant", "form", body("grant_type", "password"), nil, 400, "unsupported_grant_type", ""},
			{"scope beyond", "form", body("scope", "records:read admin"), nil, 400, "invalid_scope", ""},
		} {
			status, h, m := s.tokenCall(c.ctype, c.params, c.basic...)
			if status != c.status || (c.err != "" && (m["error"] != c.err || m["error_description"] == "")) {
				t.Errorf("%s: %d %v", c.name, status, m)
				continue
			}
			if h.Get("Cache-Control") != "no-store" {
				t.Errorf("%s: Cache-Control %q", c.name, h.Get("Cache-Control"))
			}
			if wa := h.Get("WWW-Authenticate"); (status == 401 && c.basic != nil) != strings.HasPrefix(wa, "Basic") {
				t.Errorf("%s: WWW-Authenticate %q", c.name, wa)
			}
			if status == 200 && (m["token_type"] != "Bearer" || m["expires_in"] != 3600.0 || m["scope"] != c.scope || m["access_token"] == "") {
				t.Errorf("%s: %v", c.name, m)
			}
		}
	})
}

func TestOAuthBearer(t *testing.T) {
	forEachServer(t, func(t *testing.T, s *server) {
		s.mustCreateForm(contractForm())
		_, body := s.do("POST", "/api/v1/forms/D000001Contract/records", map[string]any{"F0000001": "x"})
		rec := "/api/v1/forms/D000001Contract/records/" + decode(t, body)["ObjectId"].(string)
		id, secret := s.mustClient(map[string]any{"name": "reader", "scopes": []string{"records:read", "impersonate"}})
		tok := s.mustToken(id, secret, "records:read")
		if status, body := s.bearer(tok, "GET", rec, nil); status != 200 || !strings.Contains(string(body), `"F0000001":"x"`) {
			t.Fatalf("read with a token: %d %s", status, body)
		}
		status, body := s.bearer(tok, "PATCH", rec, map[string]any{"F0000001": "y"})
		if code, msg := errCode(t, body); status != 403 || code != "forbidden" || !strings.Contains(msg, "缺少权限范围 records:write (this token lacks scope records:write)") {
			t.Fatalf("missing scope: %d %s", status, body)
		}
		// Acting as a user needs impersonate.
		admin := s.App.Admin.UserID
		if status, body := s.bearer(tok, "GET", rec, nil, "X-User-Id", admin); status != 403 || !strings.Contains(string(body), "impersonate") {
			t.Fatalf("user context without impersonate: %d %s", status, body)
		}
		imp := s.mustToken(id, secret, "records:read impersonate")
		if status, body := s.bearer(imp, "GET", rec, nil, "X-User-Id", admin); status != 200 {
			t.Fatalf("user context with impersonate: %d %s", status, body)
		}
		// The H3Yun endpoint takes the token too: records:read loads, a write needs records:write.
		bearerHdr := []string{"EngineCode", "", "EngineSecret", "", "Authorization", "Bearer " + tok}
		if env := s.invoke(map[string]any{"ActionName": "LoadBizObjects", "SchemaCode": "D000001Contract", "Filter": ""}, bearerHdr...); !env.Successful {
			t.Fatalf("H3Yun load with a token: %v", *env.ErrorMessage)
		}
		env := s.invoke(map[string]any{"ActionName": "CreateBizObject", "SchemaCode": "D000001Contract", "BizObject": `{"F0000001": "h"}`}, bearerHdr...)
		if env.Successful || !strings.Contains(*env.ErrorMessage, "records:write") {
			t.Fatalf("H3Yun create without records:write: %+v", env)
		}
		// Broken tokens: 401 in the REST envelope with a Bearer challenge.
		parts := strings.Split(tok, ".")
		claims, _, _ := jwt.NewParser().ParseUnverified(tok, jwt.MapClaims{})
		other := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"sub": id, "scope": "records:read records:write", "exp": time.Now().Add(time.Hour).Unix(), "iat": time.Now().Unix()})
		other.Header["kid"] = claims.Header["kid"]
		foreign, _ := other.SignedString([]byte("not-the-server-key-0123456789abcdef"))
		for name, bad := range map[string]string{
			"tampered": parts[0] + "." + parts[1] + "x." + parts[2], "foreign key": foreign, "garbage": "abc",
		} {
			req, _ := http.NewRequest("GET", s.URL+rec, nil)
			req.Header.Set("Authorization", "Bearer "+bad)
			resp, err := s.client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if code, _ := errCode(t, b); resp.StatusCode != 401 || code != "unauthorized" || resp.Header.Get("WWW-Authenticate") != `Bearer error="invalid_token"` {
				t.Errorf("%s: %d %s %q", name, resp.StatusCode, b, resp.Header.Get("WWW-Authenticate"))
			}
		}
		// Rotating the signing key keeps issued tokens valid.
		if status, body := s.do("POST", "/api/v1/oauth-keys/rotate", nil); status != 200 {
			t.Fatalf("rotate key: %d %s", status, body)
		}
		fresh := s.mustToken(id, secret, "")
		for _, tk := range []string{tok, fresh} {
			if status, body := s.bearer(tk, "GET", rec, nil); status != 200 {
				t.Fatalf("after key rotation: %d %s", status, body)
			}
		}
		// Engine credentials keep working beside tokens.
		if status, _ := s.do("PATCH", rec, map[string]any{"F0000001": "z"}); status != 200 {
			t.Fatalf("engine credentials: %d", status)
		}
		// Revocation: at once on this node.
		s.do("DELETE", "/api/v1/oauth-clients/"+id, nil)
		if status, _ := s.bearer(fresh, "GET", rec, nil); status != 401 {
			t.Fatalf("revoked client's token: %d", status)
		}
		if status, _, m := s.tokenCall("form", map[string]string{"grant_type": "client_credentials"}, id, secret); status != 401 || m["error"] != "invalid_client" {
			t.Fatalf("revoked client's token request: %d %v", status, m)
		}
	})
}

func TestOAuthAllowListAndRateLimit(t *testing.T) {
	forEachServer(t, func(t *testing.T, s *server) {
		s.mustCreateForm(contractForm())
		id, secret := s.mustClient(map[string]any{"name": "far", "scopes": []string{"records:read"}, "allowedIps": []string{"10.9.0.0/16"}})
		status, body := s.bearer(s.mustToken(id, secret, ""), "GET", "/api/v1/forms/D000001Contract", nil)
		if status != 403 || !strings.Contains(string(body), "127.0.0.1") {
			t.Fatalf("allow-list: %d %s", status, body)
		}
		s.do("PATCH", "/api/v1/oauth-clients/"+id, map[string]any{"allowedIps": []string{"10.9.0.0/16", "127.0.0.0/8"}})
		if status, body := s.bearer(s.mustToken(id, secret, ""), "GET", "/api/v1/forms/D000001Contract", nil); status != 200 {
			t.Fatalf("allowed: %d %s", status, body)
		}
		slow, slowSecret := s.mustClient(map[string]any{"name": "slow", "scopes": []string{"records:read"}, "rateLimit": 1})
		tok := s.mustToken(slow, slowSecret, "")
		limited := false
		for range 5 {
			status, body := s.bearer(tok, "GET", "/api/v1/forms/D000001Contract", nil)
			if status == 429 {
				limited = true
				break
			}
			if status != 200 {
				t.Fatalf("%d %s", status, body)
			}
		}
		if !limited {
			t.Fatal("a client limited to 1 request per second made 5 at once")
		}
		// Another client and engine credentials are not held to its limit.
		if status, _ := s.do("GET", "/api/v1/forms/D000001Contract", nil); status != 200 {
			t.Fatalf("engine credentials after a client's 429: %d", status)
		}
	})
}

func TestOAuthExpiredToken(t *testing.T) {
	cfg := storeConfig(t, sqldb.SQLite)
	cfg.TokenTTL = time.Second
	s := startServer(t, cfg)
	id, secret := s.mustClient(map[string]any{"name": "brief", "scopes": []string{"records:read"}})
	tok := s.mustToken(id, secret, "")
	if status, body := s.bearer(tok, "GET", "/api/v1/forms", nil); status != 200 {
		t.Fatalf("fresh token: %d %s", status, body)
	}
	time.Sleep(2100 * time.Millisecond)
	if status, _ := s.bearer(tok, "GET", "/api/v1/forms", nil); status != 401 {
		t.Fatalf("expired token: %d", status)
	}
}

func TestOAuthRevokeOnAnotherNode(t *testing.T) {
	a, b := twoNodes(t)
	id, secret := a.mustClient(map[string]any{"name": "both", "scopes": []string{"records:read"}})
	tok := a.mustToken(id, secret, "")
	if status, body := b.bearer(tok, "GET", "/api/v1/forms", nil); status != 200 {
		t.Fatalf("token from node a on node b: %d %s", status, body)
	}
	// A client and a key node b has not seen yet are looked up at once.
	time.Sleep(300 * time.Millisecond)
	id2, secret2 := a.mustClient(map[string]any{"name": "new", "scopes": []string{"records:read"}})
	if status, body := b.bearer(a.mustToken(id2, secret2, ""), "GET", "/api/v1/forms", nil); status != 200 {
		t.Fatalf("a new client's token on node b: %d %s", status, body)
	}
	time.Sleep(300 * time.Millisecond)
	a.do("POST", "/api/v1/oauth-keys/rotate", nil)
	if status, body := b.bearer(a.mustToken(id2, secret2, ""), "GET", "/api/v1/forms", nil); status != 200 {
		t.Fatalf("a new key's token on node b: %d %s", status, body)
	}
	a.do("DELETE", "/api/v1/oauth-clients/"+id, nil)
	start := time.Now()
	for {
		status, _ := b.bearer(tok, "GET", "/api/v1/forms", nil)
		if status == 401 {
			break
		}
		if time.Since(start) > 2*time.Second {
			t.Fatalf("node b still accepts a revoked client's token after %v", time.Since(start))
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Logf("node b refused the revoked client's token after %v", time.Since(start).Round(time.Millisecond))
}
