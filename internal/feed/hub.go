package feed

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/tritiumhq/tritium/internal/sqldb"
)

// Hub follows the feed for live streams (Server-Sent Events): one reader
// per node polls the table — so events written by any node reach every
// node's streams — and hands each new event to every subscriber. A
// subscriber's buffer is bounded: one that falls behind by more than it
// holds is dropped (Sub.Overflowed), and resumes from its last event id
// instead of making the node hold an unbounded backlog.
type Hub struct {
	db    *sqldb.DB
	every time.Duration
	log   *slog.Logger

	mu   sync.Mutex
	subs map[*Sub]struct{}
	pos  Position // read up to here (meaningful while subs is not empty)
	wake chan struct{}
}

// Sub is one subscriber.
type Sub struct {
	// C carries the events after From, in feed order; it is closed when
	// the subscriber is dropped (Overflowed) or unsubscribed.
	C <-chan Event
	// From is where the live events start: events at or before it come
	// from Read (catching up), those after it from C.
	From       Position
	c          chan Event
	overflowed bool
}

// Overflowed reports whether the subscriber was dropped for falling
// behind (read it after C is closed).
func (s *Sub) Overflowed() bool { return s.overflowed }

// NewHub returns a hub polling every interval (default 200ms).
func NewHub(db *sqldb.DB, every time.Duration, log *slog.Logger) *Hub {
	if every <= 0 {
		every = 200 * time.Millisecond
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Hub{db: db, every: every, log: log, subs: map[*Sub]struct{}{}, wake: make(chan struct{}, 1)}
}

// Subscribe adds a subscriber with a buffer of size events (default
// 1000). Its live events start after the feed's head at this moment.
func (h *Hub) Subscribe(ctx context.Context, size int) (*Sub, error) {
	if size <= 0 {
		size = 1000
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.subs) == 0 {
		p, err := Head(ctx, h.db.Reader())
		if err != nil {
			return nil, err
		}
		h.pos = p
	}
	c := make(chan Event, size)
	s := &Sub{C: c, c: c, From: h.pos}
	h.subs[s] = struct{}{}
	select {
	case h.wake <- struct{}{}:
	default:
	}
	return s, nil
}

// Unsubscribe removes s (closing its channel) unless it was dropped.
func (h *Hub) Unsubscribe(s *Sub) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.subs[s]; ok {
		delete(h.subs, s)
		close(s.c)
	}
}

// Subscribers is how many streams follow the hub.
func (h *Hub) Subscribers() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.subs)
}

// Run polls the feed until ctx ends, while anyone subscribes.
func (h *Hub) Run(ctx context.Context) {
	t := time.NewTicker(h.every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-h.wake:
		}
		if err := h.poll(ctx); err != nil && ctx.Err() == nil {
			h.log.Warn("change feed: read for streams", "err", err)
		}
	}
}

// poll reads what is new and hands it out. The lock is held while
// reading, so a Subscribe never lands between a read and its hand-out
// (it would miss those events or get them twice).
func (h *Hub) poll(ctx context.Context) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	for len(h.subs) > 0 {
		evs, next, err := Read(ctx, h.db.Reader(), h.pos, 500)
		if err != nil {
			return err
		}
		h.pos = next
		for _, e := range evs {
			for s := range h.subs {
				select {
				case s.c <- e:
				default: // fallen behind: drop it, it resumes by id
					s.overflowed = true
					delete(h.subs, s)
					close(s.c)
				}
			}
		}
		if len(evs) < 500 {
			return nil
		}
	}
	return nil
}

// After reports whether p comes after q in feed order.
func (p Position) After(q Position) bool {
	if p.Txid != q.Txid {
		return p.Txid > q.Txid
	}
	return p.ID > q.ID
}
