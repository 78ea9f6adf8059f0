package hook

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/tritiumhq/tritium/internal/apperr"
	"github.com/tritiumhq/tritium/internal/connector"
	"github.com/tritiumhq/tritium/internal/script"
	"github.com/tritiumhq/tritium/internal/sqldb"
	"github.com/tritiumhq/tritium/internal/workflow"
)

// flowJob is the job of a node hook (onEnter, onLeave, onApprove, onReject).
const flowJob = "script.flow"

// flowEvent is a node hook's job payload.
type flowEvent struct {
	Event  string                   `json:"event"` // idempotency key
	Script string                   `json:"script"`
	Ctx    workflow.NodeHookContext `json:"ctx"`
	Node   workflow.NodeEvent       `json:"node"`
}

// Flow adapts the runner to workflow.Scripts.
func (r *Runner) Flow() workflow.Scripts { return flowScripts{r} }

type flowScripts struct{ r *Runner }

// Active is asked inside the step's transaction: it reads the cache only.
func (f flowScripts) Active(ctx context.Context, formCode string) bool {
	return f.r.store.hasCached(ScopeFlow, formCode)
}

func (f flowScripts) StepTx(ctx context.Context, tx *sqldb.Tx, c workflow.NodeHookContext, evs []workflow.NodeEvent) error {
	return f.r.stepTx(ctx, tx, c, evs)
}

func (f flowScripts) RunTask(ctx context.Context, t workflow.ScriptTask) (map[string]any, error) {
	return f.r.runTask(ctx, t)
}

// stepTx enqueues the node hooks that exist: "node.event" and "event".
func (r *Runner) stepTx(ctx context.Context, tx *sqldb.Tx, c workflow.NodeHookContext, evs []workflow.NodeEvent) error {
	if r.jobs == nil {
		return nil
	}
	for _, ev := range evs {
		for _, name := range []string{ev.Node + "." + ev.Event, ev.Event} {
			if _, ok := r.store.cached(Key{ScopeFlow, c.Form, name}); !ok {
				continue
			}
			p := flowEvent{Event: uuid.NewString(), Script: name, Ctx: c, Node: ev}
			if err := r.jobs.Enqueue(ctx, tx, flowJob, p, time.Time{}); err != nil {
				return err
			}
		}
	}
	return nil
}

// flowWork runs a node hook: at least once, retried while it throws. It
// does not change the instance (a script task node does that).
func (r *Runner) flowWork(ctx context.Context, payload json.RawMessage, attempt int) (func(context.Context, *sqldb.Tx) error, error) {
	var ev flowEvent
	if err := json.Unmarshal(payload, &ev); err != nil {
		return nil, fmt.Errorf("flow hook payload: %w", err)
	}
	k := Key{ScopeFlow, ev.Ctx.Form, ev.Script}
	e, ok := r.store.program(ctx, k)
	if !ok {
		return nil, nil
	}
	vals, err := r.objectValues(ctx, ev.Ctx.Form, ev.Ctx.Object)
	if err != nil {
		return nil, err
	}
	in := script.Input{FormCode: ev.Ctx.Form, ObjectID: ev.Ctx.Object, Form: vals, User: script.User{ID: ev.Ctx.Actor},
		Flow: &script.Flow{InstanceID: ev.Ctx.Instance, Node: ev.Node.Node, NodeName: ev.Node.NodeName, Action: ev.Node.Action,
			Comment: ev.Node.Comment, Status: ev.Ctx.Status},
		Event:  map[string]any{"id": ev.Event, "hook": ev.Node.Event, "form": ev.Ctx.Form, "objectId": ev.Ctx.Object, "attempt": attempt},
		Caller: connector.Caller{Kind: "flow", Form: ev.Ctx.Form, ObjectID: ev.Ctx.Object, InstanceID: ev.Ctx.Instance}}
	out := r.exec(ctx, e, ev.Node.Event, in, attempt)
	if out.Err != nil {
		return nil, fmt.Errorf("%s: %w", k, out.Err)
	}
	return func(ctx context.Context, tx *sqldb.Tx) error {
		_, err := tx.Exec(ctx, "INSERT INTO script_events_done (event_id, done) VALUES (?, ?) ON CONFLICT (event_id) DO NOTHING",
			ev.Event, tx.Dialect().TimeValue(time.Now()))
		return err
	}, nil
}

// objectValues loads an object for a script; nil when it is gone.
func (r *Runner) objectValues(ctx context.Context, formCode, id string) (map[string]any, error) {
	o, err := r.records.Load(ctx, formCode, id)
	if apperr.Is(err, apperr.NotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return r.values(o)
}

// runTask runs a script task node's script. The values it returns, or
// the $form fields it set, are written to the record by the engine.
func (r *Runner) runTask(ctx context.Context, t workflow.ScriptTask) (map[string]any, error) {
	k := Key{ScopeFlow, t.Form, t.Hook}
	e, ok := r.store.program(ctx, k)
	if !ok {
		return nil, apperr.New(apperr.NotFound, "节点 %s 的脚本 %s 不存在或未启用 (the node's script does not exist or is disabled)", t.Node, k)
	}
	vals, err := r.objectValues(ctx, t.Form, t.Object)
	if err != nil {
		return nil, err
	}
	in := script.Input{FormCode: t.Form, ObjectID: t.Object, Form: vals, User: script.User{ID: t.Initiator},
		Flow:   &script.Flow{InstanceID: t.Instance, Node: t.Node, NodeName: t.NodeName, Status: workflow.Running},
		Event:  map[string]any{"id": t.Instance + "/" + t.Node + "/" + fmt.Sprint(t.Attempt), "hook": "task", "form": t.Form, "objectId": t.Object, "attempt": t.Attempt},
		Caller: connector.Caller{Kind: "flow", Form: t.Form, ObjectID: t.Object, InstanceID: t.Instance}}
	out := r.exec(ctx, e, "task", in, t.Attempt)
	if out.Err != nil {
		return nil, apperr.New(apperr.Invalid, "脚本 %s 失败: %s (script failed)", k, out.Err.Error())
	}
	set := map[string]any{}
	for _, c := range out.Changed {
		if v, ok := out.Form[c]; ok && !sameJSON(v, vals[c]) {
			set[c] = v
		}
	}
	if m, ok := out.Value.(map[string]any); ok {
		for c, v := range m {
			set[c] = v
		}
	}
	return set, nil
}
