package app_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// TestRESTForms covers the form endpoints and a schema change that the
// stored data cannot take.
func TestRESTForms(t *testing.T) {
	forEachServer(t, func(t *testing.T, s *server) {
		s.mustCreateForm(contractForm())
		if status, body := s.do("POST", "/api/v1/forms", contractForm()); status != 409 || !strings.Contains(string(body), "已被表单") {
			t.Fatalf("duplicate form: %d %s", status, body)
		}
		status, body := s.do("GET", "/api/v1/forms", nil)
		if status != 200 || decode(t, body)["total"] != json.Number("1") {
			t.Fatalf("list forms: %d %s", status, body)
		}
		status, body = s.do("GET", "/api/v1/forms/d000001contract", nil) // codes are case-insensitive
		if status != 200 || decode(t, body)["code"] != "D000001Contract" {
			t.Fatalf("get form: %d %s", status, body)
		}
		if status, _ := s.do("GET", "/api/v1/forms/Nope", nil); status != 404 {
			t.Fatalf("unknown form: %d", status)
		}
		for _, bad := range []string{`{"code":"1bad","fields":[{"code":"A","type":"text"}]}`, `{"code":"X","fields":[{"code":"Name","type":"text"}]}`,
			`{"code":"X","fields":[{"code":"A","type":"money"}]}`, `{"code":"X","fields":[{"code":"A","type":"select"}]}`, `{"code":"X"`} {
			if status, body := s.do("POST", "/api/v1/forms", bad); status != 422 && status != 400 {
				t.Fatalf("bad form %s: %d %s", bad, status, body)
			}
		}

		// Data first, then a change it cannot take: refused, nothing changed.
		status, body = s.do("POST", "/api/v1/forms/D000001Contract/records?submit=true", map[string]any{"F0000001": "abc", "F0000007": 5})
		if status != 201 {
			t.Fatalf("create record: %d %s", status, body)
		}
		def := contractForm()
		def["fields"].([]map[string]any)[0]["type"] = "number" // F0000001 text "abc" → number
		if status, body := s.do("PUT", "/api/v1/forms/D000001Contract", def); status != 422 || !strings.Contains(string(body), "已有数据不符合新定义") {
			t.Fatalf("incompatible change: %d %s", status, body)
		}
		status, body = s.do("GET", "/api/v1/forms/D000001Contract", nil)
		if f := decode(t, body); status != 200 || f["revision"] != json.Number("1") {
			t.Fatalf("refused change still changed the form: %s", body)
		}

		// A change it can take: rename a field, add one, index, drop one.
		def = contractForm()
		fields := def["fields"].([]map[string]any)
		fields[6] = map[string]any{"code": "Qty", "renameFrom": "F0000007", "type": "decimal", "scale": 1, "indexed": true}
		fields = append(fields[:3], fields[4:]...) // drop F0000004
		fields = append(fields, map[string]any{"code": "F0000020", "type": "text"})
		def["fields"] = fields
		status, body = s.do("PUT", "/api/v1/forms/D000001Contract", def)
		if status != 200 || decode(t, body)["revision"] != json.Number("2") {
			t.Fatalf("compatible change: %d %s", status, body)
		}
		status, body = s.do("GET", "/api/v1/forms/D000001Contract/records?filter=Qty%20%3D%205", nil)
		items := decode(t, body)["items"].([]any)
		if status != 200 || len(items) != 1 || items[0].(map[string]any)["Qty"] != "5.0" {
			t.Fatalf("renamed and converted field: %d %s", status, body)
		}
		if _, ok := items[0].(map[string]any)["F0000004"]; ok {
			t.Fatalf("dropped field still returned")
		}

		if status, _ := s.do("DELETE", "/api/v1/forms/D000001Contract", nil); status != 204 {
			t.Fatalf("delete form: %d", status)
		}
		if status, _ := s.do("GET", "/api/v1/forms/D000001Contract/records", nil); status != 404 {
			t.Fatalf("records of a deleted form: %d", status)
		}
		s.mustCreateForm(contractForm()) // the code is free again
	})
}

