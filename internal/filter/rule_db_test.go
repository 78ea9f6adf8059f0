package filter

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/tritiumhq/tritium/internal/apperr"
	"github.com/tritiumhq/tritium/internal/form"
	"github.com/tritiumhq/tritium/internal/sqldb"
	"github.com/tritiumhq/tritium/internal/sqldb/sqldbtest"
)

// ruleRow is one stored object of the rule tests: owner, owner department
// and the Team users field ("" = NULL).
type ruleRow struct {
	n           int
	owner, dept string
	team        []string
}

var ruleRows = []ruleRow{
	{1, "u1", "d1", nil},
	{2, "u2", "d1", nil},
	{3, "u3", "d2", []string{"u2"}},
	{4, "u4", "d3", nil},
	{5, "u1", "", nil},
	{6, "", "", nil},
	{7, "u5", "d2", []string{"u1", "u3"}},
}

// The users the rules are bound for.
var (
	alice = map[string]any{ // in d1, whose tree holds d2
		"user.id": "u1", "user.department": "d1", "user.departments": []string{"d1"},
		"user.departmentTree": []any{"d1", "d2"}, "user.roles": []string{"r1"},
	}
	nobody = map[string]any{ // in no department
		"user.id": "u9", "user.department": "", "user.departments": []string{},
		"user.departmentTree": []any{}, "user.roles": nil,
	}
)

const allRules = "1 2 3 4 5 6 7"

// manager heads a tree of more departments than a written list may hold.
var manager = func() map[string]any {
	tree := make([]string, 0, 2*MaxListItems+500)
	for i := range cap(tree) - 1 {
		tree = append(tree, fmt.Sprintf("x%d", i))
	}
	return map[string]any{"user.id": "u7", "user.departmentTree": append(tree, "d2"), "user.departments": []string{"d1"}}
}()

