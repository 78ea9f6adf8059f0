package connector

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi2"
	"github.com/getkin/kin-openapi/openapi2conv"
	"github.com/getkin/kin-openapi/openapi3"

	"github.com/tritiumhq/tritium/internal/apperr"
	"github.com/tritiumhq/tritium/internal/sqldb"
)

// OpenAPIImport is what an OpenAPI 3 or Swagger 2 document defines for a
// platform: one interface per operation, and the first server's URL.
type OpenAPIImport struct {
	Title string
	// BaseURL is the first server's URL (OpenAPI 3 servers[0].url with
	// its variables' defaults; Swagger 2 scheme://host/basePath), without
	// a trailing /. It may be relative ("/v1") or empty.
	BaseURL    string
	Interfaces []Interface
}

// ImportOpenAPI reads an OpenAPI 3 or Swagger 2 document, JSON or YAML,
// into interfaces, one per operation, in document order (Swagger 2: by
// path, then method). External $refs are not followed.
//
// An interface's key is its operationId with every character other than
// letters, digits and _ made _ (camelCase and snake_case are kept as they
// are); without an operationId it is the method and path in snake_case
// (GET /customers/{id} → get_customers_id). Keys that collide, also after
// the camelCase aliasing of snake_case keys, are refused naming both
// operations.
//
// Params, the direct-call order: the path params; then the required
// query and header params and the required body properties; then the
// optional ones. Query and header params keep the document's order (path
// level ones first), required body properties the order of the schema's
// required list, optional ones the document's order (Swagger 2: by name).
// A JSON body that is an object becomes one body param per top-level
// property (bodyPath = the property); any other JSON body one param named
// body that is the whole body. Cookie params and non-JSON bodies are not
// imported.
func ImportOpenAPI(doc []byte) (*OpenAPIImport, error) {
	t, err := loadOpenAPI(doc)
	if err != nil {
		return nil, err
	}
	out := &OpenAPIImport{}
	if t.Info != nil {
		out.Title = t.Info.Title
	}
	if len(t.Servers) > 0 && t.Servers[0] != nil {
		out.BaseURL = serverURL(t.Servers[0])
	}
	owner := map[string]string{} // key and its camelCase form → the operation
	for _, op := range operations(t) {
		f, err := interfaceOf(op)
		if err != nil {
			return nil, err
		}
		for _, name := range []string{f.Key, camel(f.Key)} {
			if other, dup := owner[name]; dup && other != op.name() {
				return nil, apperr.Field("document", "操作 %s 与 %s 的接口标识冲突: %s (operations %s and %s map to the same interface key %s)",
					other, op.name(), name, other, op.name(), name)
			}
			owner[name] = op.name()
		}
		out.Interfaces = append(out.Interfaces, f)
	}
	if len(out.Interfaces) == 0 {
		return nil, apperr.Field("document", "OpenAPI 文档中没有任何操作 (the document defines no operations)")
	}
	return out, nil
}

func badDocument(doc []byte, err error) error {
	e := apperr.Wrap(apperr.Invalid, err, "无法读取 OpenAPI 文档: %s (the document is not valid OpenAPI 3 or Swagger 2)", parseProblem(doc, err))
	e.Field = "document"
	return e
}

// loadOpenAPI parses a Swagger 2 document (converted to OpenAPI 3) or an
// OpenAPI 3 one.
func loadOpenAPI(doc []byte) (*openapi3.T, error) {
	var d2 openapi2.T
	if err := openapi2.UnmarshalFromData(doc, &d2); err == nil && strings.HasPrefix(d2.Swagger, "2") {
		t, err := openapi2conv.ToV3(&d2)
		if err != nil {
			return nil, badDocument(doc, err)
		}
		return t, nil
	}
	loader := openapi3.NewLoader()
	loader.IncludeOrigin = true // the document's order of operations and properties
	t, err := loader.LoadFromData(doc)
	if err != nil {
		return nil, badDocument(doc, err)
	}
	if !strings.HasPrefix(t.OpenAPI, "3") {
		return nil, apperr.Field("document", "文档没有 openapi: 3.x 或 swagger: \"2.0\" 版本声明 (the document declares neither openapi 3.x nor swagger 2.0)")
	}
	return t, nil
}

var (
	spaces = regexp.MustCompile(`\s+`)
	// Parts of a decoder's message that name Go types.
	goField = regexp.MustCompile(`into (Go struct )?field [A-Za-z0-9_]+\.`)
	goType  = regexp.MustCompile(` (into|of type) (Go value of type )?[^ ]*[.*\[\]][^ ]*| \{\}`)
)

