package app_test

import (
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
