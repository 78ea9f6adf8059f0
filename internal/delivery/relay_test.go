package delivery_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/tritiumhq/tritium/internal/delivery"
	"github.com/tritiumhq/tritium/internal/feed"
	"github.com/tritiumhq/tritium/internal/job"
	"github.com/tritiumhq/tritium/internal/sqldb"
	"github.com/tritiumhq/tritium/internal/sqldb/sqldbtest"
)

func appendEvents(t *testing.T, e *env, evs ...feed.Event) {
	t.Helper()
	if err := e.db.Write(context.Background(), func(tx *sqldb.Tx) error { return feed.Append(context.Background(), tx, evs...) }); err != nil {
		t.Fatal(err)
	}
}

// relayAll runs relay passes until one reads nothing (on PostgreSQL an
// event shows once older transactions have ended) and returns the events
// read.
func relayAll(t *testing.T, svc *delivery.Service, want int) int {
	t.Helper()
	total := 0
	for deadline := time.Now().Add(20 * time.Second); total < want && time.Now().Before(deadline); {
		n, err := svc.Relay(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		total += n
		if n == 0 {
			time.Sleep(20 * time.Millisecond)
		}
	}
	return total
}

// TestRelay: each feed event becomes one delivery per matching
// subscription (type and form), once however many passes run; a
// subscription whose URL the policy now refuses is turned off with the
// reason instead of stalling the relay.
func TestRelay(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, kind sqldb.Kind) {
		ctx := context.Background()
		e := newEnv(t, kind, opts{})
		rcv := newReceiver(t, nil)
		url := rcv.URL + "/hook"
		w, err := e.svc.CreateWebhook(ctx, delivery.WebhookInput{URL: &url, Events: &[]string{feed.RecordCreated}, Form: ptr("F1")})
		if err != nil {
			t.Fatal(err)
		}
		appendEvents(t, e, feed.Event{Type: feed.RecordCreated, Form: "F1", ObjectID: "o1"}, feed.Event{Type: feed.RecordUpdated, Form: "F1", ObjectID: "o1"},
			feed.Event{Type: feed.RecordCreated, Form: "F2", ObjectID: "o2"}, feed.Event{Type: feed.RecordCreated, Form: "F1", ObjectID: "o3"})
		if n := relayAll(t, e.svc, 4); n != 4 {
			t.Fatalf("relay read %d events, want 4", n)
		}
		if n, err := e.svc.Relay(ctx); err != nil || n != 0 {
			t.Fatalf("a second pass read %d (%v)", n, err)
		}
		ds, err := e.svc.List(ctx, delivery.Filter{Ref: w.ID})
		if err != nil || len(ds) != 2 {
			t.Fatalf("deliveries: %v %+v", err, ds)
		}
		for _, d := range ds {
			e.waitStatus(t, d.ID, delivery.StatusDelivered, 10*time.Second)
		}
		// Another node whose policy refuses the URL.
		q2, err := job.New(ctx, e.db, job.Config{})
		if err != nil {
			t.Fatal(err)
		}
		strict := delivery.New(delivery.Config{DB: e.db, Jobs: q2, Box: e.box, Secrets: e.auth, Allow: []string{}})
		appendEvents(t, e, feed.Event{Type: feed.RecordCreated, Form: "F1", ObjectID: "o4"})
		if n := relayAll(t, strict, 1); n != 1 {
			t.Fatalf("strict relay read %d, want 1", n)
		}
		got, err := e.svc.GetWebhook(ctx, w.ID)
		if err != nil || got.Enabled || !strings.Contains(got.DisabledReason, "refused") {
			t.Fatalf("webhook after the policy changed: %v %+v", err, got)
		}
		if ds, _ := e.svc.List(ctx, delivery.Filter{Ref: w.ID}); len(ds) != 2 {
			t.Fatalf("deliveries after the policy changed: %d", len(ds))
		}
	})
}

// TestPruneLog: ended deliveries older than the cut are removed with their
// attempts; pending ones and newer ones stay.
func TestPruneLog(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, kind sqldb.Kind) {
		ctx := context.Background()
		e := newEnv(t, kind, opts{})
		rcv := newReceiver(t, nil)
		sealed := mustSeal(t, e, "s")
		done := e.enqueue(t, delivery.Message{Kind: "k", URL: rcv.URL, Body: []byte(`{}`), Secret: delivery.SecretRef{Kind: delivery.SecretRawSealed, Sealed: sealed}})
		e.waitStatus(t, done, delivery.StatusDelivered, 10*time.Second)
		if n, err := e.svc.PruneLog(ctx, time.Now().Add(-time.Hour)); err != nil || n != 0 {
			t.Fatalf("prune of nothing old: %d %v", n, err)
		}
		if n, err := e.svc.PruneLog(ctx, time.Now().Add(time.Hour)); err != nil || n != 1 {
			t.Fatalf("prune: %d %v", n, err)
		}
		if _, err := e.svc.Get(ctx, done, nil); err == nil {
			t.Fatal("the pruned delivery is still there")
		}
		var left int
		if err := e.db.Reader().QueryRow(ctx, "SELECT COUNT(*) FROM delivery_attempts WHERE delivery_id = ?", done).Scan(&left); err != nil || left != 0 {
			t.Fatalf("attempts left: %d %v", left, err)
		}
	})
}
