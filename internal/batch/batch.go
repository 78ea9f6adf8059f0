// Package batch is the async batch write service: a request of up to
// MaxItems creates, updates, upserts or deletes of one form is stored and
// answered at once; the job queue then writes it in chunks, each chunk one
// transaction holding its records, their item results and the batch's
// progress, so a crash anywhere resumes after the last committed chunk
// without losing or doubling an item. When the last chunk commits, the
// completion callback is enqueued in the same transaction.
package batch

import (
	"context"
	"log/slog"
	"time"

	"github.com/tritiumhq/tritium/internal/job"
	"github.com/tritiumhq/tritium/internal/record"
	"github.com/tritiumhq/tritium/internal/sqldb"
)

// MaxItems is the most items one batch takes.
const MaxItems = 10000

// Statuses of a batch.
const (
	StatusQueued    = "queued"
	StatusRunning   = "running"
	StatusCompleted = "completed"
	StatusFailed    = "failed" // the batch could not be processed (its form or user went away)
)

// Item codes and the batch's subCodes, as the callback carries them.
const (
	CodeOK     = "0"
	CodeFailed = "1"

	SubSuccess        = "success"
	SubPartialFailure = "partial_failure"
	SubFailure        = "failure"
)

// Caller is who submits a batch and may read it.
type Caller struct {
	// Kind is "client" (an OAuth client) or "engine" (engine credentials);
	// ID the client id or engine code. They name the batch's owner and the
	// key its callback is signed with.
	Kind, ID string
	// Admin callers see every batch.
	Admin bool
	// UserID is the user context the items are written as ("": the
	// caller's own actor, the administrator).
	UserID string
}

// Owner is the caller's owner key ("client:cl_…", "engine:code").
func (c Caller) Owner() string { return c.Kind + ":" + c.ID }

// Request is a batch as submitted.
type Request struct {
	Form         string
	Operation    record.WriteOp
	SourceSystem string
	Items        []Item
	// CallbackURL, when empty, is the client's configured callback for
	// the operation (none: no callback).
	CallbackURL string
	// Submit submits what is created (starting its workflow).
	Submit bool
}

// Item is one item of a request; Data is its JSON object as sent.
type Item struct {
	SourceCode string
	ObjectID   string
	Data       []byte
}

// Batch is a batch's state.
type Batch struct {
	ID           string         `json:"batchId"`
	Form         string         `json:"form"`
	Operation    record.WriteOp `json:"operation"`
	SourceSystem string         `json:"sourceSystem"`
	Submit       bool           `json:"submit"`
	Status       string         `json:"status"`
	Counts       Counts         `json:"counts"`
	// Code, SubCode and Message are the outcome, once finished (as the
	// callback says it).
	Code         string     `json:"code,omitempty"`
	SubCode      string     `json:"subCode,omitempty"`
	Message      string     `json:"message,omitempty"`
	CallbackURL  string     `json:"callbackUrl,omitempty"`
	CreatedTime  time.Time  `json:"createdTime"`
	FinishedTime *time.Time `json:"finishedTime,omitempty"`

	owner, actor, secretKind, secretID string
	gen                                int64
}

// Counts is a batch's progress.
type Counts struct {
	Total     int `json:"total"`
	Done      int `json:"done"`
	Succeeded int `json:"succeeded"`
	Failed    int `json:"failed"`
}

// Result is one processed item, as GET and the callback show it.
type Result struct {
	SourceCode string `json:"sourceCode"`
	ObjectID   string `json:"objectId,omitempty"`
	Code       string `json:"code"`
	SubCode    string `json:"subCode"`
	Message    string `json:"message,omitempty"`
}

// Callback is the completion callback to deliver.
type Callback struct {
	BatchID string
	URL     string
	Body    []byte
	// Owner is the OAuth client id ("" for engine credentials).
	Owner string
	// SecretKind ("client" or "engine") and SecretID name the key the
	// delivery is signed with.
	SecretKind, SecretID string
}

// Notifier delivers completion callbacks (package delivery does).
type Notifier interface {
	// CheckURL refuses a callback URL no delivery could be sent to.
	CheckURL(rawURL string) error
	// Enqueue records the callback inside tx; it is sent once tx commits.
	Enqueue(ctx context.Context, tx *sqldb.Tx, c Callback) error
}

// Config holds the service's collaborators.
type Config struct {
	DB      *sqldb.DB
	Records *record.Service
	Jobs    *job.Queue
	// Admin is the actor of a batch without a user context.
	Admin record.Actor
	// ActAs resolves a user context when a chunk is written (the user's
	// permissions then).
	ActAs func(ctx context.Context, userID string) (record.Actor, error)
	// ClientCallback is an OAuth client's configured callback URL for an
	// operation ("" none). May be nil.
	ClientCallback func(ctx context.Context, clientID, operation string) (string, error)
	// Notifier sends callbacks; nil: batches with a callback are refused.
	Notifier Notifier
	// ChunkSize is how many items one transaction writes (default 500).
	ChunkSize int
	// ResumeAfter is how long an unfinished batch may go without progress
	// before any node takes it over (default 1 min).
	ResumeAfter time.Duration
	// MaxAttempts is how often a chunk that fails (not its items: the
	// database) is tried before the batch fails (default 5).
	MaxAttempts int
	Logger      *slog.Logger
}

// Service submits, processes and reports batches.
type Service struct {
	cfg Config
	log *slog.Logger
}

// jobChunk is the job that writes a batch's next chunk.
const jobChunk = "batch.chunk"

// New returns the service and registers its job with cfg.Jobs (before the
// queue starts).
func New(cfg Config) *Service {
	if cfg.ChunkSize <= 0 {
		cfg.ChunkSize = 500
	}
	if cfg.ResumeAfter <= 0 {
		cfg.ResumeAfter = time.Minute
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = 5
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	s := &Service{cfg: cfg, log: cfg.Logger}
	cfg.Jobs.HandleWork(jobChunk, s.work)
	return s
}
