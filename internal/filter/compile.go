package filter

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/shopspring/decimal"
	"github.com/tritiumhq/tritium/internal/apperr"
	"github.com/tritiumhq/tritium/internal/form"
	"github.com/tritiumhq/tritium/internal/sqldb"
)

// Schema resolves field codes, case-insensitively, system fields included.
// *form.Form and *form.Child implement it.
type Schema interface {
	Field(code string) *form.Field
}

// MatchAll is the WHERE clause Compile returns for a filter that matches
// every row; it is never empty, so callers can always write "WHERE " + where.
const MatchAll = "1=1"

const matchNone = MatchNone

// maxLikeLen bounds a contains / starts-with / ends-with operand: SQLite
// rejects LIKE patterns over 50 000 bytes, and escaping may double it.
const maxLikeLen = 10000

// Compile turns n into a WHERE clause for the table of s: quoted column
// names, '?' placeholders (the DB layer rebinds them for PostgreSQL) and the
// values in args, one per '?'. Values are never written into the SQL.
// A nil node or one that matches everything gives MatchAll ("1=1").
//
// Each operand is converted by the field's type (codec.CoerceFilter) and to
// its database form (form.ToDB), so "12" compares as a number on a number
// field and "2025/02/17" as a date on a date field. Errors are apperr
// Invalid errors naming the field.
func Compile(d sqldb.Dialect, codec *form.Codec, s Schema, n Node) (where string, args []any, err error) {
	c := &compiler{d: d, codec: codec, s: s}
	f, err := c.node(n)
	if err != nil {
		return "", nil, err
	}
	if len(f.args) > MaxArgs {
		return "", nil, errf("", "过滤条件的值超过 %d 个 (more than %d values in the filter)", MaxArgs, MaxArgs)
	}
	return f.sql, f.args, nil
}

type compiler struct {
	d     sqldb.Dialect
	codec *form.Codec
	s     Schema
}

// frag is compiled SQL with its arguments. Each node returns its own so a
// group can drop children that turned out constant, arguments included.
type frag struct {
	sql  string
	args []any
}

var (
	allRows = frag{sql: MatchAll}
	noRows  = frag{sql: matchNone}
)

func (c *compiler) node(n Node) (frag, error) {
	switch x := n.(type) {
	case nil:
		return allRows, nil
	case *And:
		return c.group(x.Nodes, " AND ", allRows, noRows)
	case *Or:
		return c.group(x.Nodes, " OR ", noRows, allRows)
	case *Cond:
		return c.cond(x)
	case *OneOf:
		return c.oneOf(x)
	case None:
		return noRows, nil
	case All:
		return allRows, nil
	}
	return frag{}, fmt.Errorf("filter: unknown node type %T", n)
}

// group joins children with sep, folding constants: the neutral element
// (1=1 in AND, 1=0 in OR) is dropped and the absorbing one decides the
// group. An empty group is an absent condition and matches everything.
func (c *compiler) group(nodes []Node, sep string, neutral, absorbing frag) (frag, error) {
	if len(nodes) == 0 {
		return allRows, nil
	}
	var parts []string
	var args []any
	absorbed := false
	for _, n := range nodes {
		f, err := c.node(n)
		if err != nil {
			return frag{}, err // report every bad condition, even in a decided group
		}
		switch f.sql {
		case neutral.sql:
			continue
		case absorbing.sql:
			absorbed = true
		}
		parts = append(parts, f.sql)
		args = append(args, f.args...)
	}
	switch {
	case absorbed:
		return absorbing, nil
	case len(parts) == 0:
		return neutral, nil
	case len(parts) == 1:
		return frag{parts[0], args}, nil
	}
	return frag{"(" + strings.Join(parts, sep) + ")", args}, nil
}

func (c *compiler) cond(x *Cond) (frag, error) {
	fd := c.s.Field(x.Field)
	if fd == nil {
		name := clip(x.Field)
		return frag{}, errf(name, "字段不存在: %s (unknown field %s)", name, name)
	}
	col := c.d.Quote(fd.Column())
	switch x.Op {
	case IsNull, NotNull, NullOrEmpty, NotNullOrEmpty:
		return nullTest(fd, col, x.Op), nil
	}
	if v, ok := findVar(x.Value); ok {
		return frag{}, unboundErr(fd.Code, v)
	}
	if fd.Type == form.Attachment {
		return frag{}, errf(fd.Code, "字段%s: 附件字段只能判断是否为空 (attachment fields support only null tests)", fd.Code)
	}
	switch x.Op {
	case Eq, Ne, Gt, Ge, Lt, Le:
		return c.compare(fd, col, x.Op, x.Value)
	case In, NotIn:
		return c.in(fd, col, x.Op, x.Value)
	case Contains, NotContains, StartsWith, NotStartsWith, EndsWith, NotEndsWith:
		return c.like(fd, col, x.Op, x.Value)
	}
	return frag{}, errf(fd.Code, "不支持的运算符 %d (unsupported operator %d)", int(x.Op), int(x.Op))
}

