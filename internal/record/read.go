package record

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tritiumhq/tritium/internal/access"
	"github.com/tritiumhq/tritium/internal/apperr"
	"github.com/tritiumhq/tritium/internal/filter"
	"github.com/tritiumhq/tritium/internal/form"
	"github.com/tritiumhq/tritium/internal/sqldb"
)

// filterFirstMax is the most matches a page sorts itself instead of
// walking an index in sort order (fewer when they are a large share of the
// table: see walkCheaper).
const filterFirstMax = 10000

// MaxPage is the most objects one list returns (H3Yun: "最大一次性加载500条").
const MaxPage = 500

// Load returns one object with its child rows.
func (s *Service) Load(ctx context.Context, formCode, id string) (*Object, error) {
	var o *Object
	err := s.withForm(ctx, formCode, func(f *form.Form) error {
		var err error
		o, err = s.load(ctx, s.db.Reader(), f, id)
		return err
	})
	return o, err
}

// LoadTx is Load through q: inside a write transaction it sees the
// transaction's own changes.
func (s *Service) LoadTx(ctx context.Context, r sqldb.Querier, formCode, id string) (*Object, error) {
	f, err := s.forms.Lookup(ctx, formCode)
	if err != nil {
		return nil, err
	}
	return s.load(ctx, r, f, id)
}

func (s *Service) load(ctx context.Context, r sqldb.Querier, f *form.Form, id string) (*Object, error) {
	p := s.plan(f)
	rows, err := r.Query(ctx, p.load, id)
	if err != nil {
		return nil, fmt.Errorf("load %s %s: %w", f.Code, id, err)
	}
	objs, err := scanObjects(r.Dialect(), f, rows, 1)
	if err != nil {
		return nil, fmt.Errorf("load %s %s: %w", f.Code, id, err)
	}
	if len(objs) == 0 {
		return nil, objectNotFound(id)
	}
	o := objs[0]
	for i, cp := range p.children {
		rows, err := r.Query(ctx, cp.byParent, id)
		if err != nil {
			return nil, fmt.Errorf("load rows of %s: %w", f.Children[i].Code, err)
		}
		kids, err := scanRows(r.Dialect(), f.Children[i], rows)
		if err != nil {
			return nil, fmt.Errorf("load rows of %s: %w", f.Children[i].Code, err)
		}
		o.Children[i] = kids
	}
	return o, nil
}

// Query selects objects for List.
type Query struct {
	Filter filter.Node
	Sort   []filter.Sort
	Offset int
	Limit  int  // clamped to 1…MaxPage; 0 means MaxPage
	Count  bool // also count every match
	// Fields limits the output to these codes (form, system and child
	// codes); empty means everything. Child rows are loaded only when
	// their code is listed (or Fields is empty).
	Fields []string
	// Subject, when set, holds the list to what the user's grants let
	// them see (for Action, default view); see access.go.
	Subject *access.Subject
	Action  string
}

// Page is one page of objects.
type Page struct {
	Objects    []*Object
	Total      int64 // the full match count when Query.Count, else -1
	Projection *Projection
}

// List returns the objects matching q.
func (s *Service) List(ctx context.Context, formCode string, q Query) (*Page, error) {
	var page *Page
	err := s.withForm(ctx, formCode, func(f *form.Form) error {
		var err error
		page, err = s.list(ctx, f, q)
		return err
	})
	return page, err
}

func (s *Service) list(ctx context.Context, f *form.Form, q Query) (*Page, error) {
	if q.Subject != nil && s.grants != nil {
		var err error
		if q, err = s.restrict(ctx, f, q); err != nil {
			return nil, err
		}
		q.Subject = nil
	}
	proj, err := NewProjection(f, q.Fields)
	if err != nil {
		return nil, err
	}
	d := s.db.Dialect()
	where, args, err := filter.Compile(d, s.codec, f, q.Filter)
	if err != nil {
		return nil, err
	}
	order, err := filter.CompileSortKeys(d, f, q.Sort)
	if err != nil {
		return nil, err
	}
	limit := q.Limit
	if limit <= 0 || limit > MaxPage {
		limit = MaxPage
	}
	offset := max(q.Offset, 0)
	p := s.plan(f)
	if where == "" {
		where = filter.MatchAll
	}
	r := s.db.Reader()
	page := &Page{Total: -1, Projection: proj}
	// A filtered page needs to know roughly how many rows match (see
	// PageSQL); the count answers that, or a count that stops early.
	matches := int64(-1)
	if q.Count {
		if err := r.QueryRow(ctx, "SELECT COUNT(*) FROM "+p.table+" WHERE "+where, args...).Scan(&page.Total); err != nil {
			return nil, fmt.Errorf("count %s: %w", f.Code, err)
		}
		if page.Total <= int64(offset) {
			page.Objects = []*Object{}
			return page, nil
		}
		matches = page.Total
	} else if where != filter.MatchAll && d.PageWantsMatchCount() {
		bounded := "SELECT COUNT(*) FROM (SELECT 1 FROM " + p.table + " WHERE " + where + " LIMIT " + strconv.Itoa(filterFirstMax+1) + ")"
		if err := r.QueryRow(ctx, bounded, args...).Scan(&matches); err != nil {
			return nil, fmt.Errorf("count %s: %w", f.Code, err)
		}
	}
	filterFirst := where != filter.MatchAll && matches >= 0 && matches <= filterFirstMax
	if filterFirst && d.PageWantsMatchCount() && matches > int64(offset+limit) {
		rows, err := tableRows(ctx, r, p)
		if err != nil {
			return nil, fmt.Errorf("count %s: %w", f.Code, err)
		}
		filterFirst = !walkCheaper(matches, rows, offset+limit)
	}
	page.Objects, err = s.readPage(ctx, f, d.PageSQL(p.table, p.cols, where, order, filterFirst), append(args, limit, offset), limit)
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", f.Code, err)
	}
	if err := s.loadChildren(ctx, f, p, proj, page.Objects); err != nil {
		return nil, err
	}
	return page, nil
}

