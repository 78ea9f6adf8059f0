package filter

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/tritiumhq/tritium/internal/apperr"
)

// ruleVarNames are the variables of the permission design (issue 9).
var ruleVarNames = []string{"user.id", "user.departments", "user.departmentTree", "user.roles", "user.positions", "user.leaderOf", "user.department"}

func knownVar(name string) bool { return slices.Contains(ruleVarNames, name) }

func TestParseRule(t *testing.T) {
	// want is the tree's String(); ParseRule(want) must give the same tree.
	tests := []struct{ in, want string }{
		{`OwnerId = @user.id`, `OwnerId = @user.id`},
		{`OwnerId = @user.id || OwnerDeptId in @user.departmentTree`, `OwnerId = @user.id || OwnerDeptId in @user.departmentTree`},
		{`OwnerDeptId !in @user.departments`, `OwnerDeptId !in @user.departments`},
		{`OwnerDeptId not in @user.departments && Status = 1`, `OwnerDeptId !in @user.departments && Status = 1`},
		{`OwnerId in [@user.id, "u9", @user.leaderOf]`, `OwnerId in [@user.id, "u9", @user.leaderOf]`},
		{`(OwnerId = @user.id||Team ~ @user.id)&&Kind="A"`, `(OwnerId = @user.id || Team ~ @user.id) && Kind = "A"`},
		{`Title != @user.id`, `Title != @user.id`},
		// Constants, folded.
		{`true`, `true`},
		{`FALSE`, `false`},
		{`(true)`, `true`},
		{`OwnerId = @user.id || true`, `true`},
		{`OwnerId = @user.id && true`, `OwnerId = @user.id`},
		{`OwnerId = @user.id || false`, `OwnerId = @user.id`},
		{`false && OwnerId = @user.id`, `false`},
		{`false || false`, `false`},
		// true / false followed by an operator are still field codes.
		{`true = 1 || false in [1] || true not in [2]`, `true = 1 || false in [1] || true !in [2]`},
		// No variables: as Parse.
		{`Kind = "A"`, `Kind = "A"`},
	}
	for _, tt := range tests {
		n, err := ParseRule(tt.in, knownVar)
		if err != nil {
			t.Errorf("ParseRule(%q): %v", tt.in, err)
			continue
		}
		if got := n.String(); got != tt.want {
			t.Errorf("ParseRule(%q) = %s, want %s", tt.in, got, tt.want)
			continue
		}
		again, err := ParseRule(n.String(), knownVar)
		if err != nil {
			t.Errorf("ParseRule(%q) (round trip): %v", n.String(), err)
		} else if !reflect.DeepEqual(again, n) {
			t.Errorf("round trip of %q: %#v, want %#v", tt.in, again, n)
		}
	}
}

func TestParseRuleTree(t *testing.T) {
	n, err := ParseRule(`OwnerId = @user.id || OwnerDeptId in @user.departmentTree || Kind in ["A", @user.roles]`, knownVar)
	if err != nil {
		t.Fatal(err)
	}
	want := &Or{Nodes: []Node{
		&Cond{Field: "OwnerId", Op: Eq, Value: Var{"user.id"}},
		&Cond{Field: "OwnerDeptId", Op: In, Value: Var{"user.departmentTree"}},
		&Cond{Field: "Kind", Op: In, Value: []any{"A", Var{"user.roles"}}},
	}}
	if !reflect.DeepEqual(n, want) {
		t.Errorf("got %#v\nwant %#v", n, want)
	}
}

