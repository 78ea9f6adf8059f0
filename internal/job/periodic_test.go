package job_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/tritiumhq/tritium/internal/job"
	"github.com/tritiumhq/tritium/internal/sqldb"
	"github.com/tritiumhq/tritium/internal/sqldb/sqldbtest"
)

// TestEvery: a periodic job runs at start and then every interval, on
// both databases.
func TestEvery(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, kind sqldb.Kind) {
		db := sqldbtest.Open(t, kind)
		setup(t, db)
		q, err := job.New(context.Background(), db, job.Config{Poll: 50 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		q.Handle("tick", func(ctx context.Context, tx *sqldb.Tx, payload json.RawMessage) error {
			_, err := tx.Exec(ctx, "INSERT INTO effects (name) VALUES (?)", "tick")
			return err
		})
		q.Every("tick", time.Second)
		if err := q.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
		defer q.Stop(context.Background())
		deadline := time.Now().Add(20 * time.Second)
		for count(t, db, "tick") < 2 {
			if time.Now().After(deadline) {
				t.Fatalf("periodic job ran %d times in 20s, want 2", count(t, db, "tick"))
			}
			time.Sleep(50 * time.Millisecond)
		}
	})
}
