package workflow

import (
	"context"
	"encoding/json"
	"time"

	"github.com/tritiumhq/tritium/internal/sqldb"
	"github.com/tritiumhq/tritium/internal/workflow/model"
)

// timerJob is the job queue handler name of every workflow timer.
const timerJob = "workflow.timer"

// Timer kinds.
const (
	timerRemind  = "remind"
	timerTimeout = "timeout"
	timerDelay   = "delay"
)

// timer is a scheduled wake-up of a token at a node. It is stale (and does
// nothing) once the token has left the visit it was set for.
type timer struct {
	Instance string    `json:"instance"`
	Node     string    `json:"node"`
	Token    string    `json:"token"`
	Visit    int       `json:"visit"`
	Kind     string    `json:"kind"`
	At       time.Time `json:"at"`
}

// planTimeout schedules an approval node's reminder and timeout.
func (r *run) planTimeout(token string, n *model.Node) {
	to := n.Timeout
	if to == nil {
		return
	}
	visit := r.st.visitOf(token)
	if d, err := model.ParseDuration(to.RemindAfter); err == nil && to.RemindAfter != "" {
		r.timers = append(r.timers, timer{r.id, n.ID, token, visit, timerRemind, r.now.Add(d)})
	}
	if d, err := model.ParseDuration(to.After); err == nil && to.After != "" && to.Action != model.TimeoutRemind {
		r.timers = append(r.timers, timer{r.id, n.ID, token, visit, timerTimeout, r.now.Add(d)})
	}
}

// enterTimer waits at a delay node until its time; a time already past
// (or an unset date field) passes at once.
func (r *run) enterTimer(token string, n *model.Node) error {
	at := r.now
	if n.Delay != "" {
		d, err := model.ParseDuration(n.Delay)
		if err != nil {
			return err
		}
		at = r.now.Add(d)
	} else {
		vals, err := r.values()
		if err != nil {
			return err
		}
		switch v := vals[n.UntilField].(type) {
		case time.Time:
			at = v
		case sqldb.Date:
			at = v.In(r.e.forms.Codec().Loc)
		}
	}
	if !at.After(r.now) || r.e.jobs == nil || r.tx == nil { // past, no queue, or a simulation
		return r.leave(token, n)
	}
	r.timers = append(r.timers, timer{r.id, n.ID, token, r.st.visitOf(token), timerDelay, at})
	return nil
}

func (r *run) scheduleTimers() error {
	if r.e.jobs == nil {
		return nil
	}
	for _, t := range r.timers {
		if err := r.e.jobs.Enqueue(r.ctx, r.tx, timerJob, t, t.At); err != nil {
			return err
		}
	}
	return nil
}

// fireTimer is the job handler: it acts for a timer that is still current.
func (e *Engine) fireTimer(ctx context.Context, tx *sqldb.Tx, payload json.RawMessage) error {
	var t timer
	if err := json.Unmarshal(payload, &t); err != nil {
		return err
	}
	r, err := e.begin(ctx, tx, t.Instance, "", nil)
	if err != nil {
		return err
	}
	tok := r.st.Tokens[t.Token]
	if r.st.Status != Running || tok == nil || tok.Node != t.Node || tok.Visit != t.Visit {
		return nil // the token moved on: nothing to do
	}
	n := r.c.def.Node(t.Node)
	if err := r.emit(EvTimer, EventData{Node: n.ID, Token: t.Token, Kind: t.Kind}); err != nil {
		return err
	}
	switch t.Kind {
	case timerDelay:
		err = r.leave(t.Token, n)
	case timerRemind:
		if n.Timeout != nil && n.Timeout.RemindEvery != "" {
			if d, perr := model.ParseDuration(n.Timeout.RemindEvery); perr == nil && d > 0 {
				t.At = r.now.Add(d)
				r.timers = append(r.timers, t)
			}
		}
	case timerTimeout:
		err = r.timeout(t.Token, n)
	}
	if err != nil {
		return err
	}
	return r.save()
}

// timeout applies an approval node's timeout action to its open tasks.
func (r *run) timeout(token string, n *model.Node) error {
	to := n.Timeout
	switch to.Action {
	case model.TimeoutAutoApprove, model.TimeoutAutoReject:
		status := TaskApproved
		if to.Action == model.TimeoutAutoReject {
			status = TaskRejected
		}
		for _, t := range r.visitTasks(token, n.ID) {
			if t.Status == TaskPending && t.Kind == KindApproval {
				if err := r.emit(EvTaskSet, EventData{Task: t.ID, Status: status, Comment: "超时自动处理 (timed out)"}); err != nil {
					return err
				}
				if status == TaskRejected {
					break
				}
			}
		}
		if status == TaskApproved && n.ApprovalMode() == model.ModeSequential {
			// every turn of the sequence times out together
			for _, t := range r.visitTasks(token, n.ID) {
				if t.Status == TaskWaiting && t.AddedBy == "" && t.DelegatedFrom == "" {
					if err := r.emit(EvTaskSet, EventData{Task: t.ID, Status: TaskApproved, Comment: "超时自动处理 (timed out)"}); err != nil {
						return err
					}
				}
			}
		}
		return r.evaluate(token, n)
	case model.TimeoutEscalate:
		for _, t := range r.visitTasks(token, n.ID) {
			if t.Status != TaskPending || t.Kind != KindApproval {
				continue
			}
			to := n.Timeout.EscalateTo
			if to == model.EscalateLeader {
				leaders, err := r.e.dir.Leaders(r.ctx, r.q, t.Assignee, 1)
				if err != nil {
					return err
				}
				if len(leaders) == 0 {
					continue // nobody above: keep the task
				}
				to = leaders[0]
			}
			if err := r.transfer(t, to, "超时升级 (escalated on timeout)"); err != nil {
				return err
			}
		}
	}
	return nil
}
