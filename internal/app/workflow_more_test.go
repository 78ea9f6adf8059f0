package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/tritiumhq/tritium/internal/sqldb"
	"github.com/tritiumhq/tritium/internal/sqldb/sqldbtest"
	"github.com/tritiumhq/tritium/internal/workflow/model"
)

// TestTimeoutAutoApproveAfterRestart: a node's timeout falls due while the
// server is down; after the restart it fires, once, and approves.
func TestTimeoutAutoApproveAfterRestart(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, kind sqldb.Kind) {
		cfg := storeConfig(t, kind)
		s := startServer(t, cfg)
		p := s.org()
		s.mustCreateForm(expenseForm())
		s.process(tree(approval("n1", userRule(p.a), `"timeout":{"after":"1s","action":"autoApprove"}`), approval("n2", userRule(p.b))))
		obj, inst := s.submit(p.initiator, "10")
		s.stop()
		time.Sleep(1500 * time.Millisecond) // due now, no server running

		s2 := startServer(t, cfg)
		deadline := time.Now().Add(20 * time.Second)
		for s2.positions(inst) != "n2" {
			if time.Now().After(deadline) {
				t.Fatalf("timeout never fired: at %s", s2.positions(inst))
			}
			time.Sleep(100 * time.Millisecond)
		}
		time.Sleep(500 * time.Millisecond) // a second firing would show by now
		fired := 0
		for _, h := range s2.instance(inst)["history"].([]any) {
			e := h.(map[string]any)
			if e["type"] == "timer" {
				fired++
			}
		}
		if fired != 1 {
			t.Fatalf("timer fired %d times, want once", fired)
		}
		s2.mustAct(p.b, s2.oneTodo(p.b, inst), "approve", nil)
		s2.wantState(obj, inst, "approved")
	})
}

// TestEscalateAndDelay: a timeout escalates to the assignee's leader; a
// delay node waits, then goes on.
func TestEscalateAndDelay(t *testing.T) {
	forEachServer(t, func(t *testing.T, s *server) {
		p := s.org()
		s.mustCreateForm(expenseForm())
		s.process(tree(
			approval("n1", userRule(p.initiator), `"timeout":{"after":"300ms","action":"escalate","escalateTo":"leader"}`),
			`{"type":"timer","id":"wait","delay":"300ms"}`,
			approval("n2", userRule(p.b))))
		obj, inst := s.submit(p.initiator, "10")
		wait := func(what string, cond func() bool) {
			deadline := time.Now().Add(20 * time.Second)
			for !cond() {
				if time.Now().After(deadline) {
					t.Fatalf("timed out waiting for %s (at %s)", what, s.positions(inst))
				}
				time.Sleep(50 * time.Millisecond)
			}
		}
		wait("escalation to the leader", func() bool { return len(s.todo(p.leader, inst)) == 1 })
		s.mustAct(p.leader, s.oneTodo(p.leader, inst), "approve", nil)
		wait("the delay node", func() bool { return s.positions(inst) == "n2" })
		s.mustAct(p.b, s.oneTodo(p.b, inst), "approve", nil)
		s.wantState(obj, inst, "approved")
	})
}

