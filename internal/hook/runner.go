package hook

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/tritiumhq/tritium/internal/apperr"
	"github.com/tritiumhq/tritium/internal/connector"
	"github.com/tritiumhq/tritium/internal/form"
	"github.com/tritiumhq/tritium/internal/job"
	"github.com/tritiumhq/tritium/internal/record"
	"github.com/tritiumhq/tritium/internal/script"
	"github.com/tritiumhq/tritium/internal/sqldb"
)

// Config wires a Runner.
type Config struct {
	DB      *sqldb.DB
	Store   *Store
	Engine  *script.Engine
	Records *record.Service
	Jobs    *job.Queue // nil: after-commit hooks are not run
	Users   Users      // $user's name; may be nil
	Logger  *slog.Logger
	// KeepFor and KeepMax bound the execution log (defaults 7 days and
	// 100,000 executions).
	KeepFor time.Duration
	KeepMax int
}

// Users names the acting user for $user.
type Users interface {
	UserName(ctx context.Context, id string) string
}

// Runner runs saved scripts at their hooks and records every execution.
type Runner struct {
	db      *sqldb.DB
	store   *Store
	engine  *script.Engine
	records *record.Service
	jobs    *job.Queue
	users   Users
	log     *slog.Logger
	execs   *execLog
	enc     *record.Encoder
}

// NewRunner returns a runner and registers its job handlers.
func NewRunner(cfg Config) *Runner {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	r := &Runner{db: cfg.DB, store: cfg.Store, engine: cfg.Engine, records: cfg.Records, jobs: cfg.Jobs, users: cfg.Users,
		log: cfg.Logger, execs: newExecLog(cfg.DB, cfg.Logger, cfg.KeepFor, cfg.KeepMax), enc: &record.Encoder{Codec: cfg.Records.Codec(), Flavor: form.REST}}
	if r.jobs != nil {
		r.jobs.HandleWork(afterJob, r.afterWork)
		r.jobs.HandleWork(flowJob, r.flowWork)
	}
	return r
}

// Store returns the script store.
func (r *Runner) Store() *Store { return r.store }

// Close writes the buffered execution records.
func (r *Runner) Close() { r.execs.close() }

// Flush writes the buffered execution records now.
func (r *Runner) Flush() { r.execs.Flush() }

// exec runs the script e for hook with in, and records the run.
func (r *Runner) exec(ctx context.Context, e *entry, hook string, in script.Input, attempt int) *script.Output {
	k := Key{e.s.Scope, e.s.Target, e.s.Name}
	in.Hook = hook
	if in.Timeout == 0 {
		in.Timeout = time.Duration(e.s.TimeoutMS) * time.Millisecond
	}
	if in.User.ID != "" && in.User.Name == "" && r.users != nil {
		in.User.Name = r.users.UserName(ctx, in.User.ID)
	}
	if in.Caller.Script == "" {
		in.Caller.Script = k.String()
	}
	started := time.Now()
	var out *script.Output
	if e.prog == nil {
		out = &script.Output{Err: &script.Error{Script: k.String(), Kind: "syntax", Message: "the saved script does not compile on this server"}}
	} else {
		var err error
		out, err = r.engine.Run(ctx, e.prog, in)
		if err != nil {
			out = &script.Output{Err: &script.Error{Script: k.String(), Kind: "internal", Message: err.Error()}, Duration: time.Since(started)}
		}
	}
	r.execs.add(newExecution(k, e.s.Version, hook, &in, out, attempt, started))
	return out
}

// values returns o as the JSON-like map scripts see ($form), as the REST
// API shows it.
func (r *Runner) values(o *record.Object) (map[string]any, error) {
	b := r.enc.Append(nil, o)
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("encode %s %s for a script: %w", o.Form.Code, o.ID, err)
	}
	return m, nil
}

// plain turns decoded request values (json.Number) into what scripts see:
// numbers as numbers.
func plain(v any) any {
	switch x := v.(type) {
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return i
		}
		f, _ := x.Float64()
		return f
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = plain(e)
		}
		return m
	case []any:
		s := make([]any, len(x))
		for i, e := range x {
			s[i] = plain(e)
		}
		return s
	}
	return v
}

func userOf(a record.Actor) script.User {
	return script.User{ID: a.UserID, DepartmentID: a.DepartmentID}
}

// scriptFailed is the API error of a hook that refused or failed: the
// script's own message, named, in both languages.
func scriptFailed(k Key, e *script.Error) error {
	where := ""
	if e.Line > 0 {
		where = fmt.Sprintf(" (line %d)", e.Line)
	}
	switch e.Kind {
	case "thrown":
		return apperr.New(apperr.Invalid, "脚本 %s 拒绝了这次保存: %s (refused by script %s%s)", k, e.Message, k, where)
	case "timeout":
		return apperr.New(apperr.Unavailable, "脚本 %s 超时: %s (script %s timed out)", k, e.Message, k)
	}
	return apperr.New(apperr.Invalid, "脚本 %s 出错: %s (script %s failed%s)", k, e.Message, k, where)
}

// sameJSON reports whether a and b encode alike (a script's untouched
// value may come back as another Go type).
func sameJSON(a, b any) bool {
	x, err1 := json.Marshal(a)
	y, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && string(x) == string(y)
}

// caller is the call-log origin of a form hook.
func caller(kind string, f string, id string) connector.Caller {
	return connector.Caller{Kind: kind, Form: f, ObjectID: id}
}
