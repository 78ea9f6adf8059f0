// Package delivery sends signed HTTP deliveries — async batch callbacks,
// webhook events, external-approval requests — at least once. A delivery
// is recorded in the write transaction of the change that causes it, with
// its first attempt enqueued on the job queue in the same transaction, so
// it exists exactly when the change commits. Each attempt POSTs outside
// any transaction and commits its log row together with the attempt's job;
// a failed attempt schedules the next one with exponential backoff, and
// after the last one the delivery is failed (visible in the log,
// re-sendable).
package delivery

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/tritiumhq/tritium/internal/apperr"
	"github.com/tritiumhq/tritium/internal/auth"
	"github.com/tritiumhq/tritium/internal/feed"
	"github.com/tritiumhq/tritium/internal/job"
	"github.com/tritiumhq/tritium/internal/netpolicy"
	"github.com/tritiumhq/tritium/internal/secret"
	"github.com/tritiumhq/tritium/internal/sqldb"
)

// Kinds of SecretRef.
const (
	SecretClient    = "client"     // an OAuth client's secret; ID is the client id
	SecretEngine    = "engine"     // the EngineSecret; ID is the engine code ("" the only one)
	SecretWebhook   = "webhook"    // a webhook subscription's secret; ID is its id
	SecretRawSealed = "raw-sealed" // Sealed holds a secret.Box-sealed secret
)

// SecretRef names the key a delivery is signed with; the secret itself is
// looked up when the delivery is sent, never stored with the delivery.
type SecretRef struct {
	Kind   string // SecretClient, SecretEngine, SecretWebhook or SecretRawSealed
	ID     string // client id / engine code / webhook id
	Sealed string // only for SecretRawSealed
}

// Message is one delivery to make.
type Message struct {
	Kind   string // "batch.completed", "webhook", "external_approval.requested", …: sent as X-Tritium-Event
	Owner  string // who may list and resend it: an OAuth client id, or "" for the engine/administrator
	URL    string // http(s), no userinfo; a private address is refused unless allowed
	Body   []byte // JSON, sent as is
	Secret SecretRef
	Ref    string // what caused it, for listing: batch id, webhook id, task id…
}

// Statuses of a delivery.
const (
	StatusPending   = "pending"   // an attempt is due or running
	StatusDelivered = "delivered" // a 2xx answered
	StatusFailed    = "failed"    // every attempt failed, or it could not be signed
)

// Secrets looks up the client and engine secrets deliveries are signed
// with (package auth implements it).
type Secrets interface {
	ClientSigningSecret(ctx context.Context, clientID string) (string, error)
	EngineSigningSecret(ctx context.Context, code string) (string, error)
}

// Config configures the service.
type Config struct {
	DB      *sqldb.DB
	Jobs    *job.Queue
	Box     *secret.Box // opens raw-sealed secrets; seals webhook secrets
	Secrets Secrets
	Logger  *slog.Logger
	// AllowPrivateNetworks is the server-wide switch (shared with the
	// integration hub) that lets deliveries reach loopback and private
	// addresses; Allow lists hosts, addresses and CIDR ranges allowed on
	// top of it.
	AllowPrivateNetworks bool
	Allow                []string
	// Backoff is the delay before each attempt after the first: the
	// attempts are len(Backoff)+1 (default DefaultBackoff: 20 attempts
	// over about 3 days).
	Backoff []time.Duration
	// Timeout bounds one attempt, connection to last byte (default 10s).
	Timeout time.Duration
	// MaxResponse is how much of a response body is read (default 64 KiB);
	// the log keeps its first 1 KiB.
	MaxResponse int64
	// Forms checks a webhook's form filter (nil: not checked).
	Forms Forms
	// DisableAfter turns a webhook off after this many failed deliveries
	// in a row (default 10).
	DisableAfter int
	// FeedRetention is how long change-feed events are kept (default 7 days).
	FeedRetention time.Duration
	// LogRetention is how long ended deliveries and their attempts stay in
	// the log (default 30 days).
	LogRetention time.Duration
}