// TestReplayEqualsStored: random actions on many instances; rebuilding
// each instance from its events gives exactly the stored state.
func TestReplayEqualsStored(t *testing.T) {
	forEachServer(t, func(t *testing.T, s *server) {
		p := s.org()
		s.mustCreateForm(expenseForm())
		s.process(tree(
			approval("n1", userRule(p.a, p.b), `"mode":"all"`, `"rejectPolicy":"initiator"`),
			`{"type":"branch","kind":"parallel","id":"par","branches":[{"next":`+approval("l", userRule(p.c))+`},{"next":`+approval("r", userRule(p.a))+`}]}`,
			approval("n3", userRule(p.b, p.c), `"mode":"vote","passPercent":50`)))
		rng := rand.New(rand.NewPCG(7, 11))
		everyone := []string{p.a, p.b, p.c, p.initiator}
		var instances []string
		for range 12 {
			_, inst := s.submit(p.initiator, fmt.Sprint(rng.IntN(100)))
			instances = append(instances, inst)
		}
		actions := []string{"approve", "approve", "approve", "reject", "transfer", "add-signers", "delegate", "comment"}
		for range 120 {
			inst := instances[rng.IntN(len(instances))]
			var mine []string
			var who string
			for _, u := range everyone {
				if ids := s.todo(u, inst); len(ids) > 0 {
					who, mine = u, ids
					break
				}
			}
			if who == "" {
				continue
			}
			task := mine[0]
			action := actions[rng.IntN(len(actions))]
			other := everyone[rng.IntN(3)]
			body := map[string]any{"comment": "c", "to": other, "users": []string{other}, "position": []string{"before", "after"}[rng.IntN(2)]}
			if who == p.initiator {
				action = "approve" // resubmit
			}
			s.act(who, task, action, body) // refusals (e.g. transfer to oneself) are part of the game
			if rng.IntN(15) == 0 {
				s.do("POST", "/api/v1/instances/"+inst+"/withdraw", nil, as(p.initiator)...)
			}
		}
		ctx := context.Background()
		for _, inst := range instances {
			stored, err := s.App.Workflow.Stored(ctx, inst)
			if err != nil {
				t.Fatal(err)
			}
			replayed, err := s.App.Workflow.Replay(ctx, inst)
			if err != nil {
				t.Fatal(err)
			}
			a, _ := json.Marshal(stored)
			b, _ := json.Marshal(replayed)
			if !reflect.DeepEqual(a, b) {
				t.Fatalf("instance %s: replayed state differs\nstored   %s\nreplayed %s", inst, a, b)
			}
		}
	})
}

// TestBPMNFromBPMNJS: the two-level approval bpmn-js wrote imports, runs
// and exports again.
func TestBPMNFromBPMNJS(t *testing.T) {
	forEachServer(t, func(t *testing.T, s *server) {
		p := s.org()
		s.mustCreateForm(expenseForm())
		raw, err := os.ReadFile("../workflow/model/testdata/two-level-approval.bpmn")
		if err != nil {
			t.Fatal(err)
		}
		// The fixture names its role "general-manager": use our role's id.
		bpmn := strings.ReplaceAll(string(raw), "general-manager", p.gmRole)
		status, out := s.do("PUT", "/api/v1/forms/D000002Expense/workflow", bpmn, "Content-Type", "application/xml")
		if status != 200 {
			t.Fatalf("import: %d %s", status, out)
		}
		obj, inst := s.submit(p.initiator, "20000")
		s.mustAct(p.leader, s.oneTodo(p.leader, inst), "approve", nil)
		s.mustAct(p.gm, s.oneTodo(p.gm, inst), "approve", nil)
		s.wantState(obj, inst, "approved")
		status, exported := s.do("GET", "/api/v1/forms/D000002Expense/workflow?format=bpmn", nil)
		if status != 200 || !strings.Contains(string(exported), "bpmndi:BPMNDiagram") {
			t.Fatalf("export: %d %.300s", status, exported)
		}
		a, err := model.FromBPMN([]byte(bpmn))
		if err != nil {
			t.Fatal(err)
		}
		b, err := model.FromBPMN(exported)
		if err != nil {
			t.Fatalf("re-import of the export: %v", err)
		}
		a.Diagram, b.Diagram = "", ""
		if !reflect.DeepEqual(a, b) {
			t.Fatalf("export changed the process:\n%+v\n%+v", a, b)
		}
		// The same process as an approval tree.
		status, tr := s.do("GET", "/api/v1/forms/D000002Expense/workflow?format=tree", nil)
		if status != 200 {
			t.Fatalf("tree export: %d %s", status, tr)
		}
		fromTree, err := model.FromTree(tr)
		if err != nil {
			t.Fatalf("tree export does not read back: %v", err)
		}
		fromTree.Diagram = ""
		if len(fromTree.Nodes) != len(a.Nodes) {
			t.Fatalf("tree export has %d nodes, want %d", len(fromTree.Nodes), len(a.Nodes))
		}
	})
}

