package httpapi

import (
	"net/http"
	"strings"
	"time"

	"github.com/tritiumhq/tritium/internal/apperr"
	"github.com/tritiumhq/tritium/internal/auth"
	"github.com/tritiumhq/tritium/internal/org"
	"github.com/tritiumhq/tritium/internal/record"
	"github.com/tritiumhq/tritium/internal/wiretext"
)

// Console sign-in (/api/v1/session…) and the engine credential
// (/api/v1/engine…). The session routes take the session cookie only:
// engine credentials or a bearer token on them are refused (400), so a
// token cannot sign in, change a password or read a CSRF token.

const sessionPath = "/api/v1/session"

func (s *Server) sessionRoutes() []route {
	const tag = "Console"
	return []route{
		{"POST", sessionPath, s.login, opDoc{tag: tag, summary: "Sign in with a login (email or login name) and password: sets the tritium_session cookie (HttpOnly, SameSite=Lax); the answer holds the CSRF token unsafe requests must send in X-CSRF-Token",
			body: "LoginInput", status: 201, resp: "Session", session: true, public: true}},
		{"GET", sessionPath, s.getSession, opDoc{tag: tag, summary: "The signed-in user and the session's CSRF token", status: 200, resp: "Session", session: true}},
		{"DELETE", sessionPath, s.logout, opDoc{tag: tag, summary: "Sign out (clears the cookie); everywhere=true ends every session of the user, on every node",
			query: []param{{"everywhere", "boolean", "End all of the user's sessions, not only this one"}}, status: 204, session: true}},
		{"PUT", sessionPath + "/password", s.changePassword, opDoc{tag: tag, summary: "Change the signed-in user's password; their other sessions end",
			body: "PasswordChange", status: 204, session: true}},
		{"PUT", "/api/v1/users/{id}/{action}", s.setPassword, opDoc{tag: "Org", summary: "Set a user's password (administrator only; action is password); the user's sessions end",
			body: "PasswordInput", status: 204, errors: []int{403, 404}, scope: auth.ScopeAdmin, enums: map[string][]string{"action": {"password"}}}},
		{"GET", "/api/v1/engine", s.getEngine, opDoc{tag: tag, summary: "The EngineCode (never the secret)", status: 200, resp: "Engine", scope: auth.ScopeAdmin}},
		{"POST", "/api/v1/engine/rotate-secret", s.rotateEngine, opDoc{tag: tag, summary: "Replace the engine secret; the new one is in this answer only and the old one stops at once on this node (within 5 s on others)",
			status: 200, resp: "EngineSecret", scope: auth.ScopeAdmin}},
	}
}

// sessionRoute serves a session route: no other credentials, and (but for
// signing in) a live session, with its CSRF token on unsafe methods.
func (s *Server) sessionRoute(h restHandler, public bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var a record.Actor
		var err error
		if hasCredentials(r) {
			err = malformed("Authorization", "会话接口只接受登录 Cookie, 不接受引擎凭据或访问令牌 (session routes take the session cookie, not engine credentials or a bearer token)")
		} else if !public {
			r, a, err = s.authenticateSession(w, r)
		}
		if err == nil {
			err = h(w, r, a)
		}
		if err != nil {
			writeError(w, r, s.log, err)
		}
	})
}

type loginInput struct {
	Login    *string `json:"login"`
	Password *string `json:"password"`
}

// sessionBody is the answer of POST and GET /api/v1/session.
type sessionBody struct {
	User          org.User  `json:"user"`
	Admin         bool      `json:"admin"`
	CSRFToken     string    `json:"csrfToken"`
	ExpiresAt     time.Time `json:"expiresAt"`
	IdleExpiresAt time.Time `json:"idleExpiresAt"`
}

var errLogin = &apiError{http.StatusUnauthorized, "unauthorized", "账号或密码错误 (wrong login or password)", ""}

