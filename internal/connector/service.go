package connector

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tritiumhq/tritium/internal/secret"
	"github.com/tritiumhq/tritium/internal/sqldb"
)

// Config tunes the integration hub.
type Config struct {
	DB     *sqldb.DB
	Box    *secret.Box // seals instance secrets and stored requests
	Logger *slog.Logger
	// AllowPrivateNetworks lets every platform reach loopback, private and
	// link-local addresses (on-premise integrations); cloud metadata
	// addresses stay blocked. Off by default.
	AllowPrivateNetworks bool
	MaxResponseBytes     int64 // response body cap (default 10 MiB)
	LogBodyBytes         int   // bodies kept in the call log (default 64 KiB)
	LogMaxAge            time.Duration
	LogMaxRows           int           // default 100000
	LogFlushEvery        time.Duration // default 200ms
	Refresh              time.Duration // how often Watch looks for other nodes' changes (default 2s)
}

// Defaults of Config.
const (
	DefaultMaxResponse  = 10 << 20
	DefaultLogBody      = 64 << 10
	DefaultLogMaxAge    = 30 * 24 * time.Hour
	DefaultLogMaxRows   = 100_000
	defaultConcurrency  = 32
	defaultTokenSeconds = 7200
)

// ScriptAuthFunc authenticates a request of a platform whose auth method
// is script: it may add headers or query parameters to req.
type ScriptAuthFunc func(ctx context.Context, platform, instance string, req *http.Request) error

// Service is the integration hub.
type Service struct {
	cfg        Config
	db         *sqldb.DB
	box        *secret.Box
	log        *slog.Logger
	builtins   map[string]*Platform
	snap       atomic.Pointer[snapshot]
	mu         sync.Mutex                     // one reload at a time; guards clients and limits
	clients    map[string]*http.Client        // by policy, reused across reloads
	limits     map[string]*limiter            // by platform key
	tokens     tokenCache                     // per (platform, instance)
	scriptAuth atomic.Pointer[ScriptAuthFunc] // nil until the script engine sets it
	calls      *callLog
}

// New loads the platforms and starts the call log writer; Close stops it.
func New(ctx context.Context, cfg Config) (*Service, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.MaxResponseBytes <= 0 {
		cfg.MaxResponseBytes = DefaultMaxResponse
	}
	if cfg.LogBodyBytes <= 0 {
		cfg.LogBodyBytes = DefaultLogBody
	}
	if cfg.LogMaxAge <= 0 {
		cfg.LogMaxAge = DefaultLogMaxAge
	}
	if cfg.LogMaxRows <= 0 {
		cfg.LogMaxRows = DefaultLogMaxRows
	}
	if cfg.LogFlushEvery <= 0 {
		cfg.LogFlushEvery = 200 * time.Millisecond
	}
	if cfg.Refresh <= 0 {
		cfg.Refresh = 2 * time.Second
	}
	if cfg.Box == nil {
		return nil, fmt.Errorf("connector: no secret box")
	}
	b, err := loadBuiltins()
	if err != nil {
		return nil, err
	}
	s := &Service{cfg: cfg, db: cfg.DB, box: cfg.Box, log: cfg.Logger, builtins: b,
		clients: map[string]*http.Client{}, limits: map[string]*limiter{}}
	s.tokens.m = map[string]*tokenEntry{}
	s.snap.Store(&snapshot{version: -1})
	if err := s.Refresh(ctx); err != nil {
		return nil, err
	}
	s.calls = newCallLog(s)
	return s, nil
}

// SetScriptAuth installs the hook behind the script auth method.
func (s *Service) SetScriptAuth(f ScriptAuthFunc) {
	if f == nil {
		s.scriptAuth.Store(nil)
		return
	}
	s.scriptAuth.Store(&f)
}

// Close flushes the call log and stops its writer.
func (s *Service) Close() error { return s.calls.close() }

