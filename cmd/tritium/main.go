// Command tritium is the Tritium server and its admin tools.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
	_ "time/tzdata" // time zones work on machines without tzdata

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"github.com/tritiumhq/tritium/internal/app"
	"github.com/tritiumhq/tritium/internal/dirlock"
	"github.com/tritiumhq/tritium/internal/loadtest"
	"github.com/tritiumhq/tritium/internal/sqldb"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	if err := newRoot(os.Stdout, os.Stderr).Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "tritium:", err)
		os.Exit(1)
	}
}

func newRoot(stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:           "tritium",
		Short:         "Tritium: forms, workflows and an open API in one binary",
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			if cmd.Name() == "bench" { // its flags name other variables
				return nil
			}
			return applyEnv(cmd)
		},
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.AddCommand(serveCmd(stderr), migrateCmd(stderr), credentialsCmd(stdout, stderr), adminCmd(stdout), versionCmd(stdout), healthcheckCmd(stdout), scriptsCmd(stdout),
		loadtest.Command(stdout))
	return root
}

// env returns TRITIUM_<name>, or def when it is unset or empty.
func env(name, def string) string {
	if v := os.Getenv("TRITIUM_" + name); v != "" {
		return v
	}
	return def
}

// applyEnv gives every flag not set on the command line the value of its
// environment variable (--rate-limit ← TRITIUM_RATE_LIMIT), parsed like
// the flag, so a bad value is an error rather than silently ignored.
func applyEnv(cmd *cobra.Command) error {
	var errs []error
	cmd.Flags().VisitAll(func(f *pflag.Flag) {
		name := "TRITIUM_" + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		v := os.Getenv(name)
		if f.Changed || v == "" {
			return
		}
		if err := f.Value.Set(v); err != nil {
			errs = append(errs, fmt.Errorf("%s=%q: %w", name, v, err))
		}
	})
	return errors.Join(errs...)
}

type storeFlags struct {
	data, db, sync, tz string
}

func (s *storeFlags) add(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&s.data, "data", "./tritium_data", "data directory: SQLite database and files (TRITIUM_DATA)")
	f.StringVar(&s.db, "db", "", "database: empty for SQLite in the data directory, or postgres://… (TRITIUM_DB)")
	f.StringVar(&s.sync, "sqlite-sync", "full", "SQLite durability: full (every commit synced) or normal (TRITIUM_SQLITE_SYNC)")
	f.StringVar(&s.tz, "timezone", "Asia/Shanghai", "time zone for dates on the wire (TRITIUM_TIMEZONE)")
}

func (s *storeFlags) config() app.Config {
	return app.Config{DataDir: s.data, DB: s.db, SQLiteSync: s.sync, TimeZone: s.tz,
		EngineCode: env("ENGINE_CODE", ""), EngineSecret: env("ENGINE_SECRET", "")}
}

func newLogger(w io.Writer, level string) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("log level %q: use debug, info, warn or error", level)
	}
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: l})), nil
}

