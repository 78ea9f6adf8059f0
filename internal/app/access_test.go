package app_test

import (
	"fmt"
	"testing"
)

// TestMyAccess: GET …/access tells the calling user their own access —
// per action allowed or not, with the fields it hides and keeps
// read-only; engine credentials are the administrator (everything). A
// record read with a hidden field keeps its system fields.
func TestMyAccess(t *testing.T) {
	forEachServer(t, func(t *testing.T, s *server) {
		s.mustCreateForm(contractForm())
		lisi := s.mustJSON("POST", "/api/v1/users", map[string]any{"name": "李四"}, 201)["id"].(string)
		s.mustJSON("PUT", "/api/v1/forms/D000001Contract/permissions", map[string]any{"grants": []any{
			map[string]any{"principal": map[string]any{"kind": "user", "id": lisi}, "actions": []string{"view", "edit"}, "scope": "all",
				"hidden": []string{"F0000005"}, "readOnly": []string{"F0000004"}},
		}}, 200)
		got := s.mustJSON("GET", "/api/v1/forms/d000001contract/access", nil, 200, as(lisi)...)
		if got["form"] != "D000001Contract" || got["administrator"] != false {
			t.Fatalf("lisi's access: %v", got)
		}
		acts := map[string]string{}
		for _, a := range got["actions"].([]any) {
			m := a.(map[string]any)
			acts[m["action"].(string)] = fmt.Sprint(m["allowed"], m["hidden"], m["readOnly"])
		}
		for action, want := range map[string]string{
			"view":   "true [F0000005] [F0000004 F0000005]",
			"edit":   "true [F0000005] [F0000004 F0000005]",
			"delete": "false [] []",
			"create": "false [] []",
		} {
			if acts[action] != want {
				t.Errorf("%s: %s, want %s (all: %v)", action, acts[action], want, acts)
			}
		}
		// A record read with a field hidden keeps its system fields (version for If-Match, Status, SeqNo).
		rec := s.mustJSON("POST", "/api/v1/forms/D000001Contract/records", map[string]any{"F0000001": "合同", "F0000005": lisi}, 201)
		for _, path := range []string{"/records/" + rec["ObjectId"].(string), "/records"} {
			got := s.mustJSON("GET", "/api/v1/forms/D000001Contract"+path, nil, 200, as(lisi)...)
			if items, ok := got["items"].([]any); ok {
				got = items[0].(map[string]any)
			}
			if _, has := got["F0000005"]; has || fmt.Sprintf("%v %v %v %v", got["version"], got["Status"], got["SeqNo"], got["CreatedTime"] != nil) != "1 0 000001 true" {
				t.Errorf("%s as lisi: %v", path, got)
			}
		}
		admin := s.mustJSON("GET", "/api/v1/forms/D000001Contract/access", nil, 200)
		if admin["administrator"] != true || fmt.Sprint(admin["actions"].([]any)[0]) != "map[action:view allowed:true hidden:[] readOnly:[]]" {
			t.Errorf("engine credentials: %v", admin)
		}
		if status, _ := s.do("GET", "/api/v1/forms/D404/access", nil); status != 404 {
			t.Errorf("no such form: HTTP %d", status)
		}
	})
}