// DefaultBackoff is the default retry schedule: 20 attempts, the last
// about 3 days after the first — long enough to outlast a receiver's
// weekend outage, and for one that fails half the time to lose an event
// once in a million (2^-20).
var DefaultBackoff = []time.Duration{
	10 * time.Second, 30 * time.Second, time.Minute, 2 * time.Minute, 5 * time.Minute, 10 * time.Minute,
	20 * time.Minute, 30 * time.Minute, time.Hour, time.Hour, 2 * time.Hour, 2 * time.Hour, 4 * time.Hour,
	4 * time.Hour, 8 * time.Hour, 8 * time.Hour, 12 * time.Hour, 12 * time.Hour, 24 * time.Hour,
}

// jobName is the job of one attempt.
const jobName = "delivery.send"

// DoneFunc is told, inside the committing transaction, that a delivery
// ended (delivered or failed).
type DoneFunc func(ctx context.Context, tx *sqldb.Tx, d Delivery) error

// Service enqueues, sends and lists deliveries.
type Service struct {
	cfg    Config
	db     *sqldb.DB
	jobs   *job.Queue
	log    *slog.Logger
	policy *netpolicy.Policy
	client *http.Client

	relayed atomic.Pointer[feed.Position] // where this node's relay last left the feed

	mu      sync.RWMutex
	done    map[string][]DoneFunc                                           // by Message.Kind
	secrets map[string]func(ctx context.Context, id string) (string, error) // extra SecretRef kinds
}

