package model

import (
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/tritiumhq/tritium/internal/apperr"
	"github.com/tritiumhq/tritium/internal/form"
)

// testEnv is the contract form of spec/forms.md.
var testEnv = Env{Fields: map[string]form.Type{
	"F0000001": form.Text, "F0000002": form.Decimal, "F0000003": form.Date,
	"F0000004": form.Bool, "F0000005": form.User, "F0000006": form.Select,
	"F0000007": form.Number, "F0000008": form.Users, "F0000009": form.DateTime,
	"F0000010": form.Department, "F0000011": form.MultiSelect,
}}

// g builds a definition from node specs "id:type" and flow specs
// "from>to", "from>to|condition" or "from>to|default". Approval and cc
// nodes get one user assignee, so that only the shape of the graph
// matters. Flows are numbered f1, f2 … in order.
func g(nodes string, flows ...string) *Definition {
	d := &Definition{}
	for _, spec := range strings.Fields(nodes) {
		id, typ, _ := strings.Cut(spec, ":")
		n := &Node{ID: id, Type: NodeType(typ)}
		switch n.Type {
		case Approval, CC:
			n.Assignees = []Assignee{{Kind: AssignUser, IDs: []string{"u1"}}}
		case Script:
			n.Hook = "notify"
		case Timer:
			n.Delay = "1h"
		}
		d.Nodes = append(d.Nodes, n)
	}
	for i, spec := range flows {
		ends, cond, _ := strings.Cut(spec, "|")
		from, to, _ := strings.Cut(ends, ">")
		f := &Flow{ID: "f" + itoa(i+1), From: from, To: to}
		if cond == "default" {
			f.Default = true
		} else {
			f.Condition = cond
		}
		d.Flows = append(d.Flows, f)
	}
	return d
}

// twoLevel is start → approve1 → exclusive split → (big) approve2 → join
// → end, with the default flow straight to the join.
func twoLevel() *Definition {
	d := g("start:start approve1:approval split:exclusive approve2:approval join:exclusive end:end",
		"start>approve1", "approve1>split", "split>approve2|F0000002 > 10000", "split>join|default",
		"approve2>join", "join>end")
	d.Node("approve1").Assignees = []Assignee{{Kind: AssignLeader, Level: 1}}
	return d
}

// wantInvalid checks that err is an Invalid *apperr.Error naming field,
// whose message contains msg.
func wantInvalid(t *testing.T, err error, field, msg string) {
	t.Helper()
	e := apperr.As(err)
	if e == nil || e.Code != apperr.Invalid {
		t.Fatalf("err = %v, want a validation error naming %s", err, field)
	}
	if e.Field != field {
		t.Errorf("Field = %q, want %q; message: %s", e.Field, field, e.Message)
	}
	if !strings.Contains(e.Message, msg) {
		t.Errorf("message %q does not contain %q", e.Message, msg)
	}
	if field != "nodes" && field != "flows" && !strings.Contains(e.Message, field) {
		t.Errorf("message %q does not name %s", e.Message, field)
	}
}

func mustRead(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func mustTree(t testing.TB, src string) *Definition {
	t.Helper()
	d, err := FromTree([]byte(src))
	if err != nil {
		t.Fatalf("FromTree: %v", err)
	}
	return d
}

func mustValid(t testing.TB, d *Definition) {
	t.Helper()
	if err := d.Validate(testEnv); err != nil {
		t.Fatalf("Validate: %v", err)
	}
}

// wantEqual compares definitions and shows both as trees or JSON-ish on
// failure.
func wantEqual(t testing.TB, got, want *Definition) {
	t.Helper()
	if reflect.DeepEqual(got, want) {
		return
	}
	for i := range max(len(got.Nodes), len(want.Nodes)) {
		if i >= len(got.Nodes) || i >= len(want.Nodes) || !reflect.DeepEqual(got.Nodes[i], want.Nodes[i]) {
			t.Fatalf("node %d differs:\n got  %+v\n want %+v", i, at(got.Nodes, i), at(want.Nodes, i))
		}
	}
	for i := range max(len(got.Flows), len(want.Flows)) {
		if i >= len(got.Flows) || i >= len(want.Flows) || !reflect.DeepEqual(got.Flows[i], want.Flows[i]) {
			t.Fatalf("flow %d differs:\n got  %+v\n want %+v", i, at(got.Flows, i), at(want.Flows, i))
		}
	}
	t.Fatalf("diagrams differ:\n got  %q\n want %q", got.Diagram, want.Diagram)
}

func at[T any](s []*T, i int) *T {
	if i < len(s) {
		return s[i]
	}
	return nil
}
