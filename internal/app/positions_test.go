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

// TestOrgBatchUpsert: an ERP syncs master data in one call per kind —
// each item created or updated by its externalId, on its own, with its
// outcome; a refused item names its problem and leaves the others be.
func TestOrgBatchUpsert(t *testing.T) {
	forEachServer(t, func(t *testing.T, s *server) {
		out := s.mustJSON("POST", "/api/v1/departments:upsert", map[string]any{"items": []any{
			map[string]any{"externalId": "D-1", "name": "销售部"},
			map[string]any{"externalId": "D-2", "name": "采购部"},
		}}, 200)
		if fmt.Sprintf("%v %v %v", out["created"], out["updated"], out["failed"]) != "2 0 0" {
			t.Fatalf("departments: %v", out)
		}
		sales := out["items"].([]any)[0].(map[string]any)["id"].(string)
		out = s.mustJSON("POST", "/api/v1/users:upsert", map[string]any{"items": []any{
			map[string]any{"externalId": "E-1", "name": "张三", "loginName": "zs", "departmentId": sales},
			map[string]any{"externalId": "E-2", "name": "李四", "departmentId": "no-such-dept"},
			map[string]any{"externalId": "E-3", "name": "王五", "loginName": "zs"},
			map[string]any{"name": "无编号"},
			"not an object",
			map[string]any{"externalId": "E-1", "title": "销售经理"},
		}}, 200)
		items := out["items"].([]any)
		if fmt.Sprintf("%v %v %v", out["created"], out["updated"], out["failed"]) != "1 1 4" || len(items) != 6 {
			t.Fatalf("users: %v", out)
		}
		for i, want := range []string{"", "departmentId", "loginName", "externalId", "items", ""} {
			it := items[i].(map[string]any)
			e, _ := it["error"].(map[string]any)
			if (want == "") != (e == nil) || (e != nil && e["field"] != want) {
				t.Errorf("item %d: %v, want error on %q", i, it, want)
			}
		}
		if items[0].(map[string]any)["id"] != items[5].(map[string]any)["id"] || items[5].(map[string]any)["created"] != nil {
			t.Errorf("the second E-1 should update the first: %v", items)
		}
		u := s.mustJSON("GET", "/api/v1/users/"+items[0].(map[string]any)["id"].(string), nil, 200)
		if u["title"] != "销售经理" || u["departmentId"] != sales {
			t.Errorf("E-1 after the batch: %v", u)
		}
		if l := s.mustJSON("GET", "/api/v1/users?search=王五", nil, 200); fmt.Sprint(l["total"]) != "0" {
			t.Errorf("a refused item was written: %v", l)
		}
		big := make([]any, 1001)
		for i := range big {
			big[i] = map[string]any{"externalId": fmt.Sprint("R-", i), "name": "r"}
		}
		if status, body := s.do("POST", "/api/v1/roles:upsert", map[string]any{"items": big}); status != 422 || !strings.Contains(string(body), "1000") {
			t.Errorf("1,001 items: HTTP %d %s", status, body)
		}
		if status, _ := s.do("POST", "/api/v1/roles:upsert", map[string]any{"items": []any{}}, as(items[0].(map[string]any)["id"].(string))...); status != 403 {
			t.Errorf("a user's batch upsert: HTTP %d, want 403", status)
		}
	})
}

// TestUserPositionIDs: a user's positions are written and read on the
// user (positionIds) as well as on the position (memberIds), on create,
// update and upsert; an unknown position names positionIds.
func TestUserPositionIDs(t *testing.T) {
	forEachServer(t, func(t *testing.T, s *server) {
		p1 := s.mustJSON("POST", "/api/v1/positions", map[string]any{"code": "P1", "name": "会计"}, 201)["id"].(string)
		p2 := s.mustJSON("POST", "/api/v1/positions", map[string]any{"code": "P2", "name": "出纳"}, 201)["id"].(string)
		u := s.mustJSON("POST", "/api/v1/users", map[string]any{"name": "钱会计", "positionIds": []string{p1}}, 201)
		id := u["id"].(string)
		if fmt.Sprint(u["positionIds"]) != "["+p1+"]" {
			t.Fatalf("created user: %v", u)
		}
		if p := s.mustJSON("GET", "/api/v1/positions/"+p1, nil, 200); fmt.Sprint(p["memberIds"]) != "["+id+"]" {
			t.Errorf("position members: %v", p["memberIds"])
		}
		s.mustJSON("PATCH", "/api/v1/users/"+id, map[string]any{"title": "会计"}, 200) // positions untouched
		if got := s.mustJSON("PATCH", "/api/v1/users/"+id, map[string]any{"positionIds": []string{p2, p1, p2}}, 200); fmt.Sprint(got["positionIds"]) != fmt.Sprint(sortedPair(p1, p2)) {
			t.Errorf("after PATCH: %v", got["positionIds"])
		}
		up := s.mustJSON("POST", "/api/v1/users:upsert", map[string]any{"items": []any{
			map[string]any{"externalId": "E-9", "name": "孙出纳", "positionIds": []string{p2}},
			map[string]any{"externalId": "E-10", "name": "错", "positionIds": []string{"no-such"}},
			map[string]any{"externalId": "E-11", "name": "错", "positionIds": "P2"},
		}}, 200)
		items := up["items"].([]any)
		if e := items[1].(map[string]any)["error"].(map[string]any); e["field"] != "positionIds" || !strings.Contains(fmt.Sprint(e["message"]), "no-such") {
			t.Errorf("unknown position in a batch: %v", e)
		}
		if e, _ := items[2].(map[string]any)["error"].(map[string]any); e == nil || e["field"] != "positionIds" {
			t.Errorf("positionIds not an array: %v", items[2])
		}
		e9 := items[0].(map[string]any)["id"].(string)
		if l := s.mustJSON("GET", "/api/v1/users?search=孙出纳", nil, 200); fmt.Sprint(l["items"].([]any)[0].(map[string]any)["positionIds"]) != "["+p2+"]" {
			t.Errorf("list shows positions: %v", l)
		}
		if status, body := s.do("POST", "/api/v1/users", map[string]any{"name": "x", "positionIds": []string{"no-such"}}); status != 422 || decodeErr(t, body)["field"] != "positionIds" {
			t.Errorf("unknown position: HTTP %d %s", status, body)
		}
		if status, body := s.do("PUT", "/api/v1/users/external/E-9", map[string]any{"positionIds": []string{""}}); status != 422 || decodeErr(t, body)["field"] != "positionIds" {
			t.Errorf("empty position id: HTTP %d %s", status, body)
		}
		s.mustJSON("DELETE", "/api/v1/positions/"+p2, nil, 204)
		if got := s.mustJSON("GET", "/api/v1/users/"+e9, nil, 200); fmt.Sprint(got["positionIds"]) != "[]" {
			t.Errorf("after the position's delete: %v", got["positionIds"])
		}
	})
}

func sortedPair(a, b string) []string {
	if a > b {
		a, b = b, a
	}
	return []string{a, b}
}
