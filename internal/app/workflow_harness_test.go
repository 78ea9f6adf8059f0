package app_test

import (
	"encoding/json"
	"fmt"
	"strings"
)

// people is an organisation for approvals: initiator → leader → director
// (department managers), plus approvers a, b, c and a general manager role.
type people struct {
	initiator, leader, director, a, b, c, gm string
	gmRole, dept                             string
}

func (s *server) mustJSON(method, path string, body any, want int, hdr ...string) map[string]any {
	s.t.Helper()
	status, out := s.do(method, path, body, hdr...)
	if status != want {
		s.t.Fatalf("%s %s: HTTP %d, want %d: %s", method, path, status, want, out)
	}
	if len(out) == 0 {
		return nil
	}
	return decode(s.t, out)
}

func (s *server) org() people {
	s.t.Helper()
	var p people
	user := func(name string, extra map[string]any) string {
		body := map[string]any{"name": name, "loginName": strings.ToLower(name), "email": strings.ToLower(name) + "@example.com"}
		for k, v := range extra {
			body[k] = v
		}
		return s.mustJSON("POST", "/api/v1/users", body, 201)["id"].(string)
	}
	p.director = user("Director", nil)
	top := s.mustJSON("POST", "/api/v1/departments", map[string]any{"name": "事业部", "managerId": p.director}, 201)["id"].(string)
	p.leader = user("Leader", map[string]any{"departmentId": top})
	p.dept = s.mustJSON("POST", "/api/v1/departments", map[string]any{"name": "销售组", "parentId": top, "managerId": p.leader}, 201)["id"].(string)
	p.initiator = user("Initiator", map[string]any{"departmentId": p.dept})
	p.a, p.b, p.c = user("ApproverA", nil), user("ApproverB", nil), user("ApproverC", nil)
	p.gm = user("GM", nil)
	p.gmRole = s.mustJSON("POST", "/api/v1/roles", map[string]any{"name": "总经理", "memberIds": []string{p.gm}}, 201)["id"].(string)
	return p
}

// expenseForm is a workflow form: a title, an amount, a note an approver
// may edit.
func expenseForm() map[string]any {
	return map[string]any{
		"code": "D000002Expense", "name": "报销", "workflow": true,
		"fields": []map[string]any{
			{"code": "F0000001", "name": "事由", "type": "text", "required": true},
			{"code": "F0000002", "name": "金额", "type": "decimal", "scale": 2},
			{"code": "F0000003", "name": "审批备注", "type": "text"},
		},
	}
}

// as is the header pair that makes a call act as user.
func as(user string) []string { return []string{"X-User-Id-Type", "USERID", "X-User-Id", user} }

// grant adds to a form's default grants one for user: actions on every
// record (tests of workflow behaviour that need a user beyond the
// participants to reach a record).
func (s *server) grant(form, user string, actions ...string) {
	s.t.Helper()
	s.mustJSON("PUT", "/api/v1/forms/"+form+"/permissions", map[string]any{"grants": []any{
		map[string]any{"principal": map[string]any{"kind": "everyone"}, "actions": []string{"create"}, "scope": "all"},
		map[string]any{"principal": map[string]any{"kind": "everyone"}, "actions": []string{"view", "edit", "delete", "submit"}, "scope": "custom", "rule": "CreatedBy = @user.id && Status = 0"},
		map[string]any{"principal": map[string]any{"kind": "user", "id": user}, "actions": actions, "scope": "all"},
	}}, 200)
}

// process stores a process (an approval tree) for the expense form.
func (s *server) process(tree string) {
	s.t.Helper()
	s.mustJSON("PUT", "/api/v1/forms/D000002Expense/workflow", tree, 200)
}

// submit creates an expense through the H3Yun endpoint, submitted by owner.
func (s *server) submit(owner string, amount string) (objectID, instanceID string) {
	s.t.Helper()
	rd := s.ok(map[string]any{"ActionName": "CreateBizObject", "SchemaCode": "D000002Expense", "IsSubmit": true,
		"BizObject": jsonString(map[string]any{"F0000001": "差旅", "F0000002": amount, "OwnerId": owner})})
	return rd["BizObjectId"].(string), rd["WorkflowInstanceId"].(string)
}

