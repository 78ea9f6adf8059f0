package record_test

import (
	"context"
	"flag"
	"testing"

	"github.com/tritiumhq/tritium/internal/metrics"
	"github.com/tritiumhq/tritium/internal/sqldb"
	"github.com/tritiumhq/tritium/internal/sqldb/sqldbtest"
)

var withMetrics = flag.Bool("metrics", false, "attach Prometheus metrics to the database, as `tritium serve --metrics` does (to measure their cost)")

// openDB opens a fresh database of kind, with metrics when -metrics is set.
func openDB(tb testing.TB, kind sqldb.Kind) *sqldb.DB {
	tb.Helper()
	if !*withMetrics {
		return sqldbtest.Open(tb, kind)
	}
	cfg := sqldbtest.Config(tb, kind)
	cfg.Observer = metrics.New(metrics.BuildInfo{Version: "bench", Database: string(kind)}, nil)
	db, err := sqldb.Open(context.Background(), cfg)
	if err != nil {
		tb.Fatalf("open %s: %v", kind, err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}
