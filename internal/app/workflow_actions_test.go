package app_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// TestTaskActions: transfer, delegate and resolve back, remove signers,
// cc (node and ad hoc, read), urge, comment, and editing with field
// permissions.
func TestTaskActions(t *testing.T) {
	forEachServer(t, func(t *testing.T, s *server) {
		p := s.org()
		s.mustCreateForm(expenseForm())
		s.process(tree(
			approval("n1", userRule(p.a), `"fieldPerms":{"F0000003":"editable","F0000002":"readonly"}`),
			`{"type":"cc","id":"copy","assignees":`+userRule(p.director)+`}`,
			approval("n2", userRule(p.b))))
		obj, inst := s.submit(p.initiator, "10")

		// Transfer a → c: c decides instead.
		aTask := s.oneTodo(p.a, inst)
		s.mustAct(p.a, aTask, "transfer", map[string]any{"to": p.c})
		if len(s.todo(p.a, inst)) != 0 {
			t.Fatal("a kept a task after transferring it")
		}
		cTask := s.oneTodo(p.c, inst)
		// Delegate c → b; b answers, the task is c's again.
		s.mustAct(p.c, cTask, "delegate", map[string]any{"to": p.b})
		if len(s.todo(p.c, inst)) != 0 {
			t.Fatal("c's task stays pending while delegated")
		}
		s.mustAct(p.b, s.oneTodo(p.b, inst), "approve", map[string]any{"comment": "我看可以"})
		if s.oneTodo(p.c, inst) != cTask {
			t.Fatal("delegation did not resolve back to c")
		}
		// Add and remove a signer.
		s.mustAct(p.c, cTask, "add-signers", map[string]any{"users": []string{p.a}, "position": "after"})
		s.mustAct(p.c, cTask, "remove-signers", map[string]any{"users": []string{p.a}})
		if status, _ := s.act(p.c, cTask, "remove-signers", map[string]any{"users": []string{p.a}}); status != 409 {
			t.Fatalf("removing a signer twice: %d", status)
		}
		// An ad-hoc copy, a comment.
		s.mustAct(p.c, cTask, "cc", map[string]any{"users": []string{p.gm}})
		s.mustAct(p.c, cTask, "comment", map[string]any{"comment": "先记一笔"})
		// Field permissions: the editable field may change, the read-only one not.
		if status, out := s.act(p.c, cTask, "approve", map[string]any{"data": map[string]any{"F0000002": "99"}}); status != 422 || !strings.Contains(fmt.Sprint(out), "F0000002") {
			t.Fatalf("editing a read-only field: %d %v", status, out)
		}
		s.mustAct(p.c, cTask, "approve", map[string]any{"data": map[string]any{"F0000003": "已核对"}})
		bo := s.ok(map[string]any{"ActionName": "LoadBizObject", "SchemaCode": "D000002Expense", "BizObjectId": obj})["BizObject"].(map[string]any)
		if bo["F0000003"] != "已核对" || bo["F0000002"] != json.Number("10.00") {
			t.Fatalf("record after approval with data: %v", bo)
		}
		// The cc node copied the director; read marks it.
		ccs := s.mustJSON("GET", "/api/v1/tasks?view=cc", nil, 200, as(p.director)...)["items"].([]any)
		if len(ccs) != 1 || ccs[0].(map[string]any)["taskStatus"] != "unread" {
			t.Fatalf("director's cc list: %v", ccs)
		}
		s.mustAct(p.director, ccs[0].(map[string]any)["taskId"].(string), "read", nil)
		if got := s.mustJSON("GET", "/api/v1/tasks?view=cc", nil, 200, as(p.gm)...)["total"]; got != json.Number("1") {
			t.Fatalf("gm's ad-hoc copy: %v", got)
		}
		// Urge (initiator only) and a comment on the instance.
		if status, _ := s.do("POST", "/api/v1/instances/"+inst+"/urge", nil, as(p.a)...); status != 403 {
			t.Fatalf("urge by a non-initiator: %d", status)
		}
		s.mustJSON("POST", "/api/v1/instances/"+inst+"/urge", map[string]any{"comment": "请尽快"}, 200, as(p.initiator)...)
		s.mustJSON("POST", "/api/v1/instances/"+inst+"/comment", map[string]any{"comment": "补充说明"}, 200, as(p.initiator)...)
		types := map[string]int{}
		for _, h := range s.instance(inst)["history"].([]any) {
			types[h.(map[string]any)["type"].(string)]++
		}
		if types["urged"] != 1 || types["comment"] != 2 {
			t.Fatalf("history types: %v", types)
		}
		s.mustAct(p.b, s.oneTodo(p.b, inst), "approve", nil)
		s.wantState(obj, inst, "approved")
	})
}

