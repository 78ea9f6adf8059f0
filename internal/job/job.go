// Package job is the durable job queue: River on the same database as the
// data, on PostgreSQL and SQLite alike. A job is enqueued inside the write
// transaction that causes it, so nothing is "written but not scheduled";
// its handler runs inside a write transaction that also marks the job
// completed, so its effect commits exactly once even across crashes and
// retries.
package job

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"

	"github.com/tritiumhq/tritium/internal/sqldb"
)

// Handler does a job's work inside tx; an error rolls it back and the job
// is retried with backoff.
type Handler func(ctx context.Context, tx *sqldb.Tx, payload json.RawMessage) error

// Work does a job's work outside any transaction — work that may take
// long (a script, an outbound call) must not hold the database's writer —
// and returns what to commit with the job's completion (nil: complete it
// alone). An error, from either, leaves the job to be retried with backoff;
// so the work runs at least once, and its commit exactly once. attempt is
// 1 on the first run.
type Work func(ctx context.Context, payload json.RawMessage, attempt int) (commit func(ctx context.Context, tx *sqldb.Tx) error, err error)

// Config tunes the queue.
type Config struct {
	// Poll is how often idle workers look for due jobs (default 200ms):
	// the delay with which a scheduled job starts after it is due.
	Poll    time.Duration
	Workers int // concurrent jobs (default 10)
	// RetryDelay, when set, replaces River's backoff (attempt^4 seconds)
	// between runs of a failing job.
	RetryDelay func(attempt int) time.Duration
	// Schedule is how often this node makes scheduled jobs that fall due
	// within the next Schedule available itself (default 1s; negative:
	// never), instead of leaving that to the queue's leader alone (see
	// schedule.go).
	Schedule time.Duration
	Logger   *slog.Logger
	// Observer, when set, is told about every job run.
	Observer Observer
}

// Observer is told about every job run (metrics): the job's name and its
// error (nil when it committed).
type Observer interface {
	ObserveJob(name string, err error)
}

type retryPolicy func(attempt int) time.Duration

func (p retryPolicy) NextRetry(j *rivertype.JobRow) time.Time {
	return time.Now().Add(p(j.Attempt))
}

// Queue enqueues and works jobs.
type Queue struct {
	db       *sqldb.DB
	log      *slog.Logger
	mu       sync.RWMutex
	handlers map[string]Handler
	works    map[string]Work
	pg       *river.Client[pgx.Tx]
	lite     *river.Client[*sql.Tx]
	pgDrv    *riverpgxv5.Driver
	liteDrv  *riversqlite.Driver
	schema   string  // PostgreSQL: the schema River's tables are in
	session  *sql.DB // SQLite: River's own connection
	every    time.Duration
	stopLoop context.CancelFunc
	loopDone chan struct{}
	obs      Observer
}

// args is the one River job kind: a named handler and its JSON payload.
type args struct {
	Name    string          `json:"name"`
	Payload json.RawMessage `json:"payload"`
}

func (args) Kind() string { return "tritium" }

// New migrates River's tables and prepares a queue; register handlers,
// then Start it.
func New(ctx context.Context, db *sqldb.DB, cfg Config) (*Queue, error) {
	if cfg.Poll <= 0 {
		cfg.Poll = 200 * time.Millisecond
	}
	if cfg.Workers <= 0 {
		cfg.Workers = 10
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Schedule == 0 {
		cfg.Schedule = time.Second
	}
	q := &Queue{db: db, log: cfg.Logger, handlers: map[string]Handler{}, works: map[string]Work{}, every: cfg.Schedule, obs: cfg.Observer}
	workers := river.NewWorkers()
	river.AddWorker(workers, &worker{q: q})
	rc := &river.Config{
		Queues:            map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: cfg.Workers}},
		Workers:           workers,
		FetchPollInterval: cfg.Poll,
		FetchCooldown:     min(cfg.Poll, 100*time.Millisecond),
		Logger:            cfg.Logger,
		JobTimeout:        5 * time.Minute,
	}
	if cfg.RetryDelay != nil {
		rc.RetryPolicy = retryPolicy(cfg.RetryDelay)
	}
	var err error
	if pool := db.Pool(); pool != nil {
		// River's notification topics are global unless the schema is
		// named: stores in other schemas of the database would hear this
		// one's leadership changes.
		if err = pool.QueryRow(ctx, "SELECT current_schema()").Scan(&rc.Schema); err != nil {
			return nil, fmt.Errorf("job queue: %w", err)
		}
		q.pgDrv, q.schema = riverpgxv5.New(pool), rc.Schema
		if err = migrate(ctx, q.pgDrv, rc.Schema); err == nil {
			q.pg, err = river.NewClient(q.pgDrv, rc)
		}
	} else {
		if q.session, err = db.OpenSession(); err != nil {
			return nil, fmt.Errorf("job queue: %w", err)
		}
		rc.PollOnly = true // SQLite has no LISTEN/NOTIFY
		q.liteDrv = riversqlite.New(q.session)
		if err = migrate(ctx, q.liteDrv, ""); err == nil {
			q.lite, err = river.NewClient(q.liteDrv, rc)
		}
	}
	if err != nil {
		q.closeSession()
		return nil, fmt.Errorf("job queue: %w", err)
	}
	return q, nil
}

