package app_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

var taskActionNames = []string{"approve", "reject", "return", "transfer", "delegate", "add-signers", "remove-signers", "comment", "cc", "read"}

// TestAllowedActions: a task read (or acted on) as its assignee lists the
// actions they may take now, the nodes a return may go to and the node's
// field permissions; an instance read as a user lists their instance
// actions. Every task action left out is refused by the server and
// changes nothing, so a console showing exactly these buttons never
// offers one that fails for the state.
func TestAllowedActions(t *testing.T) {
	forEachServer(t, func(t *testing.T, s *server) {
		p := s.org()
		s.mustCreateForm(expenseForm())
		s.process(tree(
			approval("n1", userRule(p.a), `"fieldPerms":{"F0000003":"editable","F0000002":"hidden"}`),
			approval("n2", userRule(p.b))))
		obj, inst := s.submit(p.initiator, "10")

		// body gives each action a body it would accept in the right state.
		body := func(action string) map[string]any {
			switch action {
			case "return":
				return map[string]any{"toNode": "start"}
			case "transfer", "delegate":
				return map[string]any{"to": p.gm}
			case "add-signers":
				return map[string]any{"users": []string{p.gm}, "position": "after"}
			case "cc":
				return map[string]any{"users": []string{p.gm}}
			}
			return map[string]any{"comment": "x"}
		}
		// check reads user's task, compares its actions with want, and
		// tries every other task action: each is refused, nothing changes.
		check := func(user, task string, want ...string) map[string]any {
			t.Helper()
			got := s.mustJSON("GET", "/api/v1/tasks/"+task, nil, 200, as(user)...)
			if got["actions"] == nil {
				got["actions"] = []any{} // none: left out
			}
			if fmt.Sprint(got["actions"]) != fmt.Sprint(want) {
				t.Fatalf("task %s as %s: actions %v, want %v", task, user, got["actions"], want)
			}
			events := len(s.instance(inst)["history"].([]any))
			for _, a := range taskActionNames {
				if slices.Contains(want, a) {
					continue
				}
				if status, out := s.act(user, task, a, body(a)); status == 200 || !strings.Contains(fmt.Sprint(out), "error") {
					t.Fatalf("%s on task %s as %s is not listed but answered %d %v", a, task, user, status, out)
				}
			}
			if n := len(s.instance(inst)["history"].([]any)); n != events {
				t.Fatalf("refused actions changed the history: %d events, then %d", events, n)
			}
			return got
		}
		instActions := func(user string, want string) {
			t.Helper()
			var hdr []string
			if user != "" {
				hdr = as(user)
			}
			got := s.mustJSON("GET", "/api/v1/instances/"+inst, nil, 200, hdr...)["actions"]
			if fmt.Sprint(got) != want {
				t.Fatalf("instance actions as %q: %v, want %s", user, got, want)
			}
		}

		aTask := s.oneTodo(p.a, inst)
		got := check(p.a, aTask, "approve", "reject", "return", "transfer", "delegate", "add-signers", "comment", "cc")
		if fmt.Sprint(got["returnTo"]) != "[map[node:start]]" || fmt.Sprint(got["fieldPerms"]) != "map[F0000002:hidden F0000003:editable]" || got["defaultPerm"] != "readonly" {
			t.Fatalf("a's task: returnTo %v, fieldPerms %v, defaultPerm %v", got["returnTo"], got["fieldPerms"], got["defaultPerm"])
		}
		// Someone else's task: nothing to do on it.
		s.grant("D000002Expense", p.c, "view")
		check(p.c, aTask)
		instActions(p.initiator, "[withdraw cancel urge comment cc]")
		instActions(p.a, "[comment]")
		instActions("", "[urge comment cc terminate]")

		// a asks gm to sign first: a's task waits, and may only remove him.
		status, out := s.act(p.a, aTask, "add-signers", map[string]any{"users": []string{p.gm}, "position": "before"})
		if status != 200 || fmt.Sprint(out["actions"]) != "[remove-signers comment]" {
			t.Fatalf("add-signers answered %d with actions %v", status, out["actions"])
		}
		gmTask := s.oneTodo(p.gm, inst)
		check(p.gm, gmTask, "approve", "reject", "return", "transfer", "delegate", "comment", "cc")
		check(p.a, aTask, "remove-signers", "comment")
		s.mustAct(p.gm, gmTask, "approve", nil)
		check(p.a, aTask, "approve", "reject", "return", "transfer", "delegate", "add-signers", "comment", "cc")
		s.mustAct(p.a, aTask, "approve", map[string]any{"data": map[string]any{"F0000003": "ok"}})

		// At n2: b may return to either earlier node; a may take back.
		bTask := s.oneTodo(p.b, inst)
		got = check(p.b, bTask, "approve", "reject", "return", "transfer", "delegate", "add-signers", "comment", "cc")
		if fmt.Sprint(got["returnTo"]) != "[map[node:start] map[node:n1 nodeName:n1]]" {
			t.Fatalf("b's return targets: %v", got["returnTo"])
		}
		check(p.a, aTask, "comment")
		instActions(p.a, "[withdraw comment]")
		instActions(p.initiator, "[cancel urge comment cc]")
		if status, _ := s.do("POST", "/api/v1/instances/"+inst+"/withdraw", nil, as(p.initiator)...); status != 409 {
			t.Fatalf("withdraw by the initiator, not listed: %d", status)
		}

		// b delegates to c: c answers (no delegating again, no signers).
		s.mustAct(p.b, bTask, "delegate", map[string]any{"to": p.c})
		check(p.b, bTask, "comment")
		cTask := s.oneTodo(p.c, inst)
		check(p.c, cTask, "approve", "reject", "return", "transfer", "comment", "cc")
		s.mustAct(p.c, cTask, "approve", nil)
		s.mustAct(p.b, bTask, "approve", nil)
		s.wantState(obj, inst, "approved")

		// Ended: only comments remain.
		check(p.b, bTask, "comment")
		instActions(p.initiator, "[comment]")
	})
}