// TestForbiddenAndEnded: acting on someone else's task, a finished task or
// an ended instance is refused and changes nothing; cancel, terminate and
// jump follow their rules.
func TestForbiddenAndEnded(t *testing.T) {
	forEachServer(t, func(t *testing.T, s *server) {
		p := s.org()
		s.mustCreateForm(expenseForm())
		s.process(tree(approval("n1", userRule(p.a)), approval("n2", userRule(p.b))))
		obj, inst := s.submit(p.initiator, "10")
		aTask := s.oneTodo(p.a, inst)
		before := fmt.Sprint(s.instance(inst))
		if status, _ := s.act(p.b, aTask, "approve", nil); status != 403 {
			t.Fatalf("approving someone else's task: %d", status)
		}
		if status, _ := s.act(p.a, "no-such-task", "approve", nil); status != 404 {
			t.Fatalf("unknown task: %d", status)
		}
		if status, _ := s.act(p.a, aTask, "fly", nil); status != 422 {
			t.Fatalf("unknown action: %d", status)
		}
		if status, _ := s.act(p.a, aTask, "transfer", map[string]any{"to": "ghost"}); status != 422 {
			t.Fatalf("transfer to nobody: %d", status)
		}
		if after := fmt.Sprint(s.instance(inst)); after != before {
			t.Fatal("a refused action changed the instance")
		}
		s.mustAct(p.a, aTask, "approve", nil)
		if status, _ := s.act(p.a, aTask, "approve", nil); status != 409 {
			t.Fatalf("approving twice: %d", status)
		}
		// Jump (administrator only) back to n1.
		if status, _ := s.do("POST", "/api/v1/instances/"+inst+"/jump", map[string]any{"toNode": "n1"}, as(p.initiator)...); status != 403 {
			t.Fatalf("jump by the initiator: %d", status)
		}
		s.mustJSON("POST", "/api/v1/instances/"+inst+"/jump", map[string]any{"toNode": "n1"}, 200)
		if pos := s.positions(inst); pos != "n1" {
			t.Fatalf("after jump: %s", pos)
		}
		// Cancel: initiator only; then everything is refused.
		if status, _ := s.do("POST", "/api/v1/instances/"+inst+"/cancel", nil, as(p.a)...); status != 403 {
			t.Fatalf("cancel by an approver: %d", status)
		}
		s.mustJSON("POST", "/api/v1/instances/"+inst+"/cancel", nil, 200, as(p.initiator)...)
		s.wantState(obj, inst, "canceled")
		if status, _ := s.act(p.a, s.firstTask(inst, p.a), "approve", nil); status != 409 {
			t.Fatalf("acting on a canceled instance: %d", status)
		}
		// Terminate: administrator only.
		obj2, inst2 := s.submit(p.initiator, "10")
		if status, _ := s.do("POST", "/api/v1/instances/"+inst2+"/terminate", nil, as(p.initiator)...); status != 403 {
			t.Fatalf("terminate by the initiator: %d", status)
		}
		s.mustJSON("POST", "/api/v1/instances/"+inst2+"/terminate", map[string]any{"comment": "重复提交"}, 200)
		s.wantState(obj2, inst2, "terminated")
	})
}

// firstTask returns some task of user in the instance, whatever its status.
func (s *server) firstTask(inst, user string) string {
	for _, tk := range s.instance(inst)["tasks"].([]any) {
		m := tk.(map[string]any)
		if m["assignee"] == user {
			return m["id"].(string)
		}
	}
	s.t.Fatalf("no task of %s in %s", user, inst)
	return ""
}

