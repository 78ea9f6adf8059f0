// Package app wires the services into one server: the `tritium serve`
// process, also run whole by end-to-end tests.
package app

import (
	"context"
	"errors"
	"fmt"
	"github.com/tritiumhq/tritium/internal/access"
	"github.com/tritiumhq/tritium/internal/feed"
	"github.com/tritiumhq/tritium/internal/idempotency"
	"github.com/tritiumhq/tritium/web"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"time"

	"github.com/tritiumhq/tritium/internal/auth"
	"github.com/tritiumhq/tritium/internal/batch"
	"github.com/tritiumhq/tritium/internal/connector"
	"github.com/tritiumhq/tritium/internal/delivery"
	"github.com/tritiumhq/tritium/internal/dirlock"
	"github.com/tritiumhq/tritium/internal/file"
	"github.com/tritiumhq/tritium/internal/form"
	"github.com/tritiumhq/tritium/internal/hook"
	"github.com/tritiumhq/tritium/internal/httpapi"
	"github.com/tritiumhq/tritium/internal/job"
	"github.com/tritiumhq/tritium/internal/metrics"
	"github.com/tritiumhq/tritium/internal/org"
	"github.com/tritiumhq/tritium/internal/record"
	"github.com/tritiumhq/tritium/internal/secret"
	"github.com/tritiumhq/tritium/internal/sheet"
	"github.com/tritiumhq/tritium/internal/sqldb"
	"github.com/tritiumhq/tritium/internal/workflow"
)

// Config is everything `tritium serve` can be told.
type Config struct {
	HTTP       string  // listen address (default 127.0.0.1:8090)
	DataDir    string  // SQLite database and files (default ./tritium_data)
	DB         string  // postgres:// URL; empty selects SQLite in DataDir
	RateLimit  float64 // requests/s per credential; 0 off
	RateBurst  int     // default 2×RateLimit
	MaxBody    int64   // bytes (default 10 MiB)
	MaxUpload  int64   // bytes (default 50 MiB)
	TimeZone   string  // default Asia/Shanghai
	SQLiteSync string  // full (default) or normal
	AccessLog  bool
	// EngineCode and EngineSecret become the engine credential on the first
	// start of an empty store; when empty, they are generated and printed.
	EngineCode, EngineSecret string
	// FormRefresh is how often other nodes' form changes are picked up
	// (default 2s).
	FormRefresh time.Duration
	// NoDataLock leaves a SQLite data directory unlocked, for one-shot
	// commands that may run beside its server (credentials rotate). Without
	// it, Open fails at once when another process holds the directory.
	NoDataLock bool
	// Metrics turns on the Prometheus metrics (served by ServeMetrics);
	// Version labels tritium_build_info.
	Metrics bool
	Version string
	// SecretKey seals secrets at rest (connector credentials, $env
	// secrets); default TRITIUM_SECRET_KEY, else (SQLite only) a key
	// generated once into DataDir.
	SecretKey string
	// TokenTTL is the lifetime of OAuth2 access tokens (default 1 h).
	TokenTTL time.Duration
	// AllowPrivateNetworks lets connector platforms, callbacks and webhooks
	// reach private addresses.
	AllowPrivateNetworks bool
	// EventsPoll is how often each node reads the change feed for its
	// event streams (default 200ms); EventsHeartbeat, how often an idle
	// stream gets a comment line (default 15s).
	EventsPoll, EventsHeartbeat time.Duration
	// OutboundAllow lists hosts, addresses and CIDR ranges that callbacks
	// and webhooks may reach even when private (e.g. 127.0.0.1/32).
	OutboundAllow []string
	// DeliveryBackoff is the delay before each retry of a callback or
	// webhook (default delivery.DefaultBackoff); DeliveryTimeout bounds
	// one attempt (default 10s).
	DeliveryBackoff []time.Duration
	DeliveryTimeout time.Duration
	// WebhookDisableAfter turns a webhook off after this many failed
	// deliveries in a row (default 10).
	WebhookDisableAfter int
	// JobWorkers is how many jobs this node runs at once (default 100):
	// deliveries are mostly waiting on the network (10,000 webhook events
	// go out 1.5–2× faster than with 50).
	JobWorkers int
	// RelayEvery is how often new change-feed events are fanned out to
	// webhooks (default 200ms).
	RelayEvery time.Duration
	// Blob is where file contents go: empty for DataDir/files, a
	// directory, or s3://bucket/prefix?endpoint=host:port&region=… (see
	// blob.Config) so that several nodes share them; S3AccessKey and
	// S3SecretKey (default TRITIUM_S3_ACCESS_KEY, TRITIUM_S3_SECRET_KEY)
	// are its credentials.
	Blob                     string
	S3AccessKey, S3SecretKey string
	// FileGrace is how long a file no record holds is kept after its
	// upload or its last use (default 24 h); FileGCEvery how often they
	// are collected (default 1 h).
	FileGrace, FileGCEvery time.Duration
	// PreviewTTL and PreviewMaxTTL: a preview link's default and longest
	// lifetime (10 min, 24 h). PublicURL is the address outside callers
	// reach this server at: preview links and external-approval callbacks
	// start with it (default: preview links the request's scheme and
	// host, callbacks http:// and the listen address).
	PreviewTTL, PreviewMaxTTL time.Duration
	PublicURL                 string
	// SessionIdle and SessionMax end a console session when unused for
	// that long (default 2 h) and that long after sign-in (default 7
	// days); PasswordCost is the argon2id cost of console passwords
	// (default auth.DefaultPasswordParams; tests lower it). Login bounds
	// sign-in attempts per login and per address.
	SessionIdle, SessionMax time.Duration
	PasswordCost            auth.PasswordParams
	Login                   httpapi.LoginLimits
	// AdminEmail and AdminPassword (TRITIUM_ADMIN_EMAIL,
	// TRITIUM_ADMIN_PASSWORD) become the administrator's email and
	// password on start while the administrator has no password.
	AdminEmail, AdminPassword string
}

