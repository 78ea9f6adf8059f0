package form

import (
	"strings"

	"github.com/tritiumhq/tritium/internal/sqldb"
)

// createStatements returns the DDL that creates f's tables, indexes and
// SeqNo counter.
func createStatements(d sqldb.Dialect, f *Form) []string {
	t := f.table
	var cols []string
	for _, s := range sysFields {
		c := s.SQLColumn()
		switch s.Code {
		case SysObjectID:
			cols = append(cols, d.Quote(c.Name)+" TEXT NOT NULL PRIMARY KEY")
			continue
		case SysCreatedTime, SysModifiedTime, SysStatus, SysVersion:
			c.NotNull = true
		}
		cols = append(cols, d.Quote(c.Name)+" "+d.ColumnType(c))
	}
	for _, fd := range f.Fields {
		cols = append(cols, d.Quote(fd.column)+" "+d.ColumnType(fd.SQLColumn()))
	}
	stmts := []string{"CREATE TABLE " + d.Quote(t) + " (\n  " + strings.Join(cols, ",\n  ") + "\n)"}
	for _, ix := range systemIndexes {
		stmts = append(stmts, ix.sql(d, t, false))
	}
	for _, cols := range f.userIndexes() {
		stmts = append(stmts, indexSQL(d, t, false, "", cols...))
	}
	stmts = append(stmts, d.CreateSequenceSQL(SequenceName(t))...)
	for _, c := range f.Children {
		stmts = append(stmts, createChildStatements(d, c)...)
	}
	return stmts
}

func createChildStatements(d sqldb.Dialect, c *Child) []string {
	cols := []string{
		d.Quote("objectid") + " TEXT NOT NULL PRIMARY KEY",
		d.Quote("parentobjectid") + " TEXT NOT NULL",
		d.Quote("sortkey") + " " + d.ColumnType(sqldb.Column{Kind: sqldb.ColInt, NotNull: true}),
	}
	for _, fd := range c.Fields {
		cols = append(cols, d.Quote(fd.column)+" "+d.ColumnType(fd.SQLColumn()))
	}
	stmts := []string{
		"CREATE TABLE " + d.Quote(c.table) + " (\n  " + strings.Join(cols, ",\n  ") + "\n)",
		indexSQL(d, c.table, false, "", "parentobjectid", "sortkey"),
	}
	for _, cols := range c.userIndexes() {
		stmts = append(stmts, indexSQL(d, c.table, false, "", cols...))
	}
	return stmts
}

// userIndexes are the indexes the definition asks for: one per indexed
// field and one per composite index. Each ends with the default sort
// (createdtime, objectid), so a filter on its fields can page in the
// default order from the index alone, without reading rows.
func (f *Form) userIndexes() [][]string {
	var out [][]string
	for _, fd := range f.Fields {
		if fd.Indexed {
			out = append(out, []string{fd.column, "createdtime", "objectid"})
		}
	}
	for _, ix := range f.Indexes {
		var cols []string
		for _, code := range ix {
			cols = append(cols, f.Field(code).column)
		}
		out = append(out, append(cols, "createdtime", "objectid"))
	}
	return out
}

func (c *Child) userIndexes() [][]string {
	var out [][]string
	for _, fd := range c.Fields {
		if fd.Indexed {
			out = append(out, []string{fd.column})
		}
	}
	return out
}

func dropUserIndexes(d sqldb.Dialect, table string, idx [][]string) []string {
	var out []string
	for _, cols := range idx {
		out = append(out, dropIndexSQL(d, table, cols...))
	}
	return out
}

func indexSQL(d sqldb.Dialect, table string, unique bool, where string, cols ...string) string {
	var b strings.Builder
	b.WriteString("CREATE ")
	if unique {
		b.WriteString("UNIQUE ")
	}
	b.WriteString("INDEX " + d.Quote(IndexName(table, cols...)) + " ON " + d.Quote(table) + " (")
	for i, c := range cols {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(d.Quote(c))
	}
	b.WriteString(")")
	if where != "" {
		b.WriteString(" WHERE " + where)
	}
	return b.String()
}

func dropIndexSQL(d sqldb.Dialect, table string, cols ...string) string {
	return "DROP INDEX IF EXISTS " + d.Quote(IndexName(table, cols...))
}

// dropStatements removes f's tables and counter. The main table goes
// first: a write locks it before its child tables, so the drop, taking
// the same order, waits for a write in flight instead of deadlocking
// with it (PostgreSQL).
func dropStatements(d sqldb.Dialect, f *Form) []string {
	stmts := []string{"DROP TABLE IF EXISTS " + d.Quote(f.table)}
	for _, c := range f.Children {
		stmts = append(stmts, "DROP TABLE IF EXISTS "+d.Quote(c.table))
	}
	return append(stmts, d.DropSequenceSQL(SequenceName(f.table))...)
}
