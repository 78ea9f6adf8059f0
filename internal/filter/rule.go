package filter

import (
	"strings"
)

// A rule is a filter written by an administrator to grant access: the REST
// syntax of Parse plus variables, which stand for facts about the user the
// rule is applied to, and the constants true and false:
//
//	OwnerId = @user.id || OwnerDeptId in @user.departmentTree
//
// ParseRule reads one, Bind replaces its variables with one user's values,
// and Compile turns the bound tree into SQL like any filter. Unlike a
// filter, whose empty groups are absent conditions, a rule denies by
// default: Any of no nodes, an in over an empty list and a variable with no
// value match nothing (None).

// Var is a rule variable in a Cond's Value, e.g. Var{"user.id"} for
// @user.id. It may also be an element of an in / !in list.
type Var struct{ Name string }

// String renders the variable as written in a rule.
func (v Var) String() string { return "@" + v.Name }

// None matches nothing. It renders as false, which ParseRule reads back.
// Compile turns it into MatchNone; in an Or it is dropped, in an And it
// decides the group.
type None struct{}

// All matches everything. It renders as true, which ParseRule reads back
// (an empty *And also matches everything, but renders as "", the empty
// filter, which ParseRule refuses).
type All struct{}

func (None) node()          {}
func (All) node()           {}
func (None) String() string { return "false" }
func (All) String() string  { return "true" }

// MatchNone is the WHERE clause Compile returns for a tree that matches
// nothing, such as None.
const MatchNone = "1=0"

// Any is the union of nodes for rules: the grants a user holds, any of
// which gives access. Unlike an empty *Or, Any() with no nodes is None, so
// a user without grants sees nothing. None nodes are dropped; a node that
// matches everything (All, nil, an empty *And or *Or, as Compile reads
// them) makes the union All; nested unions are flattened.
func Any(nodes ...Node) Node {
	var out []Node
	for _, n := range nodes {
		switch x := n.(type) {
		case None:
			continue
		case *Or:
			if x != nil && len(x.Nodes) > 0 {
				out = append(out, x.Nodes...)
				continue
			}
		}
		if matchesAll(n) {
			return All{}
		}
		out = append(out, n)
	}
	switch len(out) {
	case 0:
		return None{}
	case 1:
		return out[0]
	}
	return &Or{Nodes: out}
}

// Every is the intersection of nodes, e.g. a user's rule and their own
// filter: All when there are none, None when one of them is None. Nodes
// that match everything are dropped and nested intersections flattened.
func Every(nodes ...Node) Node {
	var out []Node
	for _, n := range nodes {
		if matchesAll(n) {
			continue
		}
		switch x := n.(type) {
		case None:
			return None{}
		case *And:
			out = append(out, x.Nodes...)
			continue
		}
		out = append(out, n)
	}
	switch len(out) {
	case 0:
		return All{}
	case 1:
		return out[0]
	}
	return &And{Nodes: out}
}

// matchesAll reports whether n is one of the trees that match everything
// by construction: nil, All, or an empty group.
func matchesAll(n Node) bool {
	switch x := n.(type) {
	case nil, All:
		return true
	case *And:
		return x == nil || len(x.Nodes) == 0
	case *Or:
		return x == nil || len(x.Nodes) == 0
	}
	return false
}

// ruleVars is what the parser needs to accept variables.
type ruleVars struct {
	known func(name string) bool
	names []string // for the error message, when known
}

// ParseRule reads a rule: the REST syntax of Parse, where a value (or a
// whole in / !in list, or an element of one) may also be a variable
// @name.path — letters, digits and _ in dot-separated parts, such as
// @user.id or @user.departmentTree — and a condition may be the constant
// true (every record) or false (none). Constants are folded away (a = 1 ||
// true is true), so they only remain as the whole rule.
//
// known says which variable names (without @, case-sensitive) exist; an
// unknown one is refused, named, when the rule is read. A nil known refuses
// every variable. The empty rule is refused, so that a blank rule cannot
// grant everything by accident: write true.
//
// ParseRule(n.String()) rebuilds the tree ParseRule returned.
func ParseRule(s string, known func(name string) bool) (Node, error) {
	return parse(s, &ruleVars{known: known})
}

// ParseRuleVars is ParseRule with a fixed set of variable names, which an
// unknown variable's error lists.
func ParseRuleVars(s string, names ...string) (Node, error) {
	set := make(map[string]bool, len(names))
	for _, n := range names {
		set[n] = true
	}
	return parse(s, &ruleVars{known: func(n string) bool { return set[n] }, names: names})
}

// variable reads a tVar token: refused in a filter, checked in a rule.
func (p *parser) variable() (Var, error) {
	t := p.advance()
	name := t.val.(string)
	if p.rule == nil {
		return Var{}, posErr(t.pos, "变量 "+clip(t.text)+" 只能用于权限规则, 不能用于过滤条件",
			"variables such as "+clip(t.text)+" are only allowed in permission rules, not in filters")
	}
	if p.rule.known == nil || !p.rule.known(name) {
		shown := clip(t.text)
		hint := ""
		if len(p.rule.names) > 0 {
			hint = "; one of @" + strings.Join(p.rule.names, ", @")
		}
		e := errf("", "变量未知: %s (unknown variable %s%s)", shown, shown, hint)
		return Var{}, e
	}
	return Var{Name: name}, nil
}

// constant reads true or false standing as a condition in a rule: the word
// not followed by an operator, which would make it a field code.
func (p *parser) constant() (Node, bool) {
	if p.rule == nil || !(p.isWord("true") || p.isWord("false")) {
		return nil, false
	}
	next := p.toks[p.i+1] // the word is not tEOF, so a token follows
	if next.kind == tOp || next.kind == tIdent && (strings.EqualFold(next.text, "in") || strings.EqualFold(next.text, "not")) {
		return nil, false
	}
	t := p.advance()
	if strings.EqualFold(t.text, "true") {
		return All{}, true
	}
	return None{}, true
}

// Fields returns the field codes n refers to, each once (compared without
// letter case, keeping the first spelling), in the order they first appear.
func Fields(n Node) []string {
	var out []string
	seen := map[string]bool{}
	add := func(field string) {
		if key := strings.ToLower(field); !seen[key] {
			seen[key] = true
			out = append(out, field)
		}
	}
	var walk func(Node)
	walk = func(n Node) {
		switch x := n.(type) {
		case *And:
			if x != nil {
				for _, c := range x.Nodes {
					walk(c)
				}
			}
		case *Or:
			if x != nil {
				for _, c := range x.Nodes {
					walk(c)
				}
			}
		case *Cond:
			if x != nil {
				add(x.Field)
			}
		case *OneOf:
			if x != nil {
				add(x.Field)
			}
		}
	}
	walk(n)
	return out
}