func TestParseRuleErrors(t *testing.T) {
	tests := []struct {
		in, want string
		code     apperr.Code
	}{
		{`OwnerId = @user.foo`, "unknown variable @user.foo", apperr.Invalid},
		{`OwnerId = @user.foo`, "变量未知: @user.foo", apperr.Invalid},
		{`OwnerId in [@user.id, @org.x]`, "unknown variable @org.x", apperr.Invalid},
		{`OwnerId in @nobody`, "unknown variable @nobody", apperr.Invalid},
		{`OwnerId = @User.Id`, "unknown variable @User.Id", apperr.Invalid}, // case-sensitive
		{`OwnerId = @`, "expected a variable name after @", apperr.Malformed},
		{`OwnerId = @1x`, "expected a variable name after @", apperr.Malformed},
		{`OwnerId = @user.`, "malformed variable name", apperr.Malformed},
		{`OwnerId = @user..id`, "malformed variable name", apperr.Malformed},
		{`@user.id = OwnerId`, "expected a field code or (", apperr.Malformed},
		{``, "the rule is empty", apperr.Invalid},
		{`  `, "the rule is empty", apperr.Invalid},
		{`true ||`, "expected a field code or (", apperr.Malformed},
		{`OwnerId > null`, "null works only with = and !=", apperr.Malformed},
		{`OwnerId = ]`, "or a variable such as @user.id", apperr.Malformed},
	}
	for _, tt := range tests {
		_, err := ParseRule(tt.in, knownVar)
		t.Run(tt.in, func(t *testing.T) {
			checkErr(t, err, tt.want, "")
			if c := apperr.CodeOf(err); c != tt.code {
				t.Errorf("code %s, want %s", c, tt.code)
			}
		})
	}
	// A nil known refuses every variable; ParseRuleVars lists the names.
	_, err := ParseRule(`OwnerId = @user.id`, nil)
	checkErr(t, err, "unknown variable @user.id", "")
	_, err = ParseRuleVars(`OwnerId = @user.foo`, "user.id", "user.departments")
	checkErr(t, err, "变量未知: @user.foo (unknown variable @user.foo; one of @user.id, @user.departments)", "")
	if n, err := ParseRuleVars(`OwnerId = @user.id`, "user.id"); err != nil || n.String() != `OwnerId = @user.id` {
		t.Errorf("ParseRuleVars = %v, %v", n, err)
	}
}

// TestParseRefusesVariables: the caller's own filters have no variables
// and no constants, and say why.
func TestParseRefusesVariables(t *testing.T) {
	for _, s := range []string{`OwnerId = @user.id`, `OwnerId in @user.departments`, `OwnerId in ["a", @user.id]`} {
		_, err := Parse(s)
		checkErr(t, err, "only allowed in permission rules", "")
		if c := apperr.CodeOf(err); c != apperr.Malformed {
			t.Errorf("Parse(%q): code %s, want %s", s, c, apperr.Malformed)
		}
	}
	_, err := Parse(`OwnerId = @`)
	checkErr(t, err, "expected a variable name after @", "")
	for _, s := range []string{`true`, `false || a = 1`} {
		if _, err := Parse(s); err == nil {
			t.Errorf("Parse(%q): want an error", s)
		}
	}
}

func TestAnyEvery(t *testing.T) {
	a := &Cond{Field: "a", Op: Eq, Value: "1"}
	b := &Cond{Field: "b", Op: Eq, Value: "2"}
	tests := []struct {
		got  Node
		want string
	}{
		{Any(), "false"},
		{Any(None{}, None{}), "false"},
		{Any(a), `a = "1"`},
		{Any(None{}, a, None{}, b), `a = "1" || b = "2"`},
		{Any(a, All{}), "true"},
		{Any(a, &And{}), "true"},
		{Any(a, nil), "true"},
		{Any(&Or{Nodes: []Node{a, b}}, a), `a = "1" || b = "2" || a = "1"`},
		{Any(&And{Nodes: []Node{a, b}}, None{}), `a = "1" && b = "2"`},
		{Every(), "true"},
		{Every(a, All{}, &And{}, nil), `a = "1"`},
		{Every(a, None{}), "false"},
		{Every(&And{Nodes: []Node{a, b}}, a), `a = "1" && b = "2" && a = "1"`},
		{Every(Any(), a), "false"},
		{Every(Any(a, b), a), `(a = "1" || b = "2") && a = "1"`},
	}
	for i, tt := range tests {
		if s := tt.got.String(); s != tt.want {
			t.Errorf("%d: got %s, want %s", i, s, tt.want)
		}
	}
}

func TestFields(t *testing.T) {
	n, err := ParseRule(`OwnerId = @user.id || (ownerid != null && Kind in ["A"]) || Team ~ "x" && Kind = "B" || OWNERDEPTID in @user.departments`, knownVar)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := Fields(n), []string{"OwnerId", "Kind", "Team", "OWNERDEPTID"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Fields = %q, want %q", got, want)
	}
	for _, n := range []Node{nil, None{}, All{}, &And{}, &Or{}} {
		if got := Fields(n); len(got) != 0 {
			t.Errorf("Fields(%v) = %q, want none", n, got)
		}
	}
	m, err := ParseMatcher(decodeJSON(t, `{"Type":"And","Matchers":[`+item("Qty", 0, "1")+`,`+item("Title", 2, `"x"`)+`,`+item("qty", 1, "2")+`]}`))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := Fields(m), []string{"Qty", "Title"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Fields(matcher) = %q, want %q", got, want)
	}
}