// walkCheaper reports whether a page that ends at match number want is
// found sooner by walking the table in sort order than by finding every
// match and sorting them: spread evenly, one row in rows/matches matches,
// so the walk reads about want×rows/matches rows, where filtering first
// reads at least the matches. When a tenth of 100,000 rows match, the walk
// finds a page of 50 in some 500 rows; filtering first reads 10,000 or
// more and sorts them. (Matches bunched at the far end of the order make
// the walk read up to the whole table, as it always could above
// filterFirstMax.)
func walkCheaper(matches, rows int64, want int) bool {
	return float64(want)*float64(rows) < float64(matches)*float64(matches)
}

// tableRows is about how many rows p's table holds, counted at most once a
// second: walkCheaper needs only the magnitude, and a count, though it runs
// on the table's smallest index, costs tens of µs per 100,000 rows.
func tableRows(ctx context.Context, r sqldb.Querier, p *plan) (int64, error) {
	if at := p.rowsAt.Load(); at != 0 && time.Since(time.Unix(0, at)) < time.Second {
		return p.rows.Load(), nil
	}
	var n int64
	if err := r.QueryRow(ctx, "SELECT COUNT(*) FROM "+p.table).Scan(&n); err != nil {
		return 0, err
	}
	p.rows.Store(n)
	p.rowsAt.Store(time.Now().UnixNano())
	return n, nil
}

// readPage runs a PageSQL: one query, or the page's ids and then their
// rows, put back in the ids' order.
func (s *Service) readPage(ctx context.Context, f *form.Form, ps sqldb.PageSQL, args []any, limit int) ([]*Object, error) {
	r := s.db.Reader()
	if ps.IDs == "" {
		rows, err := r.Query(ctx, ps.Rows, args...)
		if err != nil {
			return nil, err
		}
		return scanObjects(r.Dialect(), f, rows, limit)
	}
	rows, err := r.Query(ctx, ps.IDs, args...)
	if err != nil {
		return nil, err
	}
	ids := make([]string, 0, limit)
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, err
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(ids) == 0 {
		return []*Object{}, err
	}
	if rows, err = r.Query(ctx, ps.Rows, r.Dialect().AnyOfArg(ids)); err != nil {
		return nil, err
	}
	objs, err := scanObjects(r.Dialect(), f, rows, len(ids))
	if err != nil {
		return nil, err
	}
	pos := make(map[string]int, len(ids))
	for i, id := range ids {
		pos[id] = i
	}
	slices.SortFunc(objs, func(a, b *Object) int { return pos[a.ID] - pos[b.ID] })
	return objs, nil
}

// loadChildren fills the child rows of objs with one query per child table.
func (s *Service) loadChildren(ctx context.Context, f *form.Form, p *plan, proj *Projection, objs []*Object) error {
	if len(objs) == 0 {
		return nil
	}
	ids := make([]string, len(objs))
	byID := make(map[string]*Object, len(objs))
	for i, o := range objs {
		ids[i] = o.ID
		byID[o.ID] = o
	}
	r := s.db.Reader()
	for i, cp := range p.children {
		if !proj.Child(i) {
			continue
		}
		for _, o := range objs {
			o.Children[i] = []*Row{}
		}
		rows, err := r.Query(ctx, cp.byParents, r.Dialect().AnyOfArg(ids))
		if err != nil {
			return fmt.Errorf("load rows of %s: %w", f.Children[i].Code, err)
		}
		kids, err := scanRows(r.Dialect(), f.Children[i], rows)
		if err != nil {
			return fmt.Errorf("load rows of %s: %w", f.Children[i].Code, err)
		}
		for _, k := range kids {
			if o := byID[k.ParentID]; o != nil {
				o.Children[i] = append(o.Children[i], k)
			}
		}
	}
	return nil
}

