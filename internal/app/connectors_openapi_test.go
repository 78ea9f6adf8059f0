package app_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
)

// crmOpenAPIYAML is a CRM's OpenAPI 3 document, in YAML.
const crmOpenAPIYAML = `
openapi: 3.0.3
info: {title: CRM, version: "1.0"}
servers: [{url: "https://crm.example.com"}]
paths:
  /customers/{id}:
    get:
      operationId: getCustomerDetail
      summary: 客户详情
      parameters:
        - {name: id, in: path, required: true, schema: {type: string}}
        - {name: fields, in: query, schema: {type: string}}
      responses: {"200": {description: OK}}
  /customers:
    post:
      operationId: create_customer
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [name]
              properties:
                name: {type: string}
                phone: {type: string}
      responses: {"201": {description: Created}}
`

// TestConnectorsOpenAPIImport posts an OpenAPI document to a platform and
// calls an interface it defined.
func TestConnectorsOpenAPIImport(t *testing.T) {
	forEachServer(t, func(t *testing.T, s *server) {
		var seen []string
		vendor := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			b, _ := io.ReadAll(r.Body)
			seen = append(seen, r.Method+" "+r.URL.RequestURI()+" "+string(b))
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{"id":"`+strings.TrimPrefix(r.URL.Path, "/customers/")+`"}`)
		}))
		defer vendor.Close()
		s.mustJSON("POST", "/api/v1/platforms", map[string]any{"key": "crm_system", "baseUrl": vendor.URL,
			"network": map[string]any{"allow": []string{"127.0.0.1/32"}}}, 201)
		s.mustJSON("POST", "/api/v1/platforms/crm_system/instances", map[string]any{"key": "prod"}, 201)

		out := s.mustJSON("POST", "/api/v1/platforms/crm_system/openapi", crmOpenAPIYAML, 200, "Content-Type", "application/yaml")
		if got := out["imported"]; !reflect.DeepEqual(got, []any{"getCustomerDetail", "create_customer"}) {
			t.Fatalf("imported %v", got)
		}
		p := out["platform"].(map[string]any)
		if p["baseUrl"] != vendor.URL || len(p["interfaces"].([]any)) != 2 {
			t.Fatalf("platform %v", p)
		}
		res := s.mustJSON("POST", "/api/v1/platforms/crm_system/interfaces/get_customer_detail/call", map[string]any{"args": []any{"12345", "name"}}, 200)
		if res["code"] != json.Number("200") || res["data"].(map[string]any)["id"] != "12345" || seen[0] != "GET /customers/12345?fields=name " {
			t.Fatalf("call %v, vendor saw %q", res, seen)
		}
		s.mustJSON("POST", "/api/v1/platforms/crm_system/interfaces/createCustomer/call", map[string]any{"args": []any{"张三", "138"}}, 200)
		var body map[string]any
		if !strings.HasPrefix(seen[1], "POST /customers ") || json.Unmarshal([]byte(strings.TrimPrefix(seen[1], "POST /customers ")), &body) != nil ||
			body["name"] != "张三" || body["phone"] != "138" {
			t.Fatalf("vendor saw %q", seen)
		}

		// A JSON document with replace: the platform's interfaces become its one.
		if st, b := s.do("POST", "/api/v1/platforms/crm_system/openapi?replace=true", `{"openapi": "3.0.3", "info": {"title": "x", "version": "1"}, "paths": {"/ping": {"get": {"responses": {"200": {"description": "OK"}}}}}}`); st != 200 ||
			!strings.Contains(string(b), `"imported":["get_ping"]`) {
			t.Fatalf("replace: %d %s", st, b)
		}
		if st, b := s.do("POST", "/api/v1/platforms/crm_system/openapi", "<html>not a document</html>"); st != 422 || !strings.Contains(string(b), `"field":"document"`) {
			t.Fatalf("bad document: %d %s", st, b)
		}
		if st, b := s.do("POST", "/api/v1/platforms/nope/openapi", crmOpenAPIYAML); st != 404 || !strings.Contains(string(b), "nope") {
			t.Fatalf("unknown platform: %d %s", st, b)
		}
		if st, b := s.do("POST", "/api/v1/platforms/qywx/openapi", crmOpenAPIYAML); st != 409 || !strings.Contains(string(b), "qywx") {
			t.Fatalf("built-in platform: %d %s", st, b)
		}
		if st, b := s.do("POST", "/api/v1/platforms/crm_system/openapi?replace=maybe", crmOpenAPIYAML); st != 422 || !strings.Contains(string(b), "replace") {
			t.Fatalf("bad replace: %d %s", st, b)
		}
	})
}
