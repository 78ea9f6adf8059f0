package workflow

import (
	"context"

	"github.com/tritiumhq/tritium/internal/apperr"
	"github.com/tritiumhq/tritium/internal/record"
)

// Reads as a user. An instance, its replay and its tasks are visible to
// an actor held to permissions exactly when the instance's object is: the
// record service's view rule, which counts taking part in the approval
// (initiator, a task, a copy) as a view of its own. A task's assignee
// always sees their task. Whatever the actor may not see is not found,
// like an id that does not exist.

// InstanceAs is Instance for actor.
func (e *Engine) InstanceAs(ctx context.Context, actor record.Actor, id string) (InstanceView, error) {
	v, st, err := e.instance(ctx, id)
	if err == nil {
		err = e.seesObject(ctx, actor, v.Form, v.ObjectID, "流程实例", "instance", id)
	}
	if err == nil {
		v.Actions = e.instanceActionsOf(ctx, actor, st)
	}
	return v, err
}

// ReplayAs is ReplaySteps for actor.
func (e *Engine) ReplayAs(ctx context.Context, actor record.Actor, id string) (ReplayView, error) {
	v, err := e.ReplaySteps(ctx, id)
	if err == nil {
		err = e.seesObject(ctx, actor, v.Form, v.ObjectID, "流程实例", "instance", id)
	}
	return v, err
}

// TaskAs is Task for actor.
func (e *Engine) TaskAs(ctx context.Context, actor record.Actor, id string) (TaskView, error) {
	t, st, err := e.task(ctx, id)
	if err == nil && t.Assignee != actor.UserID {
		err = e.seesObject(ctx, actor, t.Form, t.ObjectID, "任务", "task", id)
	}
	if err == nil {
		e.allow(ctx, st, &t, actor.UserID)
	}
	return t, err
}

func (e *Engine) seesObject(ctx context.Context, actor record.Actor, formCode, objectID, zh, en, id string) error {
	if actor.Subject == nil || objectID == "" {
		return nil
	}
	_, _, err := e.records.LoadAs(ctx, actor.Subject, formCode, objectID)
	if apperr.Is(err, apperr.NotFound) {
		return apperr.New(apperr.NotFound, "%s不存在: %s (no such %s)", zh, id, en)
	}
	return err
}