func (s *Server) login(w http.ResponseWriter, r *http.Request, _ record.Actor) error {
	w.Header().Set("Cache-Control", "no-store")
	if err := s.checkOrigin(r); err != nil {
		return err
	}
	var in loginInput
	if err := decodeBody(r, &in); err != nil {
		return err
	}
	switch {
	case in.Login == nil || strings.TrimSpace(*in.Login) == "":
		return malformed("login", "缺少 login (login is required: the email or login name)")
	case in.Password == nil || *in.Password == "":
		return malformed("password", "缺少 password (password is required)")
	case len(*in.Login) > 256 || len(*in.Password) > 1024:
		return errLogin
	}
	login := strings.TrimSpace(*in.Login)
	addr, _ := remoteAddr(r)
	if err := s.logins.attempt(addr.String()); err != nil {
		return err
	}
	u, err := s.deps.Org.FindLogin(r.Context(), login)
	if err != nil && !apperr.Is(err, apperr.NotFound) {
		return err
	}
	key := "login:" + strings.ToLower(login) // an account however it is spelt
	if u.ID != "" {
		key = "id:" + u.ID
	}
	if err := s.logins.locked(key); err != nil {
		return err
	}
	ok, err := s.deps.Auth.CheckPassword(r.Context(), u.ID, *in.Password) // u.ID "" when not found: same work
	if err != nil {
		return err
	}
	if !ok || !u.Enabled {
		s.logins.failed(key)
		return errLogin
	}
	s.logins.succeeded(key)
	token, sess, err := s.deps.Auth.CreateSession(r.Context(), u.ID, addr.String(), r.UserAgent())
	if err != nil {
		return err
	}
	setSessionCookie(w, token, sess.Expires, s.secureCookie(r))
	writeJSON(w, http.StatusCreated, s.sessionAnswer(u, sess))
	return nil
}

func (s *Server) sessionAnswer(u org.User, sess auth.Session) sessionBody {
	return sessionBody{User: s.zone.user(u), Admin: u.ID == s.deps.Admin.UserID, CSRFToken: sess.CSRF,
		ExpiresAt: s.zone.at(sess.Expires), IdleExpiresAt: s.zone.at(sess.IdleExpires)}
}

func (s *Server) getSession(w http.ResponseWriter, r *http.Request, _ record.Actor) error {
	w.Header().Set("Cache-Control", "no-store")
	si := sessionOf(r)
	u, err := s.deps.Org.GetUser(r.Context(), si.sess.UserID)
	if apperr.Is(err, apperr.NotFound) {
		return errNoSession
	}
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.sessionAnswer(u, si.sess))
	return nil
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request, _ record.Actor) error {
	everywhere, err := boolParam(r, "everywhere")
	if err != nil {
		return err
	}
	si := sessionOf(r)
	if everywhere {
		err = s.deps.Auth.EndUserSessions(r.Context(), si.sess.UserID)
	} else {
		err = s.deps.Auth.EndSession(r.Context(), si.token)
	}
	if err != nil {
		return err
	}
	clearSessionCookie(w, s.secureCookie(r))
	w.WriteHeader(http.StatusNoContent)
	return nil
}

type passwordChange struct {
	CurrentPassword *string `json:"currentPassword"`
	NewPassword     *string `json:"newPassword"`
}