// migrate brings River's tables up to date (River keeps its own versions).
func migrate[TTx any](ctx context.Context, drv riverdriver.Driver[TTx], schema string) error {
	m, err := rivermigrate.New(drv, &rivermigrate.Config{Schema: schema})
	if err != nil {
		return err
	}
	_, err = m.Migrate(ctx, rivermigrate.DirectionUp, nil)
	return err
}

// Handle registers h for jobs named name; call it before Start.
func (q *Queue) Handle(name string, h Handler) {
	q.mu.Lock()
	q.handlers[name] = h
	q.mu.Unlock()
}

// HandleWork registers w for jobs named name; call it before Start.
func (q *Queue) HandleWork(name string, w Work) {
	q.mu.Lock()
	q.works[name] = w
	q.mu.Unlock()
}

// Start begins working jobs; due jobs left from a previous run are worked
// too.
func (q *Queue) Start(ctx context.Context) error {
	var err error
	if q.pg != nil {
		err = q.pg.Start(ctx)
	} else {
		err = q.lite.Start(ctx)
	}
	if err == nil && q.every > 0 && q.stopLoop == nil {
		lctx, cancel := context.WithCancel(ctx)
		q.stopLoop, q.loopDone = cancel, make(chan struct{})
		go q.scheduleLoop(lctx, q.every)
	}
	return err
}

// Stop waits for running jobs to finish (until ctx ends) and stops.
func (q *Queue) Stop(ctx context.Context) error {
	if q.stopLoop != nil {
		q.stopLoop()
		<-q.loopDone
		q.stopLoop = nil
	}
	var err error
	if q.pg != nil {
		err = q.pg.Stop(ctx)
	} else {
		err = q.lite.Stop(ctx)
	}
	q.closeSession()
	return err
}

func (q *Queue) closeSession() {
	if q.session != nil {
		q.session.Close()
		q.session = nil
	}
}

// Enqueue schedules the handler name with payload inside tx, to run at
// (now when zero). It runs only if tx commits.
func (q *Queue) Enqueue(ctx context.Context, tx *sqldb.Tx, name string, payload any, at time.Time) error {
	b, err := json.Marshal(payload)
	if err != nil {
		return fmt.Errorf("enqueue %s: %w", name, err)
	}
	var opts *river.InsertOpts
	if !at.IsZero() {
		opts = &river.InsertOpts{ScheduledAt: at}
	}
	a := args{Name: name, Payload: b}
	if q.pg != nil {
		_, err = q.pg.InsertTx(ctx, tx.PgxTx(), a, opts)
	} else {
		_, err = q.lite.InsertTx(ctx, tx.SQLTx(), a, opts)
	}
	if err != nil {
		return fmt.Errorf("enqueue %s: %w", name, err)
	}
	return nil
}

// worker runs every job: the named handler and the job's completion in
// one write transaction.
type worker struct {
	river.WorkerDefaults[args]
	q *Queue
}

var errNoHandler = errors.New("no handler registered")

func (w *worker) Work(ctx context.Context, j *river.Job[args]) error {
	err := w.work(ctx, j)
	if w.q.obs != nil {
		w.q.obs.ObserveJob(j.Args.Name, err)
	}
	return err
}

func (w *worker) work(ctx context.Context, j *river.Job[args]) error {
	w.q.mu.RLock()
	h := w.q.handlers[j.Args.Name]
	wk := w.q.works[j.Args.Name]
	w.q.mu.RUnlock()
	if wk != nil {
		commit, err := wk(ctx, j.Args.Payload, j.Attempt)
		if err != nil {
			return err
		}
		h = func(ctx context.Context, tx *sqldb.Tx, _ json.RawMessage) error {
			if commit == nil {
				return nil
			}
			return commit(ctx, tx)
		}
	}
	if h == nil {
		return fmt.Errorf("job %s: %w", j.Args.Name, errNoHandler)
	}
	return w.q.db.Write(ctx, func(tx *sqldb.Tx) error {
		if err := h(ctx, tx, j.Args.Payload); err != nil {
			return err
		}
		var err error
		if w.q.pg != nil {
			_, err = river.JobCompleteTx[*riverpgxv5.Driver](ctx, tx.PgxTx(), j)
		} else {
			_, err = river.JobCompleteTx[*riversqlite.Driver](ctx, tx.SQLTx(), j)
		}
		return err
	})
}

// depthStates are the states Depth reports: jobs not yet done.
func depthStates() []string { return []string{"available", "scheduled", "retryable", "running"} }

// Depth counts the jobs that are not done yet, by River state: available
// (due, waiting for a worker), scheduled (due later), retryable (failed,
// waiting for the next attempt) and running. Every state is in the map.
func (q *Queue) Depth(ctx context.Context) (map[string]int64, error) {
	states := depthStates()
	out := make(map[string]int64, len(states))
	for _, s := range states {
		out[s] = 0
	}
	rows, err := q.db.Reader().Query(ctx, "SELECT state, COUNT(*) FROM river_job WHERE state IN (?, ?, ?, ?) GROUP BY state",
		states[0], states[1], states[2], states[3])
	if err != nil {
		return nil, fmt.Errorf("job queue depth: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var s string
		var n int64
		if err := rows.Scan(&s, &n); err != nil {
			return nil, fmt.Errorf("job queue depth: %w", err)
		}
		out[s] = n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("job queue depth: %w", err)
	}
	return out, nil
}
