// Package filter turns record filters into SQL. Two front ends build the
// same tree: ParseMatcher reads the H3Yun OpenAPI "Matcher" JSON and Parse
// reads the REST API's filter string. Compile turns the tree into a WHERE
// clause for one form's table, with every value bound as an argument, and
// CompileSort builds the ORDER BY.
package filter

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/tritiumhq/tritium/internal/apperr"
)

// Op is a comparison operator. The values are H3Yun's Matcher operator
// codes, so a Matcher's "Operator" converts directly.
type Op int

const (
	Gt             Op = 0
	Ge             Op = 1
	Eq             Op = 2
	Le             Op = 3
	Lt             Op = 4
	Ne             Op = 5
	In             Op = 6
	NotIn          Op = 7
	Contains       Op = 8
	StartsWith     Op = 13
	EndsWith       Op = 14
	IsNull         Op = 18
	NotNull        Op = 19
	NullOrEmpty    Op = 20
	NotNullOrEmpty Op = 21
	NotStartsWith  Op = 22
	NotEndsWith    Op = 23
	NotContains    Op = 24
)

// opNames are the operators' symbols in the REST syntax; the null tests
// have none there and get a readable name for String.
var opNames = map[Op]string{
	Gt: ">", Ge: ">=", Eq: "=", Le: "<=", Lt: "<", Ne: "!=",
	In: "in", NotIn: "!in", Contains: "~", NotContains: "!~",
	StartsWith: "^=", NotStartsWith: "!^=", EndsWith: "$=", NotEndsWith: "!$=",
	IsNull: "is null", NotNull: "is not null",
	NullOrEmpty: "is null or empty", NotNullOrEmpty: "is not null or empty",
}

// Valid reports whether op is one of the supported operators.
func (op Op) Valid() bool {
	_, ok := opNames[op]
	return ok
}

func (op Op) String() string {
	if s, ok := opNames[op]; ok {
		return s
	}
	return "op(" + strconv.Itoa(int(op)) + ")"
}

// Node is a filter expression: *And, *Or or *Cond, and in rules (see
// ParseRule) also the constants None and All.
type Node interface {
	fmt.Stringer
	node()
}

// And matches when every node matches; an empty And matches everything.
type And struct{ Nodes []Node }

// Or matches when any node matches; an empty Or matches everything (an
// absent condition, not a false one).
type Or struct{ Nodes []Node }

// Cond compares a field with a value. Value is as decoded from JSON: nil,
// bool, string, json.Number or []any (the list of In and NotIn). The null
// tests (IsNull … NotNullOrEmpty) ignore it.
type Cond struct {
	Field string
	Op    Op
	Value any
}

// Sort orders results by one field.
type Sort struct {
	Field string
	Desc  bool
}

func (*And) node()  {}
func (*Or) node()   {}
func (*Cond) node() {}

// String renders the node in the REST syntax (see Parse) where it has one,
// with only the parentheses the structure needs, so that Parse(n.String())
// rebuilds a tree that Parse made. An empty group renders as "".
func (n *And) String() string {
	return join(n.Nodes, " && ", func(c Node) bool { _, cond := c.(*Cond); return !cond })
}

func (n *Or) String() string {
	return join(n.Nodes, " || ", func(c Node) bool { _, or := c.(*Or); return or })
}

// join renders nodes with sep, parenthesising the children paren selects.
func join(nodes []Node, sep string, paren func(Node) bool) string {
	parts := make([]string, len(nodes))
	for i, c := range nodes {
		parts[i] = c.String()
		if paren(c) {
			parts[i] = "(" + parts[i] + ")"
		}
	}
	return strings.Join(parts, sep)
}

func (c *Cond) String() string {
	switch c.Op {
	case IsNull:
		return c.Field + " = null"
	case NotNull:
		return c.Field + " != null"
	case NullOrEmpty, NotNullOrEmpty:
		return c.Field + " " + c.Op.String()
	}
	return c.Field + " " + c.Op.String() + " " + showValue(c.Value)
}

func showValue(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case string:
		return quote(x)
	case json.Number:
		return string(x)
	case Var:
		return x.String()
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = showValue(e)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	}
	return fmt.Sprint(v)
}

// quote writes a string literal the REST lexer reads back unchanged.
func quote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// Limits on a filter's size, so one request cannot build an unbounded
// query or exhaust the stack.
const (
	MaxDepth      = 32      // nesting of groups / parentheses
	MaxConditions = 500     // conditions in one filter
	MaxListItems  = 1000    // values in one in / not in list
	MaxInputLen   = 8 << 10 // bytes of a REST filter string
	MaxArgs       = 10000   // bound arguments of one compiled filter
	MaxSortKeys   = 16      // keys of one sort
)

// errPrefix starts every filter error, as H3Yun clients expect.
const errPrefix = "Filter格式错误: "

// errf returns an Invalid error whose message is errPrefix + format, which
// by convention is Chinese followed by English in parentheses.
func errf(field, format string, args ...any) *apperr.Error {
	return &apperr.Error{Code: apperr.Invalid, Field: field, Message: errPrefix + fmt.Sprintf(format, args...)}
}
