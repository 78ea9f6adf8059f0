package record

import (
	"context"
	"fmt"
	"slices"

	"github.com/tritiumhq/tritium/internal/access"
	"github.com/tritiumhq/tritium/internal/filter"
	"github.com/tritiumhq/tritium/internal/form"
)

// Workflow participants. On a workflow form, a user's part in an object's
// approval is a view grant of its own: whoever started the object's
// instance, or holds, held or was cc'd a task on it, may view the object
// even outside the data scope of their grants — approvers see what they
// approve, initiators their own instances — with the fields the process
// nodes show them. It is part of the view rule, for lists (restrict) and
// single objects (LoadAs), not of any handler:
//
//   - Which objects: the grants' view rule OR the participation's objects
//     (Participation.Objects); the view action only — export, print and
//     the other actions are the grants' alone.
//   - Which fields, in a list: the union of the grants' hidden fields and
//     the participation's (Participation.Hidden) — the strict choice,
//     because one projection serves a whole page, which may mix objects
//     reached either way. Participation adds only objects the grants do
//     not reach: when the grants reach them all, the list is the grants'.
//   - Which fields, for one object: exact. Reached by the grants' view rule
//     and by participation, a field is hidden only when both hide it;
//     reached by one of them, as that one hides.
//   - Writes are not widened: an edit, delete or submit still needs the
//     action's grant (approvers change an object through their task's
//     actions, which the workflow engine checks). A participant refused a
//     write is forbidden, not told the object does not exist.
//
// Forms without a process, calls without a user id and a service without
// a workflow engine never ask for participation.

// Participation is what a user's part in a form's approvals lets them view.
type Participation struct {
	// Objects are the objects whose instance the user started, or on
	// which they hold, held or were cc'd a task (whatever its status:
	// pending, waiting, done, transferred, canceled, read or not).
	Objects []string
	// Hidden are the fields hidden from the user on those objects by the
	// process's node field permissions: a field is hidden when it is
	// hidden at every node where the user has a task on the form (in the
	// process version of that task's instance), and visible as soon as
	// one of their nodes shows it (editable, read-only, or not listed). An
	// initiator filled the record in: someone who started an instance of
	// the form has no hidden fields here.
	Hidden []string
}

// Participants tells what users' parts in approvals let them view; the
// workflow engine implements it next to Workflows (SetWorkflows connects
// both). It reads committed data through a reader and is never called
// inside a write transaction.
type Participants interface {
	// Participated returns userID's participation in form formCode's
	// approvals (an empty one when they have none).
	Participated(ctx context.Context, formCode, userID string) (Participation, error)
}

// participation is the subject's part in f's approvals: nothing (and no
// query) unless f is a workflow form, the engine is connected and the
// subject is a user.
func (s *Service) participation(ctx context.Context, f *form.Form, subject *access.Subject) (Participation, error) {
	if s.part == nil || !f.Workflow || subject == nil || subject.UserID == "" {
		return Participation{}, nil
	}
	p, err := s.part.Participated(ctx, f.Code, subject.UserID)
	if err != nil {
		return Participation{}, fmt.Errorf("participation of %s in %s: %w", subject.UserID, f.Code, err)
	}
	return p, nil
}

// participate widens view decision d, for a list, by the subject's
// participation: the objects it adds that the grants do not reach are
// OR-ed into d.Filter, and then d.Hidden is the union of the grants'
// hidden fields and the participation's — the strict choice, because one
// projection serves a whole page, which may mix objects of both. Objects
// the grants reach keep the grants' field rule, so a participation the
// grants cover entirely leaves d as it is.
func (s *Service) participate(ctx context.Context, f *form.Form, subject *access.Subject, d *access.Decision) error {
	p, err := s.participation(ctx, f, subject)
	if err != nil || len(p.Objects) == 0 {
		return err
	}
	extra := p.Objects
	if d.Allowed {
		if _, all := d.Filter.(filter.All); all {
			return nil
		}
		reached, err := s.reached(ctx, f, d.Filter, p.Objects)
		if err != nil {
			return err
		}
		extra = slices.DeleteFunc(slices.Clone(p.Objects), func(id string) bool { return reached[id] })
		if len(extra) == 0 {
			return nil
		}
	}
	d.Allowed = true
	d.Filter = filter.Any(d.Filter, &filter.OneOf{Field: form.SysObjectID, Values: extra})
	d.Hidden = union(d.Hidden, p.Hidden)
	return nil
}

// viewOf is how subject views object id: rule matches it when they may
// view it at all (AND it with the id), and hide are the fields hidden from
// them on it. It is exact, unlike a list's participate: an object reached
// by the grants' view rule and by participation hides only the fields
// both hide; reached by one of them, the fields that one hides. Off
// participation it is the grants' view decision, without a query.
func (s *Service) viewOf(ctx context.Context, f *form.Form, subject *access.Subject, id string) (rule filter.Node, hide []string, err error) {
	d, err := s.decide(ctx, f, subject, access.View)
	if err != nil {
		return nil, nil, err
	}
	p, err := s.participation(ctx, f, subject)
	if err != nil {
		return nil, nil, err
	}
	if !slices.Contains(p.Objects, id) {
		return d.Filter, d.Hidden, nil
	}
	if d.Allowed {
		byGrant, err := s.reaches(ctx, f, d.Filter, id)
		if err != nil {
			return nil, nil, err
		}
		if byGrant {
			return filter.All{}, intersect(d.Hidden, p.Hidden), nil
		}
	}
	return filter.All{}, p.Hidden, nil
}

// reached returns which of ids rule matches.
func (s *Service) reached(ctx context.Context, f *form.Form, rule filter.Node, ids []string) (map[string]bool, error) {
	where, args, err := filter.Compile(s.db.Dialect(), s.codec, f, filter.Every(rule, &filter.OneOf{Field: form.SysObjectID, Values: ids}))
	if err != nil {
		return nil, err
	}
	out := map[string]bool{}
	if where == filter.MatchNone {
		return out, nil
	}
	rows, err := s.db.Reader().Query(ctx, "SELECT "+s.db.Dialect().Quote(f.Field(form.SysObjectID).Column())+" FROM "+s.plan(f).table+" WHERE "+where, args...)
	if err != nil {
		return nil, fmt.Errorf("participation in %s: %w", f.Code, err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("participation in %s: %w", f.Code, err)
		}
		out[id] = true
	}
	return out, rows.Err()
}

// union is a ∪ b, case-insensitively, in a's spelling first.
func union(a, b []string) []string {
	out := slices.Clone(a)
	for _, x := range b {
		if !hidden(out, x) {
			out = append(out, x)
		}
	}
	return out
}

// intersect is a ∩ b, case-insensitively, in a's spelling.
func intersect(a, b []string) []string {
	var out []string
	for _, x := range a {
		if hidden(b, x) {
			out = append(out, x)
		}
	}
	return out
}