// TestModesAndGateways: sequential, vote, parallel and inclusive branches,
// empty-approver policies, auto-approve of the same approver.
func TestModesAndGateways(t *testing.T) {
	forEachServer(t, func(t *testing.T, s *server) {
		p := s.org()
		s.mustCreateForm(expenseForm())
		s.process(tree(
			approval("seq", userRule(p.a, p.b), `"mode":"sequential"`),
			approval("same", userRule(p.b), `"autoApproveSame":true`),
			`{"type":"branch","kind":"parallel","id":"par","branches":[
				{"next":`+approval("left", userRule(p.a))+`},
				{"next":`+approval("right", userRule(p.c))+`}]}`,
			`{"type":"branch","kind":"inclusive","id":"inc","branches":[
				{"condition":"F0000002 > 5","next":`+approval("big", userRule(p.a))+`},
				{"condition":"F0000002 > 1000","next":`+approval("huge", userRule(p.gm))+`},
				{"default":true}]}`,
			approval("vote", userRule(p.a, p.b, p.c), `"mode":"vote","passPercent":60`),
			approval("nobody", `[{"kind":"role","ids":["`+p.gmRole+`x"]}]`, `"emptyPolicy":"autoPass"`),
		))
		obj, inst := s.submit(p.initiator, "10")
		// Sequential: b's turn comes after a's.
		if len(s.todo(p.b, inst)) != 0 {
			t.Fatal("b's sequential turn came first")
		}
		s.mustAct(p.a, s.oneTodo(p.a, inst), "approve", nil)
		s.mustAct(p.b, s.oneTodo(p.b, inst), "approve", nil)
		// "same" was approved automatically (b approved the previous node).
		if pos := s.positions(inst); pos != "left,right" && pos != "right,left" {
			t.Fatalf("after auto-approve: at %s, want both parallel branches", pos)
		}
		s.mustAct(p.c, s.oneTodo(p.c, inst), "approve", nil)
		if pos := s.positions(inst); pos != "left" {
			t.Fatalf("parallel join passed with a branch open: %s", pos)
		}
		s.mustAct(p.a, s.oneTodo(p.a, inst), "approve", nil)
		// Inclusive: 10 matches only "big".
		if pos := s.positions(inst); pos != "big" {
			t.Fatalf("inclusive split: %s, want big", pos)
		}
		s.mustAct(p.a, s.oneTodo(p.a, inst), "approve", nil)
		// Vote 60%: a approves, b rejects, c approves → 2/3 ≥ 60%.
		s.mustAct(p.a, s.oneTodo(p.a, inst), "approve", nil)
		s.mustAct(p.b, s.oneTodo(p.b, inst), "reject", nil)
		if pos := s.positions(inst); pos != "vote" {
			t.Fatalf("vote decided early: %s", pos)
		}
		s.mustAct(p.c, s.oneTodo(p.c, inst), "approve", nil)
		// "nobody" resolves to no one and passes.
		s.wantState(obj, inst, "approved")
	})
}

// TestInvalidDefinitions: rejected at upload, naming the node.
func TestInvalidDefinitions(t *testing.T) {
	forEachServer(t, func(t *testing.T, s *server) {
		p := s.org()
		s.mustCreateForm(expenseForm())
		graph := func(nodes, flows string) string { return `{"nodes":` + nodes + `,"flows":` + flows + `}` }
		cases := []struct{ name, body, field string }{
			{"unreachable node", graph(`[{"id":"s","type":"start"},{"id":"x","type":"approval","assignees":`+userRule(p.a)+`},{"id":"e","type":"end"}]`,
				`[{"id":"f1","from":"s","to":"e"},{"id":"f2","from":"x","to":"e"}]`), "x"},
			{"join without split", graph(`[{"id":"s","type":"start"},{"id":"a","type":"approval","assignees":`+userRule(p.a)+`},{"id":"j","type":"parallel"},{"id":"e","type":"end"}]`,
				`[{"id":"f1","from":"s","to":"a"},{"id":"f2","from":"a","to":"j"},{"id":"f3","from":"s","to":"j"},{"id":"f4","from":"j","to":"e"}]`), ""},
			{"unknown field in a condition", tree(`{"type":"branch","kind":"exclusive","id":"g","branches":[{"condition":"F9999 > 1","next":` + approval("x", userRule(p.a)) + `},{"default":true}]}`), ""},
			{"cycle without exit", graph(`[{"id":"s","type":"start"},{"id":"a","type":"approval","assignees":`+userRule(p.a)+`},{"id":"b","type":"approval","assignees":`+userRule(p.b)+`},{"id":"e","type":"end"}]`,
				`[{"id":"f1","from":"s","to":"a"},{"id":"f2","from":"a","to":"b"},{"id":"f3","from":"b","to":"a"}]`), ""},
			{"bad mode", tree(approval("x", userRule(p.a), `"mode":"maybe"`)), "x"},
		}
		for _, c := range cases {
			status, out := s.do("PUT", "/api/v1/forms/D000002Expense/workflow", c.body)
			if status != 422 && status != 400 {
				t.Fatalf("%s: HTTP %d %s", c.name, status, out)
			}
			e := decode(t, out)["error"].(map[string]any)
			if c.field != "" && e["field"] != c.field {
				t.Fatalf("%s: field %v, want %s (%s)", c.name, e["field"], c.field, e["message"])
			}
			if e["message"] == "" {
				t.Fatalf("%s: no message", c.name)
			}
		}
		// Nothing was stored: the form still has no process.
		if status, _ := s.do("GET", "/api/v1/forms/D000002Expense/workflow", nil); status == 200 {
			t.Fatal("an invalid process was stored")
		}
		// A non-workflow form takes no process.
		s.mustCreateForm(contractForm())
		if status, _ := s.do("PUT", "/api/v1/forms/D000001Contract/workflow", tree(approval("x", userRule(p.a)))); status != 409 {
			t.Fatalf("process on a form without workflow: %d", status)
		}
	})
}

