package app_test

import (
	"fmt"
	"strings"
	"testing"
)

// TestPositionsEndToEnd: positions through REST — batch-friendly upsert by
// the caller's code, members — as approvers of a workflow node and as the
// principal of a permission grant.
func TestPositionsEndToEnd(t *testing.T) {
	forEachServer(t, func(t *testing.T, s *server) {
		dept := s.mustJSON("POST", "/api/v1/departments", map[string]any{"name": "财务部"}, 201)["id"].(string)
		user := func(name string) string {
			return s.mustJSON("POST", "/api/v1/users", map[string]any{"name": name, "departmentId": dept}, 201)["id"].(string)
		}
		holder, other, initiator := user("钱会计"), user("孙出纳"), user("周员工")
		pos := s.mustJSON("PUT", "/api/v1/positions/external/HR-P-01", map[string]any{"code": "CW-KJ", "name": "会计", "departmentId": dept, "memberIds": []string{holder}}, 201)
		if pos["code"] != "CW-KJ" || fmt.Sprint(pos["memberIds"]) != "["+holder+"]" {
			t.Fatalf("position: %v", pos)
		}
		id := pos["id"].(string)
		if again := s.mustJSON("PUT", "/api/v1/positions/external/HR-P-01", map[string]any{"name": "总账会计"}, 200); again["id"] != id || again["code"] != "CW-KJ" {
			t.Fatalf("upsert again: %v", again)
		}
		if l := s.mustJSON("GET", "/api/v1/positions?departmentId="+dept, nil, 200); fmt.Sprint(l["total"]) != "1" {
			t.Fatalf("list by department: %v", l)
		}
		if status, body := s.do("POST", "/api/v1/positions", map[string]any{"code": "CW-KJ", "name": "重复"}); status != 409 || !strings.Contains(string(body), "code") {
			t.Fatalf("duplicate code: HTTP %d %s", status, body)
		}
		if status, _ := s.do("PATCH", "/api/v1/positions/"+id, map[string]any{"memberIds": []string{holder, other}}, as(other)...); status != 403 {
			t.Fatalf("a user joining a position: HTTP %d, want 403", status)
		}

		// The position approves.
		s.mustCreateForm(expenseForm())
		s.process(tree(approval("fin", `[{"kind":"position","ids":["`+id+`"]}]`)))
		rec := s.mustJSON("POST", "/api/v1/forms/D000002Expense/records?submit=true", map[string]any{"F0000001": "差旅", "F0000002": "10"}, 201, as(initiator)...)
		inst := rec["WorkflowInstanceId"].(string)
		if len(s.todo(holder, inst)) != 1 || len(s.todo(other, inst)) != 0 {
			t.Fatalf("the position's holder should have the one task: holder %v, other %v", s.todo(holder, inst), s.todo(other, inst))
		}

		// A grant for the position: its holder sees every contract.
		s.mustCreateForm(contractForm())
		s.mustJSON("POST", "/api/v1/forms/D000001Contract/records?submit=true", map[string]any{"F0000001": "合同"}, 201)
		s.mustJSON("PUT", "/api/v1/forms/D000001Contract/permissions", map[string]any{"grants": []any{
			map[string]any{"id": "accounting", "principal": map[string]any{"kind": "position", "id": id}, "actions": []string{"view"}, "scope": "all"}}}, 200)
		for u, want := range map[string]string{holder: "1", other: "0"} {
			if l := s.mustJSON("GET", "/api/v1/forms/D000001Contract/records", nil, 200, as(u)...); fmt.Sprint(l["total"]) != want {
				t.Errorf("user %s sees %v contracts, want %s", u, l["total"], want)
			}
		}
		e := s.mustJSON("GET", "/api/v1/forms/D000001Contract/permissions/explain?user="+holder, nil, 200)
		if fmt.Sprint(e["user"].(map[string]any)["positions"]) != "["+id+"]" {
			t.Errorf("explain: %v", e["user"])
		}
		if status, body := s.do("PUT", "/api/v1/forms/D000001Contract/permissions", map[string]any{"grants": []any{
			map[string]any{"principal": map[string]any{"kind": "position", "id": "no-such"}, "actions": []string{"view"}, "scope": "all"}}}); status != 422 || !strings.Contains(string(body), "no-such") {
			t.Errorf("a grant for an unknown position: HTTP %d %s", status, body)
		}
	})
}