// TestRESTRecords covers the record endpoints, their status codes and
// error bodies.
func TestRESTRecords(t *testing.T) {
	forEachServer(t, func(t *testing.T, s *server) {
		s.mustCreateForm(contractForm())
		base := "/api/v1/forms/D000001Contract/records"

		status, body := s.do("POST", base, map[string]any{"F0000001": "草稿", "F0000002": 99.5, "F0000003": "2025-02-17",
			"sourceSystem": "ERP", "sourceCode": "HT-001", "D000001Lines": []map[string]any{{"F0000011": "x"}}})
		rec := decode(t, body)
		if status != 201 || rec["Status"] != json.Number("0") || rec["F0000002"] != "99.50" || rec["F0000003"] != "2025-02-17" || rec["version"] != json.Number("1") {
			t.Fatalf("create: %d %s", status, body)
		}
		id := rec["ObjectId"].(string)
		// Idempotent create: same sourceSystem+sourceCode returns the existing object.
		status, body = s.do("POST", base, map[string]any{"F0000001": "again", "sourceSystem": "ERP", "sourceCode": "HT-001"})
		if status != 200 || decode(t, body)["ObjectId"] != id {
			t.Fatalf("idempotent create: %d %s", status, body)
		}

		status, body = s.do("GET", base+"/"+id, nil)
		if status != 200 || !strings.Contains(string(body), `"D000001Lines":[{`) {
			t.Fatalf("get: %d %s", status, body)
		}

		// PATCH with If-Match: the right version wins, a stale one is 409.
		status, body = s.do("PATCH", base+"/"+id, map[string]any{"F0000007": 3}, "If-Match", `"1"`)
		if status != 200 || decode(t, body)["version"] != json.Number("2") {
			t.Fatalf("patch: %d %s", status, body)
		}
		status, body = s.do("PATCH", base+"/"+id, map[string]any{"F0000007": 4}, "If-Match", `"1"`)
		if status != 409 || !strings.Contains(string(body), `"code":"version_conflict"`) {
			t.Fatalf("stale patch: %d %s", status, body)
		}

		status, body = s.do("PATCH", base+"/"+id, map[string]any{"F0000002": "x"})
		e := decode(t, body)["error"].(map[string]any)
		if status != 422 || e["field"] != "F0000002" || e["code"] != "validation_failed" {
			t.Fatalf("bad value: %d %s", status, body)
		}
		if status, body := s.do("POST", base, `{"F0000001":`); status != 400 || !strings.Contains(string(body), "malformed_request") {
			t.Fatalf("bad JSON: %d %s", status, body)
		}
		if status, _ := s.do("GET", base+"/nope", nil); status != 404 {
			t.Fatalf("unknown id: %d", status)
		}

		// Batch, then list with filter, sort, paging, count, projection.
		var items []map[string]any
		for i := range 12 {
			items = append(items, map[string]any{"F0000001": fmt.Sprintf("批量%02d", i), "F0000007": i})
		}
		status, body = s.do("POST", base+":batch", map[string]any{"items": items, "submit": true})
		if status != 201 || len(decode(t, body)["items"].([]any)) != 12 {
			t.Fatalf("batch: %d %s", status, body)
		}
		status, body = s.do("GET", base+"?filter="+urlq(`F0000007 >= 5 && Status = 1`)+"&sort=-F0000007&limit=3&offset=1&fields=F0000007", nil)
		page := decode(t, body)
		got := page["items"].([]any)
		if status != 200 || page["total"] != json.Number("7") || len(got) != 3 || got[0].(map[string]any)["F0000007"] != json.Number("10") || len(got[0].(map[string]any)) != 2 {
			t.Fatalf("list: %d %s", status, body)
		}
		status, body = s.do("GET", base+"?filter="+urlq(`F0000007 >`), nil)
		if status != 400 {
			t.Fatalf("bad filter: %d %s", status, body)
		}
		if status, body := s.do("GET", base+"?limit=501", nil); status != 422 {
			t.Fatalf("limit 501: %d %s", status, body)
		}
		status, body = s.do("GET", base+"?count=false&limit=2", nil)
		if _, has := decode(t, body)["total"]; status != 200 || has {
			t.Fatalf("count=false: %d %s", status, body)
		}

		if status, _ := s.do("DELETE", base+"/"+id, nil); status != 204 {
			t.Fatalf("delete: %d", status)
		}
		if status, _ := s.do("DELETE", base+"/"+id, nil); status != 404 {
			t.Fatalf("delete again: %d", status)
		}
		if status, body := s.do("GET", "/api/v1/nothing-here", nil); status != 404 || !strings.Contains(string(body), "not_found") {
			t.Fatalf("unknown endpoint: %d %s", status, body)
		}
	})
}

