package record_test

import (
	"context"
	"crypto/sha256"
	"testing"

	"github.com/tritiumhq/tritium/internal/sqldb/sqldbtest"
)

// BenchmarkReference is what the other benchmarks of this package are
// reported against, so that figures from different machines compare: run
// in the same `go test -bench` invocation, a benchmark's ns/op divided by
// a reference's ns/op changes far less from machine to machine than
// either does.
//
//   - cpu: SHA-256 of 1 KiB, from as many goroutines as the others use:
//     the machine's raw compute.
//   - select1/<db>: `SELECT 1` through the read path the record service
//     uses (the prepared-statement cache on SQLite, the pgx pool on
//     PostgreSQL): the fixed cost of one database round trip.
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
	for _, kind := range sqldbtest.Kinds {
		b.Run("select1/"+string(kind), func(b *testing.B) {
			db := sqldbtest.Open(b, kind)
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