func serveCmd(stderr io.Writer) *cobra.Command {
	var sf storeFlags
	var addr, level string
	var rateLimit float64
	var maxBody, maxUpload int64
	var accessLog bool
	var tokenTTL, sessionIdle, sessionMax time.Duration
	var pprofAddr, metricsAddr string
	var allowPrivate bool
	var outboundAllow []string
	var ff fileFlags
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the server (SQLite in ./tritium_data unless --db is set)",
		RunE: func(cmd *cobra.Command, _ []string) error {
			log, err := newLogger(stderr, level)
			if err != nil {
				return err
			}
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			cfg := sf.config()
			cfg.HTTP, cfg.RateLimit, cfg.MaxBody, cfg.MaxUpload, cfg.AccessLog = addr, rateLimit, maxBody, maxUpload, accessLog
			cfg.Metrics, cfg.Version = metricsAddr != "", strings.TrimSpace(version)
			cfg.TokenTTL, cfg.SessionIdle, cfg.SessionMax = tokenTTL, sessionIdle, sessionMax
			cfg.AdminEmail, cfg.AdminPassword = env("ADMIN_EMAIL", ""), env("ADMIN_PASSWORD", "")
			cfg.AllowPrivateNetworks, cfg.OutboundAllow = allowPrivate, outboundAllow
			ff.apply(&cfg)
			a, err := app.Open(ctx, cfg, log, stderr)
			if err != nil {
				return err
			}
			defer a.Close()
			if pprofAddr != "" {
				go servePprof(log, pprofAddr)
			}
			ln, err := net.Listen("tcp", addr)
			if err != nil {
				return fmt.Errorf("listen %s: %w", addr, err)
			}
			if metricsAddr != "" {
				mln, err := net.Listen("tcp", metricsAddr)
				if err != nil {
					ln.Close()
					return fmt.Errorf("listen %s (--metrics): %w", metricsAddr, err)
				}
				go func() {
					if err := a.ServeMetrics(ctx, mln); err != nil {
						log.Error("metrics server", "err", err)
					}
				}()
			}
			return a.Serve(ctx, ln, 30*time.Second)
		},
	}
	sf.add(cmd)
	f := cmd.Flags()
	f.StringVar(&addr, "http", "127.0.0.1:8090", "listen address (TRITIUM_HTTP)")
	f.Float64Var(&rateLimit, "rate-limit", 200, "requests per second per credential, burst twice that; 0 turns it off (TRITIUM_RATE_LIMIT)")
	f.Int64Var(&maxBody, "max-body", 10<<20, "request body limit in bytes (TRITIUM_MAX_BODY)")
	f.Int64Var(&maxUpload, "max-upload", 50<<20, "uploaded file limit in bytes (TRITIUM_MAX_UPLOAD)")
	f.BoolVar(&accessLog, "access-log", true, "log every request (TRITIUM_ACCESS_LOG)")
	f.DurationVar(&tokenTTL, "token-ttl", time.Hour, "lifetime of OAuth2 access tokens (TRITIUM_TOKEN_TTL)")
	f.DurationVar(&sessionIdle, "session-idle", 2*time.Hour, "a console session ends when unused this long (TRITIUM_SESSION_IDLE)")
	f.DurationVar(&sessionMax, "session-max", 7*24*time.Hour, "a console session ends this long after sign-in (TRITIUM_SESSION_MAX)")
	f.StringVar(&pprofAddr, "pprof", "", "serve Go profiles (net/http/pprof) on this address, e.g. 127.0.0.1:6060 (TRITIUM_PPROF)")
	f.StringVar(&metricsAddr, "metrics", "", "serve Prometheus metrics at /metrics on this address, e.g. 127.0.0.1:9090; off when empty (TRITIUM_METRICS)")
	f.StringVar(&level, "log-level", "info", "debug, info, warn or error (TRITIUM_LOG_LEVEL)")
	f.BoolVar(&allowPrivate, "allow-private-networks", false, "let connectors, callbacks and webhooks reach loopback and private addresses (TRITIUM_ALLOW_PRIVATE_NETWORKS)")
	f.StringSliceVar(&outboundAllow, "outbound-allow", nil, "hosts, addresses or CIDR ranges callbacks and webhooks may reach even when private, comma-separated (TRITIUM_OUTBOUND_ALLOW)")
	ff.add(cmd)
	return cmd
}