// TestSimulate: the path and the people asked, without writing anything.
func TestSimulate(t *testing.T) {
	forEachServer(t, func(t *testing.T, s *server) {
		p := s.org()
		s.mustCreateForm(expenseForm())
		s.process(tree(approval("lead", `[{"kind":"leader","level":2,"continuous":true}]`),
			`{"type":"branch","kind":"exclusive","id":"g","branches":[{"condition":"F0000002 > 10000","next":`+
				approval("gm", `[{"kind":"role","ids":["`+p.gmRole+`"]}]`)+`},{"default":true}]}`))
		out := s.mustJSON("POST", "/api/v1/workflow/simulate", map[string]any{"form": "D000002Expense",
			"values": map[string]any{"F0000002": "20000"}, "initiator": p.initiator}, 200)
		var path []string
		for _, st := range out["steps"].([]any) {
			m := st.(map[string]any)
			step := m["node"].(string)
			if as, ok := m["assignees"].([]any); ok {
				step += fmt.Sprint(as)
			}
			path = append(path, step)
		}
		want := fmt.Sprintf("start lead[%s %s] g gm[%s] g_join", p.leader, p.director, p.gm)
		if got := strings.Join(path, " "); !strings.HasPrefix(got, want) {
			t.Fatalf("path %q, want prefix %q", got, want)
		}
		if got := s.mustJSON("GET", "/api/v1/tasks?view=todo", nil, 200, as(p.leader)...)["total"]; got != json.Number("0") {
			t.Fatalf("a simulation created tasks: %v", got)
		}
		if status, _ := s.do("POST", "/api/v1/workflow/simulate", map[string]any{"form": "D000002Expense", "values": map[string]any{"F404": 1}}); status != 422 {
			t.Fatalf("simulate with an unknown field: %d", status)
		}
		// An initiator who does not exist, or a misspelt key, is refused,
		// not simulated as the administrator.
		for _, c := range []struct {
			body  map[string]any
			field string
		}{
			{map[string]any{"form": "D000002Expense", "initiator": "null"}, "initiator"},
			{map[string]any{"form": "D000002Expense", "initiator": "no-such-user"}, "initiator"},
			{map[string]any{"form": "D000002Expense", "initator": p.initiator}, "initator"},
		} {
			status, out := s.do("POST", "/api/v1/workflow/simulate", c.body)
			if status != 422 || decode(t, out)["error"].(map[string]any)["field"] != c.field {
				t.Fatalf("simulate %v: %d %s", c.body, status, out)
			}
		}
		// Without an initiator the administrator submits.
		out = s.mustJSON("POST", "/api/v1/workflow/simulate", map[string]any{"form": "D000002Expense", "initiator": nil}, 200)
		if steps := out["steps"].([]any); len(steps) < 2 || steps[0].(map[string]any)["node"] != "start" {
			t.Fatalf("simulate as the administrator: %v", steps)
		}
	})
}