// TestChosenExpressionAndVersions: approvers chosen at submit, an
// expression assignee, a user field assignee; a new process version does
// not change a running instance.
func TestChosenExpressionAndVersions(t *testing.T) {
	forEachServer(t, func(t *testing.T, s *server) {
		p := s.org()
		f := expenseForm()
		f["fields"] = append(f["fields"].([]map[string]any), map[string]any{"code": "F0000004", "name": "复核人", "type": "user"})
		s.mustCreateForm(f)
		s.process(tree(
			approval("pick", `[{"kind":"chosen"}]`),
			approval("expr", `[{"kind":"expression","expr":"F0000002 > 100 ? \"`+p.b+`\" : \"`+p.c+`\""}]`),
			approval("field", `[{"kind":"field","field":"F0000004"}]`)))
		rd := s.ok(map[string]any{"ActionName": "CreateBizObject", "SchemaCode": "D000002Expense", "IsSubmit": false,
			"BizObject": jsonString(map[string]any{"F0000001": "x", "F0000002": "500", "F0000004": p.gm, "OwnerId": p.initiator})})
		obj, inst := rd["BizObjectId"].(string), rd["WorkflowInstanceId"].(string)
		// A new version now: the running instance keeps its own.
		s.process(tree(approval("other", userRule(p.director))))
		s.mustJSON("POST", "/api/v1/forms/D000002Expense/records/"+obj+"/submit",
			map[string]any{"chosen": map[string]any{"pick": []string{p.a}}}, 200, as(p.initiator)...)
		s.mustAct(p.a, s.oneTodo(p.a, inst), "approve", nil)
		s.mustAct(p.b, s.oneTodo(p.b, inst), "approve", nil) // 500 > 100 → b
		s.mustAct(p.gm, s.oneTodo(p.gm, inst), "approve", nil)
		s.wantState(obj, inst, "approved")
		if v := s.instance(inst)["version"]; v != json.Number("1") {
			t.Fatalf("instance version %v, want 1", v)
		}
		// New instances use version 2.
		_, inst2 := s.submit(p.initiator, "1")
		if pos := s.positions(inst2); pos != "other" {
			t.Fatalf("new instance at %s, want other", pos)
		}
		// Choosing for a node without a chosen rule is refused.
		rd = s.ok(map[string]any{"ActionName": "CreateBizObject", "SchemaCode": "D000002Expense",
			"BizObject": jsonString(map[string]any{"F0000001": "y", "OwnerId": p.initiator})})
		if status, _ := s.do("POST", "/api/v1/forms/D000002Expense/records/"+rd["BizObjectId"].(string)+"/submit",
			map[string]any{"chosen": map[string]any{"other": []string{p.a}}}, as(p.initiator)...); status != 422 {
			t.Fatalf("choosing for a node without a chosen rule: %d", status)
		}
	})
}

// TestSubmitChecksRequired: a draft of a workflow form may lack required
// fields; submitting it may not, and a refused submit changes nothing.
func TestSubmitChecksRequired(t *testing.T) {
	forEachServer(t, func(t *testing.T, s *server) {
		p := s.org()
		s.mustCreateForm(expenseForm())
		s.process(tree(approval("n1", userRule(p.a))))
		rd := s.ok(map[string]any{"ActionName": "CreateBizObject", "SchemaCode": "D000002Expense", "IsSubmit": false,
			"BizObject": jsonString(map[string]any{"F0000002": "10", "OwnerId": p.initiator})})
		obj, inst := rd["BizObjectId"].(string), rd["WorkflowInstanceId"].(string)
		path := "/api/v1/forms/D000002Expense/records/" + obj
		before := s.mustJSON("GET", path, nil, 200)
		status, body := s.do("POST", path+"/submit", map[string]any{"comment": "请审批"}, as(p.initiator)...)
		if status != 422 || !strings.Contains(string(body), "F0000001") {
			t.Fatalf("submit without a required field: %d %s", status, body)
		}
		if pos := s.positions(inst); pos != "start" {
			t.Fatalf("after a refused submit the instance is at %s, want start", pos)
		}
		if after := s.mustJSON("GET", path, nil, 200); after["version"] != before["version"] {
			t.Fatalf("a refused submit changed the record: version %v → %v", before["version"], after["version"])
		}
		s.mustJSON("POST", path+"/submit", map[string]any{"data": map[string]any{"F0000001": "补上事由"}}, 200, as(p.initiator)...)
		if pos := s.positions(inst); pos != "n1" {
			t.Fatalf("after submit the instance is at %s, want n1", pos)
		}
	})
}

