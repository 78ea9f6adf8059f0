package record

import (
	"context"
	"encoding/json"

	"github.com/tritiumhq/tritium/internal/access"

	"github.com/tritiumhq/tritium/internal/feed"
	"github.com/tritiumhq/tritium/internal/form"
	"github.com/tritiumhq/tritium/internal/sqldb"
)

// Every committed change of an object is also a row of the change feed
// (package feed), written in the change's transaction: Create, Update,
// Submit, Remove, AttachFile and a workflow step's UpdateTx. A workflow's
// change of Status (SetWorkflowState) is not: the instance's own events
// say it. The row holds ids only, so it costs one small insert.

// changed is the feed event of a change of object id of f by actor.
func changed(typ string, f *form.Form, id string, actor Actor) feed.Event {
	return feed.Event{Type: typ, Form: f.Code, ObjectID: id, Actor: actor.UserID}
}

// feedAppend writes evs to the change feed in tx (unless the feed is off:
// benchmarks measure its cost that way).
func (s *Service) feedAppend(ctx context.Context, tx *sqldb.Tx, evs ...feed.Event) error {
	if s.feedOff {
		return nil
	}
	return feed.Append(ctx, tx, evs...)
}

// Sees reports whether actor may see feed event e (the event stream):
// everything without a user context (engine credentials and tokens see
// what their scopes allow); as a user, their own tasks and the instances
// they started, the events of records they may view now, and the deletes
// they made themselves (a deleted record can no longer be checked against
// their grants).
func (s *Service) Sees(ctx context.Context, actor Actor, e feed.Event) bool {
	if actor.Subject == nil {
		return true
	}
	var d struct{ Assignee, Initiator string }
	_ = json.Unmarshal(e.Data, &d)
	switch {
	case e.Type == feed.RecordDeleted:
		return e.Actor == actor.UserID
	case d.Assignee != "" && d.Assignee == actor.UserID, d.Initiator != "" && d.Initiator == actor.UserID:
		return true
	}
	ok, err := s.Reaches(ctx, actor, e.Form, access.View, e.ObjectID)
	return err == nil && ok
}
