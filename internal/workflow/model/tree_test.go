package model

import (
	"strings"
	"testing"

	"github.com/tritiumhq/tritium/internal/apperr"
)

// trees are valid approval trees covering every node type and branch kind.
var trees = map[string]string{
	"minimal": `{"type": "start"}`,
	"a department and those below it": `{"type": "start", "next": {"type": "approval", "id": "fin",
		"assignees": [{"kind": "department", "ids": ["d1", "d2"], "includeSubDepartments": true}, {"kind": "department", "ids": ["d3"]}]}}`,
	"ids generated": `{"type": "start", "next": {"type": "approval", "assignees": [{"kind": "initiator"}],
		"next": {"type": "cc", "assignees": [{"kind": "user", "ids": ["u1"]}],
		"next": {"type": "approval", "assignees": [{"kind": "leader", "level": 2, "continuous": true}]}}}}`,
	"every kind of node": `{"type": "start", "id": "s", "fieldPerms": {"F0000001": "editable"},
		"next": {"type": "script", "hook": "prepare",
		"next": {"type": "timer", "delay": "PT1H",
		"next": {"type": "timer", "untilField": "F0000003",
		"next": {"type": "branch", "kind": "parallel", "branches": [
			{"name": "财务", "next": {"type": "approval", "assignees": [{"kind": "department", "ids": ["fin"]}], "mode": "vote", "passPercent": 60}},
			{"name": "法务", "next": {"type": "branch", "kind": "inclusive", "branches": [
				{"condition": "F0000004", "next": {"type": "approval", "assignees": [{"kind": "field", "field": "F0000005"}], "mode": "sequential"}},
				{"condition": "F0000007 >= 3", "next": {"type": "cc", "assignees": [{"kind": "expression", "expr": "F0000008"}]}},
				{"default": true}
			]}},
			{"name": "空"}
		], "next": {"type": "approval", "assignees": [{"kind": "chosen"}],
			"timeout": {"after": "48h", "action": "escalate", "escalateTo": "leader", "remindAfter": "24h"},
			"emptyPolicy": "user", "emptyUser": "admin1", "autoApproveSame": true, "rejectPolicy": "initiator",
		"next": {"type": "end", "id": "done", "name": "完成"}}}}}}}`,
	"an external approval": `{"type": "start", "next": {"type": "approval", "id": "sap", "name": "SAP 审批",
		"external": {"url": "https://erp.example.com/approve", "client": "cl_1"},
		"timeout": {"after": "72h", "action": "autoReject", "remindAfter": "24h"}, "rejectPolicy": "initiator"}}`,
	"branches in a row": `{"type": "start", "next": {"type": "branch", "kind": "exclusive", "branches": [
			{"condition": "F0000002 > 1", "next": {"type": "cc", "assignees": [{"kind": "initiator"}]}},
			{"default": true}],
		"next": {"type": "branch", "kind": "exclusive", "id": "second", "joinId": "meet", "branches": [
			{"condition": "F0000002 > 2"}, {"condition": "F0000002 <= 2"}]}}}`,
}

func TestTreeRoundTrip(t *testing.T) {
	for name, src := range trees {
		t.Run(name, func(t *testing.T) {
			d := mustTree(t, src)
			mustValid(t, d)
			out, err := d.Tree()
			if err != nil {
				t.Fatalf("Tree: %v", err)
			}
			wantEqual(t, mustTree(t, string(out)), d)
		})
	}
}

func TestFromTreeGraph(t *testing.T) {
	d := mustTree(t, trees["branches in a row"])
	var got []string
	for _, n := range d.Nodes {
		got = append(got, n.ID+":"+string(n.Type))
	}
	want := "start:start exclusive_1:exclusive cc_1:cc exclusive_1_join:exclusive second:exclusive meet:exclusive end:end"
	if strings.Join(got, " ") != want {
		t.Errorf("nodes = %s\nwant    %s", strings.Join(got, " "), want)
	}
	got = nil
	for _, f := range d.Flows {
		s := f.ID + ":" + f.From + ">" + f.To
		if f.Condition != "" {
			s += "|" + f.Condition
		}
		if f.Default {
			s += "|default"
		}
		got = append(got, s)
	}
	want = "flow_1:start>exclusive_1 flow_2:exclusive_1>cc_1|F0000002 > 1 flow_3:cc_1>exclusive_1_join " +
		"flow_4:exclusive_1>exclusive_1_join|default flow_5:exclusive_1_join>second " +
		"flow_6:second>meet|F0000002 > 2 flow_7:second>meet|F0000002 <= 2 flow_8:meet>end"
	if strings.Join(got, " ") != want {
		t.Errorf("flows = %s\nwant    %s", strings.Join(got, " "), want)
	}
}

