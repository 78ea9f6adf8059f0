package workflow

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"

	"github.com/tritiumhq/tritium/internal/apperr"
	"github.com/tritiumhq/tritium/internal/record"
	"github.com/tritiumhq/tritium/internal/sqldb"
	"github.com/tritiumhq/tritium/internal/workflow/model"
)

// Input carries an action's parameters; which apply depends on the action.
type Input struct {
	Comment  string      `json:"comment,omitempty"`
	Data     record.Data `json:"data,omitempty"`     // approve, submit: changes to the record
	To       string      `json:"to,omitempty"`       // transfer, delegate: a user id
	Users    []string    `json:"users,omitempty"`    // add-signers, remove-signers, cc
	Position string      `json:"position,omitempty"` // add-signers: before | after
	ToNode   string      `json:"toNode,omitempty"`   // return, jump
	Strategy string      `json:"strategy,omitempty"` // return: rerun (default) | back
	// Chosen: node id → user ids, for "chosen at submit" assignees.
	Chosen map[string][]string `json:"chosen,omitempty"`
}

// Task actions (POST /api/v1/tasks/{id}/{action}).
const (
	ActApprove       = "approve"
	ActReject        = "reject"
	ActReturn        = "return"
	ActTransfer      = "transfer"
	ActDelegate      = "delegate"
	ActAddSigners    = "add-signers"
	ActRemoveSigners = "remove-signers"
	ActComment       = "comment"
	ActCC            = "cc"
	ActRead          = "read"
)

// Instance actions (POST /api/v1/instances/{id}/{action}).
const (
	ActWithdraw  = "withdraw"
	ActCancel    = "cancel"
	ActTerminate = "terminate"
	ActJump      = "jump"
	ActUrge      = "urge"
	ActSubmit    = "submit"
)

func notYours(id string) error {
	return apperr.New(apperr.Forbidden, "任务 %s 不是你的 (task %s is not assigned to you)", id, id)
}

func conflict(format string, args ...any) error { return apperr.New(apperr.Conflict, format, args...) }

// TaskAction performs action on task taskID for actor and returns the
// task as the action left it.
func (e *Engine) TaskAction(ctx context.Context, actor record.Actor, taskID, action string, in Input) (TaskView, error) {
	var view TaskView
	snap := e.snapshotOfTask(ctx, taskID)
	err := e.write(ctx, func(tx *sqldb.Tx) error {
		// The task's instance, locked, in one round trip.
		var instanceID string
		var rev int
		err := tx.QueryRow(ctx, "SELECT i.id, i.revision FROM wf_tasks t JOIN wf_instances i ON i.id = t.instance_id WHERE t.id = ?"+
			tx.Dialect().ForUpdate()+lockOf(tx, "i"), taskID).Scan(&instanceID, &rev)
		if errors.Is(err, sql.ErrNoRows) {
			return apperr.New(apperr.NotFound, "任务不存在: %s (task not found)", taskID)
		}
		if err != nil {
			return fmt.Errorf("find task %s: %w", taskID, err)
		}
		r, err := e.resume(ctx, tx, instanceID, rev, actor.UserID, snap)
		if err != nil {
			return err
		}
		t := r.st.Tasks[taskID]
		if t.Assignee != actor.UserID {
			return notYours(taskID)
		}
		// A comment and marking a cc read are about the past: an ended
		// instance takes them (the last node's cc ends the instance).
		if r.st.Status != Running && action != ActComment && action != ActRead {
			return conflict("流程已结束 (%s), 不能再%s (the instance has ended)", r.st.Status, action)
		}
		if err := r.taskAction(actor, t, action, in); err != nil {
			return err
		}
		if err := r.save(); err != nil {
			return err
		}
		view = r.view(r.st.Tasks[taskID])
		r.allow(&view, actor.UserID)
		return nil
	})
	return view, err
}