// TestRuleDB compiles bound rules on both databases and checks exactly
// which rows they match.
func TestRuleDB(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, kind sqldb.Kind) {
		ctx := context.Background()
		db := sqldbtest.Open(t, kind)
		codec := testCodec()
		svc, err := form.NewService(ctx, db, codec, slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatal(err)
		}
		f, err := svc.Create(ctx, &form.Form{Code: "D000001Rule", Name: "规则测试", Fields: []*form.Field{
			{Code: "Title", Type: form.Text},
			{Code: "Team", Type: form.Users},
		}})
		if err != nil {
			t.Fatal(err)
		}
		insertRuleRows(t, db, f)
		d := db.Dialect()
		run := func(t *testing.T, name string, n Node, want string) {
			t.Helper()
			where, args, err := Compile(d, codec, f, n)
			if err != nil {
				t.Errorf("%s: Compile(%v): %v", name, n, err)
				return
			}
			got := queryIDs(t, db, "SELECT objectid FROM "+d.Quote(f.Table())+" WHERE "+where+" ORDER BY objectid", args)
			if got != ids(want) {
				t.Errorf("%s: %v\n  where %s %v\n  got  [%s]\n  want [%s]", name, n, where, args, got, ids(want))
			}
		}
		tests := []struct {
			rule string
			user map[string]any
			want string
		}{
			{`OwnerId = @user.id`, alice, "1 5"},
			{`OwnerId = @user.id`, nobody, ""},
			{`OwnerId != @user.id`, alice, "2 3 4 7"},
			{`OwnerDeptId in @user.departments`, alice, "1 2"},
			{`OwnerDeptId = @user.departmentTree`, alice, "1 2 3 7"},
			{`OwnerDeptId in @user.departmentTree`, alice, "1 2 3 7"},
			{`OwnerId = @user.id || OwnerDeptId in @user.departmentTree`, alice, "1 2 3 5 7"},
			// An empty department tree matches nothing, even in a union.
			{`OwnerDeptId in @user.departmentTree`, nobody, ""},
			{`OwnerId = @user.id || OwnerDeptId in @user.departmentTree`, nobody, ""},
			{`OwnerDeptId = @user.department`, nobody, ""},
			{`OwnerDeptId in [@user.department, @user.departments]`, nobody, ""},
			// !in over an empty list matches everything, unset owners too;
			// over a non-empty list only rows with a value (SQL semantics).
			{`OwnerDeptId !in @user.departmentTree`, nobody, allRules},
			{`OwnerDeptId != @user.department`, nobody, allRules},
			{`OwnerDeptId !in @user.departmentTree`, alice, "4"},
			{`OwnerDeptId !in @user.departmentTree && OwnerId = @user.id`, nobody, ""},
			{`OwnerDeptId !in @user.departmentTree || OwnerId = @user.id`, nobody, allRules},
			// Users fields: an element equals the variable.
			{`Team = @user.id`, alice, "7"},
			{`Team in [@user.id, "u2"]`, alice, "3 7"},
			{`Team in @user.departments`, alice, ""},
			{`OwnerId in [@user.id, "u4"]`, alice, "1 4 5"},
			// A list longer than MaxListItems is split, not refused.
			{`OwnerDeptId in @user.departmentTree`, manager, "3 7"},
			{`OwnerDeptId in @user.departmentTree || OwnerDeptId in @user.departments`, manager, "1 2 3 7"},
			{`OwnerDeptId !in @user.departmentTree`, manager, "1 2 4"},
			{`true`, nobody, allRules},
			{`false`, alice, ""},
		}
		for _, tt := range tests {
			n, err := ParseRule(tt.rule, knownVar)
			if err != nil {
				t.Fatalf("ParseRule(%q): %v", tt.rule, err)
			}
			b, err := Bind(n, tt.user)
			if err != nil {
				t.Fatalf("Bind(%q): %v", tt.rule, err)
			}
			run(t, tt.rule, b, tt.want)
		}

		// Constants built by hand, and rules AND-ed with a caller's filter.
		own := &Cond{Field: "OwnerId", Op: Eq, Value: "u2"}
		d1 := &Cond{Field: "OwnerDeptId", Op: Eq, Value: "d1"}
		caller, err := Parse(`OwnerDeptId = "d1"`)
		if err != nil {
			t.Fatal(err)
		}
		grant := func(rule string, user map[string]any) Node {
			n, err := ParseRule(rule, knownVar)
			if err == nil {
				n, err = Bind(n, user)
			}
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		long := make([]string, 0, MaxArgs+1)
		for i := range MaxArgs {
			long = append(long, fmt.Sprintf("x%d", i))
		}
		long = append(long, rowID(7))
		nodes := []struct {
			name string
			n    Node
			want string
		}{
			{"None", None{}, ""},
			{"All", All{}, allRules},
			{"None || own", &Or{Nodes: []Node{None{}, own}}, "2"},
			{"None || None", &Or{Nodes: []Node{None{}, None{}}}, ""},
			{"None && d1", &And{Nodes: []Node{None{}, d1}}, ""},
			{"All && d1", &And{Nodes: []Node{All{}, d1}}, "1 2"},
			{"(None || own) && d1", &And{Nodes: []Node{&Or{Nodes: []Node{None{}, own}}, d1}}, "2"},
			{"Any()", Any(), ""},
			{"Any(None)", Any(None{}), ""},
			{"Any(own, d1)", Any(own, d1), "1 2"},
			{"Every(Any(), d1)", Every(Any(), d1), ""},
			{"Every()", Every(), allRules},
			{"union of alice's grants", Any(grant(`OwnerId = @user.id`, alice), grant(`OwnerDeptId in @user.departmentTree`, alice)), "1 2 3 5 7"},
			{"union of nobody's grants", Any(grant(`OwnerId = @user.id`, nobody), grant(`OwnerDeptId in @user.departmentTree`, nobody)), ""},
			{"alice's grant and her filter", Every(grant(`OwnerDeptId in @user.departmentTree || OwnerId = @user.id`, alice), caller), "1 2"},
			{"nobody's grant and her filter", Every(grant(`OwnerDeptId in @user.departmentTree`, nobody), caller), ""},
			{"empty filter and a grant", Every(grant(`OwnerId = @user.id`, alice), &And{}), "1 5"},
			// OneOf: a list built by code, bound as one argument.
			{"OneOf objects", &OneOf{Field: "ObjectId", Values: []string{rowID(3), rowID(1), "r99"}}, "1 3"},
			{"OneOf nothing", &OneOf{Field: "ObjectId"}, ""},
			{"OneOf is exact", &OneOf{Field: "objectid", Values: []string{"R01"}}, ""},
			{"OneOf owners", &OneOf{Field: "OwnerId", Values: []string{"u4", "u5"}}, "4 7"},
			{"OneOf past the limits", &OneOf{Field: "ObjectId", Values: long}, "7"},
			{"a grant or OneOf", Any(grant(`OwnerId = @user.id`, alice), &OneOf{Field: "ObjectId", Values: []string{rowID(4)}}), "1 4 5"},
			{"None or OneOf nothing", Any(None{}, &OneOf{Field: "ObjectId"}), ""},
			{"OneOf and a filter", Every(&OneOf{Field: "ObjectId", Values: []string{rowID(1), rowID(4)}}, caller), "1"},
		}
		for _, tt := range nodes {
			run(t, tt.name, tt.n, tt.want)
		}
	})
}

