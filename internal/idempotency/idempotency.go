// Package idempotency keeps the first answer to a request sent with an
// Idempotency-Key, so that a client retrying after a timeout gets that
// answer again instead of a second write. Answers live in the database
// (any node replays them) for a day.
package idempotency

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/tritiumhq/tritium/internal/sqldb"
)

// TTL is how long an answer is replayed.
const TTL = 24 * time.Hour

// pending is the status of a claimed key whose request has not answered.
const pending = 0

// abandonAfter is when a pending claim is taken for dead: well past the
// server's 60 s request timeout.
const abandonAfter = 2 * time.Minute

// Answer is a stored response.
type Answer struct {
	Status      int
	ContentType string
	Location    string
	Body        []byte
}

// Store keeps answers by owner (the credential) and key.
type Store struct {
	db      *sqldb.DB
	mu      sync.Mutex
	pruned  time.Time
	pruneAt time.Duration
}

// NewStore returns a store over db.
func NewStore(db *sqldb.DB) *Store { return &Store{db: db, pruneAt: time.Minute} }

// Outcome of Begin.
type Outcome int

const (
	// Claimed: the key is new; run the request, then Finish or Abandon.
	Claimed Outcome = iota
	// Replay: the key answered before; Answer is that answer.
	Replay
	// InFlight: the same key's first request has not answered yet.
	InFlight
	// Mismatch: the key was used for a different request.
	Mismatch
)

// Begin claims key for owner and a request with fingerprint, or reports
// what the key already holds.
func (st *Store) Begin(ctx context.Context, owner, key, fingerprint string) (Outcome, *Answer, error) {
	st.prune(ctx)
	now := time.Now().UTC()
	for attempt := 0; attempt < 2; attempt++ {
		a, fp, created, err := st.load(ctx, owner, key)
		if err != nil {
			return 0, nil, err
		}
		switch {
		case a == nil:
		case now.Sub(created) >= TTL || (a.Status == pending && now.Sub(created) >= abandonAfter):
			// Expired, or claimed by a request that never answered (its
			// node stopped): it no longer counts; claim it afresh.
			if err := st.remove(ctx, owner, key); err != nil {
				return 0, nil, err
			}
		case fp != fingerprint:
			return Mismatch, nil, nil
		case a.Status == pending:
			return InFlight, nil, nil
		default:
			return Replay, a, nil
		}
		err = st.db.Write(ctx, func(tx *sqldb.Tx) error {
			_, err := tx.Exec(ctx, "INSERT INTO idempotency_keys (owner, idem_key, fingerprint, status, created_time) VALUES (?, ?, ?, ?, ?)",
				owner, key, fingerprint, pending, tx.Dialect().TimeValue(now))
			return err
		})
		if err == nil {
			return Claimed, nil, nil
		}
		if !st.db.Dialect().IsUniqueViolation(err) {
			return 0, nil, fmt.Errorf("claim idempotency key: %w", err)
		}
		// Another request claimed it first: look again.
	}
	return InFlight, nil, nil
}

// Finish stores the answer to the claimed key.
func (st *Store) Finish(ctx context.Context, owner, key string, a Answer) error {
	err := st.db.Write(ctx, func(tx *sqldb.Tx) error {
		_, err := tx.Exec(ctx, "UPDATE idempotency_keys SET status = ?, content_type = ?, location = ?, body = ? WHERE owner = ? AND idem_key = ?",
			a.Status, a.ContentType, a.Location, a.Body, owner, key)
		return err
	})
	if err != nil {
		return fmt.Errorf("store idempotent answer: %w", err)
	}
	return nil
}

// Abandon releases a claimed key whose request must not be replayed (a
// server error): the client may retry it.
func (st *Store) Abandon(ctx context.Context, owner, key string) error {
	return st.remove(ctx, owner, key)
}

func (st *Store) remove(ctx context.Context, owner, key string) error {
	err := st.db.Write(ctx, func(tx *sqldb.Tx) error {
		_, err := tx.Exec(ctx, "DELETE FROM idempotency_keys WHERE owner = ? AND idem_key = ?", owner, key)
		return err
	})
	if err != nil {
		return fmt.Errorf("release idempotency key: %w", err)
	}
	return nil
}

func (st *Store) load(ctx context.Context, owner, key string) (*Answer, string, time.Time, error) {
	q := st.db.Reader()
	var a Answer
	var fp string
	var ct, loc sql.NullString
	var created any
	err := q.QueryRow(ctx, "SELECT fingerprint, status, content_type, location, body, created_time FROM idempotency_keys WHERE owner = ? AND idem_key = ?",
		owner, key).Scan(&fp, &a.Status, &ct, &loc, &a.Body, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, "", time.Time{}, nil
	}
	if err != nil {
		return nil, "", time.Time{}, fmt.Errorf("look up idempotency key: %w", err)
	}
	t, err := q.Dialect().ScanTime(created)
	if err != nil {
		return nil, "", time.Time{}, err
	}
	a.ContentType, a.Location = ct.String, loc.String
	return &a, fp, t, nil
}

// prune removes expired answers, at most once a minute per node; a failure
// waits for the next turn (expired answers are ignored on lookup anyway).
func (st *Store) prune(ctx context.Context) {
	st.mu.Lock()
	due := time.Since(st.pruned) >= st.pruneAt
	if due {
		st.pruned = time.Now()
	}
	st.mu.Unlock()
	if !due {
		return
	}
	cutoff := time.Now().UTC().Add(-TTL)
	_ = st.db.Write(ctx, func(tx *sqldb.Tx) error {
		_, err := tx.Exec(ctx, "DELETE FROM idempotency_keys WHERE created_time < ?", tx.Dialect().TimeValue(cutoff))
		return err
	})
}