// TestReadCCAfterEnd: a cc sent by the last node finishes the instance;
// its reader can still mark it read, once, and nothing else changes.
func TestReadCCAfterEnd(t *testing.T) {
	forEachServer(t, func(t *testing.T, s *server) {
		p := s.org()
		s.mustCreateForm(expenseForm())
		s.process(tree(approval("n1", userRule(p.a)), `{"type":"cc","id":"copy","name":"抄送","assignees":`+userRule(p.director)+`}`))
		obj, inst := s.submit(p.initiator, "10")
		s.mustAct(p.a, s.oneTodo(p.a, inst), "approve", nil)
		s.wantState(obj, inst, "approved")
		ccs := s.mustJSON("GET", "/api/v1/tasks?view=cc", nil, 200, as(p.director)...)["items"].([]any)
		if len(ccs) != 1 || ccs[0].(map[string]any)["taskStatus"] != "unread" {
			t.Fatalf("director's cc list: %v", ccs)
		}
		cc := ccs[0].(map[string]any)["taskId"].(string)
		if status, _ := s.act(p.a, cc, "read", nil); status != 403 {
			t.Fatalf("reading someone else's cc: %d", status)
		}
		status, out := s.act(p.director, cc, "read", nil)
		if status != 200 || out["status"] != "read" || out["instanceStatus"] != "approved" {
			t.Fatalf("read on an ended instance: %d %v", status, out)
		}
		if status, _ := s.act(p.director, cc, "read", nil); status != 409 {
			t.Fatalf("reading twice: %d", status)
		}
		if got := s.mustJSON("GET", "/api/v1/tasks/"+cc, nil, 200)["status"]; got != "read" {
			t.Fatalf("cc task after read: %v", got)
		}
		// Reading is all an ended instance allows besides comments.
		if status, _ := s.act(p.director, cc, "cc", map[string]any{"users": []string{p.b}}); status != 409 {
			t.Fatalf("cc from an ended instance: %d", status)
		}
		s.wantState(obj, inst, "approved")
	})
}

// TestRemoveBeforeSigners: the signers a task added before itself can be
// removed while it waits for them; once none is left to sign, it is the
// adder's turn again.
func TestRemoveBeforeSigners(t *testing.T) {
	forEachServer(t, func(t *testing.T, s *server) {
		p := s.org()
		s.mustCreateForm(expenseForm())
		s.process(tree(approval("n1", userRule(p.a)), approval("n2", userRule(p.gm))))
		obj, inst := s.submit(p.initiator, "10")
		aTask := s.oneTodo(p.a, inst)
		s.mustAct(p.a, aTask, "add-signers", map[string]any{"users": []string{p.b, p.c}, "position": "before"})
		if got := s.mustJSON("GET", "/api/v1/tasks/"+aTask, nil, 200)["status"]; got != "waiting" {
			t.Fatalf("a's task after adding before-signers: %v", got)
		}
		s.mustAct(p.b, s.oneTodo(p.b, inst), "approve", nil)
		cTask := s.oneTodo(p.c, inst)
		// Someone else cannot remove them, and a cannot remove nobody.
		if status, _ := s.act(p.b, aTask, "remove-signers", map[string]any{"users": []string{p.c}}); status != 403 {
			t.Fatalf("remove-signers on someone else's task: %d", status)
		}
		if status, _ := s.act(p.a, aTask, "remove-signers", map[string]any{"users": []string{p.gm}}); status != 409 {
			t.Fatalf("removing a user who was not added: %d", status)
		}
		status, out := s.act(p.a, aTask, "remove-signers", map[string]any{"users": []string{p.c}})
		if status != 200 || out["status"] != "pending" {
			t.Fatalf("remove-signers on a waiting task: %d %v", status, out)
		}
		if got := s.mustJSON("GET", "/api/v1/tasks/"+cTask, nil, 200)["status"]; got != "canceled" {
			t.Fatalf("the removed signer's task: %v", got)
		}
		if len(s.todo(p.c, inst)) != 0 || s.oneTodo(p.a, inst) != aTask {
			t.Fatal("after removing c: c keeps a task or it is not a's turn")
		}
		// A waiting task still cannot approve.
		s.mustAct(p.a, aTask, "add-signers", map[string]any{"users": []string{p.c}, "position": "before"})
		if status, _ := s.act(p.a, aTask, "approve", nil); status != 409 {
			t.Fatalf("approving while waiting for a before-signer: %d", status)
		}
		s.mustAct(p.a, aTask, "remove-signers", nil) // all of them
		s.mustAct(p.a, aTask, "approve", nil)
		if pos := s.positions(inst); pos != "n2" {
			t.Fatalf("after a approved: %s, want n2", pos)
		}
		s.mustAct(p.gm, s.oneTodo(p.gm, inst), "approve", nil)
		s.wantState(obj, inst, "approved")
	})
}