func TestBind(t *testing.T) {
	vars := map[string]any{
		"user.id":             "u1",
		"user.department":     "",
		"user.departments":    []string{"d1"},
		"user.departmentTree": []any{"d1", "d2", ""},
		"user.roles":          []string{},
		"user.positions":      nil,
		"user.leaderOf":       []any{},
	}
	tests := []struct{ rule, want string }{
		{`OwnerId = @user.id`, `OwnerId = "u1"`},
		{`OwnerId != @user.id`, `OwnerId != "u1"`},
		{`OwnerId in @user.id`, `OwnerId in ["u1"]`},
		{`OwnerId !in @user.id`, `OwnerId !in ["u1"]`},
		{`Title ~ @user.id`, `Title ~ "u1"`},
		// = / != with a list are in / !in; empty elements are dropped.
		{`OwnerDeptId = @user.departmentTree`, `OwnerDeptId in ["d1", "d2"]`},
		{`OwnerDeptId != @user.departments`, `OwnerDeptId !in ["d1"]`},
		{`OwnerDeptId in @user.departmentTree`, `OwnerDeptId in ["d1", "d2"]`},
		{`OwnerDeptId !in @user.departmentTree`, `OwnerDeptId !in ["d1", "d2"]`},
		// Empty lists: in matches nothing, !in everything.
		{`OwnerDeptId in @user.roles`, `false`},
		{`OwnerDeptId = @user.leaderOf`, `false`},
		{`OwnerDeptId !in @user.roles`, `true`},
		{`OwnerDeptId != @user.leaderOf`, `true`},
		// A scalar without a value: nothing, but everything for != and !in.
		{`OwnerDeptId = @user.department`, `false`},
		{`OwnerDeptId in @user.department`, `false`},
		{`OwnerDeptId = @user.positions`, `false`},
		{`Title ~ @user.department`, `false`},
		{`Title !~ @user.department`, `false`},
		{`Qty > @user.department`, `false`},
		{`OwnerDeptId != @user.department`, `true`},
		{`OwnerDeptId !in @user.positions`, `true`},
		// Variables inside a literal list are spliced in.
		{`OwnerId in [@user.id, "u9", @user.departmentTree, @user.department]`, `OwnerId in ["u1", "u9", "d1", "d2"]`},
		{`OwnerId in [@user.department, @user.roles]`, `false`},
		{`OwnerId !in [@user.department, @user.roles]`, `true`},
		{`OwnerId in ["u9"]`, `OwnerId in ["u9"]`},
		// Folding: None in an Or is dropped, in an And decides.
		{`OwnerId = @user.id || OwnerDeptId in @user.roles`, `OwnerId = "u1"`},
		{`OwnerId = @user.id && OwnerDeptId in @user.roles`, `false`},
		{`OwnerDeptId in @user.roles || OwnerDeptId = @user.department`, `false`},
		{`OwnerId = @user.id || OwnerDeptId !in @user.roles`, `true`},
		{`OwnerId = @user.id && OwnerDeptId !in @user.roles`, `OwnerId = "u1"`},
		{`(OwnerDeptId in @user.roles || Kind = "A") && OwnerId = @user.id`, `Kind = "A" && OwnerId = "u1"`},
		{`true`, `true`},
		{`false`, `false`},
	}
	for _, tt := range tests {
		n, err := ParseRule(tt.rule, knownVar)
		if err != nil {
			t.Fatalf("ParseRule(%q): %v", tt.rule, err)
		}
		before := n.String()
		b, err := Bind(n, vars)
		if err != nil {
			t.Errorf("Bind(%q): %v", tt.rule, err)
			continue
		}
		if got := b.String(); got != tt.want {
			t.Errorf("Bind(%q) = %s, want %s", tt.rule, got, tt.want)
		}
		if n.String() != before {
			t.Errorf("Bind(%q) changed its input to %s", tt.rule, n)
		}
		if len(Fields(b)) > 0 { // a bound tree is a filter again
			if _, err := Parse(b.String()); err != nil {
				t.Errorf("Parse(Bind(%q)): %v", tt.rule, err)
			}
		}
	}
}

