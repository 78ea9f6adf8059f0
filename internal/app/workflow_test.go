package app_test

import (
	"encoding/json"
	"strings"
	"sync"
	"testing"
)

// TestTwoLevelApproval: leader, then (over 10,000) the general manager;
// the record's Status follows the instance; lists and history show it.
func TestTwoLevelApproval(t *testing.T) {
	forEachServer(t, func(t *testing.T, s *server) {
		p := s.org()
		s.mustCreateForm(expenseForm())
		s.process(`{"type":"start","id":"start","name":"提交","next":
			{"type":"approval","id":"lead","name":"主管审批","assignees":[{"kind":"leader","level":1}],"next":
			{"type":"branch","kind":"exclusive","id":"big","branches":[
				{"name":"一万以上","condition":"F0000002 > 10000","next":
					{"type":"approval","id":"gm","name":"总经理审批","assignees":[{"kind":"role","ids":["` + p.gmRole + `"]}]}},
				{"name":"其他","default":true}],
			"next":{"type":"end","id":"end"}}}}`)

		obj, inst := s.submit(p.initiator, "12000")
		if inst == "" {
			t.Fatal("no WorkflowInstanceId")
		}
		s.wantState(obj, inst, "running")
		task := s.oneTodo(p.leader, inst)
		if got := s.todo(p.gm, inst); len(got) != 0 {
			t.Fatalf("gm has tasks before the leader approved: %v", got)
		}
		s.mustAct(p.leader, task, "approve", map[string]any{"comment": "同意"})
		s.mustAct(p.gm, s.oneTodo(p.gm, inst), "approve", nil)
		s.wantState(obj, inst, "approved")

		// History: ordered, with who, what, when and from/to nodes.
		hist := s.instance(inst)["history"].([]any)
		var kinds []string
		for i, h := range hist {
			e := h.(map[string]any)
			if e["seq"] != json.Number(itoa(i+1)) {
				t.Fatalf("history out of order at %d: %v", i, e)
			}
			kinds = append(kinds, e["type"].(string))
		}
		if kinds[0] != "started" || kinds[len(kinds)-1] != "finished" || !strings.Contains(strings.Join(kinds, ","), "decided") {
			t.Fatalf("history: %v", kinds)
		}
		done := s.mustJSON("GET", "/api/v1/tasks?view=done", nil, 200, as(p.leader)...)
		if done["total"] != json.Number("1") {
			t.Fatalf("leader's done list: %v", done)
		}
		started := s.mustJSON("GET", "/api/v1/tasks?view=started&form=D000002Expense", nil, 200, as(p.initiator)...)
		if started["total"] != json.Number("1") || started["items"].([]any)[0].(map[string]any)["status"] != "approved" {
			t.Fatalf("initiator's started list: %v", started)
		}

		// Under the threshold the general manager is skipped.
		obj2, inst2 := s.submit(p.initiator, "500")
		s.mustAct(p.leader, s.oneTodo(p.leader, inst2), "approve", nil)
		s.wantState(obj2, inst2, "approved")

		// IsSubmit false: the instance waits at the start node for the
		// initiator, who submits the draft later.
		rd := s.ok(map[string]any{"ActionName": "CreateBizObject", "SchemaCode": "D000002Expense", "IsSubmit": false,
			"BizObject": jsonString(map[string]any{"F0000001": "草稿", "F0000002": "50000", "OwnerId": p.initiator})})
		obj3, inst3 := rd["BizObjectId"].(string), rd["WorkflowInstanceId"].(string)
		s.wantState(obj3, inst3, "running")
		if pos := s.positions(inst3); pos != "start" {
			t.Fatalf("draft waits at %q, want start", pos)
		}
		s.mustJSON("POST", "/api/v1/forms/D000002Expense/records/"+obj3+"/submit", map[string]any{"data": map[string]any{"F0000002": "60000"}}, 200, as(p.initiator)...)
		if pos := s.positions(inst3); pos != "lead" {
			t.Fatalf("after submit at %q, want lead", pos)
		}
	})
}

func itoa(i int) string { return jsonNumber(i) }

func jsonNumber(i int) string { b, _ := json.Marshal(i); return string(b) }

