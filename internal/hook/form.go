package hook

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/tritiumhq/tritium/internal/apperr"
	"github.com/tritiumhq/tritium/internal/form"
	"github.com/tritiumhq/tritium/internal/record"
	"github.com/tritiumhq/tritium/internal/script"
	"github.com/tritiumhq/tritium/internal/sqldb"
)

// afterJob is the job of an after-commit form hook (afterSave, afterDelete).
const afterJob = "script.after"

// Active implements record.WriteHooks.
func (r *Runner) Active(ctx context.Context, f *form.Form) bool {
	return r.store.has(ctx, ScopeForm, f.Code)
}

// Before implements record.WriteHooks: onValidate, then beforeSave, on the
// record as it will be (the stored object with the input applied).
func (r *Runner) Before(ctx context.Context, actor record.Actor, f *form.Form, op record.Op, data record.Data, stored *record.Object) (record.Data, error) {
	if op == record.OpDelete {
		return data, nil
	}
	validate, vok := r.store.program(ctx, Key{ScopeForm, f.Code, OnValidate})
	save, sok := r.store.program(ctx, Key{ScopeForm, f.Code, BeforeSave})
	if !vok && !sok {
		return data, nil
	}
	id := ""
	cur := map[string]any{}
	if stored != nil {
		id = stored.ID
		var err error
		if cur, err = r.values(stored); err != nil {
			return nil, err
		}
	}
	for k, v := range data {
		cur[k] = plain(v)
	}
	in := func() script.Input {
		return script.Input{FormCode: f.Code, ObjectID: id, Form: cur, User: userOf(actor),
			Event: map[string]any{"hook": "", "op": string(op), "form": f.Code, "objectId": id}, Caller: caller("form", f.Code, id)}
	}
	if vok {
		i := in()
		i.Event["hook"] = OnValidate
		out := r.exec(ctx, validate, OnValidate, i, 1)
		if out.Err != nil {
			return nil, scriptFailed(Key{ScopeForm, f.Code, OnValidate}, out.Err)
		}
		if err := fieldErrors(out.Value); err != nil {
			return nil, err
		}
	}
	if !sok {
		return data, nil
	}
	i := in()
	i.Event["hook"] = BeforeSave
	out := r.exec(ctx, save, BeforeSave, i, 1)
	if out.Err != nil {
		return nil, scriptFailed(Key{ScopeForm, f.Code, BeforeSave}, out.Err)
	}
	if len(out.Changed) == 0 {
		return data, nil
	}
	next := make(record.Data, len(data)+len(out.Changed))
	for k, v := range data {
		next[k] = v
	}
	for _, k := range out.Changed {
		v, set := out.Form[k]
		if !set {
			if _, given := data[k]; given {
				delete(next, k) // the script took the input's value out
			}
			continue
		}
		if old, had := cur[k]; had && sameJSON(old, v) {
			continue
		}
		next[k] = v
	}
	return next, nil
}

// fieldErrors reads onValidate's answer: nothing, or field errors as
// {field: message} or [{field, message}]; any error refuses the write,
// naming the first field.
func fieldErrors(v any) error {
	type fe struct{ field, msg string }
	var errs []fe
	switch x := v.(type) {
	case nil, bool:
		if b, ok := x.(bool); ok && !b {
			return apperr.New(apperr.Invalid, "表单校验未通过 (the form's onValidate script refused the values)")
		}
		return nil
	case map[string]any:
		for k, m := range x {
			errs = append(errs, fe{k, fmt.Sprint(m)})
		}
		sort.Slice(errs, func(i, j int) bool { return errs[i].field < errs[j].field })
	case []any:
		for _, e := range x {
			if m, ok := e.(map[string]any); ok {
				errs = append(errs, fe{fmt.Sprint(m["field"]), fmt.Sprint(m["message"])})
			}
		}
	case string:
		if x == "" {
			return nil
		}
		return apperr.New(apperr.Invalid, "表单校验未通过: %s (refused by onValidate)", x)
	}
	if len(errs) == 0 {
		return nil
	}
	parts := make([]string, len(errs))
	for i, e := range errs {
		parts[i] = e.field + ": " + e.msg
	}
	return apperr.Field(errs[0].field, "表单校验未通过: %s (refused by onValidate: %s)", strings.Join(parts, "; "), errs[0].field)
}

// afterEvent is an after-commit hook's job payload.
type afterEvent struct {
	Event  string         `json:"event"` // idempotency key
	Hook   string         `json:"hook"`
	Form   string         `json:"form"`
	Object string         `json:"object"`
	Op     string         `json:"op"`
	User   string         `json:"user"`
	Dept   string         `json:"dept,omitempty"`
	Before map[string]any `json:"before,omitempty"` // afterDelete: the object as it was
}