// New returns the service and registers its job on cfg.Jobs (call it
// before the queue starts).
func New(cfg Config) *Service {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Backoff == nil {
		cfg.Backoff = DefaultBackoff
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	if cfg.MaxResponse <= 0 {
		cfg.MaxResponse = 64 << 10
	}
	if cfg.DisableAfter <= 0 {
		cfg.DisableAfter = 10
	}
	if cfg.FeedRetention <= 0 {
		cfg.FeedRetention = 7 * 24 * time.Hour
	}
	if cfg.LogRetention <= 0 {
		cfg.LogRetention = 30 * 24 * time.Hour
	}
	p := netpolicy.New(cfg.AllowPrivateNetworks, cfg.Allow)
	s := &Service{cfg: cfg, db: cfg.DB, jobs: cfg.Jobs, log: cfg.Logger, policy: p, client: newClient(p, cfg.Timeout),
		done: map[string][]DoneFunc{}, secrets: map[string]func(context.Context, string) (string, error){}}
	cfg.Jobs.HandleWork(jobName, s.work)
	for _, t := range feed.Types {
		s.OnDone(t, s.webhookDone)
	}
	return s
}

// OnDone registers fn for the deliveries of kind: it runs in the
// transaction that records their end.
func (s *Service) OnDone(kind string, fn DoneFunc) {
	s.mu.Lock()
	s.done[kind] = append(s.done[kind], fn)
	s.mu.Unlock()
}

// HandleSecrets registers how secrets of a SecretRef kind other than the
// built-in ones (client, engine, webhook, raw-sealed) are looked up.
func (s *Service) HandleSecrets(kind string, fn func(ctx context.Context, id string) (string, error)) {
	s.mu.Lock()
	s.secrets[kind] = fn
	s.mu.Unlock()
}

// Attempts is how many attempts a delivery gets.
func (s *Service) Attempts() int { return len(s.cfg.Backoff) + 1 }

// maxURL bounds a delivery URL.
const maxURL = 2048

// CheckURL reports why raw may not be a delivery URL (naming field in
// the error), or nil: http or https, a host, no user name or password,
// no fragment, at most 2048 bytes, and not an address the network policy
// refuses (a host name is checked again, resolved, when it is dialed).
func (s *Service) CheckURL(field, raw string) error {
	if raw == "" || len(raw) > maxURL || !utf8.ValidString(raw) || strings.ContainsAny(raw, "\x00\r\n\t ") {
		return apperr.Field(field, "%s 须为不超过 2048 字节的 http(s) 地址 (must be an http(s) URL of at most 2048 bytes)", field)
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Hostname() == "" || u.Opaque != "" {
		return apperr.Field(field, "%s 须为 http(s) 地址 (must be an absolute http or https URL)", field)
	}
	if u.User != nil {
		return apperr.Field(field, "%s 不能包含用户名或密码 (must not carry a user name or password)", field)
	}
	if u.Fragment != "" || strings.Contains(raw, "#") {
		return apperr.Field(field, "%s 不能包含片段 (must not carry a #fragment)", field)
	}
	if err := s.policy.CheckHost(u.Hostname()); err != nil {
		return apperr.Field(field, "%s 指向网络策略不允许的地址 %s (points at an address the network policy refuses: private and loopback addresses need the server's allow-list)", field, u.Hostname())
	}
	return nil
}

// Enqueue records the delivery inside tx (the caller's write transaction)
// and schedules its first attempt through the job queue, so the delivery
// exists exactly when the change commits.
func (s *Service) Enqueue(ctx context.Context, tx *sqldb.Tx, m Message) (id string, err error) {
	if err := s.validate(m); err != nil {
		return "", err
	}
	id = newID()
	now := sqldb.Now()
	d := tx.Dialect()
	_, err = tx.Exec(ctx, `INSERT INTO deliveries (id, kind, owner, ref, url, body, secret_kind, secret_id, secret_sealed, status,
 generation, round_attempts, attempts, response_code, latency_ms, last_error, next_attempt_time, created_time, modified_time)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, 0, 0, 0, 0, '', ?, ?, ?)`,
		id, m.Kind, m.Owner, m.Ref, m.URL, string(m.Body), m.Secret.Kind, m.Secret.ID, m.Secret.Sealed, StatusPending,
		d.TimeValue(now), d.TimeValue(now), d.TimeValue(now))
	if err != nil {
		return "", fmt.Errorf("enqueue delivery: %w", err)
	}
	if err := s.jobs.Enqueue(ctx, tx, jobName, attemptJob{ID: id, Gen: 1, N: 1}, time.Time{}); err != nil {
		return "", fmt.Errorf("enqueue delivery: %w", err)
	}
	return id, nil
}

func (s *Service) validate(m Message) error {
	if err := s.CheckURL("url", m.URL); err != nil {
		return err
	}
	if m.Kind == "" || len(m.Kind) > 100 || !utf8.ValidString(m.Kind) || strings.ContainsAny(m.Kind, "\x00\r\n") {
		return apperr.Field("kind", "kind 不能为空且不超过 100 字节 (kind is required, at most 100 bytes)")
	}
	if !json.Valid(m.Body) {
		return apperr.Field("body", "body 须为 JSON (the body must be JSON)")
	}
	switch m.Secret.Kind {
	case SecretClient, SecretEngine, SecretWebhook:
	case SecretRawSealed:
		if m.Secret.Sealed == "" {
			return apperr.Field("secret", "缺少签名密钥 (a raw-sealed secret needs its sealed value)")
		}
	default:
		s.mu.RLock()
		_, ok := s.secrets[m.Secret.Kind]
		s.mu.RUnlock()
		if !ok {
			return apperr.Field("secret", "未知的签名密钥类型: %q (unknown secret kind)", m.Secret.Kind)
		}
	}
	return nil
}

// attemptJob is the payload of one attempt's job: the delivery, its
// generation (a re-send starts the next one) and the attempt's number in
// that generation.
type attemptJob struct {
	ID  string `json:"id"`
	Gen int    `json:"gen"`
	N   int    `json:"n"`
}

// newID returns "dl_" and 24 random characters.
func newID() string { return "dl_" + auth.RandomText(24) }
