package connector_test

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/tritiumhq/tritium/internal/apperr"
	"github.com/tritiumhq/tritium/internal/connector"
	"github.com/tritiumhq/tritium/internal/sqldb"
	"github.com/tritiumhq/tritium/internal/sqldb/sqldbtest"
)

// crmOpenAPI3 is a small CRM in OpenAPI 3 (JSON). Its body schema is a
// $ref, its properties are not in alphabetical order, and one operation
// has no operationId.
const crmOpenAPI3 = `{
  "openapi": "3.0.3",
  "info": {"title": "CRM", "version": "1.0"},
  "servers": [{"url": "https://{region}.crm.example.com/api/", "variables": {"region": {"default": "cn"}}}],
  "paths": {
    "/customers/{id}": {
      "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
      "get": {
        "operationId": "get_customer_detail", "summary": "客户详情", "description": "One customer",
        "parameters": [
          {"name": "fields", "in": "query", "schema": {"type": "string"}},
          {"name": "X-Trace", "in": "header", "schema": {"type": "string"}},
          {"name": "tenant", "in": "query", "required": true, "schema": {"type": "string"}},
          {"name": "session", "in": "cookie", "schema": {"type": "string"}}
        ],
        "responses": {"200": {"description": "OK"}}
      },
      "delete": {"responses": {"204": {"description": "Deleted"}}}
    },
    "/customers": {
      "post": {
        "operationId": "createCustomer", "summary": "新建客户",
        "parameters": [{"name": "tags", "in": "query", "explode": false, "schema": {"type": "array", "items": {"type": "string"}}}],
        "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/NewCustomer"}}}},
        "responses": {"201": {"description": "Created"}}
      }
    },
    "/customers/{id}/notes": {
      "put": {
        "operationId": "customers.setNotes",
        "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
        "requestBody": {"content": {"application/json": {"schema": {"type": "array", "items": {"type": "string"}}}}},
        "responses": {"200": {"description": "OK"}}
      }
    }
  },
  "components": {"schemas": {"NewCustomer": {
    "type": "object", "required": ["name"],
    "properties": {"phone": {"type": "string", "description": "手机"}, "name": {"type": "string"}, "level": {"type": "integer"}}
  }}}
}`

// crmSwagger2 is the same CRM in Swagger 2 (YAML).
const crmSwagger2 = `
swagger: "2.0"
info: {title: CRM, version: "1.0"}
host: crm.example.com
basePath: /v2
schemes: [http, https]
consumes: [application/json]
paths:
  /customers/{id}:
    get:
      operationId: get_customer_detail
      parameters:
        - {name: id, in: path, required: true, type: string}
        - {name: fields, in: query, type: string}
      responses: {"200": {description: OK}}
    delete:
      responses: {"204": {description: Deleted}}
  /customers:
    post:
      operationId: createCustomer
      parameters:
        - name: customer
          in: body
          required: true
          schema:
            type: object
            required: [name]
            properties:
              phone: {type: string}
              name: {type: string}
      responses: {"201": {description: Created}}
`

func params(f connector.Interface) string {
	var b strings.Builder
	for _, p := range f.Params {
		b.WriteString(p.In + ":" + p.Name)
		if p.BodyPath != "" {
			b.WriteString("@" + p.BodyPath)
		}
		if p.Required {
			b.WriteString("!")
		}
		if p.Join != "" {
			b.WriteString("[" + p.Join + "]")
		}
		b.WriteString(" ")
	}
	return strings.TrimSpace(b.String())
}

func byKey(t *testing.T, imp *connector.OpenAPIImport) map[string]connector.Interface {
	t.Helper()
	m := map[string]connector.Interface{}
	for _, f := range imp.Interfaces {
		m[f.Key] = f
	}
	return m
}