func (r *run) taskAction(actor record.Actor, t *Task, action string, in Input) error {
	if action == ActComment {
		return r.emit(EvComment, EventData{Task: t.ID, Node: t.Node, Comment: in.Comment})
	}
	if action == ActRead {
		if t.Kind != KindCC || t.Status != TaskUnread {
			return conflict("任务 %s 不是未读抄送 (not an unread cc)", t.ID)
		}
		return r.emit(EvTaskSet, EventData{Task: t.ID, Status: TaskRead})
	}
	n := r.c.def.Node(t.Node)
	if action == ActRemoveSigners && t.Status == TaskWaiting {
		// waiting for the signers it added before itself
		return r.removeSigners(t, n, in)
	}
	if t.Status != TaskPending {
		return conflict("任务 %s 已处理或未轮到 (%s) (the task is %s, not pending)", t.ID, t.Status, t.Status)
	}
	if t.Kind == KindStart {
		switch action {
		case ActApprove:
			return r.submit(actor, in)
		case ActCC:
			return r.cc(t.Token, t.Node, in.Users)
		}
		return conflict("发起节点只能提交 (at the start node the task is submitted with approve)")
	}
	switch action {
	case ActApprove:
		return r.approve(actor, t, n, in)
	case ActReject:
		return r.reject(t, n, in.Comment)
	case ActReturn:
		return r.returnTo(t, n, in)
	case ActTransfer:
		if err := r.checkUser(in.To, "to"); err != nil {
			return err
		}
		return r.transfer(t, in.To, in.Comment)
	case ActDelegate:
		return r.delegate(t, in)
	case ActAddSigners:
		return r.addSigners(t, in)
	case ActRemoveSigners:
		return r.removeSigners(t, n, in)
	case ActCC:
		return r.cc(t.Token, t.Node, in.Users)
	}
	return apperr.Field("action", "未知的任务操作: %s (unknown task action)", action)
}

func (r *run) checkUser(id, field string) error {
	if id == "" {
		return apperr.Field(field, "缺少 %s (%s is required)", field, field)
	}
	if _, ok, err := r.e.dir.UserProfile(r.ctx, r.q, id); err != nil || !ok {
		if err != nil {
			return err
		}
		return apperr.Field(field, "用户不存在: %s (user not found)", id)
	}
	return nil
}

// editRecord applies an approver's changes within the node's field
// permissions (the initiator edits everything at the start node).
func (r *run) editRecord(actor record.Actor, node string, data record.Data) error {
	if len(data) == 0 {
		return nil
	}
	n := r.c.def.Node(node)
	allow := func(code string) error {
		perm := n.FieldPerms[code]
		if perm == "" && n.Type == model.Start {
			perm = model.PermEditable
		}
		if perm != model.PermEditable {
			return apperr.Field(code, "字段%s 在节点 %s 不可编辑 (field %s is not editable at this step)", code, node, code)
		}
		return nil
	}
	if r.st.ObjectDeleted {
		return r.notOurs()
	}
	_, err := r.e.records.UpdateTx(r.ctx, r.tx, actor, r.st.Form, r.st.Object, r.id, data, allow)
	if errors.Is(err, record.ErrNotInstanceObject) {
		return r.notOurs()
	}
	if err != nil {
		return err
	}
	r.obj = nil // conditions must see the change
	return nil
}

func (r *run) submit(actor record.Actor, in Input) error {
	if err := r.editRecord(actor, r.c.def.Start().ID, in.Data); err != nil {
		return err
	}
	// A draft may lack required fields; what is submitted may not.
	o, err := r.record()
	if err != nil {
		return err
	}
	if err := o.CheckComplete(); err != nil {
		return err
	}
	if len(in.Chosen) > 0 {
		for node := range in.Chosen {
			if n := r.c.def.Node(node); n == nil || !choosable(n) {
				return apperr.Field("chosen", "节点 %s 不接受自选审批人 (node %s has no \"chosen\" assignee)", node, node)
			}
			for _, u := range in.Chosen[node] {
				if err := r.checkUser(u, "chosen"); err != nil {
					return err
				}
			}
		}
		if err := r.emit(EvChosen, EventData{Chosen: in.Chosen}); err != nil {
			return err
		}
	}
	return r.submitStart(in.Comment)
}

func choosable(n *model.Node) bool {
	for _, a := range n.Assignees {
		if a.Kind == model.AssignChosen {
			return true
		}
	}
	return false
}