// TestUnknownProcessKeys: a misspelt or unknown key in any process format
// is a 422 naming the node (or flow) and the key, and nothing is stored.
func TestUnknownProcessKeys(t *testing.T) {
	forEachServer(t, func(t *testing.T, s *server) {
		p := s.org()
		s.mustCreateForm(expenseForm())
		graph := `{"nodes":[{"id":"s","type":"start"},{"id":"boss","type":"approval","assignees":` + userRule(p.a) + `%s},{"id":"e","type":"end"}],` +
			`"flows":[{"id":"f1","from":"s","to":"boss"%s},{"id":"f2","from":"boss","to":"e"}]}`
		cases := []struct{ name, body, field, key string }{
			{"tree: misspelt assignees", tree(`{"type":"approval","id":"manager","assignes":` + userRule(p.a) + `}`), "manager", `"assignes"`},
			{"tree: misspelt key of an assignee", tree(`{"type":"approval","id":"manager","assignees":[{"kind":"user","id":["` + p.a + `"]}]}`), "manager", `"assignees[0].id"`},
			{"graph: misspelt rejectPolicy", fmt.Sprintf(graph, `,"rejectPolcy":"initiator"`, ""), "boss", `"rejectPolcy"`},
			{"graph: misspelt flow condition", fmt.Sprintf(graph, "", `,"conditon":"true"`), "f1", `"conditon"`},
		}
		for _, c := range cases {
			status, out := s.do("PUT", "/api/v1/forms/D000002Expense/workflow", c.body)
			if status != 422 {
				t.Fatalf("%s: HTTP %d, want 422: %s", c.name, status, out)
			}
			e := decode(t, out)["error"].(map[string]any)
			msg := e["message"].(string)
			if e["field"] != c.field || !strings.Contains(msg, c.key) || !strings.Contains(msg, "(node "+c.field) && !strings.Contains(msg, "(flow "+c.field) {
				t.Fatalf("%s: field %v, message %q; want %s and %s named", c.name, e["field"], msg, c.field, c.key)
			}
		}
		if status, _ := s.do("GET", "/api/v1/forms/D000002Expense/workflow", nil); status != 404 && status != 409 {
			t.Fatalf("a refused process was stored: %d", status)
		}
		// The graph a simulation tries is read the same way.
		var def any
		json.Unmarshal([]byte(fmt.Sprintf(graph, `,"rejectPolcy":"initiator"`, "")), &def)
		status, out := s.do("POST", "/api/v1/workflow/simulate", map[string]any{"form": "D000002Expense", "definition": def})
		if status != 422 || !strings.Contains(string(out), "rejectPolcy") {
			t.Fatalf("simulate with an unknown key: %d %s", status, out)
		}
		// Spelt right, both formats store and run.
		s.mustJSON("PUT", "/api/v1/forms/D000002Expense/workflow", fmt.Sprintf(graph, `,"rejectPolicy":"initiator"`, ""), 200)
		stored := s.mustJSON("GET", "/api/v1/forms/D000002Expense/workflow", nil, 200)["definition"].(map[string]any)
		if boss := stored["nodes"].([]any)[1].(map[string]any); boss["rejectPolicy"] != "initiator" {
			t.Fatalf("stored node: %v", boss)
		}
		// BPMN: a tritium: setting where Tritium reads none is refused too.
		status, xml := s.do("GET", "/api/v1/forms/D000002Expense/workflow?format=bpmn", nil)
		if status != 200 || !strings.Contains(string(xml), `<bpmn:sequenceFlow id="f1" `) {
			t.Fatalf("export: %d %s", status, xml)
		}
		for _, c := range []struct{ edit, field, key string }{
			{strings.Replace(string(xml), `<bpmn:sequenceFlow id="f1" `, `<bpmn:sequenceFlow tritium:condition="F0000002 &gt; 1" id="f1" `, 1), "f1", "tritium:condition"},
			{strings.Replace(string(xml), `<bpmn:userTask id="boss"`, `<bpmn:userTask tritium:rejectPolcy="initiator" id="boss"`, 1), "boss", "tritium:rejectPolcy"},
		} {
			status, out := s.do("PUT", "/api/v1/forms/D000002Expense/workflow", c.edit, "Content-Type", "application/xml")
			if status != 422 || decode(t, out)["error"].(map[string]any)["field"] != c.field || !strings.Contains(string(out), c.key) {
				t.Fatalf("BPMN with %s: %d %s", c.key, status, out)
			}
		}
		s.mustJSON("PUT", "/api/v1/forms/D000002Expense/workflow", string(xml), 200, "Content-Type", "application/xml")
	})
}