// App is a running Tritium.
type App struct {
	cfg     Config
	log     *slog.Logger
	DB      *sqldb.DB
	Forms   *form.Service
	Records *record.Service
	// Access holds the forms' permission grants.
	Access   *access.Store
	Org      *org.Service
	Files    *file.Service
	Auth     *auth.Service
	Jobs     *job.Queue
	Workflow *workflow.Engine
	Admin    record.Actor
	// Connectors is the integration hub ($proxy's outbound calls).
	Connectors *connector.Service
	// Deliveries sends signed callbacks and webhook events.
	Deliveries *delivery.Service
	// Events follows the change feed for the event streams.
	Events *feed.Hub
	// Metrics is nil unless Config.Metrics is set.
	Metrics *metrics.Metrics
	// Scripts runs saved scripts at their hooks; Env is their $env.
	Scripts *hook.Runner
	Env     *hook.Env
	// Batches runs async batch writes.
	Batches *batch.Service
	server  *httpapi.Server
	lock    *dirlock.Lock // SQLite: the data directory, held until Close
	secrets *secret.Box
}

// Open connects to the database, migrates it, loads the forms and makes
// sure an admin user and an engine credential exist. A generated secret is
// written to notice, once.
func Open(ctx context.Context, cfg Config, log *slog.Logger, notice io.Writer) (*App, error) {
	if cfg.DataDir == "" {
		cfg.DataDir = "tritium_data"
	}
	if cfg.TimeZone == "" {
		cfg.TimeZone = "Asia/Shanghai"
	}
	if cfg.FormRefresh <= 0 {
		cfg.FormRefresh = 2 * time.Second
	}
	if cfg.JobWorkers <= 0 {
		cfg.JobWorkers = 100
	}
	if cfg.RelayEvery <= 0 {
		cfg.RelayEvery = 200 * time.Millisecond
	}
	if cfg.FileGrace <= 0 {
		cfg.FileGrace = 24 * time.Hour
	}
	if cfg.FileGCEvery <= 0 {
		cfg.FileGCEvery = time.Hour
	}
	loc, err := time.LoadLocation(cfg.TimeZone)
	if err != nil {
		return nil, fmt.Errorf("time zone %q: %w", cfg.TimeZone, err)
	}
	if cfg.PublicURL != "" {
		u, err := url.Parse(cfg.PublicURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
			return nil, fmt.Errorf("public URL %q: want http(s)://host[:port][/path], without user info, query or fragment", cfg.PublicURL)
		}
	}
	var lock *dirlock.Lock
	if cfg.DB == "" && !cfg.NoDataLock {
		if lock, err = dirlock.Acquire(cfg.DataDir); err != nil {
			return nil, err
		}
	}
	var m *metrics.Metrics
	dbc := sqldb.Config{URL: cfg.DB, Path: filepath.Join(cfg.DataDir, "tritium.db"), SQLiteSync: cfg.SQLiteSync, Logger: log}
	if cfg.Metrics {
		kind := sqldb.SQLite
		if cfg.DB != "" {
			kind = sqldb.Postgres
		}
		m = metrics.New(metrics.BuildInfo{Version: cfg.Version, Database: string(kind)}, log)
		dbc.Observer = m
	}
	db, err := sqldb.Open(ctx, dbc)
	if err != nil {
		lock.Release()
		return nil, err
	}
	a := &App{cfg: cfg, log: log, DB: db, Metrics: m, lock: lock}
	if err := a.init(ctx, loc, notice); err != nil {
		a.Close()
		return nil, err
	}
	return a, nil
}

