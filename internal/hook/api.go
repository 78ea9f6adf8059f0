package hook

import (
	"context"
	"strings"

	"github.com/google/uuid"
	"github.com/tritiumhq/tritium/internal/apperr"
	"github.com/tritiumhq/tritium/internal/connector"
	"github.com/tritiumhq/tritium/internal/record"
	"github.com/tritiumhq/tritium/internal/script"
)

// ActionError is a custom action that threw: its message goes to the
// caller as it is (H3Yun: Successful false, ErrorMessage).
type ActionError struct{ Err *script.Error }

func (e *ActionError) Error() string { return e.Err.Message }

// Invoke runs custom API action of controller with args as $args (and
// $form, for scripts written against a record's values: nil). The
// controller and action match case-insensitively, as H3Yun's do.
func (r *Runner) Invoke(ctx context.Context, actor record.Actor, controller, action string, args map[string]any) (any, error) {
	e, k, ok := r.findAction(ctx, controller, action)
	if !ok {
		return nil, apperr.New(apperr.NotFound, "没有这个自定义接口: %s.%s (no enabled custom API script for controller %s, action %s)", controller, action, controller, action)
	}
	in := script.Input{User: userOf(actor), Args: plain(args),
		Event:  map[string]any{"id": uuid.NewString(), "hook": "api", "controller": k.Target, "action": k.Name},
		Caller: connector.Caller{Kind: "api"}}
	out := r.exec(ctx, e, k.Name, in, 1)
	if out.Err != nil {
		return nil, &ActionError{out.Err}
	}
	return out.Value, nil
}

func (r *Runner) findAction(ctx context.Context, controller, action string) (*entry, Key, bool) {
	k := Key{ScopeAPI, controller, action}
	if e, ok := r.store.program(ctx, k); ok {
		return e, k, true
	}
	for _, s := range r.store.List(ctx, ScopeAPI, "") {
		if strings.EqualFold(s.Target, controller) && strings.EqualFold(s.Name, action) {
			k = Key{ScopeAPI, s.Target, s.Name}
			e, ok := r.store.program(ctx, k)
			return e, k, ok
		}
	}
	return nil, k, false
}

// Sample is an ad hoc run's context (POST /api/v1/scripts/run).
type Sample struct {
	Lang      string         `json:"lang"`
	Source    string         `json:"source"`
	Form      map[string]any `json:"form"`
	FormCode  string         `json:"formCode"`
	ObjectID  string         `json:"objectId"`
	Args      any            `json:"args"`
	Flow      *script.Flow   `json:"flow"`
	TimeoutMS int            `json:"timeoutMs"`
}

// RunResult is an ad hoc run's outcome.
type RunResult struct {
	Result     any              `json:"result"`
	Form       map[string]any   `json:"form,omitempty"`
	Changed    []string         `json:"changed"`
	Console    []script.LogLine `json:"console"`
	Calls      []script.CallRef `json:"calls"`
	Error      *script.Error    `json:"error"`
	DurationMS float64          `json:"durationMs"`
}

// Run compiles and runs a snippet against a sample context (admin
// debugging); it is recorded like any execution, as scope "run".
func (r *Runner) Run(ctx context.Context, actor record.Actor, s Sample) (*RunResult, error) {
	if s.Lang == "" {
		s.Lang = string(script.JS)
	}
	if s.Lang != string(script.JS) && s.Lang != string(script.TS) {
		return nil, apperr.Field("lang", "lang 必须是 js 或 ts, 收到 %q (lang must be js or ts)", s.Lang)
	}
	if s.TimeoutMS < 0 || s.TimeoutMS > int(script.MaxTimeout.Milliseconds()) {
		return nil, apperr.Field("timeoutMs", "timeoutMs 必须在 0 到 %d 之间 (timeoutMs must be 0..%d)", script.MaxTimeout.Milliseconds(), script.MaxTimeout.Milliseconds())
	}
	k := Key{"run", "adhoc", "snippet"}
	prog, err := compile(k, s.Lang, s.Source)
	if err != nil {
		return nil, err
	}
	e := &entry{s: Script{Scope: k.Scope, Target: k.Target, Name: k.Name, TimeoutMS: s.TimeoutMS}, prog: prog}
	if e.s.TimeoutMS == 0 {
		e.s.TimeoutMS = int(script.DefaultTimeout.Milliseconds())
	}
	var form map[string]any
	if s.Form != nil {
		form, _ = plain(s.Form).(map[string]any)
	}
	in := script.Input{FormCode: s.FormCode, ObjectID: s.ObjectID, Form: form, User: userOf(actor), Flow: s.Flow, Args: plain(s.Args),
		Event: map[string]any{"id": uuid.NewString(), "hook": "run"}, Caller: connector.Caller{Kind: "run"}}
	out := r.exec(ctx, e, "run", in, 1)
	res := &RunResult{Result: out.Value, Form: out.Form, Changed: out.Changed, Console: out.Console, Calls: out.Calls, Error: out.Err,
		DurationMS: float64(out.Duration.Microseconds()) / 1000}
	if res.Changed == nil {
		res.Changed = []string{}
	}
	if res.Console == nil {
		res.Console = []script.LogLine{}
	}
	if res.Calls == nil {
		res.Calls = []script.CallRef{}
	}
	return res, nil
}
