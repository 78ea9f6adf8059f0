package app_test

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestFormRevisions: every create and change of a form keeps its
// definition; a refused change keeps none; the list is newest first and
// pages; an old revision reads back as it was; deleting the form deletes
// its history, so a new form with the code starts again at 1.
func TestFormRevisions(t *testing.T) {
	forEachServer(t, func(t *testing.T, s *server) {
		s.mustCreateForm(contractForm())
		def := contractForm()
		def["name"] = "合同 v2"
		def["fields"] = append(def["fields"].([]map[string]any), map[string]any{"code": "F0000020", "name": "备注", "type": "textarea"})
		if status, body := s.do("PUT", "/api/v1/forms/D000001Contract", def); status != 200 {
			t.Fatalf("change: %d %s", status, body)
		}
		// A refused change (a select without options) leaves no revision.
		bad := contractForm()
		bad["fields"] = []map[string]any{{"code": "F0000001", "type": "select"}}
		if status, body := s.do("PUT", "/api/v1/forms/D000001Contract", bad); status != 422 {
			t.Fatalf("refused change: %d %s", status, body)
		}

		status, body := s.do("GET", "/api/v1/forms/d000001contract/revisions", nil)
		var page struct {
			Items []struct {
				Revision int64  `json:"revision"`
				Name     string `json:"name"`
				Fields   int    `json:"fields"`
				Children int    `json:"children"`
				Modified string `json:"modifiedTime"`
			} `json:"items"`
			Total int `json:"total"`
		}
		if err := json.Unmarshal(body, &page); err != nil || status != 200 {
			t.Fatalf("list revisions: %d %s", status, body)
		}
		if page.Total != 2 || len(page.Items) != 2 || page.Items[0].Revision != 2 || page.Items[0].Name != "合同 v2" ||
			page.Items[0].Fields != 11 || page.Items[1].Revision != 1 || page.Items[1].Fields != 10 || page.Items[1].Children != 1 ||
			!strings.HasSuffix(page.Items[0].Modified, "+08:00") {
			t.Fatalf("revisions: %s", body)
		}
		status, body = s.do("GET", "/api/v1/forms/D000001Contract/revisions?offset=1&limit=1", nil)
		if p := decode(t, body); status != 200 || p["total"] != json.Number("2") || len(p["items"].([]any)) != 1 ||
			p["items"].([]any)[0].(map[string]any)["revision"] != json.Number("1") {
			t.Fatalf("second page: %d %s", status, body)
		}

		status, body = s.do("GET", "/api/v1/forms/D000001Contract/revisions/1", nil)
		old := decode(t, body)
		if status != 200 || old["name"] != "合同" || old["revision"] != json.Number("1") || len(old["fields"].([]any)) != 10 {
			t.Fatalf("revision 1: %d %s", status, body)
		}
		for path, want := range map[string]int{
			"/api/v1/forms/D000001Contract/revisions/3":       404,
			"/api/v1/forms/D000001Contract/revisions/abc":     404,
			"/api/v1/forms/Nope/revisions":                    404,
			"/api/v1/forms/D000001Contract/revisions?limit=0": 422,
		} {
			status, body := s.do("GET", path, nil)
			if status != want || !strings.Contains(string(body), `"error"`) {
				t.Fatalf("%s: %d %s", path, status, body)
			}
		}

		if status, _ := s.do("DELETE", "/api/v1/forms/D000001Contract", nil); status != 204 {
			t.Fatalf("delete: %d", status)
		}
		s.mustCreateForm(contractForm())
		status, body = s.do("GET", "/api/v1/forms/D000001Contract/revisions", nil)
		if p := decode(t, body); status != 200 || p["total"] != json.Number("1") {
			t.Fatalf("history after delete and re-create: %d %s", status, body)
		}
	})
}