// parseProblem is what the parser said, on one line, without Go types:
// for a document that looks like JSON its JSON complaint, else its YAML
// one.
func parseProblem(doc []byte, err error) string {
	s := spaces.ReplaceAllString(err.Error(), " ")
	if _, rest, ok := strings.Cut(s, "json error: "); ok {
		js, ys, _ := strings.Cut(rest, ", yaml error: ")
		if t := strings.TrimLeft(string(doc), " \t\r\n"); t != "" && (t[0] == '{' || t[0] == '[') {
			s = js
		} else {
			s = ys
		}
	} else if _, rest, ok := strings.Cut(s, "yaml error: "); ok {
		s = rest
	}
	s = goType.ReplaceAllString(goField.ReplaceAllString(s, "at "), "")
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}

func serverURL(s *openapi3.Server) string {
	u := s.URL
	for name, v := range s.Variables {
		if v != nil {
			u = strings.ReplaceAll(u, "{"+name+"}", v.Default)
		}
	}
	return strings.TrimRight(u, "/")
}

type operation struct {
	method, path string
	item         *openapi3.PathItem
	op           *openapi3.Operation
}

func (o operation) name() string {
	if o.op.OperationID != "" {
		return fmt.Sprintf("%s (%s %s)", o.op.OperationID, o.method, o.path)
	}
	return o.method + " " + o.path
}

var methodOrder = []string{"GET", "PUT", "POST", "DELETE", "OPTIONS", "HEAD", "PATCH"}

// operations lists the document's operations in document order where the
// parser recorded it, else by path and method.
func operations(t *openapi3.T) []operation {
	var ops []operation
	if t.Paths == nil {
		return nil
	}
	for path, item := range t.Paths.Map() {
		if item == nil {
			continue
		}
		for method, op := range item.Operations() {
			if op != nil && slices.Contains(methodOrder, method) {
				ops = append(ops, operation{method: method, path: path, item: item, op: op})
			}
		}
	}
	slices.SortFunc(ops, func(a, b operation) int {
		if c := cmpPos(origin(a.op.Origin), origin(b.op.Origin)); c != 0 {
			return c
		}
		if c := cmp.Compare(a.path, b.path); c != 0 {
			return c
		}
		return cmp.Compare(slices.Index(methodOrder, a.method), slices.Index(methodOrder, b.method))
	})
	return ops
}

// pos is where an element starts in the document; zero when unknown.
type pos struct{ line, col int }

func origin(o *openapi3.Origin) pos {
	if o == nil || o.Key == nil {
		return pos{}
	}
	return pos{o.Key.Line, o.Key.Column}
}

// cmpPos orders positions, known ones first.
func cmpPos(a, b pos) int {
	switch {
	case a == (pos{}) && b == (pos{}):
		return 0
	case a == (pos{}):
		return 1
	case b == (pos{}):
		return -1
	}
	return cmp.Or(cmp.Compare(a.line, b.line), cmp.Compare(a.col, b.col))
}

var nonKey = regexp.MustCompile(`[^A-Za-z0-9_]+`)

// interfaceKey makes s a valid interface key.
func interfaceKey(s string) string {
	k := strings.Trim(nonKey.ReplaceAllString(s, "_"), "_")
	for strings.Contains(k, "__") {
		k = strings.ReplaceAll(k, "__", "_")
	}
	if k == "" || !(k[0] >= 'A' && k[0] <= 'Z' || k[0] >= 'a' && k[0] <= 'z') {
		k = "op_" + k
	}
	if len(k) > 64 {
		k = strings.TrimRight(k[:64], "_")
	}
	return k
}

