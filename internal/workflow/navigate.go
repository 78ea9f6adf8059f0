package workflow

import (
	"context"
	"fmt"
	"sort"

	"github.com/expr-lang/expr"
	"github.com/tritiumhq/tritium/internal/apperr"
	"github.com/tritiumhq/tritium/internal/form"
	"github.com/tritiumhq/tritium/internal/record"
	"github.com/tritiumhq/tritium/internal/sqldb"
	"github.com/tritiumhq/tritium/internal/workflow/model"
)

// StartTx starts an instance for an object that tx has just written; it
// implements record.Workflows. With submit the initiator's start task is
// completed at once and the instance moves on to the first approval.
func (e *Engine) StartTx(ctx context.Context, tx *sqldb.Tx, f *form.Form, objectID, instanceID string, actor record.Actor, submit bool) error {
	return e.start(ctx, tx, f, objectID, instanceID, actor.UserID, submit, nil)
}

// ObjectRemovedTx records, in the transaction that deletes the object,
// that actor deletes it; it implements record.Workflows. A running
// instance ends canceled: its open tasks are canceled, and nobody can act
// on it any more. The object itself is not written: it is deleted next.
func (e *Engine) ObjectRemovedTx(ctx context.Context, tx *sqldb.Tx, f *form.Form, objectID, instanceID string, actor record.Actor) error {
	r, err := e.begin(ctx, tx, instanceID, actor.UserID, nil)
	if err != nil {
		return err
	}
	if r.st.Object != objectID || r.st.Form != f.Code {
		return fmt.Errorf("instance %s is of %s %s, not of %s %s", instanceID, r.st.Form, r.st.Object, f.Code, objectID)
	}
	if err := r.emit(EvDeleted, EventData{Object: objectID}); err != nil {
		return err
	}
	if r.st.Status == Running {
		if err := r.finish(Canceled); err != nil {
			return err
		}
	}
	return r.save()
}

func (e *Engine) start(ctx context.Context, tx *sqldb.Tx, f *form.Form, objectID, instanceID, initiator string, submit bool, chosen map[string][]string) error {
	c, v, err := e.definition(ctx, tx, f, 0)
	if err != nil {
		return err
	}
	r := &run{e: e, ctx: ctx, tx: tx, q: tx, id: instanceID, fresh: true, f: f, c: c, st: newState(),
		touched: map[string]bool{}, now: e.clock(), actor: initiator, startSt: Running}
	if err := r.emit(EvStarted, EventData{Form: f.Code, Object: objectID, Version: v, Initiator: initiator, Chosen: chosen}); err != nil {
		return err
	}
	if err := r.enter(r.newToken(), c.def.Start().ID, ""); err != nil {
		return err
	}
	if submit {
		if err := r.submitStart(""); err != nil {
			return err
		}
	}
	return r.save()
}

// enter puts token at node and does what the node does on arrival.
func (r *run) enter(token, nodeID, from string) error {
	if err := r.emit(EvEntered, EventData{Token: token, Node: nodeID, From: from}); err != nil {
		return err
	}
	n := r.c.def.Node(nodeID)
	switch n.Type {
	case model.Start:
		return r.emit(EvTask, EventData{Task: newID(), Node: n.ID, Token: token, Kind: KindStart, Assignee: r.st.Initiator, Status: TaskPending})
	case model.Approval:
		return r.enterApproval(token, n)
	case model.CC:
		if err := r.enterCC(token, n); err != nil {
			return err
		}
		return r.leave(token, n)
	case model.Script:
		return r.enterScript(token, n)
	case model.Timer:
		return r.enterTimer(token, n)
	case model.End:
		return r.end(token)
	}
	return r.gateway(token, n)
}

// leave moves token along the single flow out of n, or back to where a
// return asked it to go.
func (r *run) leave(token string, n *model.Node) error {
	if t := r.st.Tokens[token]; t != nil && t.ReturnTo != "" && t.ReturnTo != n.ID {
		return r.enter(token, t.ReturnTo, n.ID)
	}
	out := r.c.def.Outgoing(n.ID)
	if len(out) != 1 {
		return fmt.Errorf("node %s has %d outgoing flows", n.ID, len(out))
	}
	return r.enter(token, out[0].To, n.ID)
}

// end consumes token; the instance is approved when none is left.
func (r *run) end(token string) error {
	if err := r.emit(EvLeft, EventData{Token: token}); err != nil {
		return err
	}
	if len(r.st.Tokens) == 0 && len(r.st.Joins) == 0 {
		return r.finish(Approved)
	}
	return nil
}

// finish ends the instance: open tasks are canceled.
func (r *run) finish(result string) error {
	if err := r.cancelOpen(func(*Task) bool { return true }); err != nil {
		return err
	}
	return r.emit(EvFinished, EventData{Result: result})
}