// InTx implements record.WriteHooks: it enqueues afterSave or afterDelete
// in the write's transaction, one job per event.
func (r *Runner) InTx(ctx context.Context, tx *sqldb.Tx, actor record.Actor, f *form.Form, op record.Op, id string, stored *record.Object) error {
	if r.jobs == nil {
		return nil
	}
	hook := AfterSave
	if op == record.OpDelete {
		hook = AfterDelete
	}
	if _, ok := r.store.cached(Key{ScopeForm, f.Code, hook}); !ok {
		return nil
	}
	ev := afterEvent{Event: uuid.NewString(), Hook: hook, Form: f.Code, Object: id, Op: string(op), User: actor.UserID, Dept: actor.DepartmentID}
	if stored != nil {
		var err error
		if ev.Before, err = r.values(stored); err != nil {
			return err
		}
	}
	return r.jobs.Enqueue(ctx, tx, afterJob, ev, time.Time{})
}

// afterWork runs an after-commit hook: at least once, retried with backoff
// while it throws; an event whose run committed is not run again.
func (r *Runner) afterWork(ctx context.Context, payload json.RawMessage, attempt int) (func(context.Context, *sqldb.Tx) error, error) {
	var ev afterEvent
	if err := json.Unmarshal(payload, &ev); err != nil {
		return nil, fmt.Errorf("after hook payload: %w", err)
	}
	var n int
	if err := r.db.Reader().QueryRow(ctx, "SELECT COUNT(*) FROM script_events_done WHERE event_id = ?", ev.Event).Scan(&n); err != nil {
		return nil, err
	}
	if n > 0 {
		return nil, nil
	}
	e, ok := r.store.program(ctx, Key{ScopeForm, ev.Form, ev.Hook})
	if !ok {
		return nil, nil // the script was removed or disabled since
	}
	vals := ev.Before
	if ev.Hook == AfterSave {
		o, err := r.records.Load(ctx, ev.Form, ev.Object)
		if apperr.Is(err, apperr.NotFound) {
			return nil, nil // deleted before its afterSave ran: afterDelete follows
		}
		if err != nil {
			return nil, err
		}
		if vals, err = r.values(o); err != nil {
			return nil, err
		}
	}
	in := script.Input{FormCode: ev.Form, ObjectID: ev.Object, Form: vals, User: script.User{ID: ev.User, DepartmentID: ev.Dept},
		Event:  map[string]any{"id": ev.Event, "hook": ev.Hook, "op": ev.Op, "form": ev.Form, "objectId": ev.Object, "attempt": attempt},
		Caller: caller("form", ev.Form, ev.Object)}
	out := r.exec(ctx, e, ev.Hook, in, attempt)
	if out.Err != nil {
		return nil, fmt.Errorf("%s: %w", Key{ScopeForm, ev.Form, ev.Hook}, out.Err)
	}
	return func(ctx context.Context, tx *sqldb.Tx) error {
		_, err := tx.Exec(ctx, "INSERT INTO script_events_done (event_id, done) VALUES (?, ?) ON CONFLICT (event_id) DO NOTHING",
			ev.Event, tx.Dialect().TimeValue(time.Now()))
		return err
	}, nil
}

// Draft is the answer of an onLoad or onChange run for a record being
// filled in: the values the script computed and what it returned.
type Draft struct {
	Values  map[string]any   `json:"values"`
	Changed []string         `json:"changed"`
	Result  any              `json:"result"`
	Console []script.LogLine `json:"console"`
}

// RunDraft runs onLoad or onChange on draft values (merged over the stored
// object when id is set). Nothing is written.
func (r *Runner) RunDraft(ctx context.Context, actor record.Actor, formCode, hook, id string, data map[string]any, field string) (*Draft, error) {
	if hook != OnLoad && hook != OnChange {
		return nil, apperr.Field("hook", "只能运行 onLoad 或 onChange, 收到 %q (only onLoad and onChange run on a draft)", hook)
	}
	f, err := r.records.Forms().Lookup(ctx, formCode)
	if err != nil {
		return nil, err
	}
	e, ok := r.store.program(ctx, Key{ScopeForm, f.Code, hook})
	if !ok {
		return nil, apperr.New(apperr.NotFound, "表单 %s 没有启用的 %s 脚本 (the form has no enabled %s script)", f.Code, hook, hook)
	}
	cur := map[string]any{}
	if id != "" {
		o, err := r.records.Load(ctx, f.Code, id)
		if err != nil {
			return nil, err
		}
		if cur, err = r.values(o); err != nil {
			return nil, err
		}
	}
	for k, v := range data {
		cur[k] = plain(v)
	}
	in := script.Input{FormCode: f.Code, ObjectID: id, Form: cur, User: userOf(actor),
		Event: map[string]any{"hook": hook, "form": f.Code, "objectId": id, "field": field}, Caller: caller("form", f.Code, id)}
	out := r.exec(ctx, e, hook, in, 1)
	if out.Err != nil {
		return nil, scriptFailed(Key{ScopeForm, f.Code, hook}, out.Err)
	}
	ch := out.Changed
	if ch == nil {
		ch = []string{}
	}
	slices.Sort(ch)
	return &Draft{Values: out.Form, Changed: ch, Result: out.Value, Console: out.Console}, nil
}