// todo returns user's pending task ids for the instance (all when instance
// is "").
func (s *server) todo(user, instance string) []string {
	s.t.Helper()
	out := s.mustJSON("GET", "/api/v1/tasks?view=todo&pageSize=500", nil, 200, as(user)...)
	var ids []string
	for _, it := range out["items"].([]any) {
		m := it.(map[string]any)
		if instance == "" || m["instanceId"] == instance {
			ids = append(ids, m["taskId"].(string))
		}
	}
	return ids
}

// oneTodo returns user's single pending task of the instance.
func (s *server) oneTodo(user, instance string) string {
	s.t.Helper()
	ids := s.todo(user, instance)
	if len(ids) != 1 {
		s.t.Fatalf("user %s has %d pending tasks on %s, want 1", user, len(ids), instance)
	}
	return ids[0]
}

// act performs a task action as user and returns the HTTP status.
func (s *server) act(user, task, action string, body any) (int, map[string]any) {
	s.t.Helper()
	status, out := s.do("POST", "/api/v1/tasks/"+task+"/"+action, body, as(user)...)
	if len(out) == 0 || out[0] != '{' {
		return status, nil
	}
	return status, decode(s.t, out)
}

func (s *server) mustAct(user, task, action string, body any) {
	s.t.Helper()
	if status, out := s.act(user, task, action, body); status != 200 {
		s.t.Fatalf("%s %s as %s: HTTP %d %v", action, task, user, status, out)
	}
}

func (s *server) instance(id string) map[string]any {
	s.t.Helper()
	return s.mustJSON("GET", "/api/v1/instances/"+id, nil, 200)
}

// objectStatus returns the record's Status and WorkflowInstanceId.
func (s *server) objectStatus(objectID string) (json.Number, string) {
	s.t.Helper()
	bo := s.ok(map[string]any{"ActionName": "LoadBizObject", "SchemaCode": "D000002Expense", "BizObjectId": objectID})["BizObject"].(map[string]any)
	return bo["Status"].(json.Number), bo["WorkflowInstanceId"].(string)
}

// wantState checks the instance status and that the record agrees.
func (s *server) wantState(objectID, instanceID, status string) {
	s.t.Helper()
	inst := s.instance(instanceID)
	if inst["status"] != status {
		s.t.Fatalf("instance %s is %v, want %s", instanceID, inst["status"], status)
	}
	want := map[string]string{"running": "2", "approved": "1", "rejected": "3", "canceled": "3", "terminated": "3"}[status]
	got, wid := s.objectStatus(objectID)
	if string(got) != want || wid != instanceID {
		s.t.Fatalf("record Status %s instance %q, want %s %q", got, wid, want, instanceID)
	}
}

// positions lists the node ids the instance waits at.
func (s *server) positions(instanceID string) string {
	s.t.Helper()
	var ns []string
	for _, p := range s.instance(instanceID)["positions"].([]any) {
		ns = append(ns, p.(map[string]any)["node"].(string))
	}
	return strings.Join(ns, ",")
}

func users(ids ...string) string {
	b, _ := json.Marshal(ids)
	return string(b)
}

// tree builds an approval tree: start, the given nodes, end.
func tree(nodes ...string) string {
	out := `{"type":"end"}`
	for i := len(nodes) - 1; i >= 0; i-- {
		n := nodes[i]
		out = n[:len(n)-1] + `,"next":` + out + `}`
	}
	return `{"type":"start","id":"start","next":` + out + `}`
}

func approval(id, assignees string, extra ...string) string {
	s := fmt.Sprintf(`{"type":"approval","id":%q,"name":%q,"assignees":%s`, id, id, assignees)
	for _, e := range extra {
		s += "," + e
	}
	return s + "}"
}

func userRule(ids ...string) string { return `[{"kind":"user","ids":` + users(ids...) + `}]` }
