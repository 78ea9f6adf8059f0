package hook

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/tritiumhq/tritium/internal/apperr"
	"github.com/tritiumhq/tritium/internal/script"
	"github.com/tritiumhq/tritium/internal/sqldb"
)

// Execution is one recorded run of a script.
type Execution struct {
	ID         string           `json:"id"`
	EventID    string           `json:"eventId,omitempty"`
	Scope      string           `json:"scope"`
	Target     string           `json:"target"`
	Name       string           `json:"name"`
	Version    int              `json:"version"`
	Hook       string           `json:"hook"`
	FormCode   string           `json:"formCode,omitempty"`
	ObjectID   string           `json:"objectId,omitempty"`
	InstanceID string           `json:"instanceId,omitempty"`
	Status     string           `json:"status"` // ok, error
	Attempt    int              `json:"attempt"`
	Started    time.Time        `json:"started"`
	DurationMS float64          `json:"durationMs"`
	Result     json.RawMessage  `json:"result,omitempty"`
	Error      *script.Error    `json:"error,omitempty"`
	Console    []script.LogLine `json:"console,omitempty"`
	Calls      []script.CallRef `json:"calls,omitempty"`
}

// maxResult bounds a stored result.
const maxResult = 16 << 10

// execLog writes executions in batches from a background goroutine: a
// hook on the hot path (beforeSave on every create) must not pay a write
// transaction of its own. A crash loses at most the last flush interval.
type execLog struct {
	db    *sqldb.DB
	log   *slog.Logger
	mu    sync.Mutex
	buf   []Execution
	kick  chan struct{}
	done  chan struct{}
	stop  context.CancelFunc
	flush chan chan struct{}
	// keepFor and keepMax bound the log: executions older than keepFor,
	// and all but the newest keepMax, are removed every ten minutes.
	keepFor time.Duration
	keepMax int
}

// Execution log retention defaults.
const (
	DefaultKeepFor = 7 * 24 * time.Hour
	DefaultKeepMax = 100000
)

// prune removes executions older than keepFor and all but the newest
// keepMax, and the done-marks of events older than keepFor.
func (l *execLog) prune(ctx context.Context, keepFor time.Duration, keepMax int) (int64, error) {
	var n int64
	err := l.db.Write(ctx, func(tx *sqldb.Tx) error {
		n = 0
		cut := tx.Dialect().TimeValue(time.Now().Add(-keepFor))
		res, err := tx.Exec(ctx, "DELETE FROM script_executions WHERE started < ?", cut)
		if err != nil {
			return err
		}
		a, _ := res.RowsAffected()
		if res, err = tx.Exec(ctx, `DELETE FROM script_executions WHERE started <= (SELECT started FROM script_executions ORDER BY started DESC LIMIT 1 OFFSET ?)`, keepMax); err != nil {
			return err
		}
		b, _ := res.RowsAffected()
		n = a + b
		_, err = tx.Exec(ctx, "DELETE FROM script_events_done WHERE done < ?", cut)
		return err
	})
	return n, err
}

func newExecLog(db *sqldb.DB, log *slog.Logger, keepFor time.Duration, keepMax int) *execLog {
	if keepFor <= 0 {
		keepFor = DefaultKeepFor
	}
	if keepMax <= 0 {
		keepMax = DefaultKeepMax
	}
	ctx, cancel := context.WithCancel(context.Background())
	l := &execLog{db: db, log: log, kick: make(chan struct{}, 1), done: make(chan struct{}), stop: cancel, flush: make(chan chan struct{}),
		keepFor: keepFor, keepMax: keepMax}
	go l.loop(ctx)
	return l
}

func (l *execLog) add(e Execution) {
	l.mu.Lock()
	if len(l.buf) < 10000 { // beyond that the database is not keeping up: drop, and say so
		l.buf = append(l.buf, e)
	} else {
		l.log.Warn("script execution log full; an execution was not recorded", "script", e.Scope+"/"+e.Target+"/"+e.Name)
	}
	l.mu.Unlock()
	select {
	case l.kick <- struct{}{}:
	default:
	}
}

