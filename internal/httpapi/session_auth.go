package httpapi

import (
	"context"
	"crypto/subtle"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/tritiumhq/tritium/internal/apperr"
	"github.com/tritiumhq/tritium/internal/auth"
	"github.com/tritiumhq/tritium/internal/record"
)

// The web console authenticates REST calls with a session cookie: the
// same routes, the same rules, as engine credentials plus a user context
// for the signed-in user (the administrator acts as the administrator).
// A request that carries engine credentials or a bearer token is
// authenticated by those, and the cookie is ignored.

const (
	sessionCookie = "tritium_session"
	csrfHeader    = "X-CSRF-Token"
)

// sessionInfo is the session a request was authenticated by.
type sessionInfo struct {
	token string
	sess  auth.Session
}

type sessionKey struct{}

func sessionOf(r *http.Request) *sessionInfo {
	si, _ := r.Context().Value(sessionKey{}).(*sessionInfo)
	return si
}

// hasCredentials reports whether r carries engine credentials or an
// Authorization header (which are then used, not a cookie).
func hasCredentials(r *http.Request) bool {
	return r.Header.Get("Authorization") != "" || r.Header.Get("EngineCode") != "" || r.Header.Get("EngineSecret") != ""
}

// bySession reports whether r is to be authenticated by its session
// cookie: it has one and no other credentials.
func bySession(r *http.Request) bool {
	if hasCredentials(r) {
		return false
	}
	c, err := r.Cookie(sessionCookie)
	return err == nil && c.Value != ""
}

var errNoSession = &apiError{http.StatusUnauthorized, "unauthorized", "未登录或登录已失效 (no live session: sign in again)", ""}

func errCSRF(what string) error {
	return &apiError{http.StatusForbidden, "csrf", "跨站请求被拒绝: " + what + " (missing or wrong CSRF token)", ""}
}

func errCrossSite() error {
	return &apiError{http.StatusForbidden, "csrf", "跨站请求被拒绝 (a cross-site request is refused: missing or wrong CSRF token)", ""}
}

// safeMethod: the methods that change nothing and need no CSRF token.
func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

// authenticateSession checks r's session cookie and, on a method that is
// not safe, its origin and X-CSRF-Token; it returns r carrying the
// session and the actor the session's user is.
func (s *Server) authenticateSession(w http.ResponseWriter, r *http.Request) (*http.Request, record.Actor, error) {
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" {
		return r, record.Actor{}, errNoSession
	}
	sess, err := s.deps.Auth.Session(r.Context(), c.Value)
	if errors.Is(err, auth.ErrNoSession) {
		clearSessionCookie(w, s.secureCookie(r))
		return r, record.Actor{}, errNoSession
	}
	if err != nil {
		return r, record.Actor{}, err
	}
	if !safeMethod(r.Method) {
		if err := s.checkOrigin(r); err != nil {
			return r, record.Actor{}, err
		}
		got := r.Header.Get(csrfHeader)
		if got == "" {
			return r, record.Actor{}, errCSRF("缺少 " + csrfHeader)
		}
		if subtle.ConstantTimeCompare([]byte(got), []byte(sess.CSRF)) != 1 {
			return r, record.Actor{}, errCSRF(csrfHeader + " 不符")
		}
	}
	if wait, ok := s.limiter.allow("user:" + sess.UserID); !ok {
		return r, record.Actor{}, &rateLimited{retryAfter: wait}
	}
	a, err := s.actAs(r.Context(), "USERID", sess.UserID)
	if e := apperr.As(err); e != nil && e.Field == "X-User-Id" {
		return r, record.Actor{}, errNoSession // the user was disabled or deleted
	}
	if err != nil {
		return r, record.Actor{}, err
	}
	r = r.WithContext(context.WithValue(r.Context(), sessionKey{}, &sessionInfo{token: c.Value, sess: sess}))
	return r, a, nil
}

// checkOrigin refuses a request a browser says comes from another site:
// Sec-Fetch-Site cross-site, or an Origin that is neither this request's
// host nor the configured public URL's.
func (s *Server) checkOrigin(r *http.Request) error {
	if strings.EqualFold(r.Header.Get("Sec-Fetch-Site"), "cross-site") {
		return errCrossSite()
	}
	o := r.Header.Get("Origin")
	if o == "" {
		return nil
	}
	u, err := url.Parse(o)
	if err != nil || u.Host == "" {
		return errCrossSite()
	}
	if strings.EqualFold(u.Host, r.Host) {
		return nil
	}
	if p, err := url.Parse(s.cfg.PublicURL); err == nil && p.Host != "" && strings.EqualFold(u.Host, p.Host) && strings.EqualFold(u.Scheme, p.Scheme) {
		return nil
	}
	return errCrossSite()
}