// Watch refreshes every Config.Refresh until ctx ends (other nodes'
// changes) and prunes the call log now and then.
func (s *Service) Watch(ctx context.Context) {
	t := time.NewTicker(s.cfg.Refresh)
	defer t.Stop()
	prune := time.Now()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := s.Refresh(ctx); err != nil && ctx.Err() == nil {
				s.log.Warn("refresh connector platforms", "err", err)
			}
			if time.Since(prune) > 10*time.Minute {
				prune = time.Now()
				if _, err := s.PruneCalls(ctx); err != nil && ctx.Err() == nil {
					s.log.Warn("prune connector call log", "err", err)
				}
			}
		}
	}
}

// snapshot is everything a call needs, read without locks.
type snapshot struct {
	version   int64
	platforms map[string]*plat
}

type plat struct {
	def       *Platform
	ifaces    map[string]*iface // by key and by its camelCase form
	instances map[string]*inst
	deflt     *inst
	lim       *limiter
}

type iface struct {
	def      *Interface
	success  *Success
	byTmpl   map[string]bool // params placed by a template
	timeout  time.Duration
	tokenFor bool // the platform's token interface
}

type inst struct {
	def     *Instance // Secrets: name → "set"
	secrets map[string]string
	baseURL string
	client  *http.Client
}

// Refresh reloads the platforms and instances when any changed.
func (s *Service) Refresh(ctx context.Context) error {
	var version int64
	if err := s.db.Reader().QueryRow(ctx, "SELECT version FROM conn_state WHERE id = 1").Scan(&version); err != nil {
		return fmt.Errorf("read connector version: %w", err)
	}
	if s.snap.Load().version == version {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.snap.Load().version == version {
		return nil
	}
	defs, err := s.loadPlatforms(ctx)
	if err != nil {
		return err
	}
	insts, err := s.loadInstances(ctx)
	if err != nil {
		return err
	}
	sn := &snapshot{version: version, platforms: map[string]*plat{}}
	for _, d := range defs {
		sn.platforms[d.Key] = s.compile(d)
	}
	for _, in := range insts {
		p := sn.platforms[in.def.Platform]
		if p == nil {
			continue
		}
		in.client = s.client(p.def.Network.Allow, in.def.Network.Allow)
		in.baseURL = strings.TrimRight(in.def.BaseURL, "/")
		if in.baseURL == "" {
			in.baseURL = strings.TrimRight(p.def.BaseURL, "/")
		}
		p.instances[in.def.Key] = in
		if in.def.Default {
			p.deflt = in
		}
	}
	s.snap.Store(sn)
	return nil
}

// compile indexes a platform definition for calls.
func (s *Service) compile(d *Platform) *plat {
	p := &plat{def: d, ifaces: map[string]*iface{}, instances: map[string]*inst{}}
	for i := range d.Interfaces {
		f := &d.Interfaces[i]
		c := &iface{def: f, success: f.Success, byTmpl: map[string]bool{}, tokenFor: f.Key == d.Auth.TokenInterface && d.Auth.Method == "token_fetch"}
		if c.success == nil {
			c.success = d.Success
		}
		referenced(f.Body, c.byTmpl)
		for _, v := range f.Headers {
			referenced(v, c.byTmpl)
		}
		for _, v := range f.Query {
			referenced(v, c.byTmpl)
		}
		sec := f.TimeoutSeconds
		if sec == 0 {
			sec = DefaultTimeout
		}
		c.timeout = time.Duration(sec) * time.Second
		p.ifaces[f.Key] = c
		p.ifaces[camel(f.Key)] = c
	}
	lim := s.limits[d.Key]
	if lim == nil || lim.cfg != d.Limits {
		lim = newLimiter(d.Limits)
		s.limits[d.Key] = lim
	}
	p.lim = lim
	return p
}

// client returns the HTTP client for a policy, shared by everything with
// the same one (its connections are pooled).
func (s *Service) client(lists ...[]string) *http.Client {
	var all []string
	for _, l := range lists {
		all = append(all, l...)
	}
	slices.Sort(all)
	key := strings.Join(all, ",")
	if c := s.clients[key]; c != nil {
		return c
	}
	c := newHTTPClient(newPolicy(s.cfg.AllowPrivateNetworks, all))
	s.clients[key] = c
	return c
}
