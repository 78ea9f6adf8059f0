package sqldb

import (
	"context"
	"time"
)

// Planner statistics. SQLite picks indexes well only with statistics
// (sqlite_stat1/stat4): without them a filter on two indexed fields may use
// the less selective index and read a hundred times the rows. PostgreSQL's
// autovacuum keeps its own statistics.

// Optimize refreshes the statistics of tables that changed enough since
// they were last analysed. It reads each changed index in full (about 20 ms per 100,000 rows per
// index here), which PRAGMA optimize does only after a table has grown or
// shrunk many times over; a sampling limit would misjudge indexes that lead
// with a column of few values.
func (db *DB) Optimize(ctx context.Context) error {
	if db.kind != SQLite {
		return nil
	}
	return db.WriteAlone(ctx, func(tx *Tx) error {
		if _, err := tx.ExecDirect(ctx, "PRAGMA analysis_limit = 0"); err != nil {
			return err
		}
		// 0x10000: every table, not only those this connection queried.
		_, err := tx.ExecDirect(ctx, "PRAGMA optimize = 0x10002")
		return err
	})
}

// MaintainStats calls Optimize whenever at least minWrites writes were
// committed since the last call, checking every interval, until ctx ends.
func (db *DB) MaintainStats(ctx context.Context, every time.Duration, minWrites int64) {
	if db.kind != SQLite {
		return
	}
	last := int64(-minWrites) // optimise once at start
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if n := db.writes.Load(); n-last >= minWrites {
			if err := db.Optimize(ctx); err != nil && ctx.Err() == nil {
				db.log.Warn("refresh planner statistics", "err", err)
			}
			last = n
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Analyze refreshes the statistics of one table now (after its indexes
// were rebuilt, which drops theirs on SQLite).
func (db *DB) Analyze(ctx context.Context, table string) error {
	return db.WriteAlone(ctx, func(tx *Tx) error {
		_, err := tx.ExecDirect(ctx, "ANALYZE "+db.dialect.Quote(table))
		return err
	})
}