// sessionUserContext refuses a user context on a cookie-authenticated
// request: a session acts as its own user only.
func sessionUserContext(r *http.Request, ref userRef) error {
	if ref.id == "" && r.Header.Get("X-User-Id-Type") == "" {
		return nil
	}
	field, zh, en := "X-User-Id", "请求头 X-User-Id", "the X-User-Id headers"
	if ref.inBody {
		field, zh, en = keyUserID, "请求体中的 userIdType/userId", "the body's userIdType/userId"
	}
	return malformed(field, "登录会话不能指定用户上下文 %s (a session acts as its own user: drop %s)", zh, en)
}

func (s *Server) secureCookie(r *http.Request) bool {
	return r.TLS != nil || strings.HasPrefix(strings.ToLower(s.cfg.PublicURL), "https://")
}

func setSessionCookie(w http.ResponseWriter, token string, expires time.Time, secure bool) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: token, Path: "/", Expires: expires,
		MaxAge: max(1, int(time.Until(expires).Seconds())), HttpOnly: true, Secure: secure, SameSite: http.SameSiteLaxMode})
}

func clearSessionCookie(w http.ResponseWriter, secure bool) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: secure, SameSite: http.SameSiteLaxMode})
}

// LoginLimits bound sign-in attempts, in memory on each node: Failures
// wrong passwords for one login within Window lock that login for the
// rest of the window; PerAddress attempts a minute from one client
// address.
type LoginLimits struct {
	Failures   int
	Window     time.Duration
	PerAddress int
}

// loginLimiter counts sign-in attempts in fixed windows.
type loginLimiter struct {
	cfg      LoginLimits
	mu       sync.Mutex
	accounts map[string]*window
	addrs    map[string]*window
}

type window struct {
	start time.Time
	n     int
}

func newLoginLimiter(cfg LoginLimits) *loginLimiter {
	if cfg.Failures <= 0 {
		cfg.Failures = 5
	}
	if cfg.Window <= 0 {
		cfg.Window = 15 * time.Minute
	}
	if cfg.PerAddress <= 0 {
		cfg.PerAddress = 20
	}
	return &loginLimiter{cfg: cfg, accounts: map[string]*window{}, addrs: map[string]*window{}}
}

// current is m's window for key, a fresh one when it has passed.
func current(m map[string]*window, key string, span time.Duration, now time.Time) *window {
	w := m[key]
	if w == nil || now.Sub(w.start) >= span {
		if len(m) > 10000 { // many keys must not grow memory without bound
			for k, v := range m {
				if now.Sub(v.start) >= span {
					delete(m, k)
				}
			}
		}
		w = &window{start: now}
		m[key] = w
	}
	return w
}

// attempt counts an attempt from addr; it fails with the wait when the
// address is over its rate.
func (l *loginLimiter) attempt(addr string) error {
	now := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	a := current(l.addrs, addr, time.Minute, now)
	if a.n >= l.cfg.PerAddress {
		return &rateLimited{retryAfter: a.start.Add(time.Minute).Sub(now)}
	}
	a.n++
	return nil
}

// locked fails with the wait while account (a user's id, or a login that
// names nobody) has had too many failures in its window.
func (l *loginLimiter) locked(account string) error {
	now := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if w := l.accounts[account]; w != nil && w.n >= l.cfg.Failures && now.Sub(w.start) < l.cfg.Window {
		return &rateLimited{retryAfter: w.start.Add(l.cfg.Window).Sub(now)}
	}
	return nil
}

// failed counts a wrong password for login; succeeded forgets them.
func (l *loginLimiter) failed(login string) {
	l.mu.Lock()
	current(l.accounts, login, l.cfg.Window, time.Now()).n++
	l.mu.Unlock()
}

func (l *loginLimiter) succeeded(login string) {
	l.mu.Lock()
	delete(l.accounts, login)
	l.mu.Unlock()
}