func (r *run) approve(actor record.Actor, t *Task, n *model.Node, in Input) error {
	if err := r.editRecord(actor, n.ID, in.Data); err != nil {
		return err
	}
	if t.DelegatedFrom != "" {
		return r.resolveDelegation(t, in.Comment)
	}
	if err := r.emit(EvTaskSet, EventData{Task: t.ID, Status: TaskApproved, Comment: in.Comment}); err != nil {
		return err
	}
	switch t.Position {
	case PositionBefore:
		if r.allApproved(t.AddedBy) {
			if err := r.emit(EvTaskSet, EventData{Task: t.AddedBy, Status: TaskPending}); err != nil {
				return err
			}
		}
		return nil
	case "":
		// signers added after t now get their turn
		for _, x := range r.visitTasks(t.Token, n.ID) {
			if x.AddedBy == t.ID && x.Position == PositionAfter && x.Status == TaskWaiting {
				if err := r.emit(EvTaskSet, EventData{Task: x.ID, Status: TaskPending}); err != nil {
					return err
				}
			}
		}
		if n.ApprovalMode() == model.ModeSequential {
			if err := r.activateNext(t.Token, n); err != nil {
				return err
			}
		}
	}
	return r.evaluate(t.Token, n)
}

// allApproved reports whether every signer added before adder approved.
func (r *run) allApproved(adder string) bool {
	for _, x := range r.st.Tasks {
		if x.AddedBy == adder && x.Position == PositionBefore && x.Status != TaskApproved && x.Status != TaskCanceled {
			return false
		}
	}
	return true
}

func (r *run) reject(t *Task, n *model.Node, comment string) error {
	if t.DelegatedFrom != "" {
		return r.resolveDelegation(t, comment)
	}
	if err := r.emit(EvTaskSet, EventData{Task: t.ID, Status: TaskRejected, Comment: comment}); err != nil {
		return err
	}
	return r.evaluate(t.Token, n)
}

// resolveDelegation answers a delegation: the delegate's comment goes
// back to the owner, whose task is theirs again.
func (r *run) resolveDelegation(t *Task, comment string) error {
	if err := r.emit(EvTaskSet, EventData{Task: t.ID, Status: TaskResolved, Comment: comment}); err != nil {
		return err
	}
	return r.emit(EvTaskSet, EventData{Task: t.DelegatedFrom, Status: TaskPending})
}

func (r *run) transfer(t *Task, to, comment string) error {
	if to == t.Assignee {
		return apperr.Field("to", "不能转交给自己 (cannot transfer to yourself)")
	}
	if err := r.emit(EvTaskSet, EventData{Task: t.ID, Status: TaskTransferred, Comment: comment}); err != nil {
		return err
	}
	return r.emit(EvTask, EventData{Task: newID(), Node: t.Node, Token: t.Token, Kind: t.Kind, Assignee: to, Status: TaskPending,
		Order: t.Order, AddedBy: t.AddedBy, Position: t.Position, DelegatedFrom: t.DelegatedFrom})
}

func (r *run) delegate(t *Task, in Input) error {
	if err := r.checkUser(in.To, "to"); err != nil {
		return err
	}
	if in.To == t.Assignee || t.DelegatedFrom != "" {
		return conflict("不能委托给自己或再次委托 (cannot delegate to yourself or delegate a delegation)")
	}
	if err := r.emit(EvTaskSet, EventData{Task: t.ID, Status: TaskDelegated, Comment: in.Comment}); err != nil {
		return err
	}
	return r.emit(EvTask, EventData{Task: newID(), Node: t.Node, Token: t.Token, Kind: KindApproval, Assignee: in.To,
		Status: TaskPending, DelegatedFrom: t.ID})
}

func (r *run) addSigners(t *Task, in Input) error {
	if in.Position != PositionBefore && in.Position != PositionAfter {
		return apperr.Field("position", "position 需要 before 或 after (position must be before or after)")
	}
	if len(in.Users) == 0 {
		return apperr.Field("users", "缺少加签人 (users is required)")
	}
	if t.Position != "" || t.DelegatedFrom != "" {
		return conflict("加签人不能再加签 (an added signer or delegate cannot add signers)")
	}
	users := slices.Compact(slices.Clone(in.Users))
	for _, u := range users {
		if err := r.checkUser(u, "users"); err != nil {
			return err
		}
	}
	status := TaskWaiting // after: once t approves
	if in.Position == PositionBefore {
		status = TaskPending
		if err := r.emit(EvTaskSet, EventData{Task: t.ID, Status: TaskWaiting, Comment: in.Comment}); err != nil {
			return err
		}
	}
	for _, u := range users {
		if err := r.emit(EvTask, EventData{Task: newID(), Node: t.Node, Token: t.Token, Kind: KindApproval, Assignee: u,
			Status: status, AddedBy: t.ID, Position: in.Position}); err != nil {
			return err
		}
	}
	return nil
}