func TestImportOpenAPI3(t *testing.T) {
	imp, err := connector.ImportOpenAPI([]byte(crmOpenAPI3))
	if err != nil {
		t.Fatal(err)
	}
	if imp.BaseURL != "https://cn.crm.example.com/api" || imp.Title != "CRM" {
		t.Fatalf("base URL %q, title %q", imp.BaseURL, imp.Title)
	}
	var keys []string
	for _, f := range imp.Interfaces {
		keys = append(keys, f.Key)
	}
	// Document order; the operation without an id is named by method and path.
	if want := []string{"get_customer_detail", "delete_customers_id", "createCustomer", "customers_setNotes"}; !reflect.DeepEqual(keys, want) {
		t.Fatalf("keys %v, want %v", keys, want)
	}
	m := byKey(t, imp)
	get := m["get_customer_detail"]
	if get.Method != "GET" || get.Path != "/customers/{id}" || get.Name != "客户详情" || get.Description != "One customer" {
		t.Fatalf("get %+v", get)
	}
	// Path first, then the required ones, then the rest in document order; no cookie.
	if got := params(get); got != "path:id! query:tenant! query:fields header:X-Trace" {
		t.Fatalf("get params %s", got)
	}
	create := m["createCustomer"]
	if got := params(create); create.Method != "POST" || got != "body:name! query:tags[,] body:phone body:level" {
		t.Fatalf("create %s %s", create.Method, got)
	}
	if create.Params[2].Description != "手机" {
		t.Fatalf("description %+v", create.Params[2])
	}
	notes := m["customers_setNotes"]
	if got := params(notes); got != "path:id! body:body" || notes.Body != "{{params.body}}" || notes.Method != "PUT" {
		t.Fatalf("notes %s %v", got, notes.Body)
	}
	if got := params(m["delete_customers_id"]); got != "path:id!" {
		t.Fatalf("delete params %s", got)
	}
	// What it imports is a valid platform.
	p := connector.Platform{Key: "crm", BaseURL: imp.BaseURL, Interfaces: imp.Interfaces}
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestImportSwagger2(t *testing.T) {
	imp, err := connector.ImportOpenAPI([]byte(crmSwagger2))
	if err != nil {
		t.Fatal(err)
	}
	if imp.BaseURL != "http://crm.example.com/v2" {
		t.Fatalf("base URL %q", imp.BaseURL)
	}
	m := byKey(t, imp)
	if len(m) != 3 {
		t.Fatalf("interfaces %v", imp.Interfaces)
	}
	if f := m["get_customer_detail"]; f.Method != "GET" || f.Path != "/customers/{id}" || params(f) != "path:id! query:fields" {
		t.Fatalf("get %s %s %s", f.Method, f.Path, params(f))
	}
	// Swagger 2 keeps no property order: required ones first, the rest by name.
	if f := m["createCustomer"]; f.Method != "POST" || params(f) != "body:name! body:phone" {
		t.Fatalf("create %s %s", f.Method, params(f))
	}
	if f := m["delete_customers_id"]; f.Method != "DELETE" || params(f) != "path:id!" {
		t.Fatalf("delete %s %s", f.Method, params(f))
	}
}

func TestImportOpenAPIRefused(t *testing.T) {
	for name, doc := range map[string]string{
		"not a document": "just: [some yaml",
		"no version":     `{"info": {"title": "x"}, "paths": {}}`,
		"no operations":  `{"openapi": "3.0.0", "info": {"title": "x", "version": "1"}, "paths": {}}`,
		"wrong shape":    `{"openapi": "3.0.0", "info": {"title": "x", "version": "1"}, "paths": []}`,
	} {
		_, err := connector.ImportOpenAPI([]byte(doc))
		wantAppErr(t, err, apperr.Invalid, "document")
		if e := apperr.As(err); e != nil && (strings.Contains(e.Message, "Go ") || strings.Contains(e.Message, "openapi3.")) {
			t.Errorf("%s: message shows Go types: %s", name, e.Message)
		}
	}
	// Keys that collide once snake_case is aliased to camelCase.
	collide := `{"openapi": "3.0.0", "info": {"title": "x", "version": "1"}, "paths": {
	  "/a": {"get": {"operationId": "get_items", "responses": {"200": {"description": "OK"}}}},
	  "/b": {"get": {"operationId": "getItems", "responses": {"200": {"description": "OK"}}}}}}`
	_, err := connector.ImportOpenAPI([]byte(collide))
	wantAppErr(t, err, apperr.Invalid, "get_items", "getItems", "GET /a", "GET /b")
}

func TestServiceImportOpenAPI(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, kind sqldb.Kind) {
		crm := newCRM(t)
		s, db := newService(t, kind)
		pl := crmPlatform(crm.URL)
		pl.Interfaces = append(pl.Interfaces, connector.Interface{Key: "garbage", Path: "/garbage"}, connector.Interface{Key: "slow", Path: "/slow"})
		mustPlatform(t, s, pl)
		mustInstance(t, s, "crm_system", connector.Instance{Key: "prod", Secrets: map[string]string{"apikey": "k-very-secret"}})
		// The platform's own get_customer_detail is replaced, its others kept.
		p, keys, err := s.ImportOpenAPI(ctx, "crm_system", []byte(crmOpenAPI3), false)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(keys, []string{"get_customer_detail", "delete_customers_id", "createCustomer", "customers_setNotes"}) {
			t.Fatalf("keys %v", keys)
		}
		if p.BaseURL != crm.URL || p.Revision != 2 {
			t.Fatalf("base URL %s (kept), revision %d", p.BaseURL, p.Revision)
		}
		var got []string
		for _, f := range p.Interfaces {
			got = append(got, f.Key)
		}
		// create_customer and createCustomer are one interface: replaced in place.
		if want := []string{"get_customer_detail", "createCustomer", "garbage", "slow", "delete_customers_id", "customers_setNotes"}; !reflect.DeepEqual(got, want) {
			t.Fatalf("interfaces %v, want %v", got, want)
		}
		// A direct call in the imported order: id, tenant, fields.
		res, err := s.Call(ctx, connector.CallRequest{Platform: "crm_system", Interface: "getCustomerDetail", Args: []any{"12345", "t1", "name"}})
		if err != nil || res.Code != 200 || res.Data.(map[string]any)["fields"] != "name" {
			t.Fatalf("call: %+v %v", res, err)
		}
		if q := crm.last.URL.Query(); crm.last.URL.Path != "/customers/12345" || q.Get("tenant") != "t1" {
			t.Fatalf("request %s", crm.last.URL)
		}
		res, err = s.Call(ctx, connector.CallRequest{Platform: "crm_system", Interface: "create_customer", Args: []any{"张三", []any{"a", "b"}, "138"}})
		if err != nil || res.Code != 201 {
			t.Fatalf("create: %+v %v", res, err)
		}
		var body map[string]any
		if err := json.Unmarshal([]byte(crm.lastBody), &body); err != nil || body["name"] != "张三" || body["phone"] != "138" || crm.last.URL.Query().Get("tags") != "a,b" {
			t.Fatalf("create request %s %s", crm.last.URL, crm.lastBody)
		}
		// A whole-body param: the array is the body.
		if _, err := s.Call(ctx, connector.CallRequest{Platform: "crm_system", Interface: "customers_setNotes", Args: []any{"12345", []any{"vip"}}}); err != nil {
			t.Fatal(err)
		}
		if crm.lastBody != `["vip"]` || crm.last.Method != "PUT" {
			t.Fatalf("notes %s %s", crm.last.Method, crm.lastBody)
		}
		// Replace: the platform's interfaces become the document's.
		p, keys, err = s.ImportOpenAPI(ctx, "crm_system", []byte(crmSwagger2), true)
		if err != nil || len(p.Interfaces) != 3 || len(keys) != 3 {
			t.Fatalf("replace: %v %v", keys, err)
		}
		// The stored definition is what other nodes load.
		s2, err := connector.New(ctx, connector.Config{DB: db, Box: testBox(t)})
		if err != nil {
			t.Fatal(err)
		}
		defer s2.Close()
		if f, err := s2.GetInterface("crm_system", "createCustomer"); err != nil || params(*f) != "body:name! body:phone" {
			t.Fatalf("another node: %+v %v", f, err)
		}
	})
}

func TestServiceImportOpenAPIRefused(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, kind sqldb.Kind) {
		s, _ := newService(t, kind)
		mustPlatform(t, s, crmPlatform("https://crm.example.com"))
		_, _, err := s.ImportOpenAPI(ctx, "nope", []byte(crmOpenAPI3), false)
		wantAppErr(t, err, apperr.NotFound, "nope")
		_, _, err = s.ImportOpenAPI(ctx, "qywx", []byte(crmOpenAPI3), false)
		wantAppErr(t, err, apperr.Conflict, "qywx")
		_, _, err = s.ImportOpenAPI(ctx, "crm_system", []byte("<html>"), false)
		wantAppErr(t, err, apperr.Invalid, "document")
		if p, _ := s.GetPlatform("crm_system"); p.Revision != 1 {
			t.Fatalf("refused imports changed the platform: revision %d", p.Revision)
		}
	})
}
