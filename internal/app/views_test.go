package app_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
)

// TestSavedViews: a user's saved views of a form are theirs alone, saved
// by name (201 new, 200 replaced, keeping createdTime), listed by name
// and deleted; bad input is refused naming the key and changes nothing;
// a form has at most 100 views per user.
func TestSavedViews(t *testing.T) {
	forEachServer(t, func(t *testing.T, s *server) {
		s.mustCreateForm(contractForm())
		const views = "/api/v1/forms/D000001Contract/views"
		lisi := s.mustJSON("POST", "/api/v1/users", map[string]any{"name": "李四", "loginName": "lisi"}, 201)["id"].(string)
		name := url.PathEscape("采购 ≥ 10")

		v := s.mustJSON("PUT", views+"/"+name, map[string]any{"filter": `F0000004 >= 10 && F0000005 = "采购"`, "sort": "-F0000004", "columns": []string{"F0000001", "F0000004"}, "pageSize": 50}, 201)
		if v["name"] != "采购 ≥ 10" || fmt.Sprint(v["pageSize"]) != "50" || fmt.Sprint(v["columns"]) != "[F0000001 F0000004]" || v["sort"] != "-F0000004" {
			t.Fatalf("saved: %v", v)
		}
		// The form code in any letter case is the same form; a second PUT replaces.
		again := s.mustJSON("PUT", "/api/v1/forms/d000001contract/views/"+name, map[string]any{"filter": "F0000004 >= 20"}, 200)
		if again["filter"] != "F0000004 >= 20" || fmt.Sprint(again["pageSize"]) != "20" || fmt.Sprint(again["columns"]) != "[]" || again["createdTime"] != v["createdTime"] {
			t.Errorf("replaced: %v (first %v)", again, v)
		}
		s.mustJSON("PUT", views+"/A", map[string]any{}, 201)

		// Each user has their own.
		if l := s.mustJSON("GET", views, nil, 200); fmt.Sprint(l["total"]) != "2" || names(l) != "A,采购 ≥ 10" {
			t.Errorf("admin's views: %v", l)
		}
		if l := s.mustJSON("GET", views, nil, 200, as(lisi)...); fmt.Sprint(l["total"]) != "0" {
			t.Errorf("lisi sees the admin's views: %v", l)
		}
		s.mustJSON("PUT", views+"/A", map[string]any{"filter": "Status = 1"}, 201, as(lisi)...)
		if l := s.mustJSON("GET", views, nil, 200); item(l, "A")["filter"] != "" {
			t.Errorf("lisi's A replaced the admin's: %v", l)
		}

		for _, c := range []struct {
			what, path string
			body       any
			status     int
			field      string
		}{
			{"page size 0", views + "/B", map[string]any{"pageSize": 0}, 422, "pageSize"},
			{"page size 501", views + "/B", map[string]any{"pageSize": 501}, 422, "pageSize"},
			{"unknown key", views + "/B", map[string]any{"filtre": "x"}, 422, "filtre"},
			{"columns of the wrong type", views + "/B", map[string]any{"columns": "F0000001"}, 422, "columns"},
			{"a column with a comma", views + "/B", map[string]any{"columns": []string{"F0000001", "F1,F2"}}, 422, "columns[1]"},
			{"a name with a leading space", views + "/%20B", map[string]any{}, 422, "name"},
			{"a name too long", views + "/" + strings.Repeat("名", 101), map[string]any{}, 422, "name"},
			{"a filter too long", views + "/B", map[string]any{"filter": strings.Repeat("x", 8193)}, 422, "filter"},
			{"not an object", views + "/B", `[]`, 400, ""},
			{"no such form", "/api/v1/forms/D404/views/B", map[string]any{}, 404, ""},
		} {
			status, body := s.do("PUT", c.path, c.body)
			if field, _ := decodeErr(t, body)["field"].(string); status != c.status || field != c.field {
				t.Errorf("%s: HTTP %d %s, want %d naming %q", c.what, status, body, c.status, c.field)
			}
		}
		if l := s.mustJSON("GET", views, nil, 200); fmt.Sprint(l["total"]) != "2" {
			t.Errorf("a refused view was saved: %v", l)
		}
		if status, _ := s.do("GET", "/api/v1/forms/D404/views", nil); status != 404 {
			t.Errorf("views of no form: HTTP %d", status)
		}

		// Delete: the admin's A goes, lisi's stays; again is 404.
		if status, body := s.do("DELETE", views+"/A", nil); status != 204 {
			t.Fatalf("delete: HTTP %d %s", status, body)
		}
		if status, _ := s.do("DELETE", views+"/A", nil); status != 404 {
			t.Errorf("delete twice: HTTP %d", status)
		}
		if l := s.mustJSON("GET", views, nil, 200, as(lisi)...); fmt.Sprint(l["total"]) != "1" {
			t.Errorf("lisi's view went with the admin's: %v", l)
		}

		// At most 100 per form and user; replacing one at the limit still works.
		for i := 0; i < 99; i++ {
			s.mustJSON("PUT", fmt.Sprintf("%s/v%03d", views, i), map[string]any{}, 201)
		}
		status, body := s.do("PUT", views+"/one-too-many", map[string]any{})
		if status != 422 || !strings.Contains(string(body), "at most 100") {
			t.Errorf("101st view: HTTP %d %s", status, body)
		}
		s.mustJSON("PUT", views+"/v000", map[string]any{"sort": "CreatedTime"}, 200)
	})
}

func item(l map[string]any, name string) map[string]any {
	for _, it := range l["items"].([]any) {
		if m := it.(map[string]any); m["name"] == name {
			return m
		}
	}
	return nil
}

func names(l map[string]any) string {
	var out []string
	for _, it := range l["items"].([]any) {
		out = append(out, it.(map[string]any)["name"].(string))
	}
	return strings.Join(out, ",")
}
