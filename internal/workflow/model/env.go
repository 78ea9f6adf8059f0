package model

import (
	"fmt"
	"reflect"
	"strings"
	"time"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/vm"
	"github.com/shopspring/decimal"
	"github.com/tritiumhq/tritium/internal/form"
	"github.com/tritiumhq/tritium/internal/sqldb"
)

// Env is what flow conditions and assignee expressions may reference: the
// record's fields by code (F0000002 > 10000) and the initiator
// (initiator.departmentId == "d1", "r1" in initiator.roles).
type Env struct {
	// Fields maps field codes to their types.
	Fields map[string]form.Type
}

// Initiator is what expressions see as `initiator`.
type Initiator struct {
	ID           string   `expr:"id"`
	Name         string   `expr:"name"`
	DepartmentID string   `expr:"departmentId"`
	Roles        []string `expr:"roles"`
	Title        string   `expr:"title"`
}

// initiatorVar is the name of the initiator in expressions.
const initiatorVar = "initiator"

// EnvOf returns the Env of a form: its own fields and the system fields
// (OwnerId, CreatedTime …). Child tables are not visible to conditions.
func EnvOf(f *form.Form) Env {
	env := Env{Fields: map[string]form.Type{}}
	for _, fd := range form.SystemFields() {
		env.Fields[fd.Code] = fd.Type
	}
	for _, fd := range f.Fields {
		env.Fields[fd.Code] = fd.Type
	}
	return env
}

// zeroOf is the value a field of type t has in expressions when unset. Its
// Go type is the type conditions are checked against: numbers and decimals
// are float64 (comparisons with thresholds, not money arithmetic), dates
// time.Time, lists []string.
func zeroOf(t form.Type) any {
	switch t {
	case form.Number, form.Decimal:
		return float64(0)
	case form.Integer:
		return int64(0)
	case form.Bool:
		return false
	case form.Date, form.DateTime:
		return time.Time{}
	case form.MultiSelect, form.Users, form.Attachment:
		return []string(nil)
	}
	return ""
}

// types is the typed environment expressions compile against.
func (e Env) types() map[string]any {
	m := make(map[string]any, len(e.Fields)+1)
	for code, t := range e.Fields {
		m[code] = zeroOf(t)
	}
	m[initiatorVar] = Initiator{}
	return m
}

// CompileCondition compiles a flow condition; it must return bool.
func (e Env) CompileCondition(src string) (*vm.Program, error) {
	return expr.Compile(src, expr.Env(e.types()), expr.AsBool())
}

// CompileAssignee compiles an assignee expression; it must return a user
// id or a list of them. Where its static type is unknown (a conditional
// between an id and a list), the run time checks the value.
func (e Env) CompileAssignee(src string) (*vm.Program, error) {
	p, err := expr.Compile(src, expr.Env(e.types()))
	if err != nil {
		return nil, err
	}
	if err := checkIDs(p.Node(), false); err != nil {
		return nil, err
	}
	return p, nil
}

// checkIDs: n yields an id (or, unless inList, a list of ids). Lists and
// branches of conditionals are looked into, since their static type says
// only "any".
func checkIDs(n ast.Node, inList bool) error {
	switch x := n.(type) {
	case *ast.ConditionalNode:
		if err := checkIDs(x.Exp1, inList); err != nil {
			return err
		}
		return checkIDs(x.Exp2, inList)
	case *ast.ArrayNode:
		if inList {
			return errNotIDs(n.Type())
		}
		for _, el := range x.Nodes {
			if err := checkIDs(el, true); err != nil {
				return err
			}
		}
		return nil
	case *ast.ConstantNode:
		if list, ok := x.Value.([]any); ok && !inList {
			for _, v := range list {
				if _, ok := v.(string); !ok {
					return errNotIDs(n.Type())
				}
			}
			return nil
		}
	}
	switch t := n.Type(); {
	case t == nil, t.Kind() == reflect.Interface, t.Kind() == reflect.String:
	case !inList && t.Kind() == reflect.Slice && (t.Elem().Kind() == reflect.String || t.Elem().Kind() == reflect.Interface):
	default:
		return errNotIDs(t)
	}
	return nil
}

func errNotIDs(t reflect.Type) error {
	return fmt.Errorf("returns %s, not a user id or a list of user ids", t)
}

// Vars is the run-time environment for programs compiled by this Env:
// record values (as form.Codec produces them) converted to the compiled
// types, unset fields as zero values, dates at midnight in loc.
func (e Env) Vars(values map[string]any, who Initiator, loc *time.Location) map[string]any {
	m := e.types()
	for code, t := range e.Fields {
		if v := exprValue(t, values[code], loc); v != nil {
			m[code] = v
		}
	}
	m[initiatorVar] = who
	return m
}

func exprValue(t form.Type, v any, loc *time.Location) any {
	switch x := v.(type) {
	case decimal.Decimal:
		return x.InexactFloat64()
	case sqldb.Date:
		return x.In(loc)
	case []form.FileRef:
		keys := make([]string, len(x))
		for i, f := range x {
			keys[i] = f.FileKey
		}
		return keys
	case nil:
		return nil
	}
	if reflect.TypeOf(v) != reflect.TypeOf(zeroOf(t)) {
		return nil // not what the field holds: treat as unset
	}
	return v
}

// firstLine shortens an expr error (which draws the source and a caret on
// further lines) for a one-line message.
func firstLine(err error) string {
	s, _, _ := strings.Cut(err.Error(), "\n")
	return s
}