func (a *App) init(ctx context.Context, loc *time.Location, notice io.Writer) error {
	var err error
	a.Forms, err = form.NewService(ctx, a.DB, &form.Codec{Loc: loc}, a.log)
	if err != nil {
		return err
	}
	a.Org = org.NewService(a.DB)
	a.Forms.SetValueSets(a.Org)
	admin, err := a.Org.EnsureAdmin(ctx)
	if err != nil {
		return err
	}
	a.Admin = record.Actor{UserID: admin.UserID, DepartmentID: admin.DepartmentID}
	if err := a.openFiles(ctx); err != nil {
		return err
	}
	a.Records = record.NewService(record.Config{DB: a.DB, Forms: a.Forms, Directory: a.Org, Files: a.Files, ValueSets: a.Org, Logger: a.log})
	if err := a.openAccess(ctx); err != nil {
		return err
	}
	jc := job.Config{Logger: a.log, Workers: a.cfg.JobWorkers}
	wc := workflow.Config{DB: a.DB, Forms: a.Forms, Records: a.Records, Org: a.Org, Admin: admin.UserID, Logger: a.log}
	hc := httpapi.Config{
		RateLimit: a.cfg.RateLimit, Burst: a.cfg.RateBurst, MaxBody: a.cfg.MaxBody, MaxUpload: a.cfg.MaxUpload,
		AccessLog: a.cfg.AccessLog, Logger: a.log, EventsHeartbeat: a.cfg.EventsHeartbeat,
		PreviewTTL: a.cfg.PreviewTTL, PreviewMaxTTL: a.cfg.PreviewMaxTTL, PublicURL: a.cfg.PublicURL,
		Login: a.cfg.Login, Console: web.Dist(),
	}
	if a.Metrics != nil { // typed nils would not compare equal to nil in the packages
		jc.Observer, wc.Observer, hc.Observer = a.Metrics, a.Metrics, a.Metrics
	}
	if a.Jobs, err = job.New(ctx, a.DB, jc); err != nil {
		return err
	}
	if a.Metrics != nil {
		a.Metrics.WatchQueue(a.Jobs.Depth)
	}
	wc.Jobs = a.Jobs
	a.Workflow = workflow.New(wc)
	a.Records.SetWorkflows(a.Workflow)
	if a.secrets, err = a.loadSecrets(); err != nil {
		return err
	}
	a.Files.SetLinkKey(a.secrets.Derive("file-preview-links"))
	a.scheduleFileGC()
	if err := a.openConnectors(ctx); err != nil {
		return err
	}
	if err := a.initScripts(ctx); err != nil {
		return err
	}
	a.Auth = auth.NewService(a.DB, 0)
	a.Auth.ConfigureOAuth(auth.OAuthConfig{Box: a.secrets, TTL: a.cfg.TokenTTL})
	a.Auth.ConfigureSessions(auth.SessionConfig{Idle: a.cfg.SessionIdle, Max: a.cfg.SessionMax, Password: a.cfg.PasswordCost})
	gen, err := a.Auth.Ensure(ctx, a.cfg.EngineCode, a.cfg.EngineSecret, admin.UserID)
	if err != nil {
		return err
	}
	if gen != nil && notice != nil {
		fmt.Fprintf(notice, "\nTritium created the engine credential (shown once; keep the secret):\n  EngineCode:   %s\n  EngineSecret: %s\n\n", gen.Code, gen.Secret)
	}
	if err := a.firstAdmin(ctx); err != nil {
		return err
	}
	a.openDeliveries()
	a.openBatches()
	a.Events = feed.NewHub(a.DB, a.cfg.EventsPoll, a.log)
	a.server = httpapi.New(hc, httpapi.Deps{DB: a.DB, Forms: a.Forms, Records: a.Records, Org: a.Org, Files: a.Files, Auth: a.Auth,
		Workflow: a.Workflow, Hooks: a.Scripts, Env: a.Env, Admin: a.Admin, Connectors: a.Connectors, Access: a.Access,
		Idempotency: idempotency.NewStore(a.DB), Deliveries: a.Deliveries, Batches: a.Batches, Events: a.Events,
		Sheets: sheet.New(sheet.Config{DB: a.DB, Records: a.Records})})
	return nil
}

// Handler is the HTTP handler (for tests that bring their own server).
func (a *App) Handler() http.Handler { return a.server.Handler() }

