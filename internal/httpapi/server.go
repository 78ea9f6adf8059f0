// Package httpapi holds the HTTP adapters: the H3Yun-compatible OpenAPI
// (/OpenApi/Invoke and its file endpoints) and REST v1 (/api/v1). Adapters
// decode, authenticate, rate-limit and map errors; every rule lives in the
// services they call.
package httpapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"github.com/tritiumhq/tritium/internal/access"
	"github.com/tritiumhq/tritium/internal/feed"
	"github.com/tritiumhq/tritium/internal/idempotency"
	"io/fs"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/tritiumhq/tritium/internal/auth"
	"github.com/tritiumhq/tritium/internal/batch"
	"github.com/tritiumhq/tritium/internal/connector"
	"github.com/tritiumhq/tritium/internal/delivery"
	"github.com/tritiumhq/tritium/internal/file"
	"github.com/tritiumhq/tritium/internal/form"
	"github.com/tritiumhq/tritium/internal/hook"
	"github.com/tritiumhq/tritium/internal/org"
	"github.com/tritiumhq/tritium/internal/record"
	"github.com/tritiumhq/tritium/internal/savedview"
	"github.com/tritiumhq/tritium/internal/sheet"
	"github.com/tritiumhq/tritium/internal/sqldb"
	"github.com/tritiumhq/tritium/internal/wiretext"
	"github.com/tritiumhq/tritium/internal/workflow"
)

// Config tunes the HTTP layer.
type Config struct {
	// RateLimit is requests per second per credential; 0 turns it off.
	RateLimit float64
	// Burst is the token bucket size (default 2×RateLimit).
	Burst int
	// MaxBody bounds request bodies (default 10 MiB); MaxUpload bounds
	// uploaded files (default 50 MiB).
	MaxBody, MaxUpload int64
	// RequestTimeout bounds each request (default 60s) but event streams
	// and Excel exports and imports, which SheetTimeout bounds (default
	// 15 min: 100,000 rows take a minute or two).
	RequestTimeout, SheetTimeout time.Duration
	// PreviewTTL is how long a preview link is valid unless the request
	// says (default 10 min); PreviewMaxTTL the longest it may ask (default
	// 24 h).
	PreviewTTL, PreviewMaxTTL time.Duration
	// PublicURL is this server's address as browsers reach it
	// (https://tritium.example.com), for preview links; default the
	// scheme and Host of the request.
	PublicURL string
	// EventsHeartbeat is how often an idle event stream gets a comment line
	// (default 15s); EventsBuffer is how many events a stream may fall
	// behind before it is closed (default 1000).
	EventsHeartbeat time.Duration
	EventsBuffer    int
	// AccessLog logs every request at Info (errors are always logged).
	AccessLog bool
	Logger    *slog.Logger
	// Login bounds console sign-in attempts (defaults: 5 failures per login
	// in 15 min, 20 attempts a minute per address).
	Login LoginLimits
	// Observer, when set, is told about every answered request.
	Observer RequestObserver
	// Console is the built web console (web.Dist()), served at /; nil
	// (a binary built with -tags noui) serves a note instead.
	Console fs.FS
}

// RequestObserver is told about every answered request (metrics). route is
// the pattern the request matched without its method
// ("/api/v1/forms/{code}/records/{id}"), or "unmatched"; method is the
// pattern's method (or the request's, when one of the standard ones, else
// "OTHER"); action is the H3Yun ActionName of /OpenApi/Invoke calls
// (canonical spelling, "other" for an unknown one) and "" elsewhere. It is
// called on every request: it must be quick.
type RequestObserver interface {
	ObserveRequest(method, route, action string, status int, d time.Duration)
}

// Deps are the services the adapters call.
type Deps struct {
	DB      *sqldb.DB
	Forms   *form.Service
	Records *record.Service
	Org     *org.Service
	Files   *file.Service
	Auth    *auth.Service
	// Workflow is the approval engine.
	Workflow *workflow.Engine
	// Hooks runs saved scripts; Env is their $env.
	Hooks *hook.Runner
	Env   *hook.Env
	// Admin is the built-in admin user engine credentials act as.
	Admin record.Actor
	// Connectors is the integration hub (nil: its routes are not served).
	Connectors *connector.Service
	// Access holds the forms' permission grants (nil: the permission
	// routes are not served).
	Access *access.Store
	// Idempotency keeps the answers to POSTs with an Idempotency-Key (nil:
	// the header is ignored).
	Idempotency *idempotency.Store
	// Batches runs async batch writes (nil: their routes are not served).
	Batches *batch.Service
	// Deliveries sends callbacks and webhook events (nil: the webhook and
	// delivery routes are not served).
	Deliveries *delivery.Service
	// Events follows the change feed for GET /api/v1/events (nil: 503).
	Events *feed.Hub
	// Sheets exports and imports records as Excel workbooks (nil: those
	// routes are not served).
	Sheets *sheet.Service
	// Views keeps users' saved views of record tables (nil: those routes
	// are not served).
	Views *savedview.Store
}

