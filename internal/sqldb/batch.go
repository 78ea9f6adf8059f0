package sqldb

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// maxBatch bounds how many writes share one commit: large enough to amortise
// the sync, small enough that one batch stays short.
const maxBatch = 256

type writeReq struct {
	ctx   context.Context
	fn    func(*Tx) error
	alone bool
	done  chan error
}

// batcher is the SQLite writer: one goroutine, one connection, group commit.
type batcher struct {
	db      *DB
	ch      chan *writeReq
	stop    chan struct{}
	stopped chan struct{}
	held    *writeReq // an "alone" request drained while batching, run next
	sp      []string  // savepoint statements
}

var errClosed = errors.New("sqldb: database closed")

func newBatcher(db *DB) *batcher {
	b := &batcher{
		db: db, ch: make(chan *writeReq, 1024),
		stop: make(chan struct{}), stopped: make(chan struct{}),
		sp: []string{"SAVEPOINT w", "RELEASE w", "ROLLBACK TO w"},
	}
	go b.loop()
	return b
}

func (b *batcher) do(ctx context.Context, fn func(*Tx) error, alone bool) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	r := &writeReq{ctx: ctx, fn: fn, alone: alone, done: make(chan error, 1)}
	select {
	case b.ch <- r:
	case <-b.stop:
		return errClosed
	case <-ctx.Done():
		return ctx.Err()
	}
	// Once queued, wait for the outcome even if ctx ends: the write may
	// already be committed, and the caller must not report otherwise.
	select {
	case err := <-r.done:
		return err
	case <-b.stopped:
		select {
		case err := <-r.done:
			return err
		default:
			return errClosed
		}
	}
}

func (b *batcher) close() {
	select {
	case <-b.stop:
	default:
		close(b.stop)
	}
	<-b.stopped
}

func (b *batcher) loop() {
	defer close(b.stopped)
	batch := make([]*writeReq, 0, maxBatch)
	for {
		var first *writeReq
		if b.held != nil {
			first, b.held = b.held, nil
		} else {
			select {
			case first = <-b.ch:
			case <-b.stop:
				b.drainOnStop()
				return
			}
		}
		batch = append(batch[:0], first)
		if !first.alone {
		fill:
			for len(batch) < maxBatch {
				select {
				case r := <-b.ch:
					if r.alone {
						b.held = r
						break fill
					}
					batch = append(batch, r)
				default:
					break fill
				}
			}
		}
		b.run(batch)
	}
}

// drainOnStop finishes what was already queued, so no acknowledged request
// is dropped during shutdown.
func (b *batcher) drainOnStop() {
	for {
		select {
		case r := <-b.ch:
			b.run([]*writeReq{r})
		default:
			return
		}
	}
}

// run commits batch. It first runs every write without savepoints, the
// common case; if one fails, the transaction is rolled back and the batch
// runs again with a savepoint around each write, so that only the failing
// ones fail. (So a write function may run twice; only the last run counts.)
func (b *batcher) run(batch []*writeReq) {
	results, hooks, err := b.attempt(batch, len(batch) == 1)
	if errors.Is(err, errIsolate) {
		results, hooks, err = b.attempt(batch, true)
	}
	if err != nil {
		for i := range results {
			if results[i] == nil {
				results[i] = err
			}
		}
	} else {
		b.db.writes.Add(int64(len(hooks)))
		for _, hs := range hooks {
			for _, f := range hs {
				f()
			}
		}
	}
	for i, r := range batch {
		r.done <- results[i]
	}
}

// errIsolate asks run to try again with each write isolated.
var errIsolate = errors.New("a write failed: isolate the writes")

// attempt runs batch in one transaction. With isolate, each write runs in a
// savepoint and its error is its own; without, any error rolls back the
// whole transaction and returns errIsolate. err is for the transaction as
// a whole (begin, commit, a broken savepoint).
func (b *batcher) attempt(batch []*writeReq, isolate bool) (results []error, hooks [][]func(), err error) {
	ctx := context.Background()
	results = make([]error, len(batch))
	obs := b.db.obs
	var t0 time.Time
	if obs != nil {
		t0 = time.Now()
	}
	stx, err := b.db.write.BeginTx(ctx, nil)
	if err != nil {
		return results, nil, fmt.Errorf("begin: %w", err)
	}
	tx := &Tx{db: b.db, tx: stx}
	single := len(batch) == 1
	for i, r := range batch {
		if err := r.ctx.Err(); err != nil {
			results[i] = err
			continue
		}
		if isolate && !single {
			if _, err := tx.Exec(ctx, b.sp[0]); err != nil {
				stx.Rollback()
				return results, nil, fmt.Errorf("savepoint: %w", err)
			}
		}
		tx.onCommit = nil
		err := callSafely(r.fn, tx)
		switch {
		case err == nil:
			hooks = append(hooks, tx.onCommit)
		case single:
			stx.Rollback()
			results[i] = err
			return results, nil, nil
		case !isolate:
			stx.Rollback()
			return results, nil, errIsolate
		default:
			if _, rerr := tx.Exec(ctx, b.sp[2]); rerr != nil {
				stx.Rollback()
				return results, nil, fmt.Errorf("rollback to savepoint: %w (after %v)", rerr, err)
			}
			results[i] = err
		}
		if isolate && !single {
			if _, err := tx.Exec(ctx, b.sp[1]); err != nil {
				stx.Rollback()
				return results, nil, fmt.Errorf("release savepoint: %w", err)
			}
		}
	}
	var tc time.Time
	if obs != nil {
		tc = time.Now()
	}
	if err := stx.Commit(); err != nil {
		return results, nil, fmt.Errorf("commit: %w", err)
	}
	if obs != nil {
		end := time.Now()
		obs.ObserveCommit(len(hooks), end.Sub(tc), end.Sub(t0))
	}
	return results, hooks, nil
}
