package app_test

import (
	"encoding/json"
	"reflect"
	"testing"
)

// TestHistoryNodeNames: every history event about a node names it — a
// task's status change by the task's node, a token's end by the node it
// ended at, a return by the node that sent it back — with the node's name,
// or its id when it has none; events about the whole instance name none.
func TestHistoryNodeNames(t *testing.T) {
	forEachServer(t, func(t *testing.T, s *server) {
		p := s.org()
		s.mustCreateForm(expenseForm())
		s.process(tree(
			`{"type":"approval","id":"n1","name":"主管审批","assignees":`+userRule(p.a)+`}`,
			`{"type":"branch","kind":"exclusive","id":"amount","branches":[{"condition":"F0000002 > 100","next":`+
				`{"type":"approval","id":"gm","name":"总经理审批","assignees":`+userRule(p.gm)+`}},{"default":true}]}`,
			`{"type":"cc","id":"copy","assignees":`+userRule(p.director)+`}`))
		obj, inst := s.submit(p.initiator, "500")
		aTask := s.oneTodo(p.a, inst)
		s.mustAct(p.a, aTask, "comment", map[string]any{"comment": "看一下"})
		s.mustAct(p.a, aTask, "approve", nil)
		s.mustAct(p.gm, s.oneTodo(p.gm, inst), "return", map[string]any{"toNode": "n1"})
		s.mustJSON("POST", "/api/v1/instances/"+inst+"/comment", map[string]any{"comment": "补充"}, 200, as(p.initiator)...)
		s.mustAct(p.a, s.oneTodo(p.a, inst), "approve", nil)
		s.mustAct(p.gm, s.oneTodo(p.gm, inst), "approve", nil)
		s.wantState(obj, inst, "approved")

		names := map[string]string{"start": "start", "n1": "主管审批", "amount": "amount", "gm": "总经理审批", "amount_join": "amount_join", "copy": "copy", "end": "end"}
		seen := map[string]bool{}
		for _, h := range s.instance(inst)["history"].([]any) {
			h := h.(map[string]any)
			typ, data := h["type"].(string), h["data"].(map[string]any)
			node, _ := h["node"].(string)
			switch {
			case typ == "started" || typ == "finished" || typ == "comment" && data["task"] == nil:
				if node != "" || h["nodeName"] != nil {
					t.Fatalf("%s about the whole instance names node %q %v", typ, node, h["nodeName"])
				}
				continue
			case node == "":
				t.Fatalf("%s event without its node: %v", typ, h)
			}
			if want := names[node]; h["nodeName"] != want {
				t.Fatalf("%s at %s: nodeName %v, want %q", typ, node, h["nodeName"], want)
			}
			if typ == "returned" && node != "gm" || typ == "task_set" && data["task"] == aTask && node != "n1" {
				t.Fatalf("%s names %s: %v", typ, node, h)
			}
			seen[typ] = true
		}
		for _, typ := range []string{"entered", "task", "task_set", "decided", "returned", "left", "comment"} {
			if !seen[typ] {
				t.Errorf("no %s event named a node", typ)
			}
		}
	})
}

// TestReplaySteps: GET …/replay gives the instance's state after each of
// its events; the last step is the stored state (status, the record's
// Status, positions, open tasks), while running and once ended.
func TestReplaySteps(t *testing.T) {
	forEachServer(t, func(t *testing.T, s *server) {
		p := s.org()
		s.mustCreateForm(expenseForm())
		s.process(tree(
			approval("n1", userRule(p.a)),
			`{"type":"branch","kind":"parallel","id":"par","branches":[{"next":`+approval("l", userRule(p.b))+`},{"next":`+approval("r", userRule(p.c), `"name":"右"`)+`}]}`))
		obj, inst := s.submit(p.initiator, "10")
		aTask := s.oneTodo(p.a, inst)
		s.mustAct(p.a, aTask, "add-signers", map[string]any{"users": []string{p.gm}, "position": "before"})
		s.wantReplayMatches(obj, inst)
		steps := s.replay(inst)
		// The step after the add-signers: a's task waits, gm's is pending.
		last := steps[len(steps)-1].(map[string]any)
		if open := last["openTasks"].([]any); len(open) != 2 || open[0].(map[string]any)["status"] != "waiting" || open[1].(map[string]any)["assignee"] != p.gm {
			t.Fatalf("open tasks after add-signers: %v", open)
		}
		// The first step is the start: running, a draft of the record, no position yet.
		if first := steps[0].(map[string]any); first["event"].(map[string]any)["type"] != "started" || first["status"] != "running" ||
			first["recordStatus"] != json.Number("2") || len(first["positions"].([]any)) != 0 {
			t.Fatalf("first step: %v", first)
		}
		s.mustAct(p.gm, s.oneTodo(p.gm, inst), "approve", nil)
		s.mustAct(p.a, aTask, "approve", nil)
		if pos := s.positions(inst); pos != "l,r" {
			t.Fatalf("inside the parallel branches: %s", pos)
		}
		s.wantReplayMatches(obj, inst)
		s.mustAct(p.b, s.oneTodo(p.b, inst), "approve", nil)
		s.mustAct(p.c, s.oneTodo(p.c, inst), "approve", nil)
		s.wantState(obj, inst, "approved")
		s.wantReplayMatches(obj, inst)

		if status, _ := s.do("GET", "/api/v1/instances/no-such-instance/replay", nil); status != 404 {
			t.Fatalf("replay of an unknown instance: %d", status)
		}
	})
}

func (s *server) replay(inst string) []any {
	s.t.Helper()
	v := s.mustJSON("GET", "/api/v1/instances/"+inst+"/replay", nil, 200)
	if v["id"] != inst {
		s.t.Fatalf("replay of %s names %v", inst, v["id"])
	}
	return v["steps"].([]any)
}

// wantReplayMatches checks that the replay has a step per history event,
// in order, and that its last step is the stored state.
func (s *server) wantReplayMatches(obj, inst string) {
	s.t.Helper()
	steps := s.replay(inst)
	stored := s.instance(inst)
	history := stored["history"].([]any)
	if len(steps) != len(history) {
		s.t.Fatalf("%d replay steps for %d events", len(steps), len(history))
	}
	for i, st := range steps {
		if ev := st.(map[string]any)["event"]; !reflect.DeepEqual(ev, history[i]) {
			s.t.Fatalf("step %d is about %v, history says %v", i+1, ev, history[i])
		}
	}
	last := steps[len(steps)-1].(map[string]any)
	var open []any
	for _, tk := range stored["tasks"].([]any) {
		switch tk.(map[string]any)["status"] {
		case "pending", "waiting", "delegated":
			open = append(open, tk)
		}
	}
	if open == nil {
		open = []any{}
	}
	recordStatus, _ := s.objectStatus(obj)
	for _, c := range []struct {
		what      string
		got, want any
	}{
		{"status", last["status"], stored["status"]},
		{"record status", last["recordStatus"], recordStatus},
		{"positions", last["positions"], stored["positions"]},
		{"open tasks", last["openTasks"], open},
	} {
		if !reflect.DeepEqual(c.got, c.want) {
			s.t.Fatalf("last replay step: %s %v, stored %v", c.what, c.got, c.want)
		}
	}
}
