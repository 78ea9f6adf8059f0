package job_test

import (
	"context"
	"encoding/json"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tritiumhq/tritium/internal/job"
	"github.com/tritiumhq/tritium/internal/sqldb"
	"github.com/tritiumhq/tritium/internal/sqldb/sqldbtest"
)

// TestWorkOutsideTransaction: a Work runs with no transaction open (it can
// itself write: on SQLite, with one writer, that would deadlock inside
// one), a failed run is retried, and only the successful run's commit is
// kept, together with the job's completion.
func TestWorkOutsideTransaction(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, kind sqldb.Kind) {
		ctx := context.Background()
		db := sqldbtest.Open(t, kind)
		setup(t, db)
		q, err := job.New(ctx, db, job.Config{Poll: 50 * time.Millisecond,
			RetryDelay: func(int) time.Duration { return 100 * time.Millisecond }})
		if err != nil {
			t.Fatal(err)
		}
		var runs atomic.Int32
		var attempts []int
		q.HandleWork("work", func(ctx context.Context, payload json.RawMessage, attempt int) (func(context.Context, *sqldb.Tx) error, error) {
			runs.Add(1)
			attempts = append(attempts, attempt)
			// A write of its own: only possible outside the job's transaction.
			if err := db.Write(ctx, func(tx *sqldb.Tx) error {
				_, err := tx.Exec(ctx, "INSERT INTO effects (name) VALUES (?)", "side")
				return err
			}); err != nil {
				return nil, err
			}
			if attempt == 1 {
				return nil, errors.New("planned failure")
			}
			return func(ctx context.Context, tx *sqldb.Tx) error {
				_, err := tx.Exec(ctx, "INSERT INTO effects (name) VALUES (?)", "commit")
				return err
			}, nil
		})
		if err := q.Start(ctx); err != nil {
			t.Fatal(err)
		}
		defer q.Stop(ctx)
		if err := db.Write(ctx, func(tx *sqldb.Tx) error { return q.Enqueue(ctx, tx, "work", "x", time.Time{}) }); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "the work's commit", func() bool { return count(t, db, "commit") > 0 })
		time.Sleep(300 * time.Millisecond)
		if n := count(t, db, "commit"); n != 1 {
			t.Fatalf("commit kept %d times, want 1", n)
		}
		if n := runs.Load(); n != 2 || count(t, db, "side") != 2 {
			t.Fatalf("work ran %d times (side effects %d), want 2 (one failure, one retry)", n, count(t, db, "side"))
		}
		if attempts[0] != 1 || attempts[1] != 2 {
			t.Fatalf("attempts = %v", attempts)
		}
	})
}
