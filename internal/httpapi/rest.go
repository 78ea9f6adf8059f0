package httpapi

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/tritiumhq/tritium/internal/apperr"
	"github.com/tritiumhq/tritium/internal/auth"
	"github.com/tritiumhq/tritium/internal/record"
)

// restHandler serves one REST route for an authenticated actor.
type restHandler func(w http.ResponseWriter, r *http.Request, a record.Actor) error

// route is one REST endpoint: it is registered and documented from the
// same entry, so the OpenAPI document cannot miss one.
type route struct {
	method, pattern string
	h               restHandler
	doc             opDoc
}

// opDoc documents a route for the OpenAPI document.
type opDoc struct {
	tag, summary string
	query        []param
	body         string   // request schema name ("" for none)
	bodyTypes    []string // the body's media types (default application/json)
	status       int      // success status
	more         []int    // other success statuses, same response schema
	resp         string   // response schema name ("" for no body)
	errors       []int    // error statuses besides those every route has (commonErrors)
	// enums lists the values a path or query parameter takes.
	enums map[string][]string
	// scope is the OAuth scope a bearer token needs (see scopes.go).
	scope string
	// stream: the body is streamed to storage (an upload), so it is not
	// read whole for an Idempotency-Key, which does not apply.
	stream bool
	// session: a console session route (rest_session.go), served by
	// sessionRoute rather than rest(); public: one that needs no session
	// (signing in).
	session, public bool
}

// commonErrors are the statuses any REST route can answer: a query,
// header or user context that cannot be read or resolved (400, 422),
// credentials, rate limit, the server, a timeout.
var commonErrors = []int{400, 401, 422, 429, 500, 503}

type param struct{ name, typ, desc string }

func (s *Server) restRoutes() []route {
	var rs []route
	rs = append(rs, adminWrites(s, s.formRoutes())...)
	rs = append(rs, s.recordRoutes()...)
	rs = append(rs, s.excelRoutes()...)
	rs = append(rs, s.batchRoutes()...)
	rs = append(rs, adminWrites(s, s.orgRoutes())...)
	rs = append(rs, adminWrites(s, s.valueSetRoutes())...)
	rs = append(rs, s.permissionRoutes()...)
	rs = append(rs, s.workflowRoutes()...)
	rs = append(rs, s.externalRoutes()...)
	rs = append(rs, s.eventRoutes()...)
	rs = append(rs, s.scriptRoutes()...)
	rs = append(rs, s.connectorRoutes()...)
	rs = append(rs, adminRoutes(s, s.oauthRoutes())...)
	rs = append(rs, s.webhookRoutes()...)
	rs = append(rs, s.fileRoutes()...)
	rs = append(rs, s.sessionRoutes()...)
	return withScopes(rs)
}

// rest wraps a handler with authentication, rate limiting and the REST
// error mapping.
func (s *Server) rest(h restHandler, wildcards []string, scope string, stream bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var a record.Actor
		var tok *auth.TokenInfo
		var err error
		cookie := bySession(r)
		if cookie {
			r, a, err = s.authenticateSession(w, r)
		} else {
			a, tok, err = s.authenticateREST(r)
		}
		if err == nil {
			err = checkScope(tok, scope)
		}
		if err == nil {
			err = checkPath(r, wildcards)
		}
		if err == nil {
			r = withCaller(r, tok, scope)
			var ref userRef
			if r, ref, err = userRefOf(r); err == nil && cookie {
				err = sessionUserContext(r, ref)
			} else if err == nil {
				a, err = s.actAsRef(r, a, ref)
			}
		}
		switch {
		case err == nil && stream:
			err = h(w, r, a)
		case err == nil:
			err = s.idempotent(w, r, a, h)
		}
		if err != nil {
			writeError(w, r, s.log, err)
		}
	})
}

// decodeBody reads a JSON object body strictly (REST is not lenient:
// unknown keys are refused), numbers as json.Number.
func decodeBody(r *http.Request, v any) error {
	buf, err := readBody(r)
	if err != nil {
		return err
	}
	defer bufPool.Put(buf)
	return decodeObject(buf.Bytes(), v)
}

// decodeObject decodes b, which must be a JSON object, into v.
func decodeObject(b []byte, v any) error {
	kind := jsonKind(b)
	if kind == "" {
		return apperr.New(apperr.Malformed, "请求体为空, 需要 JSON 对象 (the request body must be a JSON object)")
	}
	if err := decodeStrict(b, v); err != nil {
		return decodeError(err, theBody)
	}
	if kind != "object" {
		return notObject(kind, theBody)
	}
	return nil
}

// intParam reads an integer query parameter with a default.
func intParam(r *http.Request, name string, def int) (int, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, apperr.Field(name, "参数 %s 需要非负整数, 收到 %q (%s must be a non-negative integer)", name, v, name)
	}
	return n, nil
}

// limitParam reads the page size: 1–500, default 50.
func limitParam(r *http.Request) (int, error) {
	limit, err := intParam(r, "limit", 50)
	if err == nil && (limit < 1 || limit > record.MaxPage) {
		err = apperr.Field("limit", "limit 须在 1 到 %d 之间 (limit must be 1–%d)", record.MaxPage, record.MaxPage)
	}
	return limit, err
}

// boolParam reads a boolean query parameter (true/false/1/0).
func boolParam(r *http.Request, name string) (bool, error) {
	v := strings.ToLower(r.URL.Query().Get(name))
	switch v {
	case "", "false", "0":
		return false, nil
	case "true", "1":
		return true, nil
	}
	return false, apperr.Field(name, "参数 %s 需要 true 或 false, 收到 %q (%s must be true or false)", name, v, name)
}

// list is the envelope of every REST list response.
type list[T any] struct {
	Items  []T `json:"items"`
	Total  int `json:"total"`
	Offset int `json:"offset"`
	Limit  int `json:"limit"`
}
