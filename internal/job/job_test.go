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

// effects is a table a handler writes to, so a test can count how often
// a job's effect committed.
func setup(t *testing.T, db *sqldb.DB) {
	t.Helper()
	err := db.WriteAlone(context.Background(), func(tx *sqldb.Tx) error {
		_, err := tx.ExecDirect(context.Background(), "CREATE TABLE effects (name TEXT NOT NULL)")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

func count(t *testing.T, db *sqldb.DB, name string) int {
	t.Helper()
	var n int
	if err := db.Reader().QueryRow(context.Background(), "SELECT COUNT(*) FROM effects WHERE name = ?", name).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func newQueue(t *testing.T, db *sqldb.DB, fail *atomic.Int32) *job.Queue {
	t.Helper()
	q, err := job.New(context.Background(), db, job.Config{Poll: 50 * time.Millisecond,
		RetryDelay: func(int) time.Duration { return 100 * time.Millisecond }})
	if err != nil {
		t.Fatal(err)
	}
	q.Handle("effect", func(ctx context.Context, tx *sqldb.Tx, payload json.RawMessage) error {
		var name string
		if err := json.Unmarshal(payload, &name); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "INSERT INTO effects (name) VALUES (?)", name); err != nil {
			return err
		}
		if fail != nil && fail.Add(-1) >= 0 {
			return errors.New("planned failure after the insert")
		}
		return nil
	})
	return q
}

func enqueue(t *testing.T, db *sqldb.DB, q *job.Queue, name string, at time.Time, commit bool) {
	t.Helper()
	errRollback := errors.New("roll back")
	err := db.Write(context.Background(), func(tx *sqldb.Tx) error {
		if err := q.Enqueue(context.Background(), tx, "effect", name, at); err != nil {
			return err
		}
		if !commit {
			return errRollback
		}
		return nil
	})
	if commit && err != nil || !commit && !errors.Is(err, errRollback) {
		t.Fatal(err)
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestJobsRunOnceWithTheirTransaction(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, kind sqldb.Kind) {
		ctx := context.Background()
		db := sqldbtest.Open(t, kind)
		setup(t, db)
		var fail atomic.Int32
		fail.Store(2) // the first two runs of any job fail after writing
		q := newQueue(t, db, &fail)
		if err := q.Start(ctx); err != nil {
			t.Fatal(err)
		}
		defer q.Stop(ctx)
		enqueue(t, db, q, "rolled-back", time.Time{}, false)
		enqueue(t, db, q, "committed", time.Time{}, true)
		// Retries back off by seconds; wait for the committed job's effect.
		waitFor(t, "the committed job", func() bool { return count(t, db, "committed") > 0 })
		time.Sleep(300 * time.Millisecond)
		if n := count(t, db, "committed"); n != 1 {
			t.Fatalf("committed job's effect committed %d times, want once (its failed runs must roll back)", n)
		}
		if n := count(t, db, "rolled-back"); n != 0 {
			t.Fatalf("a job enqueued in a rolled-back transaction ran %d times", n)
		}
	})
}

// TestJobDueWhileStopped: a job that falls due while no queue runs is
// worked, once, by the next queue on the same database.
func TestJobDueWhileStopped(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, kind sqldb.Kind) {
		ctx := context.Background()
		db := sqldbtest.Open(t, kind)
		setup(t, db)
		q := newQueue(t, db, nil)
		if err := q.Start(ctx); err != nil {
			t.Fatal(err)
		}
		enqueue(t, db, q, "timer", time.Now().Add(700*time.Millisecond), true)
		if err := q.Stop(ctx); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Second) // due now, nobody working
		if n := count(t, db, "timer"); n != 0 {
			t.Fatalf("ran while stopped: %d", n)
		}
		q2 := newQueue(t, db, nil)
		if err := q2.Start(ctx); err != nil {
			t.Fatal(err)
		}
		defer q2.Stop(ctx)
		waitFor(t, "the overdue job", func() bool { return count(t, db, "timer") > 0 })
		time.Sleep(300 * time.Millisecond)
		if n := count(t, db, "timer"); n != 1 {
			t.Fatalf("overdue job ran %d times, want once", n)
		}
	})
}