// TestRESTOrg covers users, departments and roles, and that user fields
// and owners must reference real users.
func TestRESTOrg(t *testing.T) {
	forEachServer(t, func(t *testing.T, s *server) {
		status, body := s.do("POST", "/api/v1/departments", map[string]any{"name": "销售部", "externalId": "D-SALES"})
		if status != 201 {
			t.Fatalf("create department: %d %s", status, body)
		}
		dept := decode(t, body)["id"].(string)
		status, body = s.do("PUT", "/api/v1/users/external/U-1", map[string]any{"name": "张三", "departmentId": dept, "email": "zhang@example.com"})
		if status != 201 {
			t.Fatalf("upsert user (create): %d %s", status, body)
		}
		user := decode(t, body)["id"].(string)
		status, body = s.do("PUT", "/api/v1/users/external/U-1", map[string]any{"title": "经理"})
		if status != 200 || decode(t, body)["id"] != user || decode(t, body)["title"] != "经理" {
			t.Fatalf("upsert user (update): %d %s", status, body)
		}
		status, body = s.do("POST", "/api/v1/roles", map[string]any{"name": "审批人", "memberIds": []string{user}})
		if status != 201 {
			t.Fatalf("create role: %d %s", status, body)
		}
		status, body = s.do("GET", "/api/v1/users?departmentId="+dept, nil)
		if status != 200 || decode(t, body)["total"] != json.Number("1") {
			t.Fatalf("list users: %d %s", status, body)
		}
		if status, body := s.do("DELETE", "/api/v1/departments/"+dept, nil); status != 409 {
			t.Fatalf("delete department with users: %d %s", status, body)
		}

		// Records reference users: OwnerId sets OwnerDeptId, a user field checks existence.
		s.mustCreateForm(contractForm())
		status, body = s.do("POST", "/api/v1/forms/D000001Contract/records", map[string]any{"F0000001": "x", "OwnerId": user, "F0000005": user})
		rec := decode(t, body)
		if status != 201 || rec["OwnerId"] != user || rec["OwnerDeptId"] != dept || rec["CreatedBy"] != s.App.Admin.UserID {
			t.Fatalf("owner and department: %d %s", status, body)
		}
		if status, _ := s.do("DELETE", "/api/v1/users/"+s.App.Admin.UserID, nil); status != 403 {
			t.Fatalf("delete admin: %d", status)
		}
		if status, _ := s.do("GET", "/api/v1/users/nope", nil); status != http.StatusNotFound {
			t.Fatalf("unknown user: %d", status)
		}
	})
}

