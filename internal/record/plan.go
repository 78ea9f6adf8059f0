package record

import (
	"slices"
	"strings"
	"sync/atomic"

	"github.com/tritiumhq/tritium/internal/form"
	"github.com/tritiumhq/tritium/internal/sqldb"
)

// plan holds the SQL texts for one form revision. Texts are stable per
// revision, so the database layer prepares each once.
type plan struct {
	table    string // quoted
	cols     string // system columns then field columns
	insert   string
	load     string // by objectid
	lock     string // version and status of one object, locked for update
	bySource string
	seq      string
	seqArgs  []any
	seqExpr  string // set when the insert draws SeqNo itself
	exists   string
	remove   string
	// instanceOf: the object's WorkflowInstanceId ("" when none)
	instanceOf string
	children   []childPlan
	nSys       int
	// rows is about how many rows the table holds, counted at rowsAt
	// (unix ns; 0: never): see tableRows.
	rows, rowsAt atomic.Int64
}

type childPlan struct {
	table      string
	cols       string
	insert     string
	byParent   string // rows of one parent
	byParents  string // rows of many parents (AnyOf)
	ids        string // row ids of one parent
	removeRows string
	removeRow  string
}

func (s *Service) plan(f *form.Form) *plan {
	if p, ok := s.plans.Load(f); ok {
		return p.(*plan)
	}
	p := buildPlan(s.db.Dialect(), f)
	s.plans.Store(f, p)
	return p
}

func buildPlan(d sqldb.Dialect, f *form.Form) *plan {
	q := d.Quote
	p := &plan{table: q(f.Table()), nSys: len(form.SystemFields())}
	var cols []string
	for _, fd := range form.SystemFields() {
		cols = append(cols, q(fd.Column()))
	}
	for _, fd := range f.Fields {
		cols = append(cols, q(fd.Column()))
	}
	p.cols = strings.Join(cols, ", ")
	// SeqNo is the 11th system column; PostgreSQL draws it inline.
	values := strings.Split(placeholders(len(cols)), ", ")
	if p.seqExpr = d.NextSequenceExpr(form.SequenceName(f.Table())); p.seqExpr != "" {
		values[seqNoCol] = p.seqExpr
	}
	p.insert = "INSERT INTO " + p.table + " (" + p.cols + ") VALUES (" + strings.Join(values, ", ") + ")"
	p.load = "SELECT " + p.cols + " FROM " + p.table + " WHERE " + q("objectid") + " = ?"
	p.lock = "SELECT " + q("version") + ", " + q("status") + " FROM " + p.table + " WHERE " + q("objectid") + " = ?" + d.ForUpdate()
	p.bySource = "SELECT " + q("objectid") + " FROM " + p.table + " WHERE " + q("sourcesystem") + " = ? AND " + q("sourcecode") + " = ?"
	p.seq, p.seqArgs = d.NextSequenceSQL(form.SequenceName(f.Table()))
	p.exists = "SELECT 1 FROM " + p.table + " WHERE " + q("objectid") + " = ?"
	p.remove = "DELETE FROM " + p.table + " WHERE " + q("objectid") + " = ?"
	p.instanceOf = "SELECT COALESCE(" + q("workflowinstanceid") + ", '') FROM " + p.table + " WHERE " + q("objectid") + " = ?"
	for _, c := range f.Children {
		p.children = append(p.children, buildChildPlan(d, c))
	}
	return p
}

func buildChildPlan(d sqldb.Dialect, c *form.Child) childPlan {
	q := d.Quote
	cp := childPlan{table: q(c.Table())}
	cols := []string{q("objectid"), q("parentobjectid"), q("sortkey")}
	for _, fd := range c.Fields {
		cols = append(cols, q(fd.Column()))
	}
	cp.cols = strings.Join(cols, ", ")
	cp.insert = "INSERT INTO " + cp.table + " (" + cp.cols + ") VALUES (" + placeholders(len(cols)) + ")"
	order := " ORDER BY " + q("parentobjectid") + ", " + q("sortkey")
	cp.byParent = "SELECT " + cp.cols + " FROM " + cp.table + " WHERE " + q("parentobjectid") + " = ?" + order
	cp.byParents = "SELECT " + cp.cols + " FROM " + cp.table + " WHERE " + d.AnyOf(q("parentobjectid")) + order
	cp.ids = "SELECT " + q("objectid") + " FROM " + cp.table + " WHERE " + q("parentobjectid") + " = ?"
	cp.removeRows = "DELETE FROM " + cp.table + " WHERE " + q("parentobjectid") + " = ?"
	cp.removeRow = "DELETE FROM " + cp.table + " WHERE " + q("objectid") + " = ?"
	return cp
}

// seqNoCol is SeqNo's position among the system columns.
var seqNoCol = slices.IndexFunc(form.SystemFields(), func(f *form.Field) bool { return f.Code == form.SysSeqNo })

func placeholders(n int) string {
	if n == 0 {
		return ""
	}
	return strings.Repeat("?, ", n-1) + "?"
}