// Serve accepts connections on ln until ctx ends, then stops accepting,
// lets in-flight requests finish (up to drain) and returns nil.
func (a *App) Serve(ctx context.Context, ln net.Listener, drain time.Duration) error {
	bg, cancel := context.WithCancel(context.WithoutCancel(ctx))
	defer cancel()
	public := a.cfg.PublicURL
	if public == "" {
		public = "http://" + ln.Addr().String()
	}
	a.Workflow.SetPublicURL(public)
	if err := a.Jobs.Start(bg); err != nil {
		return fmt.Errorf("start job queue: %w", err)
	}
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), drain)
		defer cancel()
		if err := a.Jobs.Stop(sctx); err != nil {
			a.log.Warn("stop job queue", "err", err)
		}
	}()
	go a.Forms.Watch(bg, a.cfg.FormRefresh)
	go a.DB.MaintainStats(bg, 10*time.Second, 1)
	go a.Connectors.Watch(bg)
	go a.Batches.Run(bg)
	go a.Events.Run(bg)
	go a.Deliveries.RunRelay(bg, a.cfg.RelayEvery)
	srv := &http.Server{
		Handler:           a.server.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(a.log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	a.log.Info("serving", "addr", ln.Addr().String(), "database", string(a.DB.Kind()))
	if ok, err := a.Auth.HasPassword(ctx, a.Admin.UserID); err == nil && !ok {
		a.log.Info("the administrator has no console password yet: set TRITIUM_ADMIN_EMAIL and TRITIUM_ADMIN_PASSWORD and restart, or run `tritium admin create --email you@example.com` (password from TRITIUM_ADMIN_PASSWORD or --password-stdin)")
	}
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	a.log.Info("shutting down: draining requests")
	sctx, scancel := context.WithTimeout(context.Background(), drain)
	defer scancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("drain: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// ServeMetrics serves GET /metrics (the Prometheus text format) on ln
// until ctx ends. It is meant for an operator-only address: it has no
// authentication. Config.Metrics must be set.
func (a *App) ServeMetrics(ctx context.Context, ln net.Listener) error {
	if a.Metrics == nil {
		return errors.New("metrics are off (Config.Metrics)")
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", a.Metrics.Handler())
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second,
		ErrorLog: slog.NewLogLogger(a.log.Handler(), slog.LevelWarn)}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	a.log.Info("serving metrics", "addr", ln.Addr().String())
	select {
	case err := <-errc:
		return fmt.Errorf("serve metrics: %w", err)
	case <-ctx.Done():
	}
	srv.Close()
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve metrics: %w", err)
	}
	return nil
}

// openConnectors starts the integration hub with the server's secret key.
func (a *App) openConnectors(ctx context.Context) error {
	var err error
	a.Connectors, err = connector.New(ctx, connector.Config{DB: a.DB, Box: a.secrets, Logger: a.log, AllowPrivateNetworks: a.cfg.AllowPrivateNetworks})
	return err
}

// openDeliveries starts the callback and webhook sender on the job queue.
func (a *App) openDeliveries() {
	a.Deliveries = delivery.New(delivery.Config{DB: a.DB, Jobs: a.Jobs, Box: a.secrets, Secrets: a.Auth, Forms: a.Forms, Logger: a.log,
		AllowPrivateNetworks: a.cfg.AllowPrivateNetworks, Allow: a.cfg.OutboundAllow,
		Backoff: a.cfg.DeliveryBackoff, Timeout: a.cfg.DeliveryTimeout, DisableAfter: a.cfg.WebhookDisableAfter})
	a.Workflow.SetExternal(externalRequests{a.Deliveries})
}

// Close flushes the call log, then releases the database and the data
// directory.
func (a *App) Close() error {
	if a.Scripts != nil {
		a.Scripts.Close()
	}
	if a.Connectors != nil {
		a.Connectors.Close()
	}
	err := a.DB.Close()
	if lerr := a.lock.Release(); err == nil {
		err = lerr
	}
	return err
}

// externalRequests sends the requests of external-approval nodes as
// deliveries, signed with the node's OAuth client's secret or else the
// engine secret.
type externalRequests struct{ d *delivery.Service }

func (x externalRequests) Send(ctx context.Context, tx *sqldb.Tx, url, client string, body []byte, ref string) error {
	ref2 := delivery.SecretRef{Kind: delivery.SecretEngine}
	if client != "" {
		ref2 = delivery.SecretRef{Kind: delivery.SecretClient, ID: client}
	}
	_, err := x.d.Enqueue(ctx, tx, delivery.Message{Kind: "external_approval.requested", Owner: client, URL: url, Body: body, Secret: ref2, Ref: ref})
	return err
}

func (x externalRequests) CheckURL(field, url string) error { return x.d.CheckURL(field, url) }