// TestCountersignOneReject: all must approve; one rejection rejects and
// the others' tasks are canceled.
func TestCountersignOneReject(t *testing.T) {
	forEachServer(t, func(t *testing.T, s *server) {
		p := s.org()
		s.mustCreateForm(expenseForm())
		s.process(tree(approval("sign", userRule(p.a, p.b, p.c), `"mode":"all"`)))
		obj, inst := s.submit(p.initiator, "10")
		s.mustAct(p.a, s.oneTodo(p.a, inst), "approve", nil)
		if pos := s.positions(inst); pos != "sign" {
			t.Fatalf("countersign moved on after one approval: %s", pos)
		}
		cTask := s.oneTodo(p.c, inst)
		s.mustAct(p.b, s.oneTodo(p.b, inst), "reject", map[string]any{"comment": "金额不对"})
		s.wantState(obj, inst, "rejected")
		if status, _ := s.act(p.c, cTask, "approve", nil); status != 409 {
			t.Fatalf("acting on a canceled task: %d, want 409", status)
		}
		task := s.mustJSON("GET", "/api/v1/tasks/"+cTask, nil, 200)
		if task["status"] != "canceled" {
			t.Fatalf("c's task is %v, want canceled", task["status"])
		}
	})
}

// TestAddSignerBefore: an approver asks someone to approve first; then it
// is their turn again.
func TestAddSignerBefore(t *testing.T) {
	forEachServer(t, func(t *testing.T, s *server) {
		p := s.org()
		s.mustCreateForm(expenseForm())
		s.process(tree(approval("n1", userRule(p.a)), approval("n2", userRule(p.c))))
		obj, inst := s.submit(p.initiator, "10")
		aTask := s.oneTodo(p.a, inst)
		s.mustAct(p.a, aTask, "add-signers", map[string]any{"users": []string{p.b}, "position": "before"})
		if len(s.todo(p.a, inst)) != 0 {
			t.Fatal("a still has a pending task while b signs first")
		}
		s.mustAct(p.b, s.oneTodo(p.b, inst), "approve", nil)
		if pos := s.positions(inst); pos != "n1" {
			t.Fatalf("the added signer's approval decided the node: %s", pos)
		}
		s.mustAct(p.a, s.oneTodo(p.a, inst), "approve", nil)
		if pos := s.positions(inst); pos != "n2" {
			t.Fatalf("after a approved: %s, want n2", pos)
		}
		// After-signers: c adds a after; a must approve too.
		cTask := s.oneTodo(p.c, inst)
		s.mustAct(p.c, cTask, "add-signers", map[string]any{"users": []string{p.a}, "position": "after"})
		s.mustAct(p.c, cTask, "approve", nil)
		if pos := s.positions(inst); pos != "n2" {
			t.Fatalf("node passed before the after-signer: %s", pos)
		}
		s.mustAct(p.a, s.oneTodo(p.a, inst), "approve", nil)
		s.wantState(obj, inst, "approved")
	})
}

// TestReturnAndReapprove: return to a chosen earlier node; with strategy
// back the instance comes straight back after re-approval.
func TestReturnAndReapprove(t *testing.T) {
	forEachServer(t, func(t *testing.T, s *server) {
		p := s.org()
		s.mustCreateForm(expenseForm())
		s.process(tree(approval("n1", userRule(p.a)), approval("n2", userRule(p.b)), approval("n3", userRule(p.c))))
		obj, inst := s.submit(p.initiator, "10")
		s.mustAct(p.a, s.oneTodo(p.a, inst), "approve", nil)
		s.mustAct(p.b, s.oneTodo(p.b, inst), "approve", nil)
		// c returns to n1 and wants it back directly.
		s.mustAct(p.c, s.oneTodo(p.c, inst), "return", map[string]any{"toNode": "n1", "strategy": "back", "comment": "补材料"})
		if pos := s.positions(inst); pos != "n1" {
			t.Fatalf("after return: %s", pos)
		}
		s.mustAct(p.a, s.oneTodo(p.a, inst), "approve", nil)
		if pos := s.positions(inst); pos != "n3" {
			t.Fatalf("strategy back went to %s, want n3 (skipping n2)", pos)
		}
		// Now rerun: c returns to n1 again, the process runs through n2.
		s.mustAct(p.c, s.oneTodo(p.c, inst), "return", map[string]any{"toNode": "n1"})
		s.mustAct(p.a, s.oneTodo(p.a, inst), "approve", nil)
		if pos := s.positions(inst); pos != "n2" {
			t.Fatalf("strategy rerun went to %s, want n2", pos)
		}
		s.mustAct(p.b, s.oneTodo(p.b, inst), "approve", nil)
		s.mustAct(p.c, s.oneTodo(p.c, inst), "approve", nil)
		s.wantState(obj, inst, "approved")
		// Returning to a node never passed is refused.
		_, inst2 := s.submit(p.initiator, "10")
		if status, out := s.act(p.a, s.oneTodo(p.a, inst2), "return", map[string]any{"toNode": "n3"}); status != 422 {
			t.Fatalf("return forward: %d %v", status, out)
		}
	})
}

