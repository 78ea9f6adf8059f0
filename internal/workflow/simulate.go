package workflow

import (
	"context"

	"github.com/tritiumhq/tritium/internal/apperr"
	"github.com/tritiumhq/tritium/internal/form"
	"github.com/tritiumhq/tritium/internal/record"
	"github.com/tritiumhq/tritium/internal/workflow/model"
)

// SimInput is a simulation's sample.
type SimInput struct {
	// Definition to try; nil: the form's current process.
	Definition *model.Definition `json:"definition,omitempty"`
	// Values: sample record values by field code, as on the REST API.
	Values record.Data `json:"values,omitempty"`
	// Initiator: who submits, a user id (default: the administrator); an
	// unknown one is refused.
	Initiator string              `json:"initiator,omitempty"`
	Chosen    map[string][]string `json:"chosen,omitempty"`
}

// SimStep is a node the sample passes, with the people it would ask.
type SimStep struct {
	Node      string   `json:"node"`
	Name      string   `json:"name,omitempty"`
	Type      string   `json:"type"`
	Assignees []string `json:"assignees,omitempty"`
}

// maxSimEvents stops a simulation of a process that loops forever.
const maxSimEvents = 5000

// Simulate runs the process on sample values with the real engine, in
// memory: every approval is approved by its first pending assignee, timers
// pass at once. Nothing is written.
func (e *Engine) Simulate(ctx context.Context, formCode string, in SimInput) ([]SimStep, error) {
	f, err := e.forms.Lookup(ctx, formCode)
	if err != nil {
		return nil, err
	}
	var c *compiled
	if in.Definition != nil {
		if c, err = compile(f, in.Definition); err != nil {
			return nil, err
		}
	} else if c, _, err = e.definition(ctx, e.db.Reader(), f, 0); err != nil {
		return nil, err
	}
	vals, err := e.sampleValues(f, in.Values)
	if err != nil {
		return nil, err
	}
	initiator := in.Initiator
	if initiator == "" {
		initiator = e.admin
	} else if _, ok, err := e.dir.UserProfile(ctx, e.db.Reader(), initiator); err != nil {
		return nil, err
	} else if !ok {
		return nil, apperr.Field("initiator", "发起人不存在: %q (initiator: no user with this id)", initiator)
	}
	r := &run{e: e, ctx: ctx, q: e.db.Reader(), vals: vals, f: f, c: c, st: newState(), touched: map[string]bool{}, now: e.clock(), actor: initiator}
	if err := r.emit(EvStarted, EventData{Form: f.Code, Version: 0, Initiator: initiator, Chosen: in.Chosen}); err != nil {
		return nil, err
	}
	if err := r.enter(r.newToken(), c.def.Start().ID, ""); err == nil {
		err = r.submitStart("")
	} else {
		return nil, err
	}
	for err == nil && r.st.Status == Running {
		if len(r.events) > maxSimEvents {
			return nil, apperr.New(apperr.Invalid, "模拟超过 %d 步仍未结束, 流程可能循环 (the simulation did not end: does the process loop?)", maxSimEvents)
		}
		t := r.firstPending()
		if t == nil {
			break // waiting on something a simulation cannot do
		}
		err = r.approve(record.Actor{UserID: t.Assignee}, t, c.def.Node(t.Node), Input{})
	}
	if err != nil {
		return nil, err
	}
	return r.steps(), nil
}

func (r *run) firstPending() *Task {
	for _, t := range r.sortedTasks() {
		if t.Status == TaskPending && t.Kind == KindApproval {
			return t
		}
	}
	return nil
}

// steps lists the nodes entered, with the people asked at each visit.
func (r *run) steps() []SimStep {
	var out []SimStep
	index := map[int]int{} // visit (event seq) → step
	for _, ev := range r.events {
		switch ev.Type {
		case EvEntered, EvJoined:
			n := r.c.def.Node(ev.Data.Node)
			index[ev.Seq] = len(out)
			out = append(out, SimStep{Node: n.ID, Name: n.Name, Type: string(n.Type)})
		}
	}
	for _, t := range r.sortedTasks() {
		if t.Kind == KindStart || t.External { // an external system is nobody of ours
			continue
		}
		if i, ok := index[t.Visit]; ok && !contains(out[i].Assignees, t.Assignee) {
			out[i].Assignees = append(out[i].Assignees, t.Assignee)
		}
	}
	return out
}

// sampleValues converts sample values by the form's field types.
func (e *Engine) sampleValues(f *form.Form, data record.Data) (map[string]any, error) {
	vals := map[string]any{}
	codec := e.forms.Codec()
	for k, v := range data {
		fd := f.Field(k)
		if fd == nil {
			return nil, apperr.Field(k, "字段不存在: %s (unknown field)", k)
		}
		cv, err := codec.CoerceFilter(fd, v)
		if fd.Multi() {
			cv, err = codec.Coerce(fd, v)
		}
		if err != nil {
			return nil, err
		}
		vals[fd.Code] = cv
	}
	return vals, nil
}
