package workflow

import (
	"encoding/json"

	"github.com/tritiumhq/tritium/internal/feed"
)

// The instance's history (wf_events) is the engine's own record; what
// other systems follow — instance started and finished, task created and
// completed — also goes to the platform's change feed, in the same batch
// of statements as the history (see save), so it costs no extra round
// trip and commits with the step.

// feedEvents maps the run's events to change-feed events.
func (r *run) feedEvents() []feed.Event {
	var out []feed.Event
	add := func(typ, task string, data any) {
		b, _ := json.Marshal(data)
		out = append(out, feed.Event{Type: typ, Form: r.st.Form, ObjectID: r.st.Object, InstanceID: r.id, TaskID: task,
			Actor: r.actor, Data: b})
	}
	for _, ev := range r.events {
		switch ev.Type {
		case EvStarted:
			add(feed.InstanceStarted, "", map[string]any{"initiator": ev.Data.Initiator, "version": ev.Data.Version})
		case EvFinished:
			typ := map[string]string{Approved: feed.InstanceApproved, Rejected: feed.InstanceRejected}[ev.Data.Result]
			if typ == "" { // canceled, terminated
				typ = feed.InstanceCanceled
			}
			add(typ, "", map[string]any{"result": ev.Data.Result})
		case EvTask:
			add(feed.TaskCreated, ev.Data.Task, taskData(ev.Data.Node, ev.Data.Kind, ev.Data.Assignee, ev.Data.Status))
		case EvTaskSet:
			t := r.st.Tasks[ev.Data.Task]
			if t == nil || !taskDone(ev.Data.Status) {
				continue
			}
			add(feed.TaskCompleted, t.ID, taskData(t.Node, t.Kind, t.Assignee, ev.Data.Status))
		}
	}
	return out
}

// taskDone reports whether a task in status is done with: decided,
// handed on, read (a cc) or no longer needed.
func taskDone(status string) bool {
	switch status {
	case TaskPending, TaskWaiting, TaskDelegated, TaskUnread:
		return false
	}
	return true
}

func taskData(node, kind, assignee, status string) map[string]string {
	return map[string]string{"node": node, "kind": kind, "assignee": assignee, "status": status}
}