// removeSigners cancels open tasks of signers t added (all of them when
// in.Users is empty). t may be waiting for signers it added before itself;
// once none of those is left to sign, it is t's turn again.
func (r *run) removeSigners(t *Task, n *model.Node, in Input) error {
	removed, before := 0, false
	for _, x := range r.visitTasks(t.Token, n.ID) {
		if x.AddedBy == t.ID && x.Open() && (len(in.Users) == 0 || contains(in.Users, x.Assignee)) {
			if err := r.emit(EvTaskSet, EventData{Task: x.ID, Status: TaskCanceled, Comment: in.Comment}); err != nil {
				return err
			}
			removed++
			before = before || x.Position == PositionBefore
		}
	}
	if removed == 0 {
		return conflict("没有可移除的加签人 (no open signer added by this task matches)")
	}
	if before && t.Status == TaskWaiting && r.allApproved(t.ID) {
		return r.emit(EvTaskSet, EventData{Task: t.ID, Status: TaskPending})
	}
	return nil
}

// returnTo sends the instance back to an earlier node.
func (r *run) returnTo(t *Task, n *model.Node, in Input) error {
	to := r.c.def.Node(in.ToNode)
	if !returnable(n, to) || !slices.Contains(r.st.Path, to.ID) {
		return apperr.Field("toNode", "只能退回到已经过的审批节点或发起节点: %q (return to an approval or start node passed before)", in.ToNode)
	}
	if !r.mayReturn() {
		return conflict("并行分支进行中, 不能退回 (cannot return while parallel branches run)")
	}
	strategy := in.Strategy
	if strategy == "" {
		strategy = StrategyRerun
	}
	if strategy != StrategyRerun && strategy != StrategyBack {
		return apperr.Field("strategy", "strategy 需要 rerun 或 back (strategy must be rerun or back)")
	}
	if err := r.emit(EvTaskSet, EventData{Task: t.ID, Status: TaskReturned, Comment: in.Comment}); err != nil {
		return err
	}
	visit := r.st.visitOf(t.Token)
	if err := r.cancelOpen(func(x *Task) bool { return x.Token == t.Token && x.Node == n.ID && x.Visit == visit }); err != nil {
		return err
	}
	if err := r.emit(EvReturned, EventData{Token: t.Token, From: n.ID, To: to.ID, Strategy: strategy, Comment: in.Comment}); err != nil {
		return err
	}
	return r.enter(t.Token, to.ID, n.ID)
}

// cc gives users unread cc tasks at node.
func (r *run) cc(token, node string, users []string) error {
	if len(users) == 0 {
		return apperr.Field("users", "缺少抄送人 (users is required)")
	}
	for _, u := range users {
		if err := r.checkUser(u, "users"); err != nil {
			return err
		}
		if err := r.emit(EvTask, EventData{Task: newID(), Node: node, Token: token, Kind: KindCC, Assignee: u, Status: TaskUnread}); err != nil {
			return err
		}
	}
	return nil
}

// InstanceAction performs action on the instance for actor.
func (e *Engine) InstanceAction(ctx context.Context, actor record.Actor, instanceID, action string, in Input) error {
	snap := e.snapshotOf(ctx, instanceID)
	return e.write(ctx, func(tx *sqldb.Tx) error {
		r, err := e.begin(ctx, tx, instanceID, actor.UserID, snap)
		if err != nil {
			return err
		}
		admin := actor.UserID == e.admin
		initiator := actor.UserID == r.st.Initiator
		if r.st.Status != Running && action != ActComment {
			return conflict("流程已结束 (%s) (the instance has ended)", r.st.Status)
		}
		switch action {
		case ActWithdraw:
			err = r.withdraw(actor, initiator)
		case ActCancel:
			if !initiator {
				return apperr.New(apperr.Forbidden, "只有发起人可以撤销 (only the initiator cancels)")
			}
			err = r.finish(Canceled)
		case ActTerminate:
			if !admin {
				return apperr.New(apperr.Forbidden, "只有管理员可以终止 (only an administrator terminates)")
			}
			err = r.finish(Terminated)
		case ActJump:
			if !admin {
				return apperr.New(apperr.Forbidden, "只有管理员可以跳转 (only an administrator jumps)")
			}
			err = r.jump(in.ToNode)
		case ActUrge:
			if !initiator && !admin {
				return apperr.New(apperr.Forbidden, "只有发起人可以催办 (only the initiator urges)")
			}
			err = r.urge(in.Comment)
		case ActComment:
			err = r.emit(EvComment, EventData{Comment: in.Comment})
		case ActCC:
			if !initiator && !admin {
				return apperr.New(apperr.Forbidden, "只有发起人可以抄送 (only the initiator sends copies here)")
			}
			err = r.cc(anyToken(r.st), r.positionNode(), in.Users)
		case ActSubmit:
			if !initiator {
				return apperr.New(apperr.Forbidden, "只有发起人可以提交 (only the initiator submits)")
			}
			err = r.submit(actor, in)
		default:
			return apperr.Field("action", "未知的流程操作: %s (unknown instance action)", action)
		}
		if err != nil {
			return err
		}
		return r.save()
	})
}