// scanObjects reads rows of p.cols and closes rows.
func scanObjects(d sqldb.Dialect, f *form.Form, rows sqldb.Rows, capHint int) ([]*Object, error) {
	defer rows.Close()
	nSys := len(form.SystemFields())
	raw := make([]any, nSys+len(f.Fields))
	dest := make([]any, len(raw))
	for i := range raw {
		dest[i] = &raw[i]
	}
	out := make([]*Object, 0, capHint)
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return nil, err
		}
		o := &Object{Form: f, Values: make([]any, len(f.Fields)), Children: make([][]*Row, len(f.Children))}
		if err := scanSys(d, raw[:nSys], o); err != nil {
			return nil, err
		}
		for i, fd := range f.Fields {
			v, err := form.FromDB(d, fd, raw[nSys+i])
			if err != nil {
				return nil, err
			}
			o.Values[i] = v
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// scanSys reads the system columns in form.SystemFields order.
func scanSys(d sqldb.Dialect, raw []any, o *Object) error {
	str := func(v any) string {
		switch x := v.(type) {
		case string:
			return x
		case []byte:
			return string(x)
		}
		return ""
	}
	num := func(v any) int64 {
		switch x := v.(type) {
		case int64:
			return x
		case float64:
			return int64(x)
		}
		return 0
	}
	o.ID = str(raw[0])
	o.Sys.Name = str(raw[1])
	o.Sys.CreatedBy = str(raw[2])
	o.Sys.OwnerID = str(raw[3])
	o.Sys.OwnerDeptID = str(raw[4])
	var err error
	if o.Sys.CreatedTime, err = d.ScanTime(raw[5]); err != nil {
		return err
	}
	o.Sys.ModifiedBy = str(raw[6])
	if o.Sys.ModifiedTime, err = d.ScanTime(raw[7]); err != nil {
		return err
	}
	o.Sys.WorkflowInstanceID = str(raw[8])
	o.Sys.Status = num(raw[9])
	o.Sys.SeqNo = num(raw[10])
	o.Sys.Version = num(raw[11])
	o.Sys.SourceSystem = str(raw[12])
	o.Sys.SourceCode = str(raw[13])
	return nil
}

func scanRows(d sqldb.Dialect, c *form.Child, rows sqldb.Rows) ([]*Row, error) {
	defer rows.Close()
	raw := make([]any, 3+len(c.Fields))
	dest := make([]any, len(raw))
	for i := range raw {
		dest[i] = &raw[i]
	}
	out := []*Row{}
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return nil, err
		}
		r := &Row{Values: make([]any, len(c.Fields))}
		r.ID, _ = raw[0].(string)
		r.ParentID, _ = raw[1].(string)
		for i, fd := range c.Fields {
			v, err := form.FromDB(d, fd, raw[3+i])
			if err != nil {
				return nil, err
			}
			r.Values[i] = v
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// Projection says which fields an encoding includes.
type Projection struct {
	all      bool
	sys      map[string]bool
	fields   []bool
	children []bool
}

// NewProjection resolves codes against f; an unknown code is an error
// naming it. Empty codes select everything.
func NewProjection(f *form.Form, codes []string) (*Projection, error) {
	p := &Projection{all: true}
	if len(codes) == 0 {
		return p, nil
	}
	p = &Projection{sys: map[string]bool{form.SysObjectID: true}, fields: make([]bool, len(f.Fields)), children: make([]bool, len(f.Children))}
	for _, code := range codes {
		code = strings.TrimSpace(code)
		if code == "" {
			continue
		}
		if c := f.Child(code); c != nil {
			p.children[childIndex(f, c)] = true
			continue
		}
		fd := f.Field(code)
		if fd == nil {
			return nil, apperr.Field(code, "ReturnItems: 字段不存在: %s (unknown field %s)", code, code)
		}
		if fd.System() {
			p.sys[fd.Code] = true
		} else {
			p.fields[fd.Pos()] = true
		}
	}
	return p, nil
}

// Sys reports whether system field code is included.
func (p *Projection) Sys(code string) bool { return p == nil || p.all || p.sys[code] }

// Field reports whether form field i is included.
func (p *Projection) Field(i int) bool { return p == nil || p.all || p.fields[i] }

// Child reports whether child table i is included.
func (p *Projection) Child(i int) bool { return p == nil || p.all || p.children[i] }
