package model

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/tritiumhq/tritium/internal/apperr"
)

func TestFromGraph(t *testing.T) {
	d := twoLevel()
	d.Node("approve2").Timeout = &Timeout{After: "P2D", Action: TimeoutAutoApprove}
	d.Node("approve2").FieldPerms = map[string]FieldPerm{"F0000002": PermReadonly}
	src, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	got, err := FromGraph(src)
	if err != nil {
		t.Fatalf("FromGraph of a definition's own JSON: %v", err)
	}
	wantEqual(t, got, d)
}

func TestFromGraphRejects(t *testing.T) {
	nodes := `"nodes": [{"id": "s", "type": "start"}, {"id": "a", "type": "approval", "assignees": [{"kind": "initiator"}]%s}, {"id": "e", "type": "end"}]`
	flows := `"flows": [{"id": "f1", "from": "s", "to": "a"%s}, {"id": "f2", "from": "a", "to": "e"}]`
	doc := func(node, flow, top string) string {
		return "{" + strings.Replace(nodes, "%s", node, 1) + ", " + strings.Replace(flows, "%s", flow, 1) + top + "}"
	}
	if _, err := FromGraph([]byte(doc("", "", ""))); err != nil {
		t.Fatalf("the base document: %v", err)
	}
	tests := []struct {
		name, src    string
		code         apperr.Code
		field, subst string
	}{
		{"not JSON", `{"nodes": [`, apperr.Malformed, "", "not valid JSON"},
		{"trailing data", doc("", "", "") + ` []`, apperr.Malformed, "", "unexpected data"},
		{"not an object", `[{"nodes": []}]`, apperr.Malformed, "", "must be a JSON object"},
		{"misspelt node setting", doc(`, "rejectPolcy": "initiator"`, "", ""), apperr.Invalid, "a", `node a has an unknown key "rejectPolcy"`},
		{"unknown assignee key", doc(`, "mode": "all", "timeout": {"after": "2h", "acton": "autoApprove"}`, "", ""), apperr.Invalid, "a", `unknown key "timeout.acton"`},
		{"tree key in a graph", doc(`, "next": {"type": "end"}`, "", ""), apperr.Invalid, "a", `unknown key "next"`},
		{"misspelt flow key", doc("", `, "condtion": "true"`, ""), apperr.Invalid, "f1", `flow f1 has an unknown key "condtion"`},
		{"unknown top-level key", doc("", "", `, "flowz": []`), apperr.Invalid, "flowz", `the process graph has an unknown key "flowz"`},
		{"mistyped setting", doc(`, "autoApproveSame": "yes"`, "", ""), apperr.Invalid, "a", "needs true or false for autoApproveSame"},
		{"mistyped flow", doc("", `, "default": 1`, ""), apperr.Invalid, "f1", "needs true or false for default"},
		{"nodes not a list", `{"nodes": {"s": {}}, "flows": []}`, apperr.Invalid, "nodes", "needs an array for nodes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := FromGraph([]byte(tt.src))
			e := apperr.As(err)
			if e == nil || e.Code != tt.code || e.Field != tt.field || !strings.Contains(e.Message, tt.subst) {
				t.Fatalf("err = %#v, want %s naming %q containing %q", e, tt.code, tt.field, tt.subst)
			}
			if strings.Contains(e.Message, "model.") || strings.Contains(e.Message, "[]string") {
				t.Fatalf("message names a Go type: %s", e.Message)
			}
		})
	}
}
