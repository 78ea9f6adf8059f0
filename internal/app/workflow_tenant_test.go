package app_test

import (
	"fmt"
	"testing"
)

// TestTenantTaskLists: the administrator sees everyone's todo and done
// tasks and every started instance, filtered by user, form, status and
// date; a user may not.
func TestTenantTaskLists(t *testing.T) {
	forEachServer(t, func(t *testing.T, s *server) {
		p := s.org()
		s.mustCreateForm(expenseForm())
		s.process(tree(approval("n1", userRule(p.a)), approval("n2", userRule(p.b))))
		_, inst1 := s.submit(p.initiator, "10")
		s.submit(p.initiator, "20")
		s.mustAct(p.a, s.oneTodo(p.a, inst1), "approve", nil)
		count := func(query string) string {
			t.Helper()
			return fmt.Sprint(s.mustJSON("GET", "/api/v1/workflow/tasks?"+query, nil, 200)["total"])
		}
		for query, want := range map[string]string{
			"view=todo":                        "2", // a's on inst2, b's on inst1
			"view=todo&user=" + p.a:            "1",
			"view=todo&user=" + p.b:            "1",
			"view=done":                        "1",
			"view=done&user=" + p.b:            "0",
			"view=started":                     "2",
			"view=started&status=running":      "2",
			"view=started&status=approved":     "0",
			"view=todo&form=D000002Expense":    "2",
			"view=todo&form=D000001Contract":   "0",
			"view=todo&from=2000-01-01":        "2",
			"view=todo&to=2000-01-01":          "0",
			"view=started&user=" + p.initiator: "2",
		} {
			if got := count(query); got != want {
				t.Errorf("%s: total %s, want %s", query, got, want)
			}
		}
		if status, _ := s.do("GET", "/api/v1/workflow/tasks?view=todo", nil, as(p.a)...); status != 403 {
			t.Errorf("a user's tenant list: HTTP %d, want 403", status)
		}
		if status, body := s.do("GET", "/api/v1/workflow/tasks?view=todo&status=open", nil); status != 422 {
			t.Errorf("unknown status: HTTP %d %s", status, body)
		}
	})
}
