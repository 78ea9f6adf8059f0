package app_test

import (
	"strings"
	"testing"
)

// TestDepartmentAssignees: a department rule asks its direct members;
// with includeSubDepartments also everyone in the departments below, a
// department before the ones under it, disabled users left out.
func TestDepartmentAssignees(t *testing.T) {
	forEachServer(t, func(t *testing.T, s *server) {
		p := s.org() // 事业部 (Leader) ⊃ 销售组 (Initiator)
		sub := s.mustJSON("POST", "/api/v1/departments", map[string]any{"name": "华东", "parentId": p.dept}, 201)["id"].(string)
		east := s.mustJSON("POST", "/api/v1/users", map[string]any{"name": "East", "loginName": "east", "departmentId": sub}, 201)["id"].(string)
		gone := s.mustJSON("POST", "/api/v1/users", map[string]any{"name": "Gone", "loginName": "gone", "departmentId": sub}, 201)["id"].(string)
		s.mustJSON("PATCH", "/api/v1/users/"+gone, map[string]any{"enabled": false}, 200)
		top := s.mustJSON("GET", "/api/v1/departments/"+p.dept, nil, 200)["parentId"].(string)
		s.mustCreateForm(expenseForm())
		s.process(tree(
			approval("direct", `[{"kind":"department","ids":["`+top+`"]}]`),
			approval("below", `[{"kind":"department","ids":["`+top+`"],"includeSubDepartments":true}]`, `"mode":"all"`)))
		_, inst := s.submit(p.initiator, "10")
		if got := s.assignees(inst, "direct"); got != p.leader {
			t.Fatalf("direct members of 事业部: %s, want only the leader %s", got, p.leader)
		}
		s.mustAct(p.leader, s.oneTodo(p.leader, inst), "approve", nil)
		if got, want := s.assignees(inst, "below"), strings.Join([]string{p.leader, p.initiator, east}, ","); got != want {
			t.Fatalf("事业部 and below: %s, want %s", got, want)
		}
		// The setting belongs to department rules only.
		status, out := s.do("PUT", "/api/v1/forms/D000002Expense/workflow",
			tree(approval("x", `[{"kind":"role","ids":["`+p.gmRole+`"],"includeSubDepartments":true}]`)))
		if status != 422 || !strings.Contains(string(out), "includeSubDepartments") {
			t.Fatalf("includeSubDepartments on a role rule: %d %s", status, out)
		}
	})
}

// assignees lists who got a task at node, in order.
func (s *server) assignees(inst, node string) string {
	s.t.Helper()
	var ids []string
	for _, x := range s.instance(inst)["tasks"].([]any) {
		if x := x.(map[string]any); x["node"] == node {
			ids = append(ids, x["assignee"].(string))
		}
	}
	return strings.Join(ids, ",")
}
