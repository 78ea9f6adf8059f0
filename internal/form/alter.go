package form

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"
	"github.com/tritiumhq/tritium/internal/apperr"
	"github.com/tritiumhq/tritium/internal/sqldb"
)

// alterer turns the tables of one definition into those of the next, inside
// the caller's transaction. Data is checked against the new definition with
// the same coercion the APIs use; the first value that does not fit aborts
// the whole change.
type alterer struct {
	ctx   context.Context
	tx    *sqldb.Tx
	d     sqldb.Dialect
	codec *Codec
}

func (a *alterer) exec(q string) error {
	if _, err := a.tx.ExecDirect(a.ctx, q); err != nil {
		return fmt.Errorf("%s: %w", q, err)
	}
	return nil
}

func (a *alterer) alterForm(old, nw *Form) error {
	// Indexes are dropped first (SQLite cannot drop an indexed column) and
	// built again at the end from the new definition.
	drops := dropUserIndexes(a.d, old.table, old.userIndexes())
	for _, c := range old.Children {
		drops = append(drops, dropUserIndexes(a.d, c.table, c.userIndexes())...)
	}
	for _, q := range drops {
		if err := a.exec(q); err != nil {
			return err
		}
	}
	if err := a.alterFields(old.table, "fields", old.Fields, nw.Fields); err != nil {
		return err
	}
	matched := map[*Child]bool{}
	type kid struct{ o, n *Child }
	var kept []kid
	var added []*Child
	for i, c := range nw.Children {
		from := c.Code
		if c.RenameFrom != "" {
			from = c.RenameFrom
		}
		oc := old.Child(from)
		if oc == nil && c.RenameFrom != "" {
			return apperr.Field(fmt.Sprintf("children[%d].renameFrom", i), "子表 %s 不存在 (no child table %s to rename)", from, from)
		}
		if oc == nil {
			added = append(added, c)
			continue
		}
		if matched[oc] {
			return apperr.Field(fmt.Sprintf("children[%d]", i), "子表 %s 被使用了两次 (child table %s matched twice)", oc.Code, oc.Code)
		}
		matched[oc] = true
		kept = append(kept, kid{oc, c})
	}
	for _, oc := range old.Children {
		if !matched[oc] {
			if err := a.exec("DROP TABLE " + a.d.Quote(oc.table)); err != nil {
				return err
			}
		}
	}
	for i, k := range kept {
		path := fmt.Sprintf("children[%d].fields", i)
		if k.o.table == k.n.table {
			if err := a.alterFields(k.n.table, path, k.o.Fields, k.n.Fields); err != nil {
				return err
			}
			continue
		}
		// Renamed table: its index names carry the table name, so drop them
		// and create them again under the new name.
		stmts := []string{dropIndexSQL(a.d, k.o.table, "parentobjectid", "sortkey")}
		stmts = append(stmts,
			"ALTER TABLE "+a.d.Quote(k.o.table)+" RENAME TO "+a.d.Quote(k.n.table),
			indexSQL(a.d, k.n.table, false, "", "parentobjectid", "sortkey"))
		for _, q := range stmts {
			if err := a.exec(q); err != nil {
				return err
			}
		}
		if err := a.alterFields(k.n.table, path, k.o.Fields, k.n.Fields); err != nil {
			return err
		}
	}
	for _, c := range added {
		for _, q := range createChildStatements(a.d, c) {
			if err := a.exec(q); err != nil {
				return err
			}
		}
	}
	var creates []string
	for _, cols := range nw.userIndexes() {
		creates = append(creates, indexSQL(a.d, nw.table, false, "", cols...))
	}
	for _, k := range kept {
		for _, cols := range k.n.userIndexes() {
			creates = append(creates, indexSQL(a.d, k.n.table, false, "", cols...))
		}
	}
	for _, q := range creates {
		if err := a.exec(q); err != nil {
			return err
		}
	}
	return nil
}

// alterFields changes table's columns from olds to news; their indexes
// have been dropped.
func (a *alterer) alterFields(table, path string, olds, news []*Field) error {
	find := func(code string) *Field {
		for _, f := range olds {
			if strings.EqualFold(f.Code, code) {
				return f
			}
		}
		return nil
	}
	type pair struct {
		o, n *Field
		path string
	}
	matched := map[*Field]bool{}
	var kept []pair
	var added []*Field
	for i, nf := range news {
		p := fmt.Sprintf("%s[%d]", path, i)
		from := nf.Code
		if nf.RenameFrom != "" {
			from = nf.RenameFrom
		}
		of := find(from)
		if of == nil && nf.RenameFrom != "" {
			return apperr.Field(p+".renameFrom", "字段 %s 不存在 (no field %s to rename)", from, from)
		}
		if of == nil {
			added = append(added, nf)
			continue
		}
		if matched[of] {
			return apperr.Field(p, "字段 %s 被使用了两次 (field %s matched twice)", of.Code, of.Code)
		}
		matched[of] = true
		kept = append(kept, pair{of, nf, p})
	}
	q := a.d.Quote
	var stmts []string
	for _, of := range olds {
		if !matched[of] {
			stmts = append(stmts, "ALTER TABLE "+q(table)+" DROP COLUMN "+q(of.column))
		}
	}
	// Renames go through temporary names so codes can be swapped.
	var renames []pair
	for _, p := range kept {
		if p.o.column != p.n.column {
			renames = append(renames, p)
			stmts = append(stmts, "ALTER TABLE "+q(table)+" RENAME COLUMN "+q(p.o.column)+" TO "+q("tmp_"+p.n.column))
		}
	}
	for _, p := range renames {
		stmts = append(stmts, "ALTER TABLE "+q(table)+" RENAME COLUMN "+q("tmp_"+p.n.column)+" TO "+q(p.n.column))
	}
	for _, s := range stmts {
		if err := a.exec(s); err != nil {
			return err
		}
	}
	for _, p := range kept {
		if valueRulesChanged(p.o, p.n) {
			if err := a.convert(table, p.path, p.o, p.n); err != nil {
				return err
			}
		}
	}
	for _, nf := range added {
		if err := a.exec("ALTER TABLE " + q(table) + " ADD COLUMN " + q(nf.column) + " " + a.d.ColumnType(nf.SQLColumn())); err != nil {
			return err
		}
	}
	return nil
}

