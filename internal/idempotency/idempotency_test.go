package idempotency_test

import (
	"context"
	"testing"
	"time"

	"github.com/tritiumhq/tritium/internal/idempotency"
	"github.com/tritiumhq/tritium/internal/sqldb"
	"github.com/tritiumhq/tritium/internal/sqldb/sqldbtest"
)

// TestStore: a claim, its answer replayed, a mismatch, a claim in flight,
// and keys that no longer count — expired answers and claims whose request
// never answered.
func TestStore(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, kind sqldb.Kind) {
		ctx := context.Background()
		db := sqldbtest.Open(t, kind)
		st := idempotency.NewStore(db)
		want := func(owner, key, fp string, outcome idempotency.Outcome) *idempotency.Answer {
			t.Helper()
			got, a, err := st.Begin(ctx, owner, key, fp)
			if err != nil || got != outcome {
				t.Fatalf("Begin(%s, %s, %s) = %v %v, want %v", owner, key, fp, got, err, outcome)
			}
			return a
		}
		want("c1", "k", "fp", idempotency.Claimed)
		want("c1", "k", "fp", idempotency.InFlight)
		want("c2", "k", "fp", idempotency.Claimed) // keys are per owner
		if err := st.Finish(ctx, "c1", "k", idempotency.Answer{Status: 201, ContentType: "application/json", Location: "/x", Body: []byte(`{"a":1}`)}); err != nil {
			t.Fatal(err)
		}
		a := want("c1", "k", "fp", idempotency.Replay)
		if a.Status != 201 || string(a.Body) != `{"a":1}` || a.Location != "/x" || a.ContentType != "application/json" {
			t.Fatalf("replayed %+v", a)
		}
		want("c1", "k", "other", idempotency.Mismatch)
		// Abandoned: the key may be claimed again.
		if err := st.Abandon(ctx, "c2", "k"); err != nil {
			t.Fatal(err)
		}
		want("c2", "k", "fp2", idempotency.Claimed)
		// Age both keys: a day-old answer and a pending claim of three
		// minutes no longer count.
		age := func(key string, d time.Duration) {
			err := db.Write(ctx, func(tx *sqldb.Tx) error {
				_, err := tx.Exec(ctx, "UPDATE idempotency_keys SET created_time = ? WHERE idem_key = ? AND owner = ?", tx.Dialect().TimeValue(time.Now().UTC().Add(-d)), key, map[string]string{"k": "c1", "p": "c1"}[key])
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		age("k", 25*time.Hour)
		want("c1", "k", "new", idempotency.Claimed)
		want("c1", "p", "fp", idempotency.Claimed)
		age("p", 3*time.Minute)
		want("c1", "p", "fp", idempotency.Claimed)
	})
}