// nullTest compiles 18–21. Only text columns can hold the empty string (list
// fields are text too), so "empty" adds nothing on other types.
func nullTest(fd *form.Field, col string, op Op) frag {
	text := fd.ColumnKind() == sqldb.ColText
	switch {
	case op == IsNull, op == NullOrEmpty && !text:
		return frag{sql: col + " IS NULL"}
	case op == NotNull, op == NotNullOrEmpty && !text:
		return frag{sql: col + " IS NOT NULL"}
	case op == NullOrEmpty:
		return frag{sql: "(" + col + " IS NULL OR " + col + " = '')"}
	}
	return frag{sql: "(" + col + " IS NOT NULL AND " + col + " <> '')"}
}

var sqlOps = map[Op]string{Eq: "=", Ne: "<>", Gt: ">", Ge: ">=", Lt: "<", Le: "<="}

func (c *compiler) compare(fd *form.Field, col string, op Op, value any) (frag, error) {
	if op != Eq && op != Ne && !orderable(fd) {
		return frag{}, unsupported(fd, op)
	}
	v, err := c.operand(fd, value)
	if err != nil {
		return frag{}, err
	}
	switch {
	case v == nil && op == Eq:
		return frag{sql: col + " IS NULL"}, nil
	case v == nil && op == Ne:
		return frag{sql: col + " IS NOT NULL"}, nil
	case v == nil:
		return noRows, nil // an order comparison with null is unknown in SQL
	case isList(fd):
		return c.element(col, v.(string), op == Ne), nil
	}
	if dec, ok := v.(decimal.Decimal); ok {
		return c.compareDecimal(fd, col, op, dec), nil
	}
	return frag{col + " " + sqlOps[op] + " ?", []any{form.ToDB(c.d, fd, v)}}, nil
}

// compareDecimal compares with an operand that may have more fraction digits
// than the column stores. ToDB would round it to the column's scale, which
// changes the answer (1.00 >= 1.005 would hold), so the bound is moved to
// the nearest storable value that keeps the comparison exact.
func (c *compiler) compareDecimal(fd *form.Field, col string, op Op, v decimal.Decimal) frag {
	scale := int32(fd.ScaleOr())
	if !storable(fd, v) {
		switch op {
		case Eq:
			return noRows
		case Ne:
			return frag{sql: col + " IS NOT NULL"}
		case Gt, Ge:
			op, v = Ge, v.RoundCeil(scale)
		case Lt, Le:
			op, v = Le, v.RoundFloor(scale)
		}
	}
	lhs, rhs := c.decimalExprs(fd, col)
	return frag{lhs + " " + sqlOps[op] + " " + rhs, []any{form.ToDB(c.d, fd, v)}}
}

// decimalExprs wraps the column and a placeholder so that both compare in
// the same domain (on SQLite, wide decimals are stored as text).
func (c *compiler) decimalExprs(fd *form.Field, col string) (lhs, rhs string) {
	return c.d.DecimalCompareExpr(col, fd.Precision), c.d.DecimalCompareExpr("?", fd.Precision)
}

// storable reports whether v fits the field's scale, i.e. could be stored.
func storable(fd *form.Field, v decimal.Decimal) bool {
	return v.Equal(v.Truncate(int32(fd.ScaleOr())))
}

func (c *compiler) in(fd *form.Field, col string, op Op, value any) (frag, error) {
	items, err := listItems(fd, value)
	if err != nil {
		return frag{}, err
	}
	vals := make([]any, 0, len(items))
	for _, it := range items {
		v, err := c.operand(fd, it)
		if err != nil {
			return frag{}, err
		}
		if dec, ok := v.(decimal.Decimal); v == nil || ok && !storable(fd, dec) {
			continue // no stored value equals it (SQL: null is in no list)
		}
		vals = append(vals, v)
	}
	if isList(fd) {
		return c.elementsIn(col, vals, op == NotIn), nil
	}
	if len(vals) == 0 {
		return emptyIn(col, op == NotIn), nil
	}
	lhs, ph := col, "?"
	if fd.Type == form.Decimal {
		lhs, ph = c.decimalExprs(fd, col)
	}
	sqlOp := " IN ("
	if op == NotIn {
		sqlOp = " NOT IN ("
	}
	args := make([]any, len(vals))
	for i, v := range vals {
		args[i] = form.ToDB(c.d, fd, v)
	}
	return frag{lhs + sqlOp + strings.Repeat(", "+ph, len(vals))[2:] + ")", args}, nil
}