func TestBindValues(t *testing.T) {
	n := &Cond{Field: "Qty", Op: Eq, Value: Var{"n"}}
	b, err := Bind(n, map[string]any{"n": json.Number("5")})
	if err != nil || !reflect.DeepEqual(b, &Cond{Field: "Qty", Op: Eq, Value: json.Number("5")}) {
		t.Errorf("Bind number = %#v, %v", b, err)
	}
	b, err = Bind(&Cond{Field: "Done", Op: In, Value: Var{"b"}}, map[string]any{"b": []any{true, nil}})
	if err != nil || !reflect.DeepEqual(b, &Cond{Field: "Done", Op: In, Value: []any{true}}) {
		t.Errorf("Bind bool list = %#v, %v", b, err)
	}
	// Long lists are split into lists of at most MaxListItems.
	long := make([]string, 2*MaxListItems+1)
	for i := range long {
		long[i] = "d"
	}
	for op, want := range map[Op]string{In: "*filter.Or", NotIn: "*filter.And"} {
		b, err = Bind(&Cond{Field: "OwnerDeptId", Op: op, Value: Var{"t"}}, map[string]any{"t": long})
		if err != nil {
			t.Fatal(err)
		}
		var sizes []int
		for _, c := range conds(b) {
			sizes = append(sizes, len(c.Value.([]any)))
		}
		if got := reflect.TypeOf(b).String(); got != want || !reflect.DeepEqual(sizes, []int{MaxListItems, MaxListItems, 1}) {
			t.Errorf("Bind(%s long list) = %s of %v, want %s of [%d %d 1]", op, got, sizes, want, MaxListItems, MaxListItems)
		}
	}
	// Empty groups keep their meaning; constants and nil pass through.
	for _, n := range []Node{&And{}, &Or{}, None{}, All{}, nil} {
		if b, err := Bind(n, nil); err != nil || !reflect.DeepEqual(b, n) {
			t.Errorf("Bind(%#v) = %#v, %v", n, b, err)
		}
	}
}

func TestBindErrors(t *testing.T) {
	vars := map[string]any{"user.id": "u1", "user.departments": []string{"d1"}, "bad": 3, "badList": []any{[]any{"x"}}}
	tests := []struct {
		n    Node
		want string
	}{
		{&Cond{Field: "OwnerId", Op: Eq, Value: Var{"user.roles"}}, "variable @user.roles is not bound"},
		{&Or{Nodes: []Node{&Cond{Field: "a", Op: Eq, Value: "x"}, &Cond{Field: "b", Op: In, Value: []any{"y", Var{"nope"}}}}}, "variable @nope is not bound"},
		{&Cond{Field: "Title", Op: Contains, Value: Var{"user.departments"}}, "operator ~ cannot take the list variable @user.departments"},
		{&Cond{Field: "Qty", Op: Gt, Value: Var{"user.departments"}}, "operator > cannot take the list variable"},
		{&Cond{Field: "Qty", Op: Eq, Value: Var{"bad"}}, "unsupported type int"},
		{&Cond{Field: "Qty", Op: In, Value: Var{"badList"}}, "unsupported type []interface {}"},
	}
	for _, tt := range tests {
		_, err := Bind(tt.n, vars)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Bind(%v): %v, want an error containing %q", tt.n, err, tt.want)
		}
	}
}

// TestCompileRule pins the SQL of constants and of unbound rules.
func TestCompileRule(t *testing.T) {
	d, f, codec := sqliteDialect(t), preparedForm(t), testCodec()
	title := &Cond{Field: "Title", Op: Eq, Value: "x"}
	tests := []struct {
		n     Node
		where string
	}{
		{None{}, MatchNone},
		{All{}, MatchAll},
		{Any(), MatchNone},
		{&Or{Nodes: []Node{None{}, title}}, `"title" = ?`},
		{&Or{Nodes: []Node{None{}, None{}}}, MatchNone},
		{&Or{Nodes: []Node{All{}, title}}, MatchAll},
		{&And{Nodes: []Node{None{}, title}}, MatchNone},
		{&And{Nodes: []Node{All{}, title}}, `"title" = ?`},
		{&And{Nodes: []Node{title, &Or{Nodes: []Node{None{}}}}}, MatchNone},
	}
	for _, tt := range tests {
		where, _, err := Compile(d, codec, f, tt.n)
		if err != nil || where != tt.where {
			t.Errorf("Compile(%v) = %s, %v, want %s", tt.n, where, err, tt.where)
		}
	}
	n, err := ParseRule(`Title = "x" || Boss = @user.id`, knownVar)
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = Compile(d, codec, f, n)
	checkErr(t, err, "rule variable @user.id was not bound; call Bind first", "Boss")
	_, _, err = Compile(d, codec, f, &Cond{Field: "Kind", Op: In, Value: []any{"A", Var{"user.roles"}}})
	checkErr(t, err, "rule variable @user.roles was not bound", "Kind")
}

// conds returns the conditions of a flat group.
func conds(n Node) []*Cond {
	var nodes []Node
	switch x := n.(type) {
	case *And:
		nodes = x.Nodes
	case *Or:
		nodes = x.Nodes
	}
	out := make([]*Cond, len(nodes))
	for i, c := range nodes {
		out[i] = c.(*Cond)
	}
	return out
}
