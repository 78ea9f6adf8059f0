// Package feed is the platform's change feed: one row per record change
// (created, updated, deleted) and per workflow fact (instance started,
// approved, rejected, canceled; task created, completed), written in the
// transaction of the change itself, so the feed holds exactly the changes
// that committed. Webhooks are fanned out from it (package delivery's
// relay) and a Server-Sent Events stream can follow it.
//
// # Reading in commit order
//
// On SQLite there is one writer: ids are handed out in commit order, and
// reading "id > last" never skips a row.
//
// On PostgreSQL ids come from a sequence when the row is inserted, not
// when its transaction commits: a transaction may take id 10, commit after
// another took and committed 11, and a reader that saw 11 and moved on
// would never see 10. So each row also carries its transaction's id
// (txid, pg_current_xact_id()), and Read returns only rows whose
// transaction is older than the oldest transaction still running
// (pg_snapshot_xmin of the current snapshot): those have all committed or
// rolled back, and no row can appear below that horizon any more. Rows
// come in (txid, id) order, and a Position is that pair; an event id is
// turned back into its Position (PositionOf) to resume after it, e.g. from
// an SSE Last-Event-ID. The price: while a transaction runs, rows of
// transactions newer than it wait for it (a long transaction delays the
// feed by its own length), and every node reads the same order.
package feed

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/tritiumhq/tritium/internal/sqldb"
)

// Event types.
const (
	RecordCreated    = "record.created"
	RecordUpdated    = "record.updated"
	RecordDeleted    = "record.deleted"
	InstanceStarted  = "instance.started"
	InstanceApproved = "instance.approved"
	InstanceRejected = "instance.rejected"
	InstanceCanceled = "instance.canceled"
	TaskCreated      = "task.created"
	TaskCompleted    = "task.completed"
)

// Types lists every event type, in the order documents show them.
var Types = []string{RecordCreated, RecordUpdated, RecordDeleted, InstanceStarted, InstanceApproved, InstanceRejected,
	InstanceCanceled, TaskCreated, TaskCompleted}

// Event is one change.
type Event struct {
	ID         int64           `json:"id"`
	Type       string          `json:"type"`
	Form       string          `json:"form,omitempty"`
	ObjectID   string          `json:"objectId,omitempty"`
	InstanceID string          `json:"instanceId,omitempty"`
	TaskID     string          `json:"taskId,omitempty"`
	Actor      string          `json:"actor,omitempty"` // the user who made the change
	Data       json.RawMessage `json:"data,omitempty"`  // what else the type says (a task's node, assignee, status…)
	Time       time.Time       `json:"time"`
	// Pos is the event's place in the feed (set by Read).
	Pos Position `json:"-"`
}

// Position is a place in the feed: after the event with ID, written by
// transaction Txid (PostgreSQL; 0 on SQLite).
type Position struct {
	Txid int64 `json:"txid"`
	ID   int64 `json:"id"`
}

const insert = "INSERT INTO feed_events (type, form, object_id, instance_id, task_id, actor, data, created_time) VALUES "

// rowsPerInsert is how many events one INSERT statement carries.
const rowsPerInsert = 100

// Queue adds the inserts of evs to b, to run in the change's transaction
// (one round trip with the change's other statements on PostgreSQL; a
// multi-row statement per 100 events).
func Queue(b *sqldb.Batch, d sqldb.Dialect, evs ...Event) {
	now := d.TimeValue(sqldb.Now())
	for len(evs) > 0 {
		chunk := evs[:min(len(evs), rowsPerInsert)]
		evs = evs[len(chunk):]
		var q strings.Builder
		q.WriteString(insert)
		args := make([]any, 0, 8*len(chunk))
		for i, e := range chunk {
			if i > 0 {
				q.WriteString(", ")
			}
			q.WriteString("(?, ?, ?, ?, ?, ?, ?, ?)")
			data := string(e.Data)
			if data == "" {
				data = "{}"
			}
			args = append(args, e.Type, e.Form, e.ObjectID, e.InstanceID, e.TaskID, e.Actor, data, now)
		}
		b.Queue(q.String(), args...)
	}
}

// Append writes evs inside tx, the change's transaction.
func Append(ctx context.Context, tx *sqldb.Tx, evs ...Event) error {
	if len(evs) == 0 {
		return nil
	}
	var b sqldb.Batch
	Queue(&b, tx.Dialect(), evs...)
	if _, err := tx.ExecBatch(ctx, &b); err != nil {
		return fmt.Errorf("write change feed: %w", err)
	}
	return nil
}