// emptyIn: in [] matches nothing; not in [] matches every row with a value.
func emptyIn(col string, negate bool) frag {
	if negate {
		return frag{sql: col + " IS NOT NULL"}
	}
	return noRows
}

// listItems reads the operand of in / not in: a JSON array, or a string
// separated by ';' (or by ',' when it has no ';'), or a single value.
func listItems(fd *form.Field, value any) ([]any, error) {
	var items []any
	switch x := value.(type) {
	case nil:
	case []any:
		items = x
	case string:
		sep := ","
		if strings.Contains(x, ";") {
			sep = ";"
		}
		for _, s := range strings.Split(x, sep) {
			if s = strings.TrimSpace(s); s != "" {
				items = append(items, s)
			}
		}
	default:
		items = []any{value}
	}
	if len(items) > MaxListItems {
		return nil, errf(fd.Code, "字段%s: 列表超过 %d 个值 (more than %d values in a list)", fd.Code, MaxListItems, MaxListItems)
	}
	return items, nil
}

// like compiles the case-insensitive text operators.
func (c *compiler) like(fd *form.Field, col string, op Op, value any) (frag, error) {
	if !fd.Textual() && !isList(fd) {
		return frag{}, unsupported(fd, op)
	}
	v, err := c.operand(fd, value)
	if err != nil {
		return frag{}, err
	}
	s, _ := v.(string) // textual and list operands coerce to strings
	negate := op == NotContains || op == NotStartsWith || op == NotEndsWith
	switch {
	case len(s) > maxLikeLen:
		return frag{}, errf(fd.Code, "字段%s: 值超过 %d 字节 (value longer than %d bytes)", fd.Code, maxLikeLen, maxLikeLen)
	case s == "" && negate:
		return noRows, nil // as NOT (col LIKE '%'): false for values, unknown for null
	case s == "":
		return frag{sql: col + " IS NOT NULL"}, nil // as col LIKE '%'
	case isList(fd) && (op == Contains || op == NotContains):
		return c.element(col, s, negate), nil
	}
	pattern := escapeLike(s)
	switch op {
	case Contains, NotContains:
		pattern = "%" + pattern + "%"
	case StartsWith, NotStartsWith:
		pattern += "%"
	default:
		pattern = "%" + pattern
	}
	return c.likeFrag(col, pattern, negate), nil
}

func (c *compiler) likeFrag(expr, pattern string, negate bool) frag {
	sql := c.d.LikeInsensitive(expr)
	if negate {
		sql = "NOT (" + sql + ")"
	}
	return frag{sql, []any{pattern}}
}

// element matches one element of a list field, stored as "a;b": wrapped in
// ';' the element is ";a;", found with a case-insensitive LIKE. No element
// contains ';', so an operand with one matches nothing.
func (c *compiler) element(col, v string, negate bool) frag {
	if strings.Contains(v, ";") {
		return emptyIn(col, negate)
	}
	return c.likeFrag("(';' || "+col+" || ';')", "%;"+escapeLike(v)+";%", negate)
}