// Generated ids never take an id the tree gives a later node.
func TestFromTreeIDsAvoidGiven(t *testing.T) {
	d := mustTree(t, `{"type": "start", "id": "end", "next": {"type": "approval", "assignees": [{"kind": "initiator"}],
		"next": {"type": "approval", "id": "approval_1", "assignees": [{"kind": "initiator"}],
		"next": {"type": "cc", "id": "flow_1", "assignees": [{"kind": "initiator"}]}}}}`)
	mustValid(t, d)
	if got := d.Nodes[1].ID; got != "approval_2" {
		t.Errorf("generated approval id = %s, want approval_2", got)
	}
	if got := d.Nodes[len(d.Nodes)-1].ID; got != "end_1" {
		t.Errorf("implicit end id = %s, want end_1", got)
	}
	if d.Flow("flow_1") != nil {
		t.Error("a flow took the id of node flow_1")
	}
}

// The tree fixture and the bpmn-js fixture are the same process.
func TestTreeFixtureMatchesBPMN(t *testing.T) {
	fromTree, err := FromTree(mustRead(t, "two-level-approval.tree.json"))
	if err != nil {
		t.Fatal(err)
	}
	fromBPMN, err := FromBPMN(mustRead(t, "two-level-approval.bpmn"))
	if err != nil {
		t.Fatal(err)
	}
	mustValid(t, fromTree)
	// The tree generates flow ids and orders flows its own way.
	fromBPMN.Diagram = ""
	sortFlows(fromTree)
	sortFlows(fromBPMN)
	wantEqual(t, fromTree, fromBPMN)
}

func sortFlows(d *Definition) {
	key := func(f *Flow) string { return f.From + ">" + f.To }
	for i := range d.Flows {
		for j := i + 1; j < len(d.Flows); j++ {
			if key(d.Flows[j]) < key(d.Flows[i]) {
				d.Flows[i], d.Flows[j] = d.Flows[j], d.Flows[i]
			}
		}
	}
	for i, f := range d.Flows {
		f.ID = "f" + itoa(i)
	}
}

func TestFromTreeRejects(t *testing.T) {
	tests := []struct {
		name, src    string
		code         apperr.Code
		field, subst string
	}{
		{"not JSON", `{"type": "start"`, apperr.Malformed, "", "not valid JSON"},
		{"trailing data", `{"type": "start"} {}`, apperr.Malformed, "", "unexpected data"},
		{"unknown key", `{"type": "start", "nxt": {}}`, apperr.Invalid, "(start)", `node (start) has an unknown key "nxt"`},
		{"misspelt setting", `{"type": "start", "next": {"type": "approval", "id": "manager", "assignes": [{"kind": "initiator"}]}}`,
			apperr.Invalid, "manager", `node manager has an unknown key "assignes"`},
		{"unknown assignee key", `{"type": "start", "next": {"type": "approval", "id": "a", "assignees": [{"kind": "user", "idz": ["u1"]}]}}`,
			apperr.Invalid, "a", `unknown key "assignees[0].idz"`},
		{"unknown timeout key", `{"type": "start", "next": {"type": "approval", "id": "a", "timeout": {"afer": "2h"}}}`,
			apperr.Invalid, "a", `unknown key "timeout.afer"`},
		{"unknown branch key", `{"type": "start", "next": {"type": "branch", "id": "b", "kind": "exclusive", "branches": [{"conditon": "true"}, {"default": true}]}}`,
			apperr.Invalid, "b", `unknown key "branches[0].conditon"`},
		{"unknown key deep in a branch", `{"type": "start", "next": {"type": "branch", "id": "b", "kind": "parallel", "branches": [
			{"next": {"type": "cc", "id": "c", "assignees": [], "rejectPolcy": "end"}}, {}]}}`, apperr.Invalid, "c", `unknown key "rejectPolcy"`},
		{"key in the wrong case", `{"type": "start", "next": {"type": "cc", "id": "c", "Assignees": []}}`, apperr.Invalid, "c", `unknown key "Assignees"`},
		{"mistyped setting", `{"type": "start", "next": {"type": "approval", "id": "a", "passPercent": "50"}}`, apperr.Invalid, "a", "needs an integer for passPercent"},
		{"mistyped ids", `{"type": "start", "next": {"type": "approval", "id": "a", "assignees": [{"kind": "user", "ids": "u1"}]}}`, apperr.Invalid, "a", "needs an array for assignees[0].ids"},
		{"null", `null`, apperr.Malformed, "", "must be a JSON object"},
		{"root not start", `{"type": "approval", "id": "a"}`, apperr.Invalid, "type", "must begin with a start node"},
		{"second start", `{"type": "start", "next": {"type": "start", "id": "s2"}}`, apperr.Invalid, "s2", "only be the first node"},
		{"unknown type", `{"type": "start", "next": {"type": "approve", "id": "a"}}`, apperr.Invalid, "a", `unknown type "approve"`},
		{"empty node", `{"type": "start", "next": {}}`, apperr.Invalid, "()", `unknown type ""`},
		{"gateway type", `{"type": "start", "next": {"type": "parallel", "id": "p"}}`, apperr.Invalid, "p", "write a branch node"},
		{"end in the middle", `{"type": "start", "next": {"type": "end", "id": "e", "next": {"type": "cc"}}}`, apperr.Invalid, "e", "last node of the main chain"},
		{"end in a branch", `{"type": "start", "next": {"type": "branch", "kind": "parallel", "branches": [
			{"next": {"type": "end", "id": "e"}}, {}]}}`, apperr.Invalid, "e", "last node of the main chain"},
		{"one branch", `{"type": "start", "next": {"type": "branch", "id": "b", "kind": "parallel", "branches": [{}]}}`, apperr.Invalid, "b", "at least two branches"},
		{"null branch", `{"type": "start", "next": {"type": "branch", "id": "b", "kind": "parallel", "branches": [{}, null]}}`, apperr.Invalid, "b", "empty (null) branch"},
		{"bad kind", `{"type": "start", "next": {"type": "branch", "id": "b", "kind": "cc", "branches": [{}, {}]}}`, apperr.Invalid, "b", `invalid branch kind "cc"`},
		{"kind on a task", `{"type": "start", "next": {"type": "cc", "id": "c", "kind": "parallel"}}`, apperr.Invalid, "c", "is not a branch node"},
		{"branches on a task", `{"type": "start", "next": {"type": "cc", "id": "c", "branches": []}}`, apperr.Invalid, "c", "is not a branch node"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := FromTree([]byte(tt.src))
			e := apperr.As(err)
			if e == nil || e.Code != tt.code || e.Field != tt.field || !strings.Contains(e.Message, tt.subst) {
				t.Fatalf("err = %#v, want %s naming %q containing %q", e, tt.code, tt.field, tt.subst)
			}
		})
	}
}