// Read returns up to limit events after pos, in commit order (see the
// package comment), and the position after the last one (pos when none).
// forms, when not empty, keeps only events of those forms.
func Read(ctx context.Context, q sqldb.Querier, pos Position, limit int, forms ...string) ([]Event, Position, error) {
	if limit <= 0 {
		limit = 500
	}
	cols := "id, type, form, object_id, instance_id, task_id, actor, data, created_time"
	var query string
	var args []any
	if q.Dialect().Kind() == sqldb.Postgres {
		query = "SELECT " + cols + ", txid::text::bigint FROM feed_events WHERE (txid, id) > (?::text::xid8, ?) AND txid < pg_snapshot_xmin(pg_current_snapshot())"
		args = []any{strconv.FormatInt(pos.Txid, 10), pos.ID}
	} else {
		query = "SELECT " + cols + ", 0 FROM feed_events WHERE id > ?"
		args = []any{pos.ID}
	}
	if len(forms) > 0 {
		query += " AND form IN (?" + repeat(", ?", len(forms)-1) + ")"
		for _, f := range forms {
			args = append(args, f)
		}
	}
	order := " ORDER BY id"
	if q.Dialect().Kind() == sqldb.Postgres {
		order = " ORDER BY txid, id"
	}
	rows, err := q.Query(ctx, query+order+" LIMIT "+strconv.Itoa(limit), args...)
	if err != nil {
		return nil, pos, fmt.Errorf("read change feed: %w", err)
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		var e Event
		var data string
		var ct any
		var txid int64
		if err := rows.Scan(&e.ID, &e.Type, &e.Form, &e.ObjectID, &e.InstanceID, &e.TaskID, &e.Actor, &data, &ct, &txid); err != nil {
			return nil, pos, fmt.Errorf("read change feed: %w", err)
		}
		if e.Time, err = q.Dialect().ScanTime(ct); err != nil {
			return nil, pos, err
		}
		e.Data = json.RawMessage(data)
		e.Pos = Position{Txid: txid, ID: e.ID}
		out = append(out, e)
		pos = e.Pos
	}
	return out, pos, rows.Err()
}

func repeat(s string, n int) string { return strings.Repeat(s, n) }

// PositionOf returns the position just after event id (to resume after
// it). An id no longer stored (pruned) resumes at the oldest event kept
// after it.
func PositionOf(ctx context.Context, q sqldb.Querier, id int64) (Position, error) {
	if q.Dialect().Kind() != sqldb.Postgres {
		return Position{ID: id}, nil
	}
	var p Position
	err := q.QueryRow(ctx, "SELECT txid::text::bigint, id FROM feed_events WHERE id = ?", id).Scan(&p.Txid, &p.ID)
	if errors.Is(err, sql.ErrNoRows) {
		// Resume before the oldest kept event with a larger id.
		err = q.QueryRow(ctx, "SELECT txid::text::bigint, id FROM feed_events WHERE id > ? ORDER BY txid, id LIMIT 1", id).Scan(&p.Txid, &p.ID)
		if errors.Is(err, sql.ErrNoRows) {
			return Head(ctx, q)
		}
		if err == nil {
			p.ID-- // just before it: (txid, id-1) < (txid, id)
		}
	}
	if err != nil {
		return Position{}, fmt.Errorf("feed position of %d: %w", id, err)
	}
	return p, nil
}

// Head returns the position after the last event committed by now (start
// here to see only what comes next). On PostgreSQL it is just below the
// oldest running transaction: a reader starting there may see a few events
// that committed a moment before, never miss one that commits after.
func Head(ctx context.Context, q sqldb.Querier) (Position, error) {
	var p Position
	var err error
	if q.Dialect().Kind() == sqldb.Postgres {
		err = q.QueryRow(ctx, "SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint - 1").Scan(&p.Txid)
		p.ID = math.MaxInt64
	} else {
		err = q.QueryRow(ctx, "SELECT COALESCE(MAX(id), 0) FROM feed_events").Scan(&p.ID)
	}
	if err != nil {
		return Position{}, fmt.Errorf("feed head: %w", err)
	}
	return p, nil
}

// Prune deletes events older than before (the feed is kept for a while
// for resuming streams, not for ever), a slice at a time in id order (ids
// follow time closely enough), so it needs no index on the time. The
// newest event is kept, so SQLite never hands its id out again.
func Prune(ctx context.Context, db *sqldb.DB, before time.Time) (int64, error) {
	var total int64
	for {
		var n int64
		err := db.Write(ctx, func(tx *sqldb.Tx) error {
			var upTo int64
			err := tx.QueryRow(ctx, `SELECT COALESCE(MAX(id), 0) FROM (SELECT id, created_time FROM feed_events ORDER BY id LIMIT 5000) oldest
WHERE created_time < ?`, tx.Dialect().TimeValue(before)).Scan(&upTo)
			if err != nil || upTo == 0 {
				return err
			}
			res, err := tx.Exec(ctx, "DELETE FROM feed_events WHERE id <= ? AND id < (SELECT MAX(id) FROM feed_events)", upTo)
			if err != nil {
				return err
			}
			n, _ = res.RowsAffected()
			return nil
		})
		if err != nil {
			return total, fmt.Errorf("prune change feed: %w", err)
		}
		total += n
		if n == 0 {
			return total, nil
		}
	}
}
