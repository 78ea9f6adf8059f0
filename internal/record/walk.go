package record

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/tritiumhq/tritium/internal/access"
	"github.com/tritiumhq/tritium/internal/apperr"
	"github.com/tritiumhq/tritium/internal/filter"
	"github.com/tritiumhq/tritium/internal/form"
	"github.com/tritiumhq/tritium/internal/sqldb"
)

// Walk calls fn with every object matching q, page by page in q's order,
// as List would return them to q.Subject (the same grants, the same hidden
// fields); a q.Action other than view (export) holds the walk to that
// action's grants too. Each page after the first starts after the last object of the
// one before by its sort keys (keyset paging), not by an offset, so a walk
// over 100,000 objects reads each row once and holds one page at a time.
// q.Offset and q.Count are ignored; q.Limit is the page size (default and
// most MaxPage). A page passed to fn is fn's only until fn returns. Unlike
// List, a form changed during the walk is not retried: fn may have sent
// its pages on. The first page is passed even when empty, for its
// Projection.
func (s *Service) Walk(ctx context.Context, formCode string, q Query, fn func(*Page) error) error {
	f, err := s.forms.Lookup(ctx, formCode)
	if err != nil {
		return err
	}
	if q.Subject != nil && s.grants != nil {
		if q, err = s.restrictFor(ctx, f, q); err != nil {
			return err
		}
	}
	proj, err := NewProjection(f, q.Fields)
	if err != nil {
		return err
	}
	d := s.db.Dialect()
	where, args, err := filter.Compile(d, s.codec, f, q.Filter)
	if err != nil {
		return err
	}
	order, err := filter.CompileSortKeys(d, f, q.Sort)
	if err != nil {
		return err
	}
	if where == "" {
		where = filter.MatchAll
	}
	keys := sortFields(f, q.Sort)
	limit := q.Limit
	if limit <= 0 || limit > MaxPage {
		limit = MaxPage
	}
	p := s.plan(f)
	var last *Object
	for {
		w, a := where, args
		if last != nil {
			kw, ka := keyset(d, keys, last)
			w = "(" + where + ") AND " + kw
			a = append(append([]any{}, args...), ka...)
		}
		objs, err := s.readPage(ctx, f, d.PageSQL(p.table, p.cols, w, order, false), append(a, limit, 0), limit)
		if err != nil {
			return fmt.Errorf("walk %s: %w", f.Code, err)
		}
		if err := s.loadChildren(ctx, f, p, proj, objs); err != nil {
			return err
		}
		if len(objs) > 0 || last == nil {
			if err := fn(&Page{Objects: objs, Total: -1, Projection: proj}); err != nil {
				return err
			}
		}
		if len(objs) < limit {
			return nil
		}
		last = objs[len(objs)-1]
	}
}

// restrictFor is restrict for the view and, when q.Action is another
// action (export, print), that action's grants as well: only the records
// both reach, without the fields either hides; no grant for the action is
// forbidden.
func (s *Service) restrictFor(ctx context.Context, f *form.Form, q Query) (Query, error) {
	subject, action := q.Subject, q.Action
	q.Action = ""
	q, err := s.restrict(ctx, f, q)
	if err != nil || action == "" || action == access.View {
		return q, err
	}
	d, err := s.decide(ctx, f, subject, action)
	if err != nil {
		return q, err
	}
	if !d.Allowed {
		return q, apperr.New(apperr.Forbidden, "无权对表单 %s 的对象执行 %s (your grants on form %s do not allow %s)", f.Code, action, f.Code, action)
	}
	if len(d.Hidden) > 0 {
		if len(q.Fields) == 0 {
			q.Fields = visibleCodes(f, d.Hidden)
		} else {
			q.Fields = slices.DeleteFunc(q.Fields, func(code string) bool { return hidden(d.Hidden, code) })
			if len(q.Fields) == 0 {
				q.Fields = []string{form.SysObjectID}
			}
		}
	}
	q.Filter = filter.Every(q.Filter, d.Filter)
	return q, nil
}

// walkKey is one ORDER BY key of a walk.
type walkKey struct {
	fd   *form.Field
	desc bool
}

// sortFields resolves sorts as filter.CompileSortKeys does (which has
// checked them): CreatedTime when none, ObjectId last unless listed.
func sortFields(f *form.Form, sorts []filter.Sort) []walkKey {
	if len(sorts) == 0 {
		sorts = []filter.Sort{{Field: form.SysCreatedTime}}
	}
	var keys []walkKey
	hasID := false
	for _, st := range sorts {
		fd := f.Field(st.Field)
		keys = append(keys, walkKey{fd, st.Desc})
		hasID = hasID || fd.System() && fd.Code == form.SysObjectID
	}
	if !hasID {
		keys = append(keys, walkKey{f.Field(form.SysObjectID), false})
	}
	return keys
}

