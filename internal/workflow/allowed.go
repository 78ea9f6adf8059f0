package workflow

import (
	"context"
	"slices"

	"github.com/tritiumhq/tritium/internal/record"
	"github.com/tritiumhq/tritium/internal/workflow/model"
)

// What an actor may do now, as the actions themselves decide it: a
// console shows exactly these buttons, so it never offers one the server
// would refuse for the task's or the instance's state. (An action can
// still fail on its input — a missing user, a record left incomplete.)

// NodeRef names a node.
type NodeRef struct {
	Node     string `json:"node"`
	NodeName string `json:"nodeName,omitempty"`
}

// taskActions lists the task actions userID may take on t now, in the
// order of the task-action table.
func (r *run) taskActions(t *Task, userID string) []string {
	if t == nil || t.Assignee != userID || t.External {
		return []string{}
	}
	out := []string{}
	if r.st.Status != Running {
		out = append(out, ActComment)
		if t.Kind == KindCC && t.Status == TaskUnread {
			out = append(out, ActRead)
		}
		return out
	}
	n := r.c.def.Node(t.Node)
	switch {
	case t.Kind == KindCC:
		// a cc is read, not decided
	case t.Status == TaskPending && t.Kind == KindStart:
		out = append(out, ActApprove)
	case t.Status == TaskPending && n != nil:
		out = append(out, ActApprove, ActReject)
		if len(r.returnTargets(t, n)) > 0 {
			out = append(out, ActReturn)
		}
		out = append(out, ActTransfer)
		if t.DelegatedFrom == "" {
			out = append(out, ActDelegate)
		}
		if canAddSigners(t) {
			out = append(out, ActAddSigners)
		}
	}
	if (t.Status == TaskPending || t.Status == TaskWaiting) && n != nil && r.hasAddedSigners(t, n) {
		out = append(out, ActRemoveSigners)
	}
	out = append(out, ActComment)
	if t.Status == TaskPending && t.Kind != KindCC {
		out = append(out, ActCC)
	}
	if t.Kind == KindCC && t.Status == TaskUnread {
		out = append(out, ActRead)
	}
	return out
}

func canAddSigners(t *Task) bool { return t.Position == "" && t.DelegatedFrom == "" }

// hasAddedSigners reports whether signers t added are still open.
func (r *run) hasAddedSigners(t *Task, n *model.Node) bool {
	for _, x := range r.visitTasks(t.Token, n.ID) {
		if x.AddedBy == t.ID && x.Open() {
			return true
		}
	}
	return false
}

// returnTargets lists the nodes t may send the instance back to (退回),
// in the order they were first entered; none while parallel branches run.
func (r *run) returnTargets(t *Task, n *model.Node) []NodeRef {
	out := []NodeRef{}
	if !r.mayReturn() {
		return out
	}
	seen := map[string]bool{}
	for _, id := range r.st.Path {
		if seen[id] {
			continue
		}
		seen[id] = true
		if to := r.c.def.Node(id); returnable(n, to) {
			out = append(out, NodeRef{Node: id, NodeName: to.Name})
		}
	}
	return out
}

// returnable reports whether a task at n may return to node to.
func returnable(n, to *model.Node) bool {
	return to != nil && (to.Type == model.Approval || to.Type == model.Start) && to.ID != n.ID
}

// mayReturn: one token, no join waiting (no parallel branches running).
func (r *run) mayReturn() bool { return len(r.st.Tokens) == 1 && len(r.st.Joins) == 0 }

// instanceActions lists the instance actions userID may take now.
func (r *run) instanceActions(userID string, admin bool) []string {
	out := []string{}
	if r.st.Status != Running {
		return append(out, ActComment)
	}
	initiator := userID == r.st.Initiator
	if _, err := r.withdrawCheck(userID, initiator); err == nil {
		out = append(out, ActWithdraw)
	}
	if initiator {
		out = append(out, ActCancel)
	}
	if (initiator || admin) && r.hasPendingApproval() {
		out = append(out, ActUrge)
	}
	out = append(out, ActComment)
	if initiator || admin {
		out = append(out, ActCC)
	}
	if admin {
		out = append(out, ActTerminate)
	}
	return out
}

func (r *run) hasPendingApproval() bool {
	return slices.ContainsFunc(r.sortedTasks(), func(t *Task) bool { return t.Status == TaskPending && t.Kind == KindApproval })
}

// allow fills v's actions, return targets and field permissions for
// userID.
func (r *run) allow(v *TaskView, userID string) {
	v.Actions = r.taskActions(v.Task, userID)
	n := r.c.def.Node(v.Task.Node)
	if n == nil {
		return
	}
	if slices.Contains(v.Actions, ActReturn) {
		v.ReturnTo = r.returnTargets(v.Task, n)
	}
	v.FieldPerms, v.DefaultPerm = n.FieldPerms, model.PermReadonly
	if n.Type == model.Start {
		v.DefaultPerm = model.PermEditable
	}
}

// readRun is a run over an instance's stored state, for reading what it
// allows (nothing is written through it).
func (e *Engine) readRun(ctx context.Context, st *State) (*run, error) {
	f, err := e.forms.Get(st.Form)
	if err != nil {
		return nil, err
	}
	c, _, err := e.definition(ctx, e.db.Reader(), f, st.Version)
	if err != nil {
		return nil, err
	}
	return &run{e: e, ctx: ctx, f: f, c: c, st: st}, nil
}

// allow fills v (of the instance whose state is st) for userID. A process
// that can no longer be compiled for its form (the form changed under an
// old version) offers no actions: reading still works, acting would not.
func (e *Engine) allow(ctx context.Context, st *State, v *TaskView, userID string) {
	if r, err := e.readRun(ctx, st); err == nil {
		r.allow(v, userID)
	}
}

// instanceActionsOf lists the instance actions actor may take now on the
// instance whose stored state is st (none when its process cannot be
// compiled, as for allow).
func (e *Engine) instanceActionsOf(ctx context.Context, actor record.Actor, st *State) []string {
	r, err := e.readRun(ctx, st)
	if err != nil {
		return nil
	}
	return r.instanceActions(actor.UserID, actor.UserID == e.admin)
}
