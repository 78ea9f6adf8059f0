package record

import (
	"context"
	"slices"
	"strings"

	"github.com/tritiumhq/tritium/internal/access"
	"github.com/tritiumhq/tritium/internal/apperr"
	"github.com/tritiumhq/tritium/internal/filter"
	"github.com/tritiumhq/tritium/internal/form"
)

// Permissions. A call with a subject (a user context) is held to the
// form's grants (package access): reads see only the records and fields
// their grants reach, writes need the action's grant on the record. A call
// without one (engine credentials) is not.
//
// What a user may not see answers as if it did not exist: an object
// outside their scope is not found, a hidden field is an unknown field.

// SetAccess connects the permission grants.
func (s *Service) SetAccess(st *access.Store) { s.grants = st }

// held reports whether actor's writes are held to grants.
func (s *Service) held(a Actor) bool { return a.Subject != nil && s.grants != nil }

// decide returns what subject may do for action on f.
func (s *Service) decide(ctx context.Context, f *form.Form, subject *access.Subject, action string) (*access.Decision, error) {
	gs, set := s.grants.Grants(ctx, f.Code)
	if !set {
		gs = access.Defaults(f.Code)
	}
	d, err := access.Decide(gs, *subject, action)
	if err != nil {
		return nil, err
	}
	return &d, nil
}

// restrict applies a read decision to q: the rule AND the caller's filter,
// no filter, sort or field list naming a hidden field, and hidden fields
// left out of the answer. The view decision includes the subject's part in
// the form's approvals (see participate).
func (s *Service) restrict(ctx context.Context, f *form.Form, q Query) (Query, error) {
	action := q.Action
	if action == "" {
		action = access.View
	}
	d, err := s.decide(ctx, f, q.Subject, action)
	if err != nil {
		return q, err
	}
	if action == access.View {
		if err := s.participate(ctx, f, q.Subject, d); err != nil {
			return q, err
		}
	}
	if len(d.Hidden) > 0 {
		named := filter.Fields(q.Filter)
		for _, srt := range q.Sort {
			named = append(named, srt.Field)
		}
		named = append(named, q.Fields...)
		for _, code := range named {
			if hidden(d.Hidden, code) {
				code = strings.TrimSpace(code)
				return q, apperr.Field(code, "字段不存在: %s (unknown field %s)", code, code)
			}
		}
		if len(q.Fields) == 0 {
			q.Fields = visibleCodes(f, d.Hidden)
		}
	}
	q.Filter = filter.Every(q.Filter, d.Filter) // rule last: a scan tests it only on the filter's rows
	return q, nil
}

func hidden(list []string, code string) bool {
	return slices.ContainsFunc(list, func(h string) bool { return strings.EqualFold(h, strings.TrimSpace(code)) })
}

// visibleCodes lists the system fields and every field and child table
// of f but the hidden ones: what an answer without a field list holds.
func visibleCodes(f *form.Form, hide []string) []string {
	var out []string
	for _, fd := range form.SystemFields() {
		out = append(out, fd.Code)
	}
	for _, fd := range f.Fields {
		if !hidden(hide, fd.Code) {
			out = append(out, fd.Code)
		}
	}
	for _, c := range f.Children {
		if !hidden(hide, c.Code) {
			out = append(out, c.Code)
		}
	}
	return out
}

// LoadAs is Load for a subject: an object outside their view (their
// grants' view scope and, on a workflow form, their part in its approval)
// is not found, and the projection leaves out their hidden fields (see
// viewOf; nil subject: Load, everything).
func (s *Service) LoadAs(ctx context.Context, subject *access.Subject, formCode, id string) (*Object, *Projection, error) {
	if subject == nil || s.grants == nil {
		o, err := s.Load(ctx, formCode, id)
		return o, nil, err
	}
	var page *Page
	err := s.withForm(ctx, formCode, func(f *form.Form) error {
		rule, hide, err := s.viewOf(ctx, f, subject, id)
		if err != nil {
			return err
		}
		q := Query{Filter: filter.Every(rule, &filter.Cond{Field: form.SysObjectID, Op: filter.Eq, Value: id}), Limit: 1}
		if len(hide) > 0 {
			q.Fields = visibleCodes(f, hide)
		}
		page, err = s.list(ctx, f, q)
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	if len(page.Objects) == 0 {
		return nil, nil, objectNotFound(id)
	}
	return page.Objects[0], page.Projection, nil
}

// checkWrite refuses a subject's write of data to f (on the object id,
// for an edit or a delete) that their grants do not allow: no grant for
// the action → forbidden; an object outside the action's scope → not found
// when they cannot see it either (a participant in its approval can),
// else forbidden; a read-only field → the field named. A part in the
// object's approval gives no write.
func (s *Service) checkWrite(ctx context.Context, f *form.Form, subject *access.Subject, action, id string, data Data) error {
	d, err := s.decide(ctx, f, subject, action)
	if err != nil {
		return err
	}
	if id != "" {
		ok, err := s.reaches(ctx, f, d.Filter, id)
		if err != nil {
			return err
		}
		if !ok {
			rule, _, err := s.viewOf(ctx, f, subject, id)
			if err != nil {
				return err
			}
			if seen, err := s.reaches(ctx, f, rule, id); err != nil || !seen {
				if err == nil {
					err = objectNotFound(id)
				}
				return err
			}
			return apperr.New(apperr.Forbidden, "无权%s这个对象: %s (your grants on form %s do not allow %s on this object)", actionWords[action], id, f.Code, action)
		}
	} else if !d.Allowed {
		return apperr.New(apperr.Forbidden, "无权%s表单 %s 的对象 (your grants on form %s do not allow %s)", actionWords[action], f.Code, f.Code, action)
	}
	for code := range data {
		if hidden(d.ReadOnly, code) {
			return apperr.Field(code, "字段 %s 只读 (field %s is read-only for you)", code, code)
		}
	}
	return nil
}

var actionWords = map[string]string{access.Create: "创建", access.Edit: "修改", access.Delete: "删除", access.Submit: "提交"}

// reaches reports whether the object id matches rule.
func (s *Service) reaches(ctx context.Context, f *form.Form, rule filter.Node, id string) (bool, error) {
	page, err := s.list(ctx, f, Query{Filter: filter.Every(rule, &filter.Cond{Field: form.SysObjectID, Op: filter.Eq, Value: id}), Limit: 1, Fields: []string{form.SysObjectID}})
	if err != nil {
		return false, err
	}
	return len(page.Objects) > 0, nil
}