// TestTimerVariants: repeated reminders and a timeout that rejects; a
// timer node waiting for a datetime field of the record; a department
// assignee; the empty-approver policy "user"; escalation to a named user.
func TestTimerVariants(t *testing.T) {
	forEachServer(t, func(t *testing.T, s *server) {
		p := s.org()
		f := expenseForm()
		f["fields"] = append(f["fields"].([]map[string]any), map[string]any{"code": "F0000005", "name": "截止", "type": "datetime"})
		s.mustCreateForm(f)
		wait := func(inst, what string, cond func() bool) {
			t.Helper()
			deadline := time.Now().Add(25 * time.Second)
			for !cond() {
				if time.Now().After(deadline) {
					t.Fatalf("timed out waiting for %s (at %s)", what, s.positions(inst))
				}
				time.Sleep(50 * time.Millisecond)
			}
		}
		timers := func(inst string) map[string]int {
			n := map[string]int{}
			for _, h := range s.instance(inst)["history"].([]any) {
				if e := h.(map[string]any); e["type"] == "timer" {
					n[e["data"].(map[string]any)["kind"].(string)]++
				}
			}
			return n
		}

		// n1 reminds every 200 ms until a approves; n2's timeout rejects:
		// the record is Canceled.
		s.process(tree(
			approval("n1", userRule(p.a), `"timeout":{"remindAfter":"200ms","remindEvery":"200ms"}`),
			approval("n2", userRule(p.b), `"timeout":{"after":"300ms","action":"autoReject"}`)))
		obj, inst := s.submit(p.initiator, "10")
		wait(inst, "two reminders", func() bool { return timers(inst)["remind"] >= 2 })
		s.mustAct(p.a, s.oneTodo(p.a, inst), "approve", nil)
		reminded := timers(inst)["remind"]
		wait(inst, "the timeout", func() bool { return s.instance(inst)["status"] != "running" })
		s.wantState(obj, inst, "rejected")
		if n := timers(inst); n["timeout"] != 1 || n["remind"] != reminded {
			t.Fatalf("timer events %v, want one timeout and no reminder after n1 (had %d)", n, reminded)
		}
		var task string
		for _, x := range s.instance(inst)["tasks"].([]any) {
			if x := x.(map[string]any); x["assignee"] == p.b {
				task = x["id"].(string)
			}
		}
		if status, _ := s.act(p.b, task, "approve", nil); status != 409 {
			t.Fatalf("approving after the timeout rejected: %d, want 409", status)
		}

		// A timer node until a datetime field, then the initiator's
		// department, then a role without members (to the named user), whose
		// timeout escalates to another named user.
		s.process(tree(
			`{"type":"timer","id":"until","untilField":"F0000005"}`,
			approval("dept", `[{"kind":"department","ids":["`+p.dept+`"]}]`),
			approval("empty", `[{"kind":"role","ids":["`+p.gmRole+`x"]}]`, `"emptyPolicy":"user"`, `"emptyUser":"`+p.b+`"`,
				`"timeout":{"after":"300ms","action":"escalate","escalateTo":"`+p.c+`"}`)))
		due := time.Now().Add(2 * time.Second).UTC().Format(time.RFC3339)
		rec := s.mustJSON("POST", "/api/v1/forms/D000002Expense/records?submit=true",
			map[string]any{"F0000001": "等待", "F0000002": "1", "F0000005": due}, 201, as(p.initiator)...)
		obj, inst = rec["ObjectId"].(string), rec["WorkflowInstanceId"].(string)
		if pos := s.positions(inst); pos != "until" {
			t.Fatalf("before %s the instance is at %s, want until", due, pos)
		}
		wait(inst, "the datetime field", func() bool { return s.positions(inst) == "dept" })
		if d, _ := time.Parse(time.RFC3339, due); time.Now().Before(d) {
			t.Fatalf("the timer node passed before %s", due)
		}
		s.mustAct(p.initiator, s.oneTodo(p.initiator, inst), "approve", nil) // the department's one member
		wait(inst, "escalation to the named user", func() bool { return len(s.todo(p.c, inst)) == 1 })
		if len(s.todo(p.b, inst)) != 0 {
			t.Fatal("the empty-policy user kept a task after the escalation")
		}
		s.mustAct(p.c, s.oneTodo(p.c, inst), "approve", nil)
		s.wantState(obj, inst, "approved")
	})
}