// valueRulesChanged reports a change that existing values must be checked
// against (or converted for).
func valueRulesChanged(o, n *Field) bool {
	return o.Type != n.Type || o.MaxLength != n.MaxLength || o.Precision != n.Precision ||
		o.ScaleOr() != n.ScaleOr() || !reflect.DeepEqual(o.Options, n.Options) ||
		!reflect.DeepEqual(o.Min, n.Min) || !reflect.DeepEqual(o.Max, n.Max) || o.Form != n.Form
}

// convert checks every stored value of a field against its new definition
// and rewrites the column where the stored form changes.
func (a *alterer) convert(table, path string, o, n *Field) error {
	if (o.Type == Attachment) != (n.Type == Attachment) {
		return apperr.Field(path+".type", "字段%s: 附件字段不能与其他类型互相转换 (attachment fields cannot change type)", n.Code)
	}
	q := a.d.Quote
	rows, err := a.tx.Query(a.ctx, "SELECT "+q("objectid")+", "+q(n.column)+" FROM "+q(table)+" WHERE "+q(n.column)+" IS NOT NULL")
	if err != nil {
		return fmt.Errorf("read %s.%s: %w", table, n.column, err)
	}
	type change struct {
		id  string
		val any
	}
	var all []change
	for rows.Next() {
		var id string
		var src any
		if err := rows.Scan(&id, &src); err != nil {
			rows.Close()
			return fmt.Errorf("read %s.%s: %w", table, n.column, err)
		}
		ov, err := FromDB(a.d, o, src)
		if err != nil {
			rows.Close()
			return err
		}
		nv, err := a.codec.Coerce(n, toInput(ov))
		if err != nil {
			rows.Close()
			msg := err.Error()
			if e := apperr.As(err); e != nil {
				msg = e.Message
			}
			return apperr.Field(path, "字段%s: 已有数据不符合新定义: 对象 %s: %s (existing data cannot take the change; nothing was changed)", n.Code, id, msg)
		}
		all = append(all, change{id, nv})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read %s.%s: %w", table, n.column, err)
	}
	oc, nc := o.SQLColumn(), n.SQLColumn()
	target := n.column
	rewrite := oc.Kind != nc.Kind || oc.Kind == sqldb.ColDecimal && (oc.Precision != nc.Precision || oc.Scale != nc.Scale)
	if rewrite {
		target = "conv_" + n.column
		if err := a.exec("ALTER TABLE " + q(table) + " ADD COLUMN " + q(target) + " " + a.d.ColumnType(nc)); err != nil {
			return err
		}
	}
	upd := "UPDATE " + q(table) + " SET " + q(target) + " = ? WHERE " + q("objectid") + " = ?"
	for _, c := range all {
		if _, err := a.tx.ExecDirect(a.ctx, upd, ToDB(a.d, n, c.val), c.id); err != nil {
			return fmt.Errorf("convert %s.%s: %w", table, n.column, err)
		}
	}
	if rewrite {
		for _, s := range []string{
			"ALTER TABLE " + q(table) + " DROP COLUMN " + q(n.column),
			"ALTER TABLE " + q(table) + " RENAME COLUMN " + q(target) + " TO " + q(n.column),
		} {
			if err := a.exec(s); err != nil {
				return err
			}
		}
	}
	return nil
}

// toInput turns a stored Go value back into the JSON-like input a client
// would send, so conversions follow the API's own coercion rules.
func toInput(v any) any {
	switch x := v.(type) {
	case float64:
		return json.Number(strconv.FormatFloat(x, 'f', -1, 64))
	case int64:
		return json.Number(strconv.FormatInt(x, 10))
	case decimal.Decimal:
		return json.Number(x.String())
	case sqldb.Date:
		return x.String()
	case time.Time:
		return x.Format(time.RFC3339Nano)
	case []string:
		out := make([]any, len(x))
		for i, s := range x {
			out[i] = s
		}
		return out
	case []FileRef:
		out := make([]any, len(x))
		for i, at := range x {
			out[i] = at.FileKey
		}
		return out
	}
	return v
}