// cancelOpen cancels the open tasks that match.
func (r *run) cancelOpen(match func(*Task) bool) error {
	for _, t := range r.sortedTasks() {
		if t.Open() && match(t) {
			if err := r.emit(EvTaskSet, EventData{Task: t.ID, Status: TaskCanceled}); err != nil {
				return err
			}
		}
	}
	return nil
}

// sortedTasks lists the tasks in creation order, so runs and replays
// touch them in the same order.
func (r *run) sortedTasks() []*Task {
	out := make([]*Task, 0, len(r.st.Tasks))
	for _, t := range r.st.Tasks {
		out = append(out, t)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Seq < out[j].Seq })
	return out
}

// gateway routes token through a split and/or join.
func (r *run) gateway(token string, n *model.Node) error {
	def := r.c.def
	if def.IsJoin(n) && n.Type != model.Exclusive {
		if err := r.emit(EvArrived, EventData{Token: token, Node: n.ID}); err != nil {
			return err
		}
		want := len(def.Incoming(n.ID))
		if k, ok := r.st.Expect[n.ID]; ok {
			want = k
		}
		if len(r.st.Joins[n.ID]) < want {
			return nil // wait for the other branches
		}
		token = r.newToken()
		if err := r.emit(EvJoined, EventData{Token: token, Node: n.ID}); err != nil {
			return err
		}
	}
	out := def.Outgoing(n.ID)
	if len(out) == 1 {
		return r.enter(token, out[0].To, n.ID)
	}
	taken, err := r.branches(n, out)
	if err != nil {
		return err
	}
	if n.Type == model.Exclusive {
		return r.enter(token, taken[0].To, n.ID)
	}
	if j, ok := r.c.joinFor[n.ID]; ok {
		if err := r.emit(EvSplit, EventData{Node: n.ID, To: j, Expect: len(taken)}); err != nil {
			return err
		}
	}
	if err := r.emit(EvLeft, EventData{Token: token}); err != nil {
		return err
	}
	for _, fl := range taken {
		if err := r.enter(r.newToken(), fl.To, n.ID); err != nil {
			return err
		}
	}
	return nil
}

// branches picks the flows a split takes: parallel all; exclusive the
// first whose condition holds; inclusive every one whose condition holds.
// Without a match the default flow is taken; without one the step fails.
func (r *run) branches(n *model.Node, out []*model.Flow) ([]*model.Flow, error) {
	if n.Type == model.Parallel {
		return out, nil
	}
	vars, err := r.vars()
	if err != nil {
		return nil, err
	}
	var taken []*model.Flow
	var deflt *model.Flow
	for _, fl := range out {
		if fl.Default {
			deflt = fl
			continue
		}
		p := r.c.conds[fl.ID]
		if p == nil { // unconditional
			taken = append(taken, fl)
		} else {
			v, err := expr.Run(p, vars)
			if err != nil {
				return nil, apperr.Field(fl.ID, "分支条件 %q 无法计算: %v (the condition of flow %s failed)", fl.Condition, err, fl.ID)
			}
			if b, _ := v.(bool); b {
				taken = append(taken, fl)
			}
		}
		if len(taken) > 0 && n.Type == model.Exclusive {
			break
		}
	}
	if len(taken) == 0 && deflt != nil {
		taken = []*model.Flow{deflt}
	}
	if len(taken) == 0 {
		return nil, apperr.Field(n.ID, "节点 %s 没有满足条件的分支 (no branch of %s matches, and it has no default flow)", n.ID, n.ID)
	}
	return taken, nil
}

// enterCC gives each resolved person an unread cc task.
func (r *run) enterCC(token string, n *model.Node) error {
	users, err := r.resolve(n)
	if err != nil {
		return err
	}
	for _, u := range users {
		if err := r.emit(EvTask, EventData{Task: newID(), Node: n.ID, Token: token, Kind: KindCC, Assignee: u, Status: TaskUnread}); err != nil {
			return err
		}
	}
	return nil
}