// keyset is the condition "after o in the order of keys": for keys k1…kn,
// k1 after, or k1 equal and k2 after, and so on, where unset values come
// first ascending and last descending (as CompileSortKeys orders them).
func keyset(d sqldb.Dialect, keys []walkKey, o *Object) (string, []any) {
	if w, args, ok := rowKeyset(d, keys, o); ok {
		return w, args
	}
	var ors []string
	var args []any
	var eqs []string
	var eqArgs []any
	for _, k := range keys {
		col := d.Quote(k.fd.Column())
		ph := "?"
		if k.fd.Type == form.Decimal {
			col, ph = d.DecimalCompareExpr(col, k.fd.Precision), d.DecimalCompareExpr("?", k.fd.Precision)
		}
		v := keyValue(d, k.fd, o)
		if sysText(k.fd) {
			// NULL and '' scan alike: compare them as one value (they
			// sort next to each other).
			col = "COALESCE(" + col + ", '')"
		}
		after, afterArgs := "", []any(nil)
		switch {
		case v == nil && !k.desc:
			after = col + " IS NOT NULL"
		case v == nil: // nothing comes after unset, descending
		case k.desc:
			after, afterArgs = "("+col+" < "+ph+" OR "+col+" IS NULL)", []any{v}
		default:
			after, afterArgs = col+" > "+ph, []any{v}
		}
		if after != "" {
			ors = append(ors, "("+strings.Join(append(append([]string{}, eqs...), after), " AND ")+")")
			args = append(append(args, eqArgs...), afterArgs...)
		}
		if v == nil {
			eqs = append(eqs, col+" IS NULL")
		} else {
			eqs = append(eqs, col+" = "+ph)
			eqArgs = append(eqArgs, v)
		}
	}
	if len(ors) == 0 {
		return "1 = 0", nil
	}
	return "(" + strings.Join(ors, " OR ") + ")", args
}

// rowKeyset is keyset as one row-value comparison, (k1, k2) > (?, ?),
// which both databases answer from an index in the sort's order: when
// every key is a column that is never NULL (the default CreatedTime,
// ObjectId among them) and all go the same way.
func rowKeyset(d sqldb.Dialect, keys []walkKey, o *Object) (string, []any, bool) {
	cols := make([]string, len(keys))
	args := make([]any, len(keys))
	for i, k := range keys {
		if !notNull[k.fd.Code] || !k.fd.System() || k.desc != keys[0].desc {
			return "", nil, false
		}
		cols[i], args[i] = d.Quote(k.fd.Column()), keyValue(d, k.fd, o)
	}
	op := " > "
	if keys[0].desc {
		op = " < "
	}
	return "(" + strings.Join(cols, ", ") + ")" + op + "(" + placeholders(len(keys)) + ")", args, true
}

// notNull are the system columns declared NOT NULL.
var notNull = map[string]bool{form.SysObjectID: true, form.SysCreatedTime: true, form.SysModifiedTime: true, form.SysStatus: true, form.SysVersion: true}

// keyValue is o's value of key field fd as its column stores it.
func keyValue(d sqldb.Dialect, fd *form.Field, o *Object) any {
	if !fd.System() {
		return form.ToDB(d, fd, o.Values[fd.Pos()])
	}
	var v any
	switch fd.Code {
	case form.SysObjectID:
		v = o.ID
	case form.SysName:
		v = o.Sys.Name
	case form.SysCreatedBy:
		v = o.Sys.CreatedBy
	case form.SysOwnerID:
		v = o.Sys.OwnerID
	case form.SysOwnerDeptID:
		v = o.Sys.OwnerDeptID
	case form.SysCreatedTime:
		v = o.Sys.CreatedTime
	case form.SysModifiedBy:
		v = o.Sys.ModifiedBy
	case form.SysModifiedTime:
		v = o.Sys.ModifiedTime
	case form.SysWorkflowID:
		v = o.Sys.WorkflowInstanceID
	case form.SysStatus:
		v = o.Sys.Status
	case form.SysSeqNo:
		v = o.Sys.SeqNo
	case form.SysVersion:
		v = o.Sys.Version
	case form.SysSourceSystem:
		v = o.Sys.SourceSystem
	case form.SysSourceCode:
		v = o.Sys.SourceCode
	}
	return form.ToDB(d, fd, v)
}

// sysText reports whether fd is a system column of text that may be NULL.
func sysText(fd *form.Field) bool {
	return fd.System() && fd.Code != form.SysObjectID && fd.ColumnKind() == sqldb.ColText
}