func (s *Server) changePassword(w http.ResponseWriter, r *http.Request, _ record.Actor) error {
	var in passwordChange
	if err := decodeBody(r, &in); err != nil {
		return err
	}
	if in.CurrentPassword == nil {
		return malformed("currentPassword", "缺少 currentPassword (currentPassword is required)")
	}
	if in.NewPassword == nil {
		return malformed("newPassword", "缺少 newPassword (newPassword is required)")
	}
	if err := auth.ValidatePassword("newPassword", *in.NewPassword); err != nil {
		return err
	}
	si := sessionOf(r)
	key := "id:" + si.sess.UserID
	addr, _ := remoteAddr(r)
	if err := s.logins.attempt(addr.String()); err != nil {
		return err
	}
	if err := s.logins.locked(key); err != nil {
		return err
	}
	ok, err := s.deps.Auth.CheckPassword(r.Context(), si.sess.UserID, *in.CurrentPassword)
	if err != nil {
		return err
	}
	if !ok {
		s.logins.failed(key)
		return apperr.Field("currentPassword", "当前密码错误 (currentPassword is wrong)")
	}
	s.logins.succeeded(key)
	if err := s.deps.Auth.SetPassword(r.Context(), si.sess.UserID, *in.NewPassword, si.token); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) setPassword(w http.ResponseWriter, r *http.Request, a record.Actor) error {
	if r.PathValue("action") != "password" {
		return &apiError{http.StatusNotFound, "not_found", "没有这个接口: " + r.Method + " " + wiretext.Clip(strings.ToValidUTF8(r.URL.Path, "?")) + " (no such endpoint; see /api/v1/openapi.json)", ""}
	}
	if err := s.adminOnly(r, a); err != nil {
		return err
	}
	var in struct {
		Password *string `json:"password"`
	}
	if err := decodeBody(r, &in); err != nil {
		return err
	}
	if in.Password == nil {
		return malformed("password", "缺少 password (password is required)")
	}
	if err := auth.ValidatePassword("password", *in.Password); err != nil {
		return err
	}
	u, err := s.deps.Org.GetUser(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	if err := s.deps.Auth.SetPassword(r.Context(), u.ID, *in.Password, ""); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) getEngine(w http.ResponseWriter, r *http.Request, a record.Actor) error {
	if err := s.adminOnly(r, a); err != nil {
		return err
	}
	code, err := s.deps.Auth.EngineCode(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]string{"engineCode": code})
	return nil
}

func (s *Server) rotateEngine(w http.ResponseWriter, r *http.Request, a record.Actor) error {
	if err := s.adminOnly(r, a); err != nil {
		return err
	}
	code, err := s.deps.Auth.EngineCode(r.Context())
	if err != nil {
		return err
	}
	g, err := s.deps.Auth.Rotate(r.Context(), code)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, map[string]string{"engineCode": g.Code, "engineSecret": g.Secret})
	return nil
}

func sessionSchemas() obj {
	return obj{
		"LoginInput": obj{"type": "object", "required": []string{"login", "password"}, "properties": obj{
			"login":    str("The user's email (case-insensitive) or login name"),
			"password": obj{"type": "string", "format": "password"},
		}},
		"Session": obj{"type": "object", "properties": obj{
			"user": ref("User"), "admin": obj{"type": "boolean", "description": "The user is the administrator"},
			"csrfToken":     str("Send it in X-CSRF-Token on every request but GET, HEAD and OPTIONS"),
			"expiresAt":     obj{"type": "string", "format": "date-time", "description": "The session ends then whatever happens"},
			"idleExpiresAt": obj{"type": "string", "format": "date-time", "description": "The session ends then unless used (each use moves it on)"},
		}},
		"PasswordChange": obj{"type": "object", "required": []string{"currentPassword", "newPassword"}, "properties": obj{
			"currentPassword": obj{"type": "string", "format": "password"},
			"newPassword":     obj{"type": "string", "format": "password", "minLength": 8, "maxLength": 256, "description": "8–256 characters, no NUL"},
		}},
		"PasswordInput": obj{"type": "object", "required": []string{"password"}, "properties": obj{
			"password": obj{"type": "string", "format": "password", "minLength": 8, "maxLength": 256, "description": "8–256 characters, no NUL"},
		}},
		"Engine":       obj{"type": "object", "properties": obj{"engineCode": obj{"type": "string"}}},
		"EngineSecret": obj{"type": "object", "properties": obj{"engineCode": obj{"type": "string"}, "engineSecret": str("Shown only in this answer")}},
	}
}