func (l *execLog) loop(ctx context.Context) {
	defer close(l.done)
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	prune := time.NewTicker(10 * time.Minute)
	defer prune.Stop()
	for {
		select {
		case <-prune.C:
			if _, err := l.prune(ctx, l.keepFor, l.keepMax); err != nil && ctx.Err() == nil {
				l.log.Warn("prune script executions", "err", err)
			}
		case <-ctx.Done():
			l.write(context.Background())
			return
		case ch := <-l.flush:
			l.write(ctx)
			close(ch)
		case <-t.C:
			l.write(ctx)
		case <-l.kick:
			time.Sleep(20 * time.Millisecond) // gather a batch
			l.write(ctx)
		}
	}
}

// Flush writes what is buffered (tests, and before answering a query).
func (l *execLog) Flush() {
	ch := make(chan struct{})
	select {
	case l.flush <- ch:
		<-ch
	case <-l.done:
	}
}

func (l *execLog) close() {
	l.stop()
	<-l.done
}

func (l *execLog) write(ctx context.Context) {
	l.mu.Lock()
	batch := l.buf
	l.buf = nil
	l.mu.Unlock()
	if len(batch) == 0 {
		return
	}
	err := l.db.Write(ctx, func(tx *sqldb.Tx) error {
		d := tx.Dialect()
		for _, e := range batch {
			var errJSON, console, calls []byte
			if e.Error != nil {
				errJSON, _ = json.Marshal(e.Error)
			}
			if len(e.Console) > 0 {
				console, _ = json.Marshal(e.Console)
			}
			if len(e.Calls) > 0 {
				calls, _ = json.Marshal(e.Calls)
			}
			if _, err := tx.Exec(ctx, `INSERT INTO script_executions (id, event_id, scope, target, name, version, hook, form_code, object_id, instance_id,
				status, attempt, started, duration_us, result, error, console, calls) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
				e.ID, nullStr(e.EventID), e.Scope, e.Target, e.Name, e.Version, e.Hook, nullStr(e.FormCode), nullStr(e.ObjectID), nullStr(e.InstanceID),
				e.Status, e.Attempt, d.TimeValue(e.Started), int64(e.DurationMS*1000), nullBytes(e.Result), nullBytes(errJSON), nullBytes(console), nullBytes(calls)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		l.log.Warn("record script executions", "count", len(batch), "err", err)
	}
}

func nullStr(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func nullBytes(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	return string(b)
}

// newExecution starts the record of a run.
func newExecution(k Key, version int, hook string, in *script.Input, out *script.Output, attempt int, started time.Time) Execution {
	e := Execution{ID: newExecID(), Scope: k.Scope, Target: k.Target, Name: k.Name, Version: version, Hook: hook,
		FormCode: in.FormCode, ObjectID: in.ObjectID, Attempt: attempt, Started: started.UTC(), Status: "ok"}
	if in.Flow != nil {
		e.InstanceID = in.Flow.InstanceID
	}
	if id, ok := in.Event["id"].(string); ok {
		e.EventID = id
	}
	if out != nil {
		e.DurationMS = float64(out.Duration.Microseconds()) / 1000
		e.Console, e.Calls = out.Console, out.Calls
		if out.Err != nil {
			e.Status, e.Error = "error", out.Err
		} else if out.Value != nil {
			if b, err := json.Marshal(out.Value); err == nil {
				if len(b) > maxResult {
					b, _ = json.Marshal(map[string]any{"truncated": true, "size": len(b)})
				}
				e.Result = b
			}
		}
	}
	return e
}

// ExecQuery selects executions.
type ExecQuery struct {
	Scope, Target, Name  string
	ObjectID, InstanceID string
	Status               string // ok, error
	Limit, Offset        int
}

// Executions lists recorded executions, newest first.
func (r *Runner) Executions(ctx context.Context, q ExecQuery) ([]Execution, error) {
	r.execs.Flush()
	var where []string
	var args []any
	add := func(col, v string) {
		if v != "" {
			where = append(where, col+" = ?")
			args = append(args, v)
		}
	}
	add("scope", q.Scope)
	add("target", q.Target)
	add("name", q.Name)
	add("object_id", q.ObjectID)
	add("instance_id", q.InstanceID)
	add("status", q.Status)
	if q.Status != "" && q.Status != "ok" && q.Status != "error" {
		return nil, apperr.Field("status", "status 必须是 ok 或 error (status must be ok or error)")
	}
	if q.Limit <= 0 || q.Limit > 500 {
		q.Limit = 50
	}
	sqlq := "SELECT " + execColumns + " FROM script_executions"
	if len(where) > 0 {
		sqlq += " WHERE " + strings.Join(where, " AND ")
	}
	sqlq += " ORDER BY started DESC, id LIMIT ? OFFSET ?"
	return r.scanExecutions(ctx, sqlq, append(args, q.Limit, max(q.Offset, 0))...)
}

// Execution returns one execution.
func (r *Runner) Execution(ctx context.Context, id string) (Execution, error) {
	r.execs.Flush()
	out, err := r.scanExecutions(ctx, "SELECT "+execColumns+" FROM script_executions WHERE id = ?", id)
	if err != nil {
		return Execution{}, err
	}
	if len(out) == 0 {
		return Execution{}, apperr.New(apperr.NotFound, "没有这次执行: %s (no such execution)", id)
	}
	return out[0], nil
}

const execColumns = `id, COALESCE(event_id, ''), scope, target, name, version, hook, COALESCE(form_code, ''), COALESCE(object_id, ''),
	COALESCE(instance_id, ''), status, attempt, started, duration_us, COALESCE(result, ''), COALESCE(error, ''), COALESCE(console, ''), COALESCE(calls, '')`

func (r *Runner) scanExecutions(ctx context.Context, q string, args ...any) ([]Execution, error) {
	rows, err := r.db.Reader().Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list executions: %w", err)
	}
	defer rows.Close()
	d := r.db.Dialect()
	var out []Execution
	for rows.Next() {
		var e Execution
		var t any
		var dur int64
		var res, errs, console, calls string
		if err := rows.Scan(&e.ID, &e.EventID, &e.Scope, &e.Target, &e.Name, &e.Version, &e.Hook, &e.FormCode, &e.ObjectID,
			&e.InstanceID, &e.Status, &e.Attempt, &t, &dur, &res, &errs, &console, &calls); err != nil {
			return nil, fmt.Errorf("list executions: %w", err)
		}
		if e.Started, err = d.ScanTime(t); err != nil {
			return nil, err
		}
		e.DurationMS = float64(dur) / 1000
		if res != "" {
			e.Result = json.RawMessage(res)
		}
		if errs != "" {
			e.Error = &script.Error{}
			_ = json.Unmarshal([]byte(errs), e.Error)
		}
		if console != "" {
			_ = json.Unmarshal([]byte(console), &e.Console)
		}
		if calls != "" {
			_ = json.Unmarshal([]byte(calls), &e.Calls)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// newExecID is time-ordered, so the log's primary key grows at its end
// instead of splitting pages all over the b-tree.
func newExecID() string {
	if u, err := uuid.NewV7(); err == nil {
		return u.String()
	}
	return uuid.NewString()
}

// PruneExecutions applies the execution log's retention now (it also runs
// every ten minutes): it returns how many executions it removed.
func (r *Runner) PruneExecutions(ctx context.Context, keepFor time.Duration, keepMax int) (int64, error) {
	r.execs.Flush()
	return r.execs.prune(ctx, keepFor, keepMax)
}
