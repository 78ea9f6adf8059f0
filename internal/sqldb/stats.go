package sqldb

import (
	"context"
	"fmt"
	"time"
)

// Planner statistics. Both planners pick indexes well only with
// statistics: without them a filter on two indexed fields may use the less
// selective index and read a hundred times the rows. PostgreSQL's
// autovacuum keeps them current when it runs; Optimize does not rely on it.

// Optimize refreshes the statistics of tables that changed enough since
// they were last analysed. It reads each changed index in full (about 20 ms per 100,000 rows per
// index here), which PRAGMA optimize does only after a table has grown or
// shrunk many times over; a sampling limit would misjudge indexes that lead
// with a column of few values.
func (db *DB) Optimize(ctx context.Context) error {
	if db.kind == Postgres {
		return db.optimizePostgres(ctx)
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

// optimizePostgres analyses the tables of this schema that changed by a
// tenth (and at least 1000 rows) since their last analysis, as autovacuum
// would.
func (db *DB) optimizePostgres(ctx context.Context) error {
	rows, err := db.pool.Query(ctx, `SELECT relname FROM pg_stat_user_tables
		WHERE schemaname = current_schema() AND n_mod_since_analyze >= GREATEST(1000, n_live_tup / 10)`)
	if err != nil {
		return fmt.Errorf("find tables to analyze: %w", err)
	}
	var tables []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			rows.Close()
			return err
		}
		tables = append(tables, t)
	}
	rows.Close()
	for _, t := range tables {
		if _, err := pgDirect(ctx, db.pool, "ANALYZE "+db.dialect.Quote(t), nil); err != nil {
			return fmt.Errorf("analyze %s: %w", t, err)
		}
	}
	return rows.Err()
}
