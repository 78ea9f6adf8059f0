package delivery

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/tritiumhq/tritium/internal/apperr"
	"github.com/tritiumhq/tritium/internal/sqldb"
)

// Delivery is a delivery as its log shows it. The body and the secret are
// not part of it.
type Delivery struct {
	ID     string `json:"id"`
	Kind   string `json:"kind"`
	Owner  string `json:"owner,omitempty"`
	Ref    string `json:"ref"`
	URL    string `json:"url"`
	Status string `json:"status"`
	// Attempts counts every attempt made, re-sends included.
	Attempts int `json:"attempts"`
	// ResponseCode, LatencyMs and LastError are the last attempt's (0 and
	// "" before the first; LastError is "" after a 2xx).
	ResponseCode int    `json:"responseCode"`
	LatencyMs    int64  `json:"latencyMs"`
	LastError    string `json:"lastError"`
	// NextAttemptTime is when the next attempt is due (pending only).
	NextAttemptTime *time.Time `json:"nextAttemptTime"`
	CreatedTime     time.Time  `json:"createdTime"`
	ModifiedTime    time.Time  `json:"modifiedTime"`
	DeliveredTime   *time.Time `json:"deliveredTime"`
}

// Attempt is one attempt of a delivery.
type Attempt struct {
	Attempt      int       `json:"attempt"`
	Generation   int       `json:"generation"` // 1, then one more per re-send
	StartedTime  time.Time `json:"startedTime"`
	ResponseCode int       `json:"responseCode"` // 0: no answer
	LatencyMs    int64     `json:"latencyMs"`
	Error        string    `json:"error"`
	Response     string    `json:"response"` // the answer's first 1 KiB
}

const deliveryCols = `id, kind, owner, ref, url, body, secret_kind, secret_id, secret_sealed, status, generation, round_attempts,
 attempts, response_code, latency_ms, last_error, next_attempt_time, created_time, modified_time, delivered_time`

func (s *Service) load(ctx context.Context, q sqldb.Querier, id string) (row, error) {
	rows, err := q.Query(ctx, "SELECT "+deliveryCols+" FROM deliveries WHERE id = ?", id)
	if err != nil {
		return row{}, fmt.Errorf("load delivery: %w", err)
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return row{}, fmt.Errorf("load delivery: %w", err)
		}
		return row{}, sql.ErrNoRows
	}
	return scanRow(rows, q.Dialect())
}

func scanRow(rows sqldb.Rows, d sqldb.Dialect) (row, error) {
	var r row
	var next, ct, mt, dt any
	if err := rows.Scan(&r.ID, &r.Kind, &r.Owner, &r.Ref, &r.URL, &r.body, &r.secret.Kind, &r.secret.ID, &r.secret.Sealed, &r.Status,
		&r.generation, &r.roundTried, &r.Attempts, &r.ResponseCode, &r.LatencyMs, &r.LastError, &next, &ct, &mt, &dt); err != nil {
		return row{}, fmt.Errorf("scan delivery: %w", err)
	}
	var err error
	if r.CreatedTime, err = d.ScanTime(ct); err != nil {
		return row{}, err
	}
	if r.ModifiedTime, err = d.ScanTime(mt); err != nil {
		return row{}, err
	}
	if r.NextAttemptTime, err = optTime(d, next); err != nil {
		return row{}, err
	}
	if r.DeliveredTime, err = optTime(d, dt); err != nil {
		return row{}, err
	}
	if r.Status != StatusPending {
		r.NextAttemptTime = nil
	}
	return r, nil
}

func optTime(d sqldb.Dialect, v any) (*time.Time, error) {
	if v == nil {
		return nil, nil
	}
	t, err := d.ScanTime(v)
	if err != nil {
		return nil, err
	}
	return &t, nil
}

func notFound(id string) error {
	if len(id) > 64 {
		id = id[:64] + "…"
	}
	return apperr.New(apperr.NotFound, "投递不存在: %s (no delivery with this id)", id)
}

// Get returns a delivery. owner, when not nil, must be the delivery's
// owner (another owner's delivery is not found).
func (s *Service) Get(ctx context.Context, id string, owner *string) (Delivery, error) {
	r, err := s.load(ctx, s.db.Reader(), id)
	if errors.Is(err, sql.ErrNoRows) || err == nil && owner != nil && r.Owner != *owner {
		return Delivery{}, notFound(id)
	}
	return r.Delivery, err
}

// Body returns the body a delivery sends.
func (s *Service) Body(ctx context.Context, id string, owner *string) ([]byte, error) {
	r, err := s.load(ctx, s.db.Reader(), id)
	if errors.Is(err, sql.ErrNoRows) || err == nil && owner != nil && r.Owner != *owner {
		return nil, notFound(id)
	}
	return []byte(r.body), err
}

// Filter selects deliveries for List.
type Filter struct {
	Owner *string // only this owner's (nil: everyone's)
	Ref   string  // only those caused by this (batch id, webhook id…); "" any
	Kind  string
	// Status is pending, delivered or failed ("" any).
	Status string
	// Before pages: only deliveries older than this one's id (newest first).
	Before string
	Limit  int // default 50, at most 500
}