func insertRuleRows(t *testing.T, db *sqldb.DB, f *form.Form) {
	t.Helper()
	d := db.Dialect()
	owner, dept, team := f.Field(form.SysOwnerID), f.Field(form.SysOwnerDeptID), f.Field("Team")
	cols := []string{"objectid", "name", "createdtime", "modifiedtime", "status", "version", owner.Column(), dept.Column(), team.Column()}
	quoted := make([]string, len(cols))
	for i, c := range cols {
		quoted[i] = d.Quote(c)
	}
	q := "INSERT INTO " + d.Quote(f.Table()) + " (" + strings.Join(quoted, ", ") +
		") VALUES (" + strings.Repeat(", ?", len(cols))[2:] + ")"
	orNil := func(s string) any {
		if s == "" {
			return nil
		}
		return s
	}
	base := utc("2025-06-01T00:00:00Z")
	err := db.Write(context.Background(), func(tx *sqldb.Tx) error {
		for _, r := range ruleRows {
			created := d.TimeValue(base.Add(time.Duration(r.n) * time.Minute))
			var members any
			if r.team != nil {
				members = r.team
			}
			args := []any{rowID(r.n), rowID(r.n), created, created, int64(1), int64(1),
				form.ToDB(d, owner, orNil(r.owner)), form.ToDB(d, dept, orNil(r.dept)), form.ToDB(d, team, members)}
			if _, err := tx.Exec(context.Background(), q, args...); err != nil {
				return fmt.Errorf("insert row %d: %w", r.n, err)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestOneOfRefused: OneOf takes single-valued text fields only, and names
// the field it cannot take.
func TestOneOfRefused(t *testing.T) {
	f := preparedForm(t)
	for _, field := range []string{"Qty", "Tags", "Nope"} {
		_, _, err := Compile(sqliteDialect(t), testCodec(), f, &OneOf{Field: field, Values: []string{"1"}})
		if e := apperr.As(err); e == nil || e.Field != field {
			t.Errorf("OneOf on %s: %v, want an error naming it", field, err)
		}
	}
	if got := (&OneOf{Field: "ObjectId", Values: []string{"a", "b"}}).String(); got != `ObjectId in ["a", "b"]` {
		t.Errorf("String: %s", got)
	}
	if got := Fields(Any(&Cond{Field: "Qty", Op: Eq, Value: "1"}, &OneOf{Field: "ObjectId"})); len(got) != 2 || got[1] != "ObjectId" {
		t.Errorf("Fields: %v", got)
	}
}
