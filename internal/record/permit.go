package record

import (
	"context"

	"github.com/tritiumhq/tritium/internal/access"
	"github.com/tritiumhq/tritium/internal/apperr"
	"github.com/tritiumhq/tritium/internal/filter"
	"github.com/tritiumhq/tritium/internal/form"
)

// Permit refuses actor's action (an access action: edit, delete, submit…)
// on object id, or on the form when id is empty, as the service's own
// writes would: not found when the object is out of their view, forbidden
// when it is in view but out of the action's reach. Callers that change
// objects through another service (a workflow submit) ask it first. An
// actor without a subject is always permitted.
func (s *Service) Permit(ctx context.Context, actor Actor, formCode, action, id string) error {
	if !s.held(actor) {
		return nil
	}
	return s.withForm(ctx, formCode, func(f *form.Form) error {
		return s.checkWrite(ctx, f, actor.Subject, action, id, nil)
	})
}

// checkReplay refuses a subject's create whose sourceSystem+sourceCode
// already name an object they may not view: the replay would answer that
// object. The pair is taken either way (it is unique), so the refusal is a
// conflict that names neither the object nor its owner.
func (s *Service) checkReplay(ctx context.Context, f *form.Form, actor Actor, c *changes) error {
	ssys, ok1 := c.get(form.SysSourceSystem)
	scode, ok2 := c.get(form.SysSourceCode)
	if !ok1 || !ok2 || ssys == nil || scode == nil {
		return nil
	}
	pair := filter.Every(&filter.Cond{Field: form.SysSourceSystem, Op: filter.Eq, Value: ssys}, &filter.Cond{Field: form.SysSourceCode, Op: filter.Eq, Value: scode})
	page, err := s.list(ctx, f, Query{Filter: pair, Limit: 1, Fields: []string{form.SysObjectID}})
	if err != nil || len(page.Objects) == 0 {
		return err
	}
	_, _, err = s.LoadAs(ctx, actor.Subject, f.Code, page.Objects[0].ID)
	if apperr.Is(err, apperr.NotFound) {
		e := apperr.New(apperr.Conflict, "sourceSystem+sourceCode 已被使用 (this sourceSystem and sourceCode already name another object)")
		e.Field = form.SysSourceCode
		return e
	}
	return err
}

// Decision is what subject may do for action on the form, as the
// service enforces it (for explanations; nil subject: nil, everything).
func (s *Service) Decision(ctx context.Context, subject *access.Subject, formCode, action string) (*access.Decision, error) {
	if subject == nil || s.grants == nil {
		return nil, nil
	}
	var d *access.Decision
	err := s.withForm(ctx, formCode, func(f *form.Form) error {
		var err error
		d, err = s.decide(ctx, f, subject, action)
		return err
	})
	return d, err
}

// ParticipationOf is subject's part in the form's approvals, which the
// view adds to their grants (see Participation; nil subject: none).
func (s *Service) ParticipationOf(ctx context.Context, subject *access.Subject, formCode string) (Participation, error) {
	var p Participation
	err := s.withForm(ctx, formCode, func(f *form.Form) error {
		var err error
		p, err = s.participation(ctx, f, subject)
		return err
	})
	return p, err
}

// Reaches reports whether actor's action reaches object id, as the
// service decides it: view (and export and print, which need the record
// in view too) through the view rule with participation, the writes
// through Permit.
func (s *Service) Reaches(ctx context.Context, actor Actor, formCode, action, id string) (bool, error) {
	var err error
	if action == access.View || action == access.Export || action == access.Print {
		_, _, err = s.LoadAs(ctx, actor.Subject, formCode, id)
		if err == nil && action != access.View {
			err = s.Permit(ctx, actor, formCode, action, id)
		}
	} else {
		err = s.Permit(ctx, actor, formCode, action, id)
	}
	if err == nil {
		return true, nil
	}
	if apperr.Is(err, apperr.NotFound) || apperr.Is(err, apperr.Forbidden) {
		return false, nil
	}
	return false, err
}

// BySource returns the id of the object of formCode whose sourceSystem and
// sourceCode are the pair, as subject may see it (nil: any), or NotFound.
func (s *Service) BySource(ctx context.Context, subject *access.Subject, formCode, system, code string) (string, error) {
	q := Query{Subject: subject, Limit: 1, Fields: []string{form.SysObjectID},
		Filter: filter.Every(&filter.Cond{Field: form.SysSourceSystem, Op: filter.Eq, Value: system}, &filter.Cond{Field: form.SysSourceCode, Op: filter.Eq, Value: code})}
	page, err := s.List(ctx, formCode, q)
	if err != nil {
		return "", err
	}
	if len(page.Objects) == 0 {
		return "", apperr.New(apperr.NotFound, "没有 sourceSystem=%s, sourceCode=%s 的对象 (no object with this sourceSystem and sourceCode)", system, code)
	}
	return page.Objects[0].ID, nil
}