// Server routes requests to the adapters.
type Server struct {
	cfg     Config
	deps    Deps
	log     *slog.Logger
	limiter *limiter
	logins  *loginLimiter
	mux     *http.ServeMux
	routes  []route
	reqSeq  atomic.Uint64
	reqPre  string
	h3      *h3yun
	zone    zone // the time zone of timestamps on the wire
	// openapiDoc is the OpenAPI document, built once from the routes.
	openapiDoc []byte
	console    *console
}

// New builds the server and its routes.
func New(cfg Config, deps Deps) *Server {
	if cfg.MaxBody <= 0 {
		cfg.MaxBody = 10 << 20
	}
	if cfg.MaxUpload <= 0 {
		cfg.MaxUpload = 50 << 20
	}
	if cfg.EventsHeartbeat <= 0 {
		cfg.EventsHeartbeat = 15 * time.Second
	}
	if cfg.SheetTimeout <= 0 {
		cfg.SheetTimeout = 15 * time.Minute
	}
	if cfg.RequestTimeout <= 0 {
		cfg.RequestTimeout = 60 * time.Second
	}
	if cfg.PreviewTTL <= 0 {
		cfg.PreviewTTL = 10 * time.Minute
	}
	if cfg.PreviewMaxTTL <= 0 {
		cfg.PreviewMaxTTL = 24 * time.Hour
	}
	cfg.PreviewTTL = min(cfg.PreviewTTL, cfg.PreviewMaxTTL)
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	var b [4]byte
	rand.Read(b[:])
	s := &Server{
		cfg: cfg, deps: deps, log: cfg.Logger, mux: http.NewServeMux(),
		limiter: newLimiter(cfg.RateLimit, cfg.Burst), logins: newLoginLimiter(cfg.Login), reqPre: hex.EncodeToString(b[:]),
		zone: zone{loc: deps.Forms.Codec().Loc}, console: newConsole(cfg.Console),
	}
	s.h3 = &h3yun{s: s}
	s.mux.HandleFunc("GET /healthz", s.healthz)
	s.mux.HandleFunc("GET /readyz", s.readyz)
	s.mux.HandleFunc("POST "+pathInvoke, s.h3.invoke)
	s.mux.HandleFunc("POST "+pathUpload, s.h3.upload)
	s.mux.HandleFunc("POST "+pathDownload, s.h3.download)
	s.mux.HandleFunc("GET /api/v1/openapi.json", s.openapi)
	s.mux.HandleFunc("POST "+pathToken, s.token)
	s.mux.HandleFunc("GET "+filesPath+"/{fileKey}/preview", s.preview)
	s.routes = s.restRoutes()
	for _, rt := range s.routes {
		if rt.doc.session {
			s.mux.Handle(rt.method+" "+rt.pattern, s.sessionRoute(rt.h, rt.doc.public))
			continue
		}
		s.mux.Handle(rt.method+" "+rt.pattern, s.rest(rt.h, pathNames(rt.pattern), rt.doc.scope, rt.doc.stream))
	}
	s.openapiDoc, _ = json.MarshalIndent(s.OpenAPI(), "", "  ")
	s.mux.HandleFunc("/", s.serveConsole)
	s.mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, r, s.log, &apiError{http.StatusNotFound, "not_found", "没有这个接口: " + r.Method + " " + wiretext.Clip(strings.ToValidUTF8(r.URL.Path, "?")) + " (no such endpoint; see /api/v1/openapi.json)", ""})
	})
	return s
}

// H3Yun paths are matched case-insensitively: clients send
// /openapi/invoke as well.
const (
	pathInvoke   = "/OpenApi/Invoke"
	pathUpload   = "/OpenApi/UploadAttachment"
	pathDownload = "/Api/DownloadBizObjectFile"
)

var canonicalPaths = map[string]string{
	strings.ToLower(pathInvoke): pathInvoke, strings.ToLower(pathUpload): pathUpload,
	strings.ToLower(pathDownload): pathDownload,
}

type ctxKey int

const requestIDKey ctxKey = 0

