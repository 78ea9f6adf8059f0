package feed_test

import (
	"context"
	"testing"
	"time"

	"github.com/tritiumhq/tritium/internal/feed"
	"github.com/tritiumhq/tritium/internal/sqldb"
	"github.com/tritiumhq/tritium/internal/sqldb/sqldbtest"
)

func appendEvents(t *testing.T, db *sqldb.DB, n int) {
	t.Helper()
	err := db.Write(context.Background(), func(tx *sqldb.Tx) error {
		evs := make([]feed.Event, n)
		for i := range evs {
			evs[i] = feed.Event{Type: feed.RecordCreated, Form: "F", ObjectID: "o"}
		}
		return feed.Append(context.Background(), tx, evs...)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestHub: every subscriber gets each event written after it subscribed,
// once and in order; one that falls behind its buffer is dropped, marked
// overflowed, and the others go on.
func TestHub(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, kind sqldb.Kind) {
		db := sqldbtest.Open(t, kind)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		appendEvents(t, db, 3) // before anyone subscribes: nobody gets these
		h := feed.NewHub(db, 10*time.Millisecond, nil)
		go h.Run(ctx)
		big, err := h.Subscribe(ctx, 100)
		if err != nil {
			t.Fatal(err)
		}
		small, err := h.Subscribe(ctx, 2)
		if err != nil {
			t.Fatal(err)
		}
		appendEvents(t, db, 5)
		var last int64
		for i := 0; i < 5; i++ {
			select {
			case e := <-big.C:
				if e.ID <= 3 || e.ID <= last {
					t.Fatalf("event %d after %d (the first 3 came before subscribing)", e.ID, last)
				}
				last = e.ID
			case <-time.After(5 * time.Second):
				t.Fatalf("got %d of 5 events", i)
			}
		}
		// small held 2 of 5: dropped, its channel closed after what it held.
		n := 0
		for range small.C {
			n++
		}
		if n != 2 || !small.Overflowed() {
			t.Fatalf("small subscriber: %d events, overflowed %v", n, small.Overflowed())
		}
		if h.Subscribers() != 1 {
			t.Fatalf("%d subscribers, want 1", h.Subscribers())
		}
		h.Unsubscribe(big)
		if _, ok := <-big.C; ok || big.Overflowed() {
			t.Fatal("an unsubscribed stream stays open or counts as overflowed")
		}
	})
}