// TestWithdraw: the initiator takes the object back before anyone acted;
// an approver takes their decision back (拿回) before the next acted.
func TestWithdraw(t *testing.T) {
	forEachServer(t, func(t *testing.T, s *server) {
		p := s.org()
		s.mustCreateForm(expenseForm())
		s.process(tree(approval("n1", userRule(p.a)), approval("n2", userRule(p.b))))
		obj, inst := s.submit(p.initiator, "10")
		aTask := s.oneTodo(p.a, inst)
		s.mustJSON("POST", "/api/v1/instances/"+inst+"/withdraw", nil, 200, as(p.initiator)...)
		if pos := s.positions(inst); pos != "start" {
			t.Fatalf("after withdraw: %s", pos)
		}
		s.wantState(obj, inst, "running")
		if status, _ := s.act(p.a, aTask, "approve", nil); status != 409 {
			t.Fatalf("approving a withdrawn task: %d", status)
		}
		// Resubmit through the start task.
		s.mustAct(p.initiator, s.oneTodo(p.initiator, inst), "approve", map[string]any{"comment": "重新提交"})
		s.mustAct(p.a, s.oneTodo(p.a, inst), "approve", nil)
		// The initiator can no longer withdraw; a takes the decision back.
		if status, _ := s.do("POST", "/api/v1/instances/"+inst+"/withdraw", nil, as(p.initiator)...); status != 409 {
			t.Fatalf("initiator withdraw after an approval: %d", status)
		}
		if status, _ := s.do("POST", "/api/v1/instances/"+inst+"/withdraw", nil, as(p.c)...); status != 403 {
			t.Fatalf("withdraw by a stranger: %d", status)
		}
		s.mustJSON("POST", "/api/v1/instances/"+inst+"/withdraw", nil, 200, as(p.a)...)
		if pos := s.positions(inst); pos != "n1" || len(s.todo(p.b, inst)) != 0 {
			t.Fatalf("after 拿回: %s, b's todo %v", pos, s.todo(p.b, inst))
		}
		s.mustAct(p.a, s.oneTodo(p.a, inst), "approve", nil)
		s.mustAct(p.b, s.oneTodo(p.b, inst), "approve", nil)
		s.wantState(obj, inst, "approved")
	})
}

// TestConcurrentApprovals: many handlers act on one task at once: it
// completes once, the others get 409.
func TestConcurrentApprovals(t *testing.T) {
	forEachServer(t, func(t *testing.T, s *server) {
		p := s.org()
		s.mustCreateForm(expenseForm())
		s.process(tree(approval("n1", userRule(p.a)), approval("n2", userRule(p.b))))
		_, inst := s.submit(p.initiator, "10")
		task := s.oneTodo(p.a, inst)
		var mu sync.Mutex
		codes := map[int]int{}
		var wg sync.WaitGroup
		for i := range 20 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				action := "approve"
				if i%2 == 1 {
					action = "reject"
				}
				status, _ := s.act(p.a, task, action, nil)
				mu.Lock()
				codes[status]++
				mu.Unlock()
			}()
		}
		wg.Wait()
		if codes[200] != 1 || codes[409] != 19 {
			t.Fatalf("statuses %v, want one 200 and 19 409", codes)
		}
		var decided int
		for _, h := range s.instance(inst)["history"].([]any) {
			if h.(map[string]any)["type"] == "decided" {
				decided++
			}
		}
		if decided != 1 {
			t.Fatalf("node decided %d times", decided)
		}
	})
}