// elementsIn: in matches when any element is listed, not in when none is.
func (c *compiler) elementsIn(col string, vals []any, negate bool) frag {
	var parts []string
	var args []any
	for _, v := range vals {
		if strings.Contains(v.(string), ";") {
			continue // equals no element, so it cannot change the result
		}
		f := c.element(col, v.(string), negate)
		parts = append(parts, f.sql)
		args = append(args, f.args...)
	}
	switch len(parts) {
	case 0:
		return emptyIn(col, negate)
	case 1:
		return frag{parts[0], args}
	}
	sep := " OR "
	if negate {
		sep = " AND "
	}
	return frag{"(" + strings.Join(parts, sep) + ")", args}
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// operand coerces one filter value to the field's Go value (nil = unset).
// List fields compare one element: a trimmed string, as elements are stored.
func (c *compiler) operand(fd *form.Field, value any) (any, error) {
	if isList(fd) && value == nil {
		return nil, nil
	}
	v, err := c.codec.CoerceFilter(fd, value)
	if err != nil {
		return nil, prefixed(err)
	}
	if !isList(fd) {
		return v, nil
	}
	s := strings.TrimSpace(v.(string))
	if !utf8.ValidString(s) || strings.IndexByte(s, 0) >= 0 {
		return nil, errf(fd.Code, "字段%s: 值不是有效的文本 (value is not valid UTF-8 text)", fd.Code)
	}
	if s == "" {
		return nil, nil
	}
	return s, nil
}

// prefixed marks a coercion error as a filter error, keeping its field.
func prefixed(err error) error {
	e := apperr.As(err)
	if e == nil || strings.HasPrefix(e.Message, errPrefix) {
		return err
	}
	return &apperr.Error{Code: e.Code, Field: e.Field, Message: errPrefix + e.Message, Err: e.Err}
}

func isList(fd *form.Field) bool { return fd.Type == form.MultiSelect || fd.Type == form.Users }

// orderable reports whether <, >, <= and >= make sense on fd.
func orderable(fd *form.Field) bool {
	switch fd.Type {
	case form.Number, form.Integer, form.Decimal, form.Date, form.DateTime:
		return true
	}
	return fd.Textual()
}

func unsupported(fd *form.Field, op Op) error {
	// Both spellings: H3Yun clients send the number, REST clients the symbol.
	return errf(fd.Code, "字段%s (%s) 不支持运算符 %s (%d) (field %s of type %s does not support operator %s (%d))",
		fd.Code, fd.Type, op, int(op), fd.Code, fd.Type, op, int(op))
}

// CompileSort returns the ORDER BY clause for sorts, e.g.
// `ORDER BY "f0000001" DESC NULLS LAST, "objectid" ASC`. No sort means
// CreatedTime ascending; ObjectId is always the last key so pages are
// stable. Unset values sort first in ascending order on both databases (as
// on SQLite and SQL Server; PostgreSQL would put them last). List and
// attachment fields cannot be sorted.
func CompileSort(d sqldb.Dialect, s Schema, sorts []Sort) (orderBy string, err error) {
	keys, err := CompileSortKeys(d, s, sorts)
	if err != nil {
		return "", err
	}
	return "ORDER BY " + strings.Join(keys, ", "), nil
}

// CompileSortKeys is CompileSort's list of ORDER BY terms, e.g.
// `"createdtime" ASC`.
func CompileSortKeys(d sqldb.Dialect, s Schema, sorts []Sort) ([]string, error) {
	if len(sorts) > MaxSortKeys {
		return nil, errf("", "排序字段超过 %d 个 (more than %d sort fields)", MaxSortKeys, MaxSortKeys)
	}
	if len(sorts) == 0 && s.Field(form.SysCreatedTime) != nil {
		sorts = []Sort{{Field: form.SysCreatedTime}}
	}
	keys := make([]string, 0, len(sorts)+1)
	hasID := false
	for _, st := range sorts {
		fd := s.Field(st.Field)
		if fd == nil {
			name := clip(st.Field)
			return nil, errf(name, "排序字段不存在: %s (unknown sort field %s)", name, name)
		}
		if fd.Multi() {
			return nil, errf(fd.Code, "字段%s (%s) 不能排序 (field %s of type %s cannot be sorted)", fd.Code, fd.Type, fd.Code, fd.Type)
		}
		keys = append(keys, sortKey(d, fd, st.Desc))
		hasID = hasID || fd.System() && fd.Code == form.SysObjectID
	}
	if !hasID {
		keys = append(keys, d.Quote(objectIDColumn(s))+" ASC")
	}
	return keys, nil
}

func sortKey(d sqldb.Dialect, fd *form.Field, desc bool) string {
	expr := d.Quote(fd.Column())
	if fd.Type == form.Decimal {
		expr = d.DecimalCompareExpr(expr, fd.Precision)
	}
	switch {
	case !nullable(fd) && desc:
		return expr + " DESC" // no NULLS clause, so the index still serves it
	case !nullable(fd):
		return expr + " ASC"
	case desc:
		return expr + " DESC NULLS LAST"
	}
	return expr + " ASC NULLS FIRST"
}

// nullable reports whether fd's column may hold NULL: every field but the
// system columns declared NOT NULL.
func nullable(fd *form.Field) bool {
	if !fd.System() {
		return true
	}
	switch fd.Code {
	case form.SysObjectID, form.SysCreatedTime, form.SysModifiedTime, form.SysStatus, form.SysVersion,
		form.SysParentObjectID, "sortKey":
		return false
	}
	return true
}

func objectIDColumn(s Schema) string {
	if fd := s.Field(form.SysObjectID); fd != nil {
		return fd.Column()
	}
	return "objectid"
}
