package record_test

import (
	"context"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tritiumhq/tritium/internal/feed"
	"github.com/tritiumhq/tritium/internal/record"
	"github.com/tritiumhq/tritium/internal/sqldb"
	"github.com/tritiumhq/tritium/internal/sqldb/sqldbtest"
)

// TestChangeFeed: create (single and batch), update, submit and remove
// each leave one feed event in commit order; a failed write leaves none;
// a replayed create by sourceSystem+sourceCode adds none.
func TestChangeFeed(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, kind sqldb.Kind) {
		ctx := context.Background()
		e := newEnv(t, kind)
		e.define(t, orderForm)
		head, err := feed.Head(ctx, e.db.Reader())
		if err != nil {
			t.Fatal(err)
		}
		a, err := e.rec.Create(ctx, e.actor, "Order", data(`{"Title":"a","SourceSystem":"ERP","SourceCode":"1"}`), record.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.rec.Create(ctx, e.actor, "Order", data(`{"Title":"a","SourceSystem":"ERP","SourceCode":"1"}`), record.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		batch, err := e.rec.CreateBatch(ctx, e.actor, "Order", []record.Data{data(`{"Title":"b"}`), data(`{"Title":"c"}`)}, record.CreateOptions{Submit: true})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.rec.CreateBatch(ctx, e.actor, "Order", []record.Data{data(`{"Title":"d"}`), data(`{"Qty":"x"}`)}, record.CreateOptions{}); err == nil {
			t.Fatal("bad batch accepted")
		}
		if _, err := e.rec.Update(ctx, e.actor, "Order", a.ID, data(`{"Qty":2}`), record.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
		if err := e.rec.Submit(ctx, e.actor, "Order", a.ID, nil); err != nil {
			t.Fatal(err)
		}
		if err := e.rec.Remove(ctx, e.actor, "Order", batch[0].ID); err != nil {
			t.Fatal(err)
		}
		evs, _, err := feed.Read(ctx, e.db.Reader(), head, 100)
		if err != nil {
			t.Fatal(err)
		}
		want := []struct{ typ, id string }{{feed.RecordCreated, a.ID}, {feed.RecordCreated, batch[0].ID}, {feed.RecordCreated, batch[1].ID},
			{feed.RecordUpdated, a.ID}, {feed.RecordUpdated, a.ID}, {feed.RecordDeleted, batch[0].ID}}
		if len(evs) != len(want) {
			t.Fatalf("feed has %d events, want %d: %+v", len(evs), len(want), evs)
		}
		for i, w := range want {
			if evs[i].Type != w.typ || evs[i].ObjectID != w.id || evs[i].Form != "Order" || evs[i].Actor != e.actor.UserID {
				t.Fatalf("event %d = %+v, want %s of %s", i, evs[i], w.typ, w.id)
			}
		}
		// Resuming after an event id gives what followed it.
		pos, err := feed.PositionOf(ctx, e.db.Reader(), evs[3].ID)
		if err != nil {
			t.Fatal(err)
		}
		rest, _, err := feed.Read(ctx, e.db.Reader(), pos, 100)
		if err != nil || len(rest) != 2 || rest[0].ID != evs[4].ID {
			t.Fatalf("resume after %d: %v %+v", evs[3].ID, err, rest)
		}
	})
}

// BenchmarkCreateFeed is BenchmarkCreate with the change feed on and off
// in alternating rounds on one store, so both see the same machine: it
// reports the ns per create of each and their ratio (feed/nofeed).
func BenchmarkCreateFeed(b *testing.B) {
	for _, kind := range sqldbtest.Kinds {
		b.Run(string(kind), func(b *testing.B) {
			e, _ := benchEnv(b, kind, 0)
			const round = 400
			var spent [2]time.Duration
			var done [2]int
			b.ResetTimer()
			for i := 0; done[0]+done[1] < b.N; i++ {
				mode := i % 2 // 0: no feed, 1: feed
				record.SetFeedOff(e.rec, mode == 0)
				n := min(round, b.N-done[0]-done[1])
				t0 := time.Now()
				parallelCreates(b, e, n, 50)
				spent[mode] += time.Since(t0)
				done[mode] += n
			}
			for m, name := range []string{"nofeed-ns/op", "feed-ns/op"} {
				if done[m] > 0 {
					b.ReportMetric(float64(spent[m].Nanoseconds())/float64(done[m]), name)
				}
			}
			if done[0] > 0 && done[1] > 0 {
				b.ReportMetric((float64(spent[1])/float64(done[1]))/(float64(spent[0])/float64(done[0])), "feed/nofeed")
			}
		})
	}
}

// parallelCreates makes n creates from writers goroutines.
func parallelCreates(b *testing.B, e *env, n, writers int) {
	var wg sync.WaitGroup
	var left atomic.Int64
	left.Store(int64(n))
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(rand.Uint64(), 0))
			for left.Add(-1) >= 0 {
				if _, err := e.rec.Create(context.Background(), e.actor, "Order", benchObject(rng), record.CreateOptions{Submit: true}); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
}
