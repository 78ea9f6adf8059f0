package delivery

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/tritiumhq/tritium/internal/apperr"
	"github.com/tritiumhq/tritium/internal/feed"
	"github.com/tritiumhq/tritium/internal/sqldb"
)

// Webhook fan-out is a relay over the change feed, not a step of each
// write: a write pays only for its feed row (no subscription lookup in the
// write transaction, no cache of subscriptions that another node may not
// have caught up with). One relay pass runs at a time across all nodes (a
// transaction advisory lock on PostgreSQL; SQLite has one writer): in one
// write transaction it reads the events after its cursor, in commit order
// (package feed), enqueues one delivery per event and matching enabled
// subscription, and moves the cursor — so each event is fanned out
// exactly once, even when a node dies mid-pass (the pass rolls back and
// runs again). A subscription gets the events written after it was made.

// relayName is the relay's row in feed_cursors.
const relayName = "webhooks"

// relayBatch is how many events one pass reads.
const relayBatch = 500

// Relay runs one pass and returns how many events it read.
func (s *Service) Relay(ctx context.Context) (int, error) {
	var n int
	err := s.db.Write(ctx, func(tx *sqldb.Tx) error {
		n = 0
		if tx.Dialect().Kind() == sqldb.Postgres {
			var mine bool
			if err := tx.QueryRow(ctx, "SELECT pg_try_advisory_xact_lock(hashtext(?))", "tritium.delivery.relay").Scan(&mine); err != nil {
				return err
			}
			if !mine {
				return nil // another node is relaying right now
			}
		}
		pos, err := s.cursor(ctx, tx)
		if err != nil {
			return err
		}
		evs, next, err := feed.Read(ctx, tx, pos, relayBatch)
		if err != nil {
			return err
		}
		tx.OnCommit(func() { s.relayed.Store(&next) })
		if len(evs) == 0 {
			return nil
		}
		n = len(evs)
		hooks, err := s.usableWebhooks(ctx, tx)
		if err != nil {
			return err
		}
		for _, e := range evs {
			for _, w := range hooks {
				if !w.wants(e) {
					continue
				}
				if _, err := s.Enqueue(ctx, tx, Message{Kind: e.Type, URL: w.URL, Body: eventBody(e, w.ID),
					Secret: SecretRef{Kind: SecretWebhook, ID: w.ID}, Ref: w.ID}); err != nil {
					return fmt.Errorf("fan out event %d to %s: %w", e.ID, w.ID, err)
				}
			}
		}
		_, err = tx.Exec(ctx, "UPDATE feed_cursors SET txid = ?, event_id = ? WHERE name = ?", next.Txid, next.ID, relayName)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("relay webhooks: %w", err)
	}
	return n, nil
}

// usableWebhooks returns the enabled subscriptions, turning off (with the
// reason) any whose URL the network policy now refuses — the allow-list
// may have changed since it was made — so that one cannot stall the relay.
func (s *Service) usableWebhooks(ctx context.Context, tx *sqldb.Tx) ([]Webhook, error) {
	hooks, err := s.queryWebhooks(ctx, tx, " WHERE enabled = 1", "")
	if err != nil {
		return nil, err
	}
	out := hooks[:0]
	for _, w := range hooks {
		cerr := s.CheckURL("url", w.URL)
		if cerr == nil {
			out = append(out, w)
			continue
		}
		reason := "已停用: " + apperr.As(cerr).Message + " (turned off: its URL is refused now)"
		if _, err := tx.Exec(ctx, "UPDATE webhooks SET enabled = 0, disabled_reason = ?, modified_time = ? WHERE id = ?",
			reason, tx.Dialect().TimeValue(sqldb.Now()), w.ID); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// cursor returns the relay's position, the feed's start the first time
// (subscriptions take only events newer than themselves anyway).
func (s *Service) cursor(ctx context.Context, tx *sqldb.Tx) (feed.Position, error) {
	var p feed.Position
	err := tx.QueryRow(ctx, "SELECT txid, event_id FROM feed_cursors WHERE name = ?", relayName).Scan(&p.Txid, &p.ID)
	if errors.Is(err, sql.ErrNoRows) {
		_, err = tx.Exec(ctx, "INSERT INTO feed_cursors (name, txid, event_id) VALUES (?, 0, 0)", relayName)
	}
	return p, err
}

// wants reports whether the subscription takes event e: its type, its
// form, and written since the subscription was made or last turned back
// on (an event written while it was off is not its, even when the relay
// reads it after the subscription is on again).
func (w Webhook) wants(e feed.Event) bool {
	return slices.Contains(w.Events, e.Type) && (w.Form == "" || w.Form == e.Form) && !e.Time.Before(w.activeSince)
}

// WebhookEvent is the body of a webhook delivery.
type WebhookEvent struct {
	EventID    string          `json:"eventId"` // the feed event's id: the same for every subscription
	Type       string          `json:"type"`
	Time       time.Time       `json:"time"`
	WebhookID  string          `json:"webhookId"`
	Form       string          `json:"form,omitempty"`
	ObjectID   string          `json:"objectId,omitempty"`
	InstanceID string          `json:"instanceId,omitempty"`
	TaskID     string          `json:"taskId,omitempty"`
	Actor      string          `json:"actor,omitempty"`
	Data       json.RawMessage `json:"data,omitempty"`
}

func eventBody(e feed.Event, webhook string) []byte {
	data := e.Data
	if string(data) == "{}" {
		data = nil
	}
	b, _ := json.Marshal(WebhookEvent{EventID: strconv.FormatInt(e.ID, 10), Type: e.Type, Time: e.Time, WebhookID: webhook,
		Form: e.Form, ObjectID: e.ObjectID, InstanceID: e.InstanceID, TaskID: e.TaskID, Actor: e.Actor, Data: data})
	return b
}

// RunRelay relays every interval until ctx ends, and once an hour prunes
// the feed events and the ended deliveries older than their retention. Between passes it checks from
// the read pool whether the feed grew, so an idle server opens no write
// transactions.
func (s *Service) RunRelay(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	var pruned time.Time
	for {
		if s.feedGrew(ctx) {
			for {
				n, err := s.Relay(ctx)
				if err != nil && ctx.Err() == nil {
					s.log.Warn("relay webhooks", "err", err)
				}
				if err != nil || n < relayBatch {
					break
				}
			}
		}
		if time.Since(pruned) > time.Hour {
			pruned = time.Now()
			if _, err := feed.Prune(ctx, s.db, time.Now().Add(-s.cfg.FeedRetention)); err != nil && ctx.Err() == nil {
				s.log.Warn("prune change feed", "err", err)
			}
			if _, err := s.PruneLog(ctx, time.Now().Add(-s.cfg.LogRetention)); err != nil && ctx.Err() == nil {
				s.log.Warn("prune delivery log", "err", err)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// feedGrew reports whether the feed has an event after where this node's
// relay last left it (always true before its first pass; another node may
// have relayed it since, which the pass then finds).
func (s *Service) feedGrew(ctx context.Context) bool {
	last := s.relayed.Load()
	if last == nil {
		return true
	}
	evs, _, err := feed.Read(ctx, s.db.Reader(), *last, 1)
	return err != nil || len(evs) > 0
}