// List returns deliveries, newest first.
func (s *Service) List(ctx context.Context, f Filter) ([]Delivery, error) {
	if f.Limit <= 0 {
		f.Limit = 50
	}
	f.Limit = min(f.Limit, 500)
	q, args := "SELECT "+deliveryCols+" FROM deliveries WHERE 1 = 1", []any{}
	if f.Owner != nil {
		q, args = q+" AND owner = ?", append(args, *f.Owner)
	}
	if f.Ref != "" {
		q, args = q+" AND ref = ?", append(args, f.Ref)
	}
	if f.Kind != "" {
		q, args = q+" AND kind = ?", append(args, f.Kind)
	}
	if f.Status != "" {
		q, args = q+" AND status = ?", append(args, f.Status)
	}
	if f.Before != "" {
		q += " AND (created_time, id) < (SELECT created_time, id FROM deliveries WHERE id = ?)"
		args = append(args, f.Before)
	}
	rows, err := s.db.Reader().Query(ctx, q+fmt.Sprintf(" ORDER BY created_time DESC, id DESC LIMIT %d", f.Limit), args...)
	if err != nil {
		return nil, fmt.Errorf("list deliveries: %w", err)
	}
	defer rows.Close()
	out := []Delivery{}
	for rows.Next() {
		r, err := scanRow(rows, s.db.Dialect())
		if err != nil {
			return nil, err
		}
		out = append(out, r.Delivery)
	}
	return out, rows.Err()
}

// AttemptLog returns a delivery's attempts, oldest first.
func (s *Service) AttemptLog(ctx context.Context, id string, owner *string) ([]Attempt, error) {
	if _, err := s.Get(ctx, id, owner); err != nil {
		return nil, err
	}
	rows, err := s.db.Reader().Query(ctx, `SELECT attempt, generation, started_time, response_code, latency_ms, error, response
FROM delivery_attempts WHERE delivery_id = ? ORDER BY attempt`, id)
	if err != nil {
		return nil, fmt.Errorf("list delivery attempts: %w", err)
	}
	defer rows.Close()
	out := []Attempt{}
	for rows.Next() {
		var a Attempt
		var st any
		if err := rows.Scan(&a.Attempt, &a.Generation, &st, &a.ResponseCode, &a.LatencyMs, &a.Error, &a.Response); err != nil {
			return nil, fmt.Errorf("list delivery attempts: %w", err)
		}
		if a.StartedTime, err = s.db.Dialect().ScanTime(st); err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// Resend starts the delivery again, with a full schedule of attempts and
// the same id, whatever its status; attempts still scheduled from before
// are dropped.
func (s *Service) Resend(ctx context.Context, id string, owner *string) (Delivery, error) {
	err := s.db.Write(ctx, func(tx *sqldb.Tx) error {
		r, err := s.load(ctx, tx, id)
		if errors.Is(err, sql.ErrNoRows) || err == nil && owner != nil && r.Owner != *owner {
			return notFound(id)
		}
		if err != nil {
			return err
		}
		d, now := tx.Dialect(), sqldb.Now()
		if _, err := tx.Exec(ctx, `UPDATE deliveries SET status = ?, generation = generation + 1, round_attempts = 0, next_attempt_time = ?, modified_time = ?
WHERE id = ?`, StatusPending, d.TimeValue(now), d.TimeValue(now), id); err != nil {
			return fmt.Errorf("resend delivery: %w", err)
		}
		return s.jobs.Enqueue(ctx, tx, jobName, attemptJob{ID: id, Gen: r.generation + 1, N: 1}, time.Time{})
	})
	if err != nil {
		return Delivery{}, err
	}
	return s.Get(ctx, id, owner)
}

// PruneLog deletes the deliveries that ended (delivered or failed) before
// before, with their attempts, 500 at a time; pending ones stay.
func (s *Service) PruneLog(ctx context.Context, before time.Time) (int64, error) {
	var total int64
	for {
		var n int64
		err := s.db.Write(ctx, func(tx *sqldb.Tx) error {
			rows, err := tx.Query(ctx, "SELECT id FROM deliveries WHERE status <> ? AND modified_time < ? ORDER BY modified_time LIMIT 500",
				StatusPending, tx.Dialect().TimeValue(before))
			if err != nil {
				return err
			}
			var ids []any
			for rows.Next() {
				var id string
				if err := rows.Scan(&id); err != nil {
					rows.Close()
					return err
				}
				ids = append(ids, id)
			}
			rows.Close()
			if err := rows.Err(); err != nil || len(ids) == 0 {
				return err
			}
			in := "(?" + strings.Repeat(", ?", len(ids)-1) + ")"
			res, err := tx.Exec(ctx, "DELETE FROM deliveries WHERE status <> ? AND id IN "+in, append([]any{StatusPending}, ids...)...)
			if err != nil {
				return err
			}
			n, _ = res.RowsAffected()
			_, err = tx.Exec(ctx, "DELETE FROM delivery_attempts WHERE delivery_id IN "+in+
				" AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.id = delivery_attempts.delivery_id)", ids...)
			return err
		})
		if err != nil {
			return total, fmt.Errorf("prune delivery log: %w", err)
		}
		total += n
		if n == 0 {
			return total, nil
		}
	}
}