func interfaceOf(o operation) (Interface, error) {
	key := o.op.OperationID
	if key == "" {
		key = strings.ToLower(o.method + "_" + strings.NewReplacer("{", "", "}", "").Replace(o.path))
	}
	f := Interface{Key: interfaceKey(key), Name: o.op.Summary, Description: o.op.Description, Method: o.method}
	if f.Name == "" {
		f.Name = o.item.Summary
	}
	// Path parameter names the connector cannot substitute ({customer-id})
	// become keys ({customer_id}).
	rename := map[string]string{}
	var inPath []string
	f.Path = openAPIPathParam.ReplaceAllStringFunc(o.path, func(m string) string {
		name := m[1 : len(m)-1]
		k := strings.Trim(nonKey.ReplaceAllString(name, "_"), "_")
		if k == "" {
			k = "p"
		}
		rename[name] = k
		inPath = append(inPath, k)
		return "{" + k + "}"
	})
	var path, required, optional []Param
	taken := map[string]bool{}
	for _, p := range parameters(o) {
		switch p.In {
		case "path", "query", "header":
		default:
			continue // cookie
		}
		pr := Param{Name: p.Name, In: p.In, Required: p.Required || p.In == "path", Description: p.Description, Join: joinOf(p)}
		if p.In == "path" {
			if k, ok := rename[p.Name]; ok {
				pr.Name = k
			}
		}
		if taken[pr.Name] {
			continue
		}
		taken[pr.Name] = true
		switch {
		case pr.In == "path":
			path = append(path, pr)
		case pr.Required:
			required = append(required, pr)
		default:
			optional = append(optional, pr)
		}
	}
	for _, k := range inPath {
		if !taken[k] { // an undeclared path parameter: still a required argument
			taken[k] = true
			path = append(path, Param{Name: k, In: "path", Required: true})
		}
	}
	breq, bopt, whole := bodyParams(o.op, taken)
	if whole != nil {
		f.Body = "{{params." + whole.Name + "}}"
		if whole.Required {
			breq = []Param{*whole}
		} else {
			bopt = []Param{*whole}
		}
	}
	f.Params = slices.Concat(path, required, breq, optional, bopt)
	return f, nil
}

var openAPIPathParam = regexp.MustCompile(`\{[^{}/]+\}`)

// parameters are the path item's parameters, then the operation's; an
// operation's parameter replaces the path item's of the same name and
// location.
func parameters(o operation) []*openapi3.Parameter {
	var out []*openapi3.Parameter
	idx := map[string]int{}
	for _, list := range []openapi3.Parameters{o.item.Parameters, o.op.Parameters} {
		for _, ref := range list {
			if ref == nil || ref.Value == nil {
				continue
			}
			p := ref.Value
			id := p.In + "\x00" + p.Name
			if i, ok := idx[id]; ok {
				out[i] = p
				continue
			}
			idx[id] = len(out)
			out = append(out, p)
		}
	}
	return out
}

// joinOf is the separator of an array query parameter sent as one value
// (explode: false).
func joinOf(p *openapi3.Parameter) string {
	if p.In != "query" || p.Explode == nil || *p.Explode || p.Schema == nil || p.Schema.Value == nil || !p.Schema.Value.Type.Is("array") {
		return ""
	}
	switch p.Style {
	case openapi3.SerializationSpaceDelimited:
		return " "
	case openapi3.SerializationPipeDelimited:
		return "|"
	}
	return ","
}

// jsonSchema is the schema of an operation's JSON request body, or nil.
func jsonSchema(op *openapi3.Operation) (*openapi3.Schema, bool) {
	if op.RequestBody == nil || op.RequestBody.Value == nil {
		return nil, false
	}
	rb := op.RequestBody.Value
	for _, ct := range slices.Sorted(func(yield func(string) bool) {
		for k := range rb.Content {
			if !yield(k) {
				return
			}
		}
	}) {
		mt := strings.ToLower(strings.TrimSpace(strings.Split(ct, ";")[0]))
		if mt == "application/json" || strings.HasSuffix(mt, "+json") || mt == "*/*" {
			m := rb.Content[ct]
			if m == nil || m.Schema == nil || m.Schema.Value == nil {
				return &openapi3.Schema{}, rb.Required
			}
			return m.Schema.Value, rb.Required
		}
	}
	return nil, false
}