// Handler returns the root handler with the middleware every request goes
// through: request id, recovery, access log, path canonicalisation, body
// limit and timeout.
func (s *Server) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := r.Header.Get("X-Request-Id")
		if id == "" || len(id) > 64 || !printable(id) {
			id = s.reqPre + "-" + strconv.FormatUint(s.reqSeq.Add(1), 10)
		}
		w.Header().Set("X-Request-Id", id)
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		ctx, cancel := context.WithTimeout(context.WithValue(r.Context(), requestIDKey, id), s.cfg.RequestTimeout)
		if r.URL.Path == pathEvents { // a stream lasts as long as its client stays
			ctx, cancel = context.WithCancel(context.WithValue(r.Context(), requestIDKey, id))
		} else if isSheet(r.URL.Path) {
			cancel()
			ctx, cancel = context.WithTimeout(context.WithValue(r.Context(), requestIDKey, id), s.cfg.SheetTimeout)
		}
		defer cancel()
		r = r.WithContext(ctx)
		if c, ok := canonicalPaths[strings.ToLower(r.URL.Path)]; ok {
			r.URL.Path = c
		}
		if r.Body != nil {
			limit := s.cfg.MaxBody
			if r.URL.Path == pathUpload || strings.HasPrefix(r.URL.Path, "/api/v1/files") || isImport(r.URL.Path) {
				limit = s.cfg.MaxUpload + 1<<20
			}
			r.Body = http.MaxBytesReader(sw, r.Body, limit)
		}
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				s.log.Error("panic", "request_id", id, "method", r.Method, "path", r.URL.Path, "panic", p)
				if !sw.wrote {
					s.internalError(sw, r)
				}
			}
			d := time.Since(start)
			if s.cfg.AccessLog || sw.status >= 500 {
				s.log.LogAttrs(ctx, levelFor(sw.status), "request",
					slog.String("request_id", id), slog.String("method", r.Method), slog.String("path", r.URL.Path),
					slog.Int("status", sw.status), slog.Int64("bytes", sw.n), slog.Duration("duration", d))
			}
			if s.cfg.Observer != nil {
				method, route := routeOf(r)
				if route == "/" { // the console's catch-all: its pages, or nothing there
					route = map[bool]string{true: "unmatched", false: "console"}[sw.status == http.StatusNotFound]
				}
				s.cfg.Observer.ObserveRequest(method, route, sw.action, sw.status, d)
			}
		}()
		if err := checkQuery(r.URL.RawQuery); err != nil {
			s.refuse(sw, r, err)
			return
		}
		s.mux.ServeHTTP(sw, r)
	})
}

// refuse answers a request the middleware will not pass on, in the
// envelope of the API it was meant for.
func (s *Server) refuse(w http.ResponseWriter, r *http.Request, err error) {
	if _, h3 := canonicalPaths[strings.ToLower(r.URL.Path)]; h3 {
		s.h3.fail(w, r, err)
		return
	}
	writeError(w, r, s.log, err)
}

func levelFor(status int) slog.Level {
	if status >= 500 {
		return slog.LevelError
	}
	return slog.LevelInfo
}

func (s *Server) internalError(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/api/") {
		writeError(w, r, s.log, &apiError{http.StatusInternalServerError, "internal", "服务器内部错误 (internal error); request id " + requestID(r), ""})
		return
	}
	writeEnvelopeError(w, "服务器内部错误 (internal error); request id "+requestID(r))
}

func printable(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x21 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

func requestID(r *http.Request) string {
	id, _ := r.Context().Value(requestIDKey).(string)
	return id
}

// routeOf returns the method and the route pattern r matched, for
// metrics: bounded label values, never the raw path.
func routeOf(r *http.Request) (method, route string) {
	p := r.Pattern
	if m, rest, ok := strings.Cut(p, " "); ok {
		return m, rest
	}
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodOptions:
		method = r.Method
	default:
		method = "OTHER"
	}
	if p == "" {
		p = "unmatched"
	}
	return method, p
}

// statusWriter records the status and size for the access log, and the
// H3Yun action for metrics.
type statusWriter struct {
	http.ResponseWriter
	status int
	n      int64
	wrote  bool
	action string
}

func (w *statusWriter) WriteHeader(code int) {
	if !w.wrote {
		w.status, w.wrote = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	w.wrote = true
	n, err := w.ResponseWriter.Write(b)
	w.n += int64(n)
	return n, err
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Write([]byte(`{"status":"ok"}`))
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	w.Header().Set("Content-Type", "application/json")
	if err := s.deps.DB.Ping(ctx); err != nil {
		s.log.Warn("readiness check failed", "err", err)
		w.WriteHeader(http.StatusServiceUnavailable)
		w.Write([]byte(`{"status":"unavailable","error":"database not reachable"}`))
		return
	}
	w.Write([]byte(`{"status":"ok"}`))
}

// authenticate checks the EngineCode/EngineSecret headers (read
// case-insensitively, as net/http does) and the caller's rate limit.
func (s *Server) authenticate(r *http.Request) (record.Actor, error) {
	code := strings.TrimSpace(r.Header.Get("EngineCode"))
	secret := strings.TrimSpace(r.Header.Get("EngineSecret"))
	if wiretext.Check(code) != wiretext.OK || wiretext.Check(secret) != wiretext.OK {
		return record.Actor{}, errUnauthorized // no credential is such text
	}
	p, ok, err := s.deps.Auth.Verify(r.Context(), code, secret)
	if err != nil {
		return record.Actor{}, err
	}
	if !ok {
		return record.Actor{}, errUnauthorized
	}
	if wait, ok := s.limiter.allow(p.Code); !ok {
		return record.Actor{}, &rateLimited{retryAfter: wait}
	}
	if p.UserID == s.deps.Admin.UserID {
		return s.deps.Admin, nil
	}
	return record.Actor{UserID: p.UserID}, nil
}

var errUnauthorized = errors.New("unauthorized")

type rateLimited struct{ retryAfter time.Duration }

func (e *rateLimited) Error() string { return "rate limited" }