// enterApproval creates the node's tasks and decides at once what can be
// decided (nobody to ask, the same approver as before).
func (r *run) enterApproval(token string, n *model.Node) error {
	if n.External != nil {
		return r.enterExternal(token, n)
	}
	users, err := r.resolve(n)
	if err != nil {
		return err
	}
	if len(users) == 0 {
		switch n.OnEmpty() {
		case model.EmptyAutoPass:
			if err := r.emit(EvDecided, EventData{Node: n.ID, Token: token, Result: Approved, Comment: "无审批人, 自动通过 (no approver: passed)"}); err != nil {
				return err
			}
			return r.leave(token, n)
		case model.EmptyUser:
			users = []string{n.EmptyUser}
		default:
			users = []string{r.e.admin}
		}
	}
	seq := n.ApprovalMode() == model.ModeSequential
	var previous []string
	if n.AutoApproveSame && r.st.LastApproval != "" && r.st.LastApproval != n.ID {
		previous = r.st.Approvers[r.st.LastApproval]
	}
	for i, u := range users {
		status := TaskPending
		if seq && i > 0 {
			status = TaskWaiting
		}
		if err := r.emit(EvTask, EventData{Task: newID(), Node: n.ID, Token: token, Kind: KindApproval, Assignee: u, Status: status, Order: i}); err != nil {
			return err
		}
	}
	r.planTimeout(token, n)
	if len(previous) > 0 {
		for _, t := range r.visitTasks(token, n.ID) {
			if t.Status == TaskPending && contains(previous, t.Assignee) {
				if err := r.emit(EvTaskSet, EventData{Task: t.ID, Status: TaskApproved, Comment: "与上一节点审批人相同, 自动通过 (approved before)"}); err != nil {
					return err
				}
				if seq {
					if err := r.activateNext(token, n); err != nil {
						return err
					}
				}
			}
		}
	}
	return r.evaluate(token, n)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// visitTasks are the tasks of the token's current visit of node, in order.
func (r *run) visitTasks(token, node string) []*Task {
	visit := r.st.visitOf(token)
	var out []*Task
	for _, t := range r.sortedTasks() {
		if t.Token == token && t.Node == node && t.Visit == visit {
			out = append(out, t)
		}
	}
	return out
}

// activateNext gives the next waiting approver of a sequential node their
// turn.
func (r *run) activateNext(token string, n *model.Node) error {
	for _, t := range r.visitTasks(token, n.ID) {
		if t.Status == TaskWaiting && t.AddedBy == "" && t.DelegatedFrom == "" {
			return r.emit(EvTaskSet, EventData{Task: t.ID, Status: TaskPending})
		}
	}
	return nil
}

// evaluate decides an approval node when its tasks allow it, then moves on.
func (r *run) evaluate(token string, n *model.Node) error {
	var approved, rejected, open, total int
	for _, t := range r.visitTasks(token, n.ID) {
		if t.Kind != KindApproval || t.Status == TaskTransferred || t.Status == TaskCanceled || t.Status == TaskResolved {
			continue // replaced by another task, or no longer counted
		}
		if t.Position == PositionBefore {
			// Signers added before someone approve ahead of them: their
			// rejection rejects, their approval only hands the turn back.
			if t.Status == TaskRejected {
				rejected++
			}
			continue
		}
		total++
		switch {
		case t.Status == TaskApproved:
			approved++
		case t.Status == TaskRejected:
			rejected++
		case t.Open():
			open++
		}
	}
	result := ""
	switch n.ApprovalMode() {
	case model.ModeAny:
		if rejected > 0 {
			result = Rejected
		} else if approved > 0 && !r.hasOpenAdded(token, n.ID) {
			result = Approved
		}
	case model.ModeVote:
		switch {
		case approved*100 >= n.PassPercent*total:
			result = Approved
		case (total-rejected)*100 < n.PassPercent*total:
			result = Rejected
		}
	default: // all, sequential
		if rejected > 0 {
			result = Rejected
		} else if open == 0 && approved > 0 {
			result = Approved
		}
	}
	if result == "" {
		return nil
	}
	return r.decide(token, n, result)
}

// hasOpenAdded reports signers added after someone who still have to act.
func (r *run) hasOpenAdded(token, node string) bool {
	for _, t := range r.visitTasks(token, node) {
		if t.Position == PositionAfter && t.Open() {
			return true
		}
	}
	return false
}

// decide closes an approval node: the remaining tasks are canceled, and
// the token moves on (approved) or follows the reject policy.
func (r *run) decide(token string, n *model.Node, result string) error {
	visit := r.st.visitOf(token)
	if err := r.cancelOpen(func(t *Task) bool { return t.Token == token && t.Node == n.ID && t.Visit == visit }); err != nil {
		return err
	}
	if err := r.emit(EvDecided, EventData{Node: n.ID, Token: token, Result: result}); err != nil {
		return err
	}
	if result == Approved {
		return r.leave(token, n)
	}
	if n.OnReject() == model.RejectInitiator {
		return r.backToStart()
	}
	return r.finish(Rejected)
}

// backToStart ends every position and puts the instance back at the start
// node, where the initiator may resubmit.
func (r *run) backToStart() error {
	if err := r.cancelOpen(func(*Task) bool { return true }); err != nil {
		return err
	}
	for _, id := range sortedKeys(r.st.Tokens) {
		if err := r.emit(EvLeft, EventData{Token: id}); err != nil {
			return err
		}
	}
	return r.enter(r.newToken(), r.c.def.Start().ID, "")
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// submitStart completes the initiator's open start task and moves on.
func (r *run) submitStart(comment string) error {
	for _, t := range r.sortedTasks() {
		if t.Kind == KindStart && t.Status == TaskPending {
			if err := r.emit(EvTaskSet, EventData{Task: t.ID, Status: TaskApproved, Comment: comment}); err != nil {
				return err
			}
			return r.leave(t.Token, r.c.def.Node(t.Node))
		}
	}
	return apperr.New(apperr.Conflict, "流程不在发起节点, 无需提交 (the instance is not waiting at its start)")
}