func migrateCmd(stderr io.Writer) *cobra.Command {
	var sf storeFlags
	cmd := &cobra.Command{
		Use:   "migrate",
		Short: "Create or upgrade the system tables, then exit",
		RunE: func(cmd *cobra.Command, _ []string) error {
			log, _ := newLogger(stderr, "info")
			cfg := sf.config()
			if cfg.DB == "" { // not under a running server: it migrated on start
				lock, err := dirlock.Acquire(cfg.DataDir)
				if err != nil {
					return err
				}
				defer lock.Release()
			}
			db, err := sqldb.Open(cmd.Context(), sqldb.Config{URL: cfg.DB, Path: cfg.DataDir + "/tritium.db", SQLiteSync: cfg.SQLiteSync, Logger: log})
			if err != nil {
				return err
			}
			defer db.Close()
			fmt.Fprintln(cmd.OutOrStdout(), "system tables are up to date on", db.Kind())
			return nil
		},
	}
	sf.add(cmd)
	return cmd
}

func credentialsCmd(stdout, stderr io.Writer) *cobra.Command {
	cmd := &cobra.Command{Use: "credentials", Short: "Manage engine credentials"}
	var sf storeFlags
	var code string
	rotate := &cobra.Command{
		Use:   "rotate",
		Short: "Replace the engine secret and print the new one (running servers pick it up within 5s)",
		RunE: func(cmd *cobra.Command, _ []string) error {
			log, _ := newLogger(io.Discard, "error")
			cfg := sf.config()
			cfg.NoDataLock = true // rotating beside a running server is supported
			a, err := app.Open(cmd.Context(), cfg, log, stderr)
			if err != nil {
				return err
			}
			defer a.Close()
			g, err := a.Auth.Rotate(cmd.Context(), code)
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "EngineCode:   %s\nEngineSecret: %s\n", g.Code, g.Secret)
			return nil
		},
	}
	sf.add(rotate)
	rotate.Flags().StringVar(&code, "code", "", "the EngineCode to rotate (default: the only one)")
	cmd.AddCommand(rotate)
	return cmd
}

func versionCmd(stdout io.Writer) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Run: func(cmd *cobra.Command, _ []string) {
			fmt.Fprintln(stdout, "tritium", strings.TrimSpace(version))
		},
	}
}

// healthcheckCmd is `tritium healthcheck`: GET /readyz of the server
// listening on --http (a container's HEALTHCHECK; it needs no shell, curl
// or wget in the image). It exits non-zero unless the answer is 200.
func healthcheckCmd(stdout io.Writer) *cobra.Command {
	var addr string
	var timeout time.Duration
	cmd := &cobra.Command{
		Use:   "healthcheck",
		Short: "Exit 0 when the server on --http is ready (GET /readyz answers 200)",
		RunE: func(cmd *cobra.Command, _ []string) error {
			url := "http://" + loopbackFor(addr) + "/readyz"
			ctx, cancel := context.WithTimeout(cmd.Context(), timeout)
			defer cancel()
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
			if err != nil {
				return fmt.Errorf("healthcheck %s: %w", url, err)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				return fmt.Errorf("healthcheck %s: %w", url, err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
			if resp.StatusCode != http.StatusOK {
				return fmt.Errorf("healthcheck %s: HTTP %d: %s", url, resp.StatusCode, strings.TrimSpace(string(body)))
			}
			fmt.Fprintln(stdout, strings.TrimSpace(string(body)))
			return nil
		},
	}
	cmd.Flags().StringVar(&addr, "http", "127.0.0.1:8090", "the server's listen address, as given to serve (TRITIUM_HTTP)")
	cmd.Flags().DurationVar(&timeout, "timeout", 3*time.Second, "give up after this long")
	return cmd
}

// loopbackFor turns a listen address into one to connect to: a wildcard
// host (0.0.0.0, ::, empty) becomes the loopback address.
func loopbackFor(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	switch host {
	case "", "0.0.0.0":
		host = "127.0.0.1"
	case "::":
		host = "::1"
	}
	return net.JoinHostPort(host, port)
}

// servePprof exposes runtime profiles on a separate, operator-only address.
func servePprof(log *slog.Logger, addr string) {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	if err := http.ListenAndServe(addr, mux); err != nil {
		log.Error("pprof server", "err", err)
	}
}
