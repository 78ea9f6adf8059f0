package sqldb_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tritiumhq/tritium/internal/sqldb"
	"github.com/tritiumhq/tritium/internal/sqldb/sqldbtest"
)

func TestWriteBatchesIsolateFailures(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, kind sqldb.Kind) {
		ctx := context.Background()
		db := sqldbtest.Open(t, kind)
		err := db.WriteAlone(ctx, func(tx *sqldb.Tx) error {
			_, err := tx.ExecDirect(ctx, "CREATE TABLE kv (k TEXT PRIMARY KEY, v BIGINT NOT NULL)")
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		// 200 concurrent writers; every 7th fails after writing, and its row
		// must not survive although it shared a commit with others.
		var wg sync.WaitGroup
		errs := make([]error, 200)
		var hooks sync.Map
		for i := range 200 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = db.Write(ctx, func(tx *sqldb.Tx) error {
					if _, err := tx.Exec(ctx, "INSERT INTO kv (k, v) VALUES (?, ?)", fmt.Sprint(i), i); err != nil {
						return err
					}
					tx.OnCommit(func() { hooks.Store(i, true) })
					if i%7 == 0 {
						return errors.New("planned failure")
					}
					return nil
				})
			}()
		}
		wg.Wait()
		var want int
		for i, err := range errs {
			if i%7 == 0 {
				if err == nil {
					t.Fatalf("write %d: want its error", i)
				}
				if _, ok := hooks.Load(i); ok {
					t.Fatalf("write %d: OnCommit ran for a rolled-back write", i)
				}
				continue
			}
			if err != nil {
				t.Fatalf("write %d: %v", i, err)
			}
			if _, ok := hooks.Load(i); !ok {
				t.Fatalf("write %d: OnCommit did not run", i)
			}
			want++
		}
		var n int
		if err := db.Reader().QueryRow(ctx, "SELECT COUNT(*) FROM kv").Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != want {
			t.Fatalf("rows = %d, want %d", n, want)
		}
		var bad int
		db.Reader().QueryRow(ctx, "SELECT COUNT(*) FROM kv WHERE v % 7 = 0").Scan(&bad)
		if bad != 0 {
			t.Fatalf("%d rows of failed writes survived", bad)
		}
	})
}

func TestWritePanicIsAnError(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, kind sqldb.Kind) {
		db := sqldbtest.Open(t, kind)
		err := db.Write(context.Background(), func(tx *sqldb.Tx) error { panic("boom") })
		if err == nil {
			t.Fatal("want an error from a panicking write")
		}
		// The writer still works.
		if err := db.Write(context.Background(), func(tx *sqldb.Tx) error { return nil }); err != nil {
			t.Fatal(err)
		}
	})
}

func TestUniqueViolation(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, kind sqldb.Kind) {
		ctx := context.Background()
		db := sqldbtest.Open(t, kind)
		db.WriteAlone(ctx, func(tx *sqldb.Tx) error {
			_, err := tx.ExecDirect(ctx, "CREATE TABLE u (k TEXT PRIMARY KEY)")
			return err
		})
		ins := func() error {
			return db.Write(ctx, func(tx *sqldb.Tx) error {
				_, err := tx.Exec(ctx, "INSERT INTO u (k) VALUES (?)", "a")
				return err
			})
		}
		if err := ins(); err != nil {
			t.Fatal(err)
		}
		err := ins()
		if !db.Dialect().IsUniqueViolation(err) {
			t.Fatalf("want a unique violation, got %v", err)
		}
	})
}

// TestOptimizeAnalyzesGrownTables: after a table fills up, Optimize gives
// the SQLite planner statistics for its indexes.
func TestOptimizeAnalyzesGrownTables(t *testing.T) {
	ctx := context.Background()
	db := sqldbtest.Open(t, sqldb.SQLite)
	exec := func(q string, args ...any) {
		t.Helper()
		if err := db.WriteAlone(ctx, func(tx *sqldb.Tx) error { _, err := tx.ExecDirect(ctx, q, args...); return err }); err != nil {
			t.Fatal(err)
		}
	}
	exec("CREATE TABLE g (a INTEGER, b INTEGER)")
	exec("CREATE INDEX g_a ON g (a)")
	if err := db.Optimize(ctx); err != nil {
		t.Fatal(err)
	}
	exec("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 5000) INSERT INTO g SELECT i % 10, i FROM n")
	if err := db.Optimize(ctx); err != nil {
		t.Fatal(err)
	}
	var stat string
	if err := db.Reader().QueryRow(ctx, "SELECT stat FROM sqlite_stat1 WHERE idx = 'g_a'").Scan(&stat); err != nil {
		t.Fatalf("no statistics for g_a after Optimize: %v", err)
	}
	if !strings.HasPrefix(stat, "5000 ") { // rows, then (sampled) rows per value
		t.Fatalf("sqlite_stat1 for g_a = %q, want 5000 rows", stat)
	}
}

// TestOptimizePostgres: tables that changed a lot get planner statistics
// even when autovacuum is off.
func TestOptimizePostgres(t *testing.T) {
	ctx := context.Background()
	db := sqldbtest.Open(t, sqldb.Postgres)
	err := db.WriteAlone(ctx, func(tx *sqldb.Tx) error {
		for _, q := range []string{
			"CREATE TABLE g (a INTEGER, b INTEGER)",
			"ALTER TABLE g SET (autovacuum_enabled = false)",
			"INSERT INTO g SELECT i % 10, i FROM generate_series(1, 5000) AS i",
		} {
			if _, err := tx.ExecDirect(ctx, q); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// Statistics counters reach pg_stat_user_tables asynchronously.
	deadline := time.Now().Add(10 * time.Second)
	for {
		if err := db.Optimize(ctx); err != nil {
			t.Fatal(err)
		}
		var n int
		db.Reader().QueryRow(ctx, "SELECT COUNT(*) FROM pg_stats WHERE schemaname = current_schema() AND tablename = 'g'").Scan(&n)
		if n > 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("no planner statistics for g after Optimize")
		}
		time.Sleep(200 * time.Millisecond)
	}
}