// Settings on a branch node end up on its split gateway, where Validate
// refuses them rather than losing them.
func TestFromTreeBranchSettingsRefused(t *testing.T) {
	d := mustTree(t, `{"type": "start", "next": {"type": "branch", "id": "b", "kind": "parallel", "mode": "all", "branches": [{}, {}]}}`)
	wantInvalid(t, d.Validate(testEnv), "b", "cannot have mode")
}

func TestTreeRejectsGraphs(t *testing.T) {
	tests := []struct {
		name  string
		def   *Definition
		field string
		subst string
	}{
		{"branches ending apart", g("s:start p:parallel a:approval b:approval e1:end e2:end",
			"s>p", "p>a", "p>b", "a>e1", "b>e2"), "p", "do not meet at one join"},
		{"loop", g("s:start m:exclusive a:approval x:exclusive e:end",
			"s>m", "m>a", "a>x", "x>m|F0000004", "x>e|default"), "m", "join without a split"},
		{"shared end", g("s:start p:parallel a:approval b:approval e:end",
			"s>p", "p>a", "p>b", "a>e", "b>e"), "e", "several incoming flows"},
		{"join and split in one", g("s:start x:exclusive a:approval b:approval j:exclusive c:approval d:approval e:end",
			"s>x", "x>a|F0000004", "x>b|default", "a>j", "b>j", "j>c|F0000004", "j>d|default", "c>e", "d>e"), "j", "splits again"},
		{"join of another kind", g("s:start p:parallel a:approval b:approval j:exclusive e:end",
			"s>p", "p>a", "p>b", "a>j", "b>j", "j>e"), "j", "closes split p of another kind"},
		{"join also closing an outer path", g("s:start p:parallel q:parallel a:approval b:approval c:approval j:parallel e:end",
			"s>p", "p>q", "p>c", "q>a", "q>b", "a>j", "b>j", "c>j", "j>e"), "j", "also merges flows from outside split q"},
		{"gateway passing through", g("s:start x:exclusive e:end", "s>x", "x>e"), "x", "does not split"},
		{"unreachable node", g("s:start a:approval b:approval e:end", "s>a", "a>e", "b>e"), "e", "several incoming flows"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.def.Tree()
			wantInvalid(t, err, tt.field, tt.subst)
			if !strings.Contains(err.Error(), "not block-structured") {
				t.Errorf("%v does not say why", err)
			}
		})
	}
}