// bodyParams are the body's params: an object's top-level properties
// (required ones in the order of its required list, the rest in document
// order or by name), or one param that is the whole body.
func bodyParams(op *openapi3.Operation, taken map[string]bool) (required, optional []Param, whole *Param) {
	s, bodyRequired := jsonSchema(op)
	if s == nil {
		return nil, nil, nil
	}
	type prop struct {
		name string
		s    *openapi3.SchemaRef
	}
	props := map[string]prop{}
	var req []string
	var collect func(s *openapi3.Schema, depth int)
	collect = func(s *openapi3.Schema, depth int) {
		if s == nil || depth > 8 {
			return
		}
		for name, ps := range s.Properties {
			props[name] = prop{name, ps}
		}
		req = append(req, s.Required...)
		for _, a := range s.AllOf {
			if a != nil {
				collect(a.Value, depth+1)
			}
		}
	}
	collect(s, 0)
	if len(props) == 0 {
		name := "body"
		for taken[name] {
			name = "request_" + name
		}
		return nil, nil, &Param{Name: name, In: "body", Required: bodyRequired, Description: s.Description}
	}
	param := func(p prop, required bool) Param {
		name := p.name
		for taken[name] {
			name = "body_" + name
		}
		taken[name] = true
		pr := Param{Name: name, In: "body", Required: required}
		if name != p.name {
			pr.BodyPath = p.name
		}
		if p.s != nil && p.s.Value != nil {
			pr.Description = p.s.Value.Description
		}
		return pr
	}
	isReq := map[string]bool{}
	for _, name := range req {
		if p, ok := props[name]; ok && !isReq[name] {
			isReq[name] = true
			required = append(required, param(p, true))
		}
	}
	var rest []prop
	for name, p := range props {
		if !isReq[name] {
			rest = append(rest, p)
		}
	}
	slices.SortFunc(rest, func(a, b prop) int {
		return cmp.Or(cmpPos(propPos(a.s), propPos(b.s)), cmp.Compare(a.name, b.name))
	})
	for _, p := range rest {
		optional = append(optional, param(p, false))
	}
	return required, optional, nil
}

func propPos(s *openapi3.SchemaRef) pos {
	if s == nil {
		return pos{}
	}
	if p := origin(s.Origin); p != (pos{}) {
		return p
	}
	if s.Value != nil && s.Ref == "" {
		return origin(s.Value.Origin)
	}
	return pos{}
}

// ImportOpenAPI adds the interfaces an OpenAPI 3 or Swagger 2 document
// defines to a defined (not built-in) platform: an interface with the
// same key (or its camelCase form) is replaced, the others are kept
// unless replace is set, when the platform's interfaces become exactly
// the document's. The platform's baseUrl is set from the document's first
// server when it has none. It returns the platform and the keys imported.
func (s *Service) ImportOpenAPI(ctx context.Context, platformKey string, doc []byte, replace bool) (*Platform, []string, error) {
	if _, err := s.GetPlatform(platformKey); err != nil {
		return nil, nil, err
	}
	if s.builtins[platformKey] != nil {
		return nil, nil, apperr.New(apperr.Conflict, "平台 %s 是内置平台, 只读 (platform %s is built in and read-only)", platformKey, platformKey)
	}
	imp, err := ImportOpenAPI(doc)
	if err != nil {
		return nil, nil, err
	}
	keys := make([]string, len(imp.Interfaces))
	for i, f := range imp.Interfaces {
		keys[i] = f.Key
	}
	err = s.db.Write(ctx, func(tx *sqldb.Tx) error {
		var def string
		err := tx.QueryRow(ctx, "SELECT definition FROM conn_platforms WHERE platform_key = ?"+tx.Dialect().ForUpdate(), platformKey).Scan(&def)
		if errors.Is(err, sql.ErrNoRows) {
			return noPlatform(platformKey)
		}
		if err != nil {
			return fmt.Errorf("read platform %s: %w", platformKey, err)
		}
		var p Platform
		if err := json.Unmarshal([]byte(def), &p); err != nil {
			return fmt.Errorf("read platform %s: %w", platformKey, err)
		}
		p.Interfaces = mergeInterfaces(p.Interfaces, imp.Interfaces, replace)
		if p.BaseURL == "" && checkBaseURL("baseUrl", imp.BaseURL, true) == nil {
			p.BaseURL = imp.BaseURL
		}
		if err := s.checkPlatform(&p); err != nil {
			return err
		}
		if _, err := s.upsertPlatform(ctx, tx, &p, true); err != nil {
			return err
		}
		return bump(ctx, tx)
	})
	if err != nil {
		return nil, nil, fmt.Errorf("import OpenAPI into platform %s: %w", platformKey, err)
	}
	if err := s.Refresh(ctx); err != nil {
		return nil, nil, err
	}
	p, err := s.GetPlatform(platformKey)
	return p, keys, err
}

// mergeInterfaces replaces the interfaces of have that add defines (by key
// or camelCase form) in place and appends the rest of add; with replace,
// the result is add.
func mergeInterfaces(have, add []Interface, replace bool) []Interface {
	if replace {
		return slices.Clone(add)
	}
	out := slices.Clone(have)
	at := map[string]int{}
	for i, f := range out {
		at[f.Key], at[camel(f.Key)] = i, i
	}
	for _, f := range add {
		i, ok := at[f.Key]
		if !ok {
			i, ok = at[camel(f.Key)]
		}
		if ok {
			out[i] = f
			continue
		}
		out = append(out, f)
	}
	return out
}
