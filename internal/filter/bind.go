package filter

import (
	"encoding/json"
	"fmt"
	"slices"
)

// Bind returns a copy of the rule n with every Var replaced by its value in
// vars (keyed by the name without @). A value is a scalar — a string, a
// json.Number or a bool — or a list of them, []string or []any; nil and ""
// mean no value (a user without a department), and list elements without
// a value are dropped. n itself is not changed.
//
// For a rule, a variable compares as follows (L a list variable, s a
// scalar one, "empty" a list with no elements or a scalar with no value):
//
//	f = L, f in L     f in L; nothing when L is empty
//	f != L, f !in L   f !in L; everything when L is empty
//	f in [@a, "x"]    the elements' values, lists spliced in, empty ones dropped
//	f = s, f in s     as written; nothing when s is empty
//	f != s, f !in s   as written; everything when s is empty
//	f > s, f ~ s, …   as written; nothing when s is empty; a list is refused
//
// "Nothing" is None and "everything" All, and Bind folds them into the
// groups around them (an And with a None is None, an Or drops its None
// children and is None when none is left), so a bound tree is None, All or
// free of constants. Groups that were empty before binding are kept as
// they are. A variable missing from vars, or with a value of another type,
// is an error: the rule engine resolves every variable it accepts.
func Bind(n Node, vars map[string]any) (Node, error) {
	switch x := n.(type) {
	case *And:
		if x == nil || len(x.Nodes) == 0 {
			return x, nil
		}
		nodes, err := bindAll(x.Nodes, vars)
		if err != nil {
			return nil, err
		}
		return Every(nodes...), nil
	case *Or:
		if x == nil || len(x.Nodes) == 0 {
			return x, nil
		}
		nodes, err := bindAll(x.Nodes, vars)
		if err != nil {
			return nil, err
		}
		return Any(nodes...), nil
	case *Cond:
		if x == nil {
			return x, nil
		}
		return bindCond(x, vars)
	}
	return n, nil // nil, None, All: nothing to bind
}

func bindAll(nodes []Node, vars map[string]any) ([]Node, error) {
	out := make([]Node, len(nodes))
	for i, c := range nodes {
		b, err := Bind(c, vars)
		if err != nil {
			return nil, err
		}
		out[i] = b
	}
	return out, nil
}

func bindCond(c *Cond, vars map[string]any) (Node, error) {
	negated := c.Op == Ne || c.Op == NotIn
	// nothing is what an empty operand gives: everything for the
	// negations of equality, nothing for every other operator.
	nothing := func() Node {
		if negated {
			return All{}
		}
		return None{}
	}
	switch x := c.Value.(type) {
	case Var:
		val, list, err := lookup(x, vars)
		if err != nil {
			return nil, err
		}
		switch {
		case list != nil && c.Op != Eq && c.Op != Ne && c.Op != In && c.Op != NotIn:
			return nil, errf(clip(c.Field), "字段%s: 运算符 %s 不能与列表变量 %s 一起使用 (operator %s cannot take the list variable %s)",
				clip(c.Field), c.Op, x, c.Op, x)
		case list != nil && len(list) == 0, list == nil && val == nil:
			return nothing(), nil
		case list != nil:
			op := In
			if negated {
				op = NotIn
			}
			return listCond(c.Field, op, list), nil
		}
		if c.Op == In || c.Op == NotIn {
			// a list of one: Compile would split a string at ';' or ','
			return &Cond{Field: c.Field, Op: c.Op, Value: []any{val}}, nil
		}
		return &Cond{Field: c.Field, Op: c.Op, Value: val}, nil
	case []any:
		if _, ok := findVar(x); !ok {
			return &Cond{Field: c.Field, Op: c.Op, Value: slices.Clone(x)}, nil
		}
		items := []any{}
		for _, e := range x {
			v, ok := e.(Var)
			if !ok {
				items = append(items, e)
				continue
			}
			val, list, err := lookup(v, vars)
			if err != nil {
				return nil, err
			}
			if val != nil {
				items = append(items, val)
			}
			items = append(items, list...)
		}
		if len(items) == 0 {
			return nothing(), nil
		}
		return listCond(c.Field, c.Op, items), nil
	}
	return &Cond{Field: c.Field, Op: c.Op, Value: c.Value}, nil
}

// listCond is field in / !in items. A variable's list may be longer than
// MaxListItems, the limit of a written one (a large department tree), so it
// is split into lists of at most that many: an Or of ins, an And of !ins.
// Compile still refuses more than MaxArgs values in all.
func listCond(field string, op Op, items []any) Node {
	if len(items) <= MaxListItems {
		return &Cond{Field: field, Op: op, Value: items}
	}
	var parts []Node
	for chunk := range slices.Chunk(items, MaxListItems) {
		parts = append(parts, &Cond{Field: field, Op: op, Value: chunk})
	}
	if op == NotIn {
		return &And{Nodes: parts}
	}
	return &Or{Nodes: parts}
}

// lookup returns v's value: a scalar (nil when it has none) or, for a list
// variable, a non-nil list without the elements that have no value.
func lookup(v Var, vars map[string]any) (scalar any, list []any, err error) {
	raw, ok := vars[v.Name]
	if !ok {
		return nil, nil, errf("", "变量没有绑定值: %s (variable %s is not bound)", clip(v.String()), clip(v.String()))
	}
	switch x := raw.(type) {
	case []string:
		list = make([]any, 0, len(x))
		for _, s := range x {
			if s != "" {
				list = append(list, s)
			}
		}
		return nil, list, nil
	case []any:
		list = make([]any, 0, len(x))
		for _, e := range x {
			s, err := scalarValue(v, e)
			if err != nil {
				return nil, nil, err
			}
			if s != nil {
				list = append(list, s)
			}
		}
		return nil, list, nil
	}
	s, err := scalarValue(v, raw)
	return s, nil, err
}

// scalarValue checks one value of v: nil for none.
func scalarValue(v Var, x any) (any, error) {
	switch y := x.(type) {
	case nil:
		return nil, nil
	case string:
		if y == "" {
			return nil, nil
		}
		return y, nil
	case json.Number, bool:
		return y, nil
	}
	return nil, fmt.Errorf("filter: variable %s has a value of unsupported type %T", v, x)
}

// findVar returns the first Var in a Cond's value.
func findVar(value any) (Var, bool) {
	switch x := value.(type) {
	case Var:
		return x, true
	case []any:
		for _, e := range x {
			if v, ok := e.(Var); ok {
				return v, true
			}
		}
	}
	return Var{}, false
}

// unboundErr is Compile's answer to a rule that was not bound.
func unboundErr(field string, v Var) error {
	return errf(field, "字段%s: 规则变量 %s 未绑定 (rule variable %s was not bound; call Bind first)", field, v, v)
}