// TestOpenAPIDocument: every registered REST route is documented.
func TestOpenAPIDocument(t *testing.T) {
	s := startServer(t, storeConfig(t, "sqlite"))
	status, body := s.do("GET", "/api/v1/openapi.json", nil, "EngineCode", "", "EngineSecret", "")
	if status != 200 {
		t.Fatalf("openapi.json: %d", status)
	}
	var doc struct {
		OpenAPI string                               `json:"openapi"`
		Paths   map[string]map[string]map[string]any `json:"paths"`
	}
	if err := json.Unmarshal(body, &doc); err != nil || doc.OpenAPI != "3.1.0" {
		t.Fatalf("openapi.json: %v %s", err, doc.OpenAPI)
	}
	want := []string{
		"post /api/v1/forms", "get /api/v1/forms", "get /api/v1/forms/{code}", "put /api/v1/forms/{code}", "delete /api/v1/forms/{code}",
		"get /api/v1/forms/{code}/records", "post /api/v1/forms/{code}/records", "post /api/v1/forms/{code}/records:batch",
		"get /api/v1/forms/{code}/records:export", "get /api/v1/forms/{code}/records:import-template", "post /api/v1/forms/{code}/records:import",
		"get /api/v1/forms/{code}/records/{id}", "patch /api/v1/forms/{code}/records/{id}", "delete /api/v1/forms/{code}/records/{id}",
		"post /OpenApi/Invoke", "post /OpenApi/UploadAttachment", "post /Api/DownloadBizObjectFile", "get /healthz", "get /readyz",
		"put /api/v1/forms/{code}/workflow", "get /api/v1/forms/{code}/workflow", "post /api/v1/workflow/simulate",
		"get /api/v1/tasks", "get /api/v1/tasks/{id}", "post /api/v1/tasks/{id}/{action}",
		"get /api/v1/workflow/tasks", "get /api/v1/instances/{id}", "get /api/v1/instances/{id}/replay", "post /api/v1/instances/{id}/{action}", "post /api/v1/external-approvals/{token}", "get /api/v1/events", "post /api/v1/forms/{code}/records/{id}/submit", "get /api/v1/forms/{code}/records/source/{sourceSystem}/{sourceCode}",
		"patch /api/v1/forms/{code}/records/source/{sourceSystem}/{sourceCode}", "delete /api/v1/forms/{code}/records/source/{sourceSystem}/{sourceCode}",
		"get /api/v1/platforms", "post /api/v1/platforms", "post /api/v1/platforms/import", "get /api/v1/platforms/{key}",
		"get /api/v1/platforms/{key}/export", "put /api/v1/platforms/{key}", "delete /api/v1/platforms/{key}", "post /api/v1/platforms/{key}/openapi",
		"get /api/v1/platforms/{key}/interfaces", "get /api/v1/platforms/{key}/interfaces/{iface}", "post /api/v1/platforms/{key}/interfaces/{iface}/call",
		"get /api/v1/platforms/{key}/instances", "post /api/v1/platforms/{key}/instances", "get /api/v1/platforms/{key}/instances/{instance}",
		"patch /api/v1/platforms/{key}/instances/{instance}", "delete /api/v1/platforms/{key}/instances/{instance}",
		"get /api/v1/connector-calls", "get /api/v1/connector-calls/{id}", "post /api/v1/connector-calls/{id}/replay",
		"get /api/v1/scripts", "put /api/v1/scripts/{scope}/{target}/{name}", "get /api/v1/scripts/{scope}/{target}/{name}",
		"delete /api/v1/scripts/{scope}/{target}/{name}", "get /api/v1/scripts/{scope}/{target}/{name}/versions", "post /api/v1/scripts/run",
		"get /api/v1/scripts/types", "get /api/v1/script-executions", "get /api/v1/script-executions/{id}", "get /api/v1/script-env",
		"put /api/v1/script-env/{name}", "delete /api/v1/script-env/{name}", "post /api/v1/forms/{code}/scripts/{hook}",
		"post /api/v1/custom/{controller}/{action}",
		"get /api/v1/forms/{code}/permissions", "put /api/v1/forms/{code}/permissions", "delete /api/v1/forms/{code}/permissions",
		"get /api/v1/forms/{code}/permissions/explain",
		"post /oauth/token", "post /api/v1/oauth-clients", "get /api/v1/oauth-clients", "get /api/v1/oauth-clients/{id}",
		"patch /api/v1/oauth-clients/{id}", "delete /api/v1/oauth-clients/{id}", "post /api/v1/oauth-clients/{id}/rotate-secret",
		"post /api/v1/oauth-keys/rotate",
		"get /api/v1/value-sets/{code}/values",
		"post /api/v1/batches", "get /api/v1/batches", "get /api/v1/batches/{id}",
		"post /api/v1/webhooks", "get /api/v1/webhooks", "get /api/v1/webhooks/{id}", "patch /api/v1/webhooks/{id}",
		"delete /api/v1/webhooks/{id}", "post /api/v1/webhooks/{id}/rotate-secret", "get /api/v1/webhooks/{id}/deliveries",
		"get /api/v1/deliveries", "get /api/v1/deliveries/{id}", "get /api/v1/deliveries/{id}/attempts", "post /api/v1/deliveries/{id}/resend",
		"post /api/v1/files", "get /api/v1/files", "get /api/v1/files/{fileKey}", "get /api/v1/files/{fileKey}/meta", "post /api/v1/files/{fileKey}/preview-link",
		"get /api/v1/files/{fileKey}/preview",
		"post /api/v1/session", "get /api/v1/session", "delete /api/v1/session", "put /api/v1/session/password",
		"put /api/v1/users/{id}/{action}", "get /api/v1/engine", "post /api/v1/engine/rotate-secret",
	}
	for _, kind := range []string{"users", "departments", "roles", "positions", "value-sets"} {
		want = append(want, "get /api/v1/"+kind, "post /api/v1/"+kind, "get /api/v1/"+kind+"/{id}", "patch /api/v1/"+kind+"/{id}",
			"delete /api/v1/"+kind+"/{id}", "put /api/v1/"+kind+"/external/{externalId}", "post /api/v1/"+kind+":upsert")
	}
	n := 0
	for _, p := range doc.Paths {
		n += len(p)
	}
	if n != len(want) {
		t.Errorf("document has %d operations, want %d", n, len(want))
	}
	for _, w := range want {
		method, path, _ := strings.Cut(w, " ")
		if _, ok := doc.Paths[path][method]; !ok {
			t.Errorf("OpenAPI document lacks %s", w)
		}
	}
	// Every status and header the handlers use is declared.
	op := func(method, path string) string {
		b, _ := json.Marshal(doc.Paths[path][method])
		return string(b)
	}
	for _, c := range []struct{ method, path, want string }{
		{"get", "/api/v1/forms/{code}/records/{id}", `{"oauth2":["records:read"]}`},
		{"patch", "/api/v1/forms/{code}/records/{id}", `{"oauth2":["records:write"]}`},
		{"post", "/api/v1/tasks/{id}/{action}", `{"oauth2":["workflow"]}`},
		{"post", "/api/v1/users", `{"oauth2":["org"]}`},
		{"put", "/api/v1/scripts/{scope}/{target}/{name}", `{"oauth2":["admin"]}`},
		{"post", "/api/v1/oauth-clients", `{"oauth2":["admin"]}`},
		{"post", "/api/v1/webhooks", `{"oauth2":["admin"]}`},
		{"get", "/api/v1/deliveries", `{"oauth2":["records:write"]}`},
		{"post", "/api/v1/deliveries/{id}/resend", `{"oauth2":["records:write"]}`},
		{"post", "/api/v1/forms/{code}/records", `"200":`},
		{"post", "/api/v1/forms/{code}/records", `"Location"`},
		{"put", "/api/v1/users/external/{externalId}", `"201":`},
		{"post", "/api/v1/tasks/{id}/{action}", `"enum":["approve","reject","return"`},
		{"post", "/api/v1/instances/{id}/{action}", `"enum":["withdraw"`},
		{"get", "/api/v1/tasks", `"enum":["todo","done","started","cc"]`},
		{"get", "/api/v1/forms/{code}/workflow", `"enum":["graph","tree","bpmn"]`},
		{"get", "/api/v1/forms/{code}/records", `#/components/parameters/XUserId"`},
		{"get", "/api/v1/forms/{code}/records", `#/components/parameters/XUserIdType"`},
		{"get", "/api/v1/forms/{code}/records/{id}", `"ETag"`},
		{"patch", "/api/v1/forms/{code}/records/{id}", `"413":`},
		{"get", "/readyz", `"503":`},
		{"put", "/api/v1/forms/{code}/permissions", `"403":`},
		{"patch", "/api/v1/roles/{id}", `"403":`},
		{"put", "/api/v1/forms/{code}/workflow", `"403":`},
		{"post", "/api/v1/files", `{"oauth2":["files"]}`},
		{"get", "/api/v1/files/{fileKey}", `{"oauth2":["files"]}`},
		{"post", "/api/v1/files/{fileKey}/preview-link", `{"oauth2":["files"]}`},
		{"post", "/api/v1/files", `"multipart/form-data"`},
		{"post", "/api/v1/files", `"413":`},
		{"get", "/api/v1/files/{fileKey}/preview", `"security":[]`},
		{"get", "/api/v1/files/{fileKey}/preview", `"410":`},
	} {
		if !strings.Contains(op(c.method, c.path), c.want) {
			t.Errorf("%s %s does not declare %s: %s", c.method, c.path, c.want, op(c.method, c.path))
		}
	}
}

func urlq(s string) string {
	r := strings.NewReplacer(" ", "%20", "&", "%26", "=", "%3D", ">", "%3E", "<", "%3C", "|", "%7C", `"`, "%22", "~", "%7E")
	return r.Replace(s)
}
