// Package sqldbtest runs tests on both databases: a fresh SQLite file and a
// fresh PostgreSQL schema per test. PostgreSQL comes from
// TRITIUM_TEST_POSTGRES (default postgres://postgres@127.0.0.1:5432/test);
// when it is unreachable the PostgreSQL half is skipped, unless
// TRITIUM_REQUIRE_POSTGRES=1 (set by the project's test command), which
// turns the skip into a failure.
package sqldbtest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/tritiumhq/tritium/internal/sqldb"
)

// DefaultPostgresURL is used when TRITIUM_TEST_POSTGRES is not set.
const DefaultPostgresURL = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

var probe struct {
	once sync.Once
	err  error
}

func baseURL() string {
	if u := os.Getenv("TRITIUM_TEST_POSTGRES"); u != "" {
		return u
	}
	return DefaultPostgresURL
}

// Kinds are the databases every storage test runs on.
var Kinds = []sqldb.Kind{sqldb.SQLite, sqldb.Postgres}

// ForEach runs f once per database, as subtests named "sqlite" and "postgres".
func ForEach(t *testing.T, f func(t *testing.T, kind sqldb.Kind)) {
	t.Helper()
	for _, k := range Kinds {
		t.Run(string(k), func(t *testing.T) { f(t, k) })
	}
}

// Config returns a database config for a fresh, empty database of kind that
// is removed when the test ends.
func Config(tb testing.TB, kind sqldb.Kind) sqldb.Config {
	tb.Helper()
	if kind == sqldb.SQLite {
		return sqldb.Config{Path: filepath.Join(tb.TempDir(), "tritium.db"), SQLiteSync: "normal"}
	}
	return sqldb.Config{URL: PostgresURL(tb)}
}

// Open returns a fresh database of kind, closed when the test ends.
func Open(tb testing.TB, kind sqldb.Kind) *sqldb.DB {
	tb.Helper()
	db, err := sqldb.Open(context.Background(), Config(tb, kind))
	if err != nil {
		tb.Fatalf("open %s: %v", kind, err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

// PostgresURL creates a fresh schema and returns a URL whose search_path
// points at it; the schema is dropped when the test ends.
func PostgresURL(tb testing.TB) string {
	tb.Helper()
	probe.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		c, err := pgx.Connect(ctx, baseURL())
		if err == nil {
			err = c.Ping(ctx)
			c.Close(ctx)
		}
		probe.err = err
	})
	if probe.err != nil {
		if os.Getenv("TRITIUM_REQUIRE_POSTGRES") == "1" {
			tb.Fatalf("PostgreSQL required but unreachable at %s: %v", sqldb.RedactURL(baseURL()), probe.err)
		}
		tb.Skipf("PostgreSQL unreachable (%v); set TRITIUM_TEST_POSTGRES", probe.err)
	}
	var b [6]byte
	rand.Read(b[:])
	schema := "t_" + hex.EncodeToString(b[:])
	ctx := context.Background()
	c, err := pgx.Connect(ctx, baseURL())
	if err != nil {
		tb.Fatalf("connect postgres: %v", err)
	}
	defer c.Close(ctx)
	if _, err := c.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		tb.Fatalf("create schema: %v", err)
	}
	tb.Cleanup(func() {
		c, err := pgx.Connect(ctx, baseURL())
		if err != nil {
			return
		}
		defer c.Close(ctx)
		c.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE")
	})
	u, err := url.Parse(baseURL())
	if err != nil {
		tb.Fatalf("parse %s: %v", baseURL(), err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// BenchmarkReference is what a package's benchmarks are reported against,
// so that figures from different machines compare: run in the same
// `go test -bench` invocation, reference ns/op ÷ benchmark ns/op changes
// far less from machine to machine than either does. Call it from a
// package's own BenchmarkReference.
//
//   - cpu: SHA-256 of 1 KiB, from GOMAXPROCS goroutines: raw compute.
//   - select1/<db>: `SELECT 1` through the read path the services use
//     (prepared statements on SQLite, the pgx pool on PostgreSQL), from
//     GOMAXPROCS goroutines: the fixed cost of one database round trip.
func BenchmarkReference(b *testing.B) {
	b.Run("cpu", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			var buf [1024]byte
			for pb.Next() {
				sum := sha256.Sum256(buf[:])
				buf[0] = sum[0]
			}
		})
	})
	for _, kind := range Kinds {
		b.Run("select1/"+string(kind), func(b *testing.B) {
			db := Open(b, kind)
			ctx := context.Background()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				var one int
				for pb.Next() {
					if err := db.Reader().QueryRow(ctx, "SELECT 1").Scan(&one); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}
