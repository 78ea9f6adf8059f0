package sqldb

import (
	"context"
	"errors"
	"fmt"
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

func (b *batcher) run(batch []*writeReq) {
	ctx := context.Background()
	stx, err := b.db.write.BeginTx(ctx, nil)
	if err != nil {
		for _, r := range batch {
			r.done <- fmt.Errorf("begin: %w", err)
		}
		return
	}
	tx := &Tx{db: b.db, tx: stx}
	if len(batch) == 1 {
		r := batch[0]
		err := r.ctx.Err()
		if err == nil {
			err = callSafely(r.fn, tx)
		}
		if err != nil {
			stx.Rollback()
			r.done <- err
			return
		}
		if err := stx.Commit(); err != nil {
			r.done <- fmt.Errorf("commit: %w", err)
			return
		}
		b.db.writes.Add(1)
		for _, f := range tx.onCommit {
			f()
		}
		r.done <- nil
		return
	}

	results := make([]error, len(batch))
	var hooks [][]func()
	for i, r := range batch {
		if err := r.ctx.Err(); err != nil {
			results[i] = err
			continue
		}
		if _, err := tx.Exec(ctx, b.sp[0]); err != nil {
			results[i] = fmt.Errorf("savepoint: %w", err)
			continue
		}
		tx.onCommit = nil
		err := callSafely(r.fn, tx)
		if err != nil {
			if _, rerr := tx.Exec(ctx, b.sp[2]); rerr != nil {
				// The transaction is unusable: fail everything in it.
				stx.Rollback()
				for _, r := range batch {
					r.done <- fmt.Errorf("rollback to savepoint: %w (after %v)", rerr, err)
				}
				return
			}
			results[i] = err
		} else {
			hooks = append(hooks, tx.onCommit)
		}
		if _, err := tx.Exec(ctx, b.sp[1]); err != nil {
			stx.Rollback()
			for _, r := range batch {
				r.done <- fmt.Errorf("release savepoint: %w", err)
			}
			return
		}
	}
	if err := stx.Commit(); err != nil {
		for i, r := range batch {
			if results[i] == nil {
				results[i] = fmt.Errorf("commit: %w", err)
			}
			r.done <- results[i]
		}
		return
	}
	b.db.writes.Add(int64(len(hooks)))
	for _, hs := range hooks {
		for _, f := range hs {
			f()
		}
	}
	for i, r := range batch {
		r.done <- results[i]
	}
}
