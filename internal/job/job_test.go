package job_test

import (
	"context"
	"encoding/json"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"

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

// TestDueJobsWithoutLeader: while another client holds the queue's
// leadership and never acts (a node killed with kill -9 keeps its lease
// for up to 15 s), River's leader-only scheduler does not run; every node
// still makes due jobs available itself, so a scheduled job runs within
// about a second of its due time. With that path turned off the job waits.
func TestDueJobsWithoutLeader(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, kind sqldb.Kind) {
		ctx := context.Background()
		db := sqldbtest.Open(t, kind)
		setup(t, db)
		holdLeadership(t, db)
		for _, on := range []bool{false, true} {
			cfg := job.Config{Poll: 50 * time.Millisecond}
			name := "with the node's own pass"
			if !on {
				cfg.Schedule, name = -1, "leader only"
			}
			q, err := job.New(ctx, db, cfg)
			if err != nil {
				t.Fatal(err)
			}
			ran := make(chan time.Time, 1)
			q.Handle("effect", func(ctx context.Context, tx *sqldb.Tx, payload json.RawMessage) error {
				var got string
				if json.Unmarshal(payload, &got) == nil && got == name { // not the job of the phase before
					select {
					case ran <- time.Now():
					default:
					}
				}
				return nil
			})
			if err := q.Start(ctx); err != nil {
				t.Fatal(err)
			}
			due := time.Now().Add(300 * time.Millisecond)
			enqueue(t, db, q, name, due, true)
			select {
			case at := <-ran:
				if !on {
					t.Errorf("%s: ran %v after due although nobody leads", name, at.Sub(due))
				} else if late := at.Sub(due); late > 1500*time.Millisecond || late < 0 {
					t.Errorf("%s: ran %v after its due time, want within about 1 s", name, late)
				} else {
					t.Logf("%s: ran %v after its due time", name, late.Round(time.Millisecond))
				}
			case <-time.After(2 * time.Second):
				if on {
					t.Errorf("%s: not run 2 s after enqueue", name)
				}
			}
			if err := q.Stop(ctx); err != nil {
				t.Fatal(err)
			}
		}
	})
}

// holdLeadership makes a client that does nothing the queue's leader for
// an hour, as a killed node's lease would (for up to 15 s).
func holdLeadership(t *testing.T, db *sqldb.DB) {
	t.Helper()
	ctx := context.Background()
	// The queue's New migrates River's tables; a first queue creates them.
	if _, err := job.New(ctx, db, job.Config{}); err != nil {
		t.Fatal(err)
	}
	p := &riverdriver.LeaderInsertParams{LeaderID: "killed-node", TTL: time.Hour}
	var err error
	if pool := db.Pool(); pool != nil {
		if err = pool.QueryRow(ctx, "SELECT current_schema()").Scan(&p.Schema); err == nil {
			_, err = riverpgxv5.New(pool).GetExecutor().LeaderInsert(ctx, p)
		}
	} else {
		s, serr := db.OpenSession()
		if serr != nil {
			t.Fatal(serr)
		}
		defer s.Close()
		_, err = riversqlite.New(s).GetExecutor().LeaderInsert(ctx, p)
	}
	if err != nil {
		t.Fatalf("insert leader: %v", err)
	}
}
