package workflow

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/tritiumhq/tritium/internal/apperr"
	"github.com/tritiumhq/tritium/internal/record"
	"github.com/tritiumhq/tritium/internal/sqldb"
	"github.com/tritiumhq/tritium/internal/workflow/model"
)

// Scripts run where a process asks for them (package hook implements it).
// No script runs inside a step's transaction: node hooks are enqueued by
// StepTx as jobs of the step, and a script task node's script runs as a
// job whose outcome moves the instance on in a transaction of its own.
type Scripts interface {
	// Active reports whether the process of formCode has flow scripts.
	Active(ctx context.Context, formCode string) bool
	// StepTx enqueues, in the step's transaction, the node hooks of evs.
	StepTx(ctx context.Context, tx *sqldb.Tx, st NodeHookContext, evs []NodeEvent) error
	// RunTask runs a script task node's script, outside any transaction;
	// it returns values to write to the record.
	RunTask(ctx context.Context, t ScriptTask) (map[string]any, error)
}

// NodeHookContext is the instance a step's node events belong to.
type NodeHookContext struct {
	Form, Object, Instance, Actor, Status string
}

// NodeEvent is one node event a flow script may run at.
type NodeEvent struct {
	Node, NodeName string
	Event          string // onEnter, onLeave, onApprove, onReject
	Action         string // approve, reject (for onApprove, onReject)
	Comment        string
}

// ScriptTask is a script task node's run.
type ScriptTask struct {
	Form, Object, Instance, Node, NodeName, Hook, Initiator string
	Attempt                                                 int
}

// SetScripts connects the script runner.
func (e *Engine) SetScripts(s Scripts) {
	e.scripts = s
	if e.jobs != nil {
		e.jobs.HandleWork(scriptJob, e.scriptWork)
	}
}

// scriptJob is the job of a script task node.
const scriptJob = "workflow.script"

// scriptRun is a script task node's job payload.
type scriptRun struct {
	Instance string `json:"instance"`
	Node     string `json:"node"`
	Token    string `json:"token"`
	Visit    int    `json:"visit"`
}

// enterScript pauses the token at a script task node until its job has
// run; without a runner (or in a simulation) the node passes.
func (r *run) enterScript(token string, n *model.Node) error {
	if r.e.scripts == nil || r.e.jobs == nil || r.tx == nil {
		return r.leave(token, n)
	}
	r.scriptRuns = append(r.scriptRuns, scriptRun{r.id, n.ID, token, r.st.visitOf(token)})
	return nil
}

// nodeEvents are the node hooks a run's events call for.
func (r *run) nodeEvents() []NodeEvent {
	var out []NodeEvent
	name := func(id string) string {
		if n := r.c.def.Node(id); n != nil {
			return n.Name
		}
		return ""
	}
	comment := ""
	for _, ev := range r.events {
		d := ev.Data
		switch ev.Type {
		case EvTaskSet:
			if d.Comment != "" {
				comment = d.Comment
			}
		case EvEntered:
			if d.From != "" {
				out = append(out, NodeEvent{Node: d.From, NodeName: name(d.From), Event: "onLeave"})
			}
			out = append(out, NodeEvent{Node: d.Node, NodeName: name(d.Node), Event: "onEnter"})
		case EvDecided:
			switch d.Result {
			case Approved:
				out = append(out, NodeEvent{Node: d.Node, NodeName: name(d.Node), Event: "onApprove", Action: "approve", Comment: comment})
			case Rejected:
				out = append(out, NodeEvent{Node: d.Node, NodeName: name(d.Node), Event: "onReject", Action: "reject", Comment: comment})
			}
		}
	}
	return out
}

// scheduleScripts enqueues the run's script task jobs and node hooks.
func (r *run) scheduleScripts() error {
	if r.e.scripts == nil || r.e.jobs == nil || r.tx == nil {
		return nil
	}
	for _, s := range r.scriptRuns {
		if err := r.e.jobs.Enqueue(r.ctx, r.tx, scriptJob, s, time.Time{}); err != nil {
			return err
		}
	}
	if !r.e.scripts.Active(r.ctx, r.st.Form) {
		return nil
	}
	evs := r.nodeEvents()
	if len(evs) == 0 {
		return nil
	}
	return r.e.scripts.StepTx(r.ctx, r.tx, NodeHookContext{Form: r.st.Form, Object: r.st.Object, Instance: r.id, Actor: r.actor, Status: r.st.Status}, evs)
}

