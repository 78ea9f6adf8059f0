package sqldb

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// Revision is a one-row counter (table: id = 1, revision) that every change
// of some data bumps in the change's transaction, and this node's view of
// it: a cache of that data asks Stale, at most once per interval, whether
// another node changed it since the cache was loaded.
type Revision struct {
	table string
	every time.Duration
	mu    sync.Mutex
	seen  time.Time // when the stored revision was last read
	rev   int64     // the revision the cache holds
}

// NewRevision watches the counter in table, checking it at most once per
// every.
func NewRevision(table string, every time.Duration) *Revision {
	return &Revision{table: table, every: every}
}

// Read returns the stored revision.
func (r *Revision) Read(ctx context.Context, q Querier) (int64, error) {
	var rev int64
	if err := q.QueryRow(ctx, "SELECT revision FROM "+r.table+" WHERE id = 1").Scan(&rev); err != nil {
		return 0, fmt.Errorf("read %s: %w", r.table, err)
	}
	return rev, nil
}

// Loaded records that the cache now holds rev, as of now.
func (r *Revision) Loaded(rev int64) {
	r.mu.Lock()
	r.rev, r.seen = rev, time.Now()
	r.mu.Unlock()
}

// Stale reports whether the stored revision differs from the loaded one.
// Between checks, and when the read fails (the cache keeps serving; the
// next use tries again), it reports false. It reads through q: never call
// it inside a write transaction, or a pool of such transactions can wait
// for one more connection forever.
func (r *Revision) Stale(ctx context.Context, q Querier) bool {
	r.mu.Lock()
	due := time.Since(r.seen) >= r.every
	r.mu.Unlock()
	if !due {
		return false
	}
	rev, err := r.Read(ctx, q)
	if err != nil {
		return false
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.seen = time.Now()
	return rev != r.rev
}

// Bump counts a change, in its transaction.
func (r *Revision) Bump(ctx context.Context, tx *Tx) error {
	if _, err := tx.Exec(ctx, "UPDATE "+r.table+" SET revision = revision + 1 WHERE id = 1"); err != nil {
		return fmt.Errorf("bump %s: %w", r.table, err)
	}
	return nil
}
