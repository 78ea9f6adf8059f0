package app_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/tritiumhq/tritium/internal/app"
	"github.com/tritiumhq/tritium/internal/auth"
	"github.com/tritiumhq/tritium/internal/httpapi"
	"github.com/tritiumhq/tritium/internal/sqldb"
	"github.com/tritiumhq/tritium/internal/sqldb/sqldbtest"
)

const testPassword = "correct horse battery"

// cheapPasswords keeps argon2 quick in tests (production uses
// auth.DefaultPasswordParams).
var cheapPasswords = auth.PasswordParams{Memory: 1024, Time: 1, Threads: 1}

// sessionConfig is storeConfig with cheap password hashing and a login
// limit per address no test reaches by accident.
func sessionConfig(t testing.TB, kind sqldb.Kind) app.Config {
	cfg := storeConfig(t, kind)
	cfg.PasswordCost = cheapPasswords
	cfg.Login = httpapi.LoginLimits{PerAddress: 1000}
	return cfg
}

func forEachSessionServer(t *testing.T, edit func(*app.Config), f func(t *testing.T, s *server)) {
	sqldbtest.ForEach(t, func(t *testing.T, kind sqldb.Kind) {
		cfg := sessionConfig(t, kind)
		if edit != nil {
			edit(&cfg)
		}
		f(t, startServer(t, cfg))
	})
}

// browser is a signed-in console: its cookie and CSRF token.
type browser struct {
	s      *server
	cookie string
	csrf   string
	body   map[string]any // the sign-in answer
}

// signIn signs in and fails the test unless it worked.
func (s *server) signIn(login, password string, hdr ...string) *browser {
	s.t.Helper()
	resp, out := s.raw("POST", "/api/v1/session", map[string]string{"login": login, "password": password}, hdr...)
	if resp.StatusCode != 201 {
		s.t.Fatalf("sign in as %s: HTTP %d: %s", login, resp.StatusCode, out)
	}
	b := &browser{s: s, body: decode(s.t, out)}
	for _, c := range resp.Cookies() {
		if c.Name == "tritium_session" {
			b.cookie = c.Value
		}
	}
	b.csrf, _ = b.body["csrfToken"].(string)
	if b.cookie == "" || b.csrf == "" {
		s.t.Fatalf("sign in as %s: no cookie or csrfToken: %v %s", login, resp.Header, out)
	}
	return b
}

// do sends a request with the session cookie and, but on GET, the CSRF
// token; hdr adds or (empty value) removes headers.
func (b *browser) do(method, path string, body any, hdr ...string) (int, []byte) {
	b.s.t.Helper()
	h := []string{"Cookie", "tritium_session=" + b.cookie}
	if method != "GET" {
		h = append(h, "X-CSRF-Token", b.csrf)
	}
	resp, out := b.s.raw(method, path, body, append(h, hdr...)...)
	return resp.StatusCode, out
}

// want sends a request and fails the test unless it answers status.
func (b *browser) want(method, path string, body any, status int, hdr ...string) []byte {
	b.s.t.Helper()
	got, out := b.do(method, path, body, hdr...)
	if got != status {
		b.s.t.Fatalf("%s %s as a session: HTTP %d, want %d: %s", method, path, got, status, out)
	}
	return out
}

// setPassword sets a user's password with the engine credentials.
func (s *server) setPassword(userID, password string) {
	s.t.Helper()
	if st, out := s.do("PUT", "/api/v1/users/"+userID+"/password", map[string]string{"password": password}); st != 204 {
		s.t.Fatalf("set password: HTTP %d: %s", st, out)
	}
}

// consoleUser creates an enabled user with a password and returns its id.
func (s *server) consoleUser(name, login string) string {
	s.t.Helper()
	id := s.mustJSON("POST", "/api/v1/users", map[string]any{"name": name, "loginName": login, "email": strings.ToUpper(login[:1]) + login[1:] + "@Example.com"}, 201)["id"].(string)
	s.setPassword(id, testPassword)
	return id
}

// errField is the code and field of a REST error body.
func errField(t testing.TB, out []byte) (code, field string) {
	t.Helper()
	var e struct{ Error struct{ Code, Field string } }
	if err := json.Unmarshal(out, &e); err != nil {
		t.Fatalf("not an error envelope: %s", out)
	}
	return e.Error.Code, e.Error.Field
}