// scriptWork runs a script task node's script, then moves the instance on
// (or records the failure) in one transaction with the job's completion.
func (e *Engine) scriptWork(ctx context.Context, payload json.RawMessage, attempt int) (func(context.Context, *sqldb.Tx) error, error) {
	var s scriptRun
	if err := json.Unmarshal(payload, &s); err != nil {
		return nil, fmt.Errorf("script task payload: %w", err)
	}
	st, err := e.readState(ctx, s.Instance)
	if err != nil {
		return nil, err
	}
	tok := st.Tokens[s.Token]
	if st.Status != Running || tok == nil || tok.Node != s.Node || tok.Visit != s.Visit {
		return nil, nil // the instance moved on meanwhile
	}
	f, err := e.forms.Lookup(ctx, st.Form)
	if err != nil {
		return nil, err
	}
	c, _, err := e.definition(ctx, e.db.Reader(), f, st.Version)
	if err != nil {
		return nil, err
	}
	n := c.def.Node(s.Node)
	if n == nil {
		return nil, fmt.Errorf("instance %s: no node %s", s.Instance, s.Node)
	}
	vals, runErr := e.scripts.RunTask(ctx, ScriptTask{Form: st.Form, Object: st.Object, Instance: s.Instance, Node: n.ID, NodeName: n.Name,
		Hook: n.Hook, Initiator: st.Initiator, Attempt: attempt})
	return func(ctx context.Context, tx *sqldb.Tx) error {
		r, err := e.begin(ctx, tx, s.Instance, e.admin, nil)
		if err != nil {
			return err
		}
		tok := r.st.Tokens[s.Token]
		if r.st.Status != Running || tok == nil || tok.Node != s.Node || tok.Visit != s.Visit {
			return nil
		}
		if runErr != nil {
			msg := runErr.Error()
			if ae := apperr.As(runErr); ae != nil {
				msg = ae.Message
			}
			if err := r.emit(EvScriptFailed, EventData{Node: n.ID, Token: s.Token, Comment: msg}); err != nil {
				return err
			}
			return r.save()
		}
		if len(vals) > 0 {
			if _, err := e.records.UpdateTx(ctx, tx, record.Actor{UserID: e.admin}, r.st.Form, r.st.Object, r.id, vals, nil); err != nil {
				msg := err.Error()
				if ae := apperr.As(err); ae != nil {
					msg = ae.Message
				}
				if err := r.emit(EvScriptFailed, EventData{Node: n.ID, Token: s.Token, Comment: msg}); err != nil {
					return err
				}
				return r.save()
			}
			r.obj = nil
		}
		if err := r.emit(EvScriptDone, EventData{Node: n.ID, Token: s.Token}); err != nil {
			return err
		}
		if err := r.leave(s.Token, n); err != nil {
			return err
		}
		return r.save()
	}, nil
}

// RetryScript runs a script task node whose script failed once more
// (admin).
func (e *Engine) RetryScript(ctx context.Context, instanceID, nodeID string) error {
	return e.write(ctx, func(tx *sqldb.Tx) error {
		r, err := e.begin(ctx, tx, instanceID, e.admin, nil)
		if err != nil {
			return err
		}
		if r.st.Status != Running {
			return apperr.New(apperr.Conflict, "流程实例 %s 已结束 (the instance has ended)", instanceID)
		}
		for id, t := range r.st.Tokens {
			if t.Node != nodeID {
				continue
			}
			n := r.c.def.Node(nodeID)
			if n == nil || n.Type != model.Script || !t.ScriptFailed {
				break
			}
			if err := r.emit(EvScriptRetry, EventData{Node: nodeID, Token: id}); err != nil {
				return err
			}
			r.scriptRuns = append(r.scriptRuns, scriptRun{r.id, nodeID, id, t.Visit})
			return r.save()
		}
		return apperr.Field("node", "节点 %s 没有失败的脚本可重试 (node %s has no failed script to retry)", nodeID, nodeID)
	})
}

// readState reads an instance's state without locking it.
func (e *Engine) readState(ctx context.Context, id string) (*State, error) {
	var raw string
	if err := e.db.Reader().QueryRow(ctx, "SELECT state FROM wf_instances WHERE id = ?", id).Scan(&raw); err != nil {
		return nil, fmt.Errorf("load instance %s: %w", id, err)
	}
	st := newState()
	if err := json.Unmarshal([]byte(raw), st); err != nil {
		return nil, fmt.Errorf("decode instance %s: %w", id, err)
	}
	return st, nil
}
