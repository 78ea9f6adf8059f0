package httpapi

import (
	"context"
	"errors"
	"mime"
	"net/http"
	"net/netip"
	"net/url"
	"strings"

	"github.com/tritiumhq/tritium/internal/apperr"
	"github.com/tritiumhq/tritium/internal/auth"
	"github.com/tritiumhq/tritium/internal/record"
)

// OAuth2 client credentials (RFC 6749 §4.4): POST /oauth/token issues a
// bearer token; REST routes accept it beside engine credentials, each
// route asking for its scope (opDoc.scope).

const pathToken = "/oauth/token"

// caller is how a REST request authenticated, when with a bearer token
// (engine credentials hold every scope and leave no caller).
type caller struct {
	token *auth.TokenInfo
	scope string // the route's scope
}

const callerKey ctxKey = 1

func callerOf(r *http.Request) *caller {
	c, _ := r.Context().Value(callerKey).(*caller)
	return c
}

// errInvalidToken is a bearer token that does not verify.
var errInvalidToken = errors.New("invalid token")

// authenticateREST accepts engine credentials or a bearer token. A token
// acts as the admin user (CreatedBy and the like) without user data
// permissions; whether it may do a route's work is its scopes' question.
func (s *Server) authenticateREST(r *http.Request) (record.Actor, *auth.TokenInfo, error) {
	h := r.Header.Get("Authorization")
	if len(h) < 7 || !strings.EqualFold(h[:7], "bearer ") {
		a, err := s.authenticate(r)
		return a, nil, err
	}
	info, err := s.deps.Auth.VerifyToken(r.Context(), strings.TrimSpace(h[7:]))
	if errors.Is(err, auth.ErrInvalidToken) {
		return record.Actor{}, nil, errInvalidToken
	}
	if err != nil {
		return record.Actor{}, nil, err
	}
	if addr, ok := remoteAddr(r); !ok || !info.AllowsIP(addr) {
		return record.Actor{}, nil, apperr.New(apperr.Forbidden, "客户端不允许从此地址调用: %s (this client may not call from %s)", addr, addr)
	}
	if wait, ok := s.limiter.allowRate("oauth:"+info.ClientID, info.RateLimit); !ok {
		return record.Actor{}, nil, &rateLimited{retryAfter: wait}
	}
	return s.deps.Admin, &info, nil
}

func remoteAddr(r *http.Request) (netip.Addr, bool) {
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		a, err := netip.ParseAddr(r.RemoteAddr)
		return a, err == nil
	}
	return ap.Addr().Unmap(), true
}

// checkScope refuses a token without the route's scope.
func checkScope(tok *auth.TokenInfo, scope string) error {
	if tok == nil || scope == "" || tok.Has(scope) {
		return nil
	}
	return errMissingScope(scope)
}

func errMissingScope(scope string) error {
	return apperr.New(apperr.Forbidden, "缺少权限范围 %s (this token lacks scope %s)", scope, scope)
}

// withCaller records a bearer token's caller in r's context.
func withCaller(r *http.Request, tok *auth.TokenInfo, scope string) *http.Request {
	if tok == nil {
		return r
	}
	return r.WithContext(context.WithValue(r.Context(), callerKey, &caller{token: tok, scope: scope}))
}

// tokenRequest is the body of POST /oauth/token, form-encoded or JSON.
type tokenRequest struct {
	GrantType    string `json:"grant_type"`
	ClientID     string `json:"client_id"`
	ClientSecret string `json:"client_secret"`
	Scope        string `json:"scope"`
}

func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
	req, err := readTokenRequest(r)
	if err != nil {
		oauthError(w, http.StatusBadRequest, "invalid_request", err.Error())
		return
	}
	id, secret, basic := r.BasicAuth()
	if basic {
		if req.ClientID != "" || req.ClientSecret != "" {
			oauthError(w, http.StatusBadRequest, "invalid_request", "只能使用一种客户端认证方式 (use one client authentication method: HTTP Basic or the body)")
			return
		}
		id, err = url.QueryUnescape(id) // RFC 6749 §2.3.1: form-encoded, then Basic
		if err == nil {
			secret, err = url.QueryUnescape(secret)
		}
		if err != nil {
			oauthError(w, http.StatusBadRequest, "invalid_request", "Basic 认证编码无效 (the Basic credentials are not form-encoded)")
			return
		}
	} else {
		id, secret = req.ClientID, req.ClientSecret
	}
	switch {
	case req.GrantType == "":
		oauthError(w, http.StatusBadRequest, "invalid_request", "缺少 grant_type (grant_type is required)")
		return
	case req.GrantType != "client_credentials":
		oauthError(w, http.StatusBadRequest, "unsupported_grant_type", "只支持 client_credentials (only the client_credentials grant is supported)")
		return
	case id == "" || secret == "":
		if basic {
			w.Header().Set("WWW-Authenticate", `Basic realm="tritium"`)
		}
		oauthError(w, http.StatusUnauthorized, "invalid_client", "缺少客户端凭据 (client credentials are required: HTTP Basic or client_id and client_secret)")
		return
	}
	tok, err := s.deps.Auth.IssueToken(r.Context(), id, secret, req.Scope)
	var oe *auth.OAuthError
	switch {
	case errors.As(err, &oe):
		status := http.StatusBadRequest
		if oe.Code == "invalid_client" {
			status = http.StatusUnauthorized
			if basic {
				w.Header().Set("WWW-Authenticate", `Basic realm="tritium"`)
			}
		}
		oauthError(w, status, oe.Code, oe.Description)
	case err != nil:
		s.log.Error("internal error", "request_id", requestID(r), "path", r.URL.Path, "err", err)
		oauthError(w, http.StatusInternalServerError, "server_error", "服务器内部错误 (internal error); request id "+requestID(r))
	default:
		writeJSON(w, http.StatusOK, tok)
	}
}

func readTokenRequest(r *http.Request) (tokenRequest, error) {
	var req tokenRequest
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch mt {
	case "application/json":
		buf, err := readBody(r)
		if err != nil {
			return req, errors.New("请求体无法读取 (the body could not be read)")
		}
		defer bufPool.Put(buf)
		if err := decodeStrict(buf.Bytes(), &req); err != nil {
			return req, errors.New("请求体不是有效的 JSON 对象 (the body is not a valid JSON object of strings)")
		}
	case "application/x-www-form-urlencoded", "":
		if err := r.ParseForm(); err != nil {
			return req, errors.New("表单无法解析 (the form body could not be parsed)")
		}
		f := r.PostForm
		for _, k := range []string{"grant_type", "client_id", "client_secret", "scope"} {
			if len(f[k]) > 1 {
				return req, errors.New("参数重复: " + k + " (a parameter is repeated)")
			}
		}
		req = tokenRequest{f.Get("grant_type"), f.Get("client_id"), f.Get("client_secret"), f.Get("scope")}
	default:
		return req, errors.New("需要 application/x-www-form-urlencoded 或 application/json (send the body form-encoded or as JSON)")
	}
	return req, nil
}

func oauthError(w http.ResponseWriter, status int, code, desc string) {
	writeJSON(w, status, map[string]string{"error": code, "error_description": desc})
}