func anyToken(st *State) string {
	for _, k := range sortedKeys(st.Tokens) {
		return k
	}
	return ""
}

func (r *run) positionNode() string {
	if t := r.st.Tokens[anyToken(r.st)]; t != nil {
		return t.Node
	}
	return r.c.def.Start().ID
}

func (r *run) urge(comment string) error {
	urged := 0
	for _, t := range r.sortedTasks() {
		if t.Status == TaskPending && t.Kind == KindApproval {
			if err := r.emit(EvUrged, EventData{Task: t.ID, Node: t.Node, Assignee: t.Assignee, Comment: comment}); err != nil {
				return err
			}
			urged++
		}
	}
	if urged == 0 {
		return conflict("没有待审批的任务 (no pending approval to urge)")
	}
	return nil
}

// jump moves the whole instance to node (administrators fix stuck
// processes with it).
func (r *run) jump(node string) error {
	n := r.c.def.Node(node)
	if n == nil || n.Type == model.Exclusive || n.Type == model.Parallel || n.Type == model.Inclusive {
		return apperr.Field("toNode", "不能跳转到节点 %q (jump to a task, timer or end node)", node)
	}
	if err := r.cancelOpen(func(*Task) bool { return true }); err != nil {
		return err
	}
	for _, id := range sortedKeys(r.st.Tokens) {
		if err := r.emit(EvLeft, EventData{Token: id}); err != nil {
			return err
		}
	}
	return r.enter(r.newToken(), node, "")
}

// withdraw: the initiator takes the object back to the start node while no
// approver has acted since the submission; an approver takes their
// decision back (拿回) while the next node has not acted.
func (r *run) withdraw(actor record.Actor, initiator bool) error {
	toStart, err := r.withdrawCheck(actor.UserID, initiator)
	if err != nil {
		return err
	}
	if toStart {
		return r.backToStart()
	}
	token := anyToken(r.st)
	cur := r.st.Tokens[token]
	if err := r.cancelOpen(func(t *Task) bool { return t.Token == token }); err != nil {
		return err
	}
	return r.enter(token, r.st.LastApproval, cur.Node)
}

// withdrawCheck reports whether userID may withdraw now, and how: back to
// the start node (the initiator, nobody having acted since the submit) or
// taking back their decision at the last approval node.
func (r *run) withdrawCheck(userID string, initiator bool) (toStart bool, err error) {
	if initiator && r.noActionSinceSubmit() {
		return true, nil
	}
	last := r.st.LastApproval
	if last == "" || !contains(r.st.Approvers[last], userID) {
		if initiator {
			return false, conflict("审批人已处理, 不能撤回 (an approver has acted since the submission)")
		}
		return false, apperr.New(apperr.Forbidden, "你没有审批上一节点, 不能拿回 (you did not approve the previous step)")
	}
	if len(r.st.Tokens) != 1 {
		return false, conflict("并行分支进行中, 不能拿回 (cannot take back while parallel branches run)")
	}
	token := anyToken(r.st)
	cur := r.st.Tokens[token]
	for _, t := range r.visitTasks(token, cur.Node) {
		if !t.Open() && t.Status != TaskCanceled {
			return false, conflict("下一节点已处理, 不能拿回 (the next step has acted)")
		}
	}
	return false, nil
}

// noActionSinceSubmit reports whether no approval task was acted on since
// the last submission of the start node.
func (r *run) noActionSinceSubmit() bool {
	var submitted *Task
	for _, t := range r.sortedTasks() {
		if t.Kind == KindStart && t.Status == TaskApproved {
			submitted = t
		}
	}
	if submitted == nil {
		return false
	}
	for _, t := range r.st.Tasks {
		if t.Kind == KindApproval && !t.Open() && t.Status != TaskCanceled && !t.Acted.Before(submitted.Acted) {
			return false
		}
	}
	return true
}
