package httpapi

import (
	"maps"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// The OpenAPI 3.1 document is built from the route table, so every
// registered REST endpoint is in it; schemas are written here by hand.

type obj = map[string]any

var pathParamRE = regexp.MustCompile(`\{([A-Za-z]+)\}`)

func (s *Server) openapi(w http.ResponseWriter, r *http.Request) {
	writeRaw(w, http.StatusOK, s.openapiDoc)
}

// OpenAPI returns the OpenAPI 3.1 document of the HTTP API.
func (s *Server) OpenAPI() obj {
	paths := obj{}
	for _, rt := range s.routes {
		p, _ := paths[rt.pattern].(obj)
		if p == nil {
			p = obj{}
			paths[rt.pattern] = p
		}
		p[strings.ToLower(rt.method)] = operation(rt)
	}
	for path, op := range h3yunPaths() {
		paths[path] = op
	}
	for path, op := range healthPaths() {
		paths[path] = op
	}
	paths[pathToken] = tokenPath()
	maps.Copy(paths, filePaths())
	return obj{
		"openapi": "3.1.0",
		"info": obj{
			"title":       "Tritium API",
			"version":     "1.0.0",
			"description": "REST v1 and the H3Yun-compatible OpenAPI. Authenticate with the EngineCode and EngineSecret headers, or (REST v1) with an OAuth2 bearer token holding the operation's scope (POST /oauth/token), or (REST v1, the web console) with the session cookie of POST /api/v1/session plus its X-CSRF-Token on requests but GET, HEAD and OPTIONS. Errors on REST v1 are {\"error\": {\"code\", \"message\", \"field\"}}; the H3Yun endpoints answer HTTP 200 with Successful:false.",
		},
		"servers":    []obj{{"url": "/"}},
		"security":   []obj{{"EngineCode": []string{}, "EngineSecret": []string{}}},
		"paths":      paths,
		"components": components(),
	}
}

func ref(name string) obj { return obj{"$ref": "#/components/schemas/" + name} }

func jsonContent(schema obj) obj { return obj{"application/json": obj{"schema": schema}} }

func operation(rt route) obj {
	d := rt.doc
	op := obj{"tags": []string{d.tag}, "summary": d.summary, "operationId": operationID(rt), "security": security(rt),
		"x-scope": d.scope}
	schema := func(name, typ string) obj {
		if e := d.enums[name]; e != nil {
			return obj{"type": typ, "enum": e}
		}
		return obj{"type": typ}
	}
	var params []obj
	for _, m := range pathParamRE.FindAllStringSubmatch(rt.pattern, -1) {
		params = append(params, obj{"name": m[1], "in": "path", "required": true, "schema": schema(m[1], "string")})
	}
	for _, q := range d.query {
		params = append(params, obj{"name": q.name, "in": "query", "description": q.desc, "schema": schema(q.name, q.typ)})
	}
	if rt.method == "PATCH" && strings.Contains(rt.pattern, "records") {
		params = append(params, obj{"name": "If-Match", "in": "header", "description": "The record version (its ETag); a different current version fails with 409", "schema": obj{"type": "string"}})
	}
	params = append(params, obj{"$ref": "#/components/parameters/XUserId"}, obj{"$ref": "#/components/parameters/XUserIdType"},
		obj{"$ref": "#/components/parameters/XRequestId"})
	if rt.method != "GET" && !d.public {
		params = append(params, obj{"$ref": "#/components/parameters/XCSRFToken"})
	}
	if rt.method == "POST" && !d.stream {
		params = append(params, obj{"$ref": "#/components/parameters/IdempotencyKey"})
	}
	op["parameters"] = params
	errs := append(append([]int{}, commonErrors...), d.errors...)
	if !slices.Contains(errs, http.StatusForbidden) {
		errs = append(errs, http.StatusForbidden) // a token without the scope
	}
	if d.body != "" {
		content := jsonContent(ref(d.body))
		if d.body == "xlsx" {
			content = xlsxContent()
			content["multipart/form-data"] = obj{"schema": obj{"type": "object", "required": []string{"file"},
				"properties": obj{"file": obj{"type": "string", "format": "binary"}}}}
		} else if len(d.bodyTypes) > 0 {
			content = obj{}
			for _, mt := range d.bodyTypes {
				content[mt] = obj{"schema": ref(d.body)}
			}
		}
		op["requestBody"] = obj{"required": true, "content": content}
		errs = append(errs, http.StatusRequestEntityTooLarge)
	}
	responses := obj{}
	for _, st := range append([]int{d.status}, d.more...) {
		ok := obj{"description": http.StatusText(st), "headers": successHeaders(rt, st)}
		switch d.resp {
		case "":
		case "text":
			ok["content"] = obj{"application/typescript": obj{"schema": obj{"type": "string"}}}
		case "binary":
			ok["content"] = binaryContent()
		case "xlsx":
			ok["content"] = xlsxContent()
			ok["headers"].(obj)["Content-Disposition"] = obj{"description": "attachment, with the file name <form name>-<yyyymmdd>.xlsx (RFC 6266, filename* in UTF-8)", "schema": obj{"type": "string"}}
		case "stream":
			ok["content"] = obj{"text/event-stream": obj{"schema": obj{"type": "string", "description": "Server-Sent Events: each event's id, its type as the event name, and a FeedEvent as JSON data"}}}
		default:
			ok["content"] = jsonContent(ref(d.resp))
		}
		responses[strconv.Itoa(st)] = ok
	}
	for _, st := range errs {
		responses[strconv.Itoa(st)] = obj{"$ref": "#/components/responses/Error"}
	}
	op["responses"] = responses
	return op
}

// successHeaders are the headers a route's success answer carries.
func successHeaders(rt route, status int) obj {
	h := obj{"X-Request-Id": obj{"$ref": "#/components/headers/XRequestId"}}
	if rt.doc.resp == "Record" {
		h["ETag"] = obj{"description": "The record's version, for If-Match", "schema": obj{"type": "string"}}
	}
	if status == http.StatusCreated && rt.doc.resp == "Record" {
		h["Location"] = obj{"description": "The created record's URL", "schema": obj{"type": "string"}}
	}
	return h
}

func operationID(rt route) string {
	p := strings.NewReplacer("/api/v1/", "", "{", "", "}", "", "/", "_", ":", "_").Replace(rt.pattern)
	return strings.ToLower(rt.method) + "_" + p
}

func h3yunPaths() obj {
	envelope := ref("Envelope")
	auth := []obj{
		{"name": "EngineCode", "in": "header", "required": true, "schema": obj{"type": "string"}},
		{"name": "EngineSecret", "in": "header", "required": true, "schema": obj{"type": "string"}},
	}
	return obj{
		pathInvoke: obj{"post": obj{
			"tags": []string{"H3Yun"}, "operationId": "h3yun_invoke",
			"summary":     "H3Yun-compatible OpenAPI: LoadBizObject, LoadBizObjects, CreateBizObject, CreateBizObjects, UpdateBizObject, RemoveBizObject",
			"description": "See docs/h3yun-openapi.md. Application errors are HTTP 200 with Successful:false and ErrorMessage.",
			"parameters":  auth,
			"requestBody": obj{"required": true, "content": jsonContent(ref("InvokeRequest"))},
			"responses": obj{
				"200": obj{"description": "Envelope", "content": jsonContent(envelope)},
				"413": obj{"$ref": "#/components/responses/Error"},
			},
		}},
		pathUpload: obj{"post": obj{
			"tags": []string{"H3Yun"}, "operationId": "h3yun_upload", "summary": "Upload a file into an attachment field",
			"parameters": append(append([]obj{}, auth...),
				obj{"name": "SchemaCode", "in": "query", "required": true, "schema": obj{"type": "string"}},
				obj{"name": "FilePropertyName", "in": "query", "required": true, "schema": obj{"type": "string"}},
				obj{"name": "BizObjectId", "in": "query", "required": true, "schema": obj{"type": "string"}},
				obj{"name": "ChildSchemaCode", "in": "query", "schema": obj{"type": "string"}, "description": "Attach to a child row: BizObjectId is then the row's ObjectId"}),
			"requestBody": obj{"required": true, "content": obj{"multipart/form-data": obj{"schema": obj{"type": "object", "additionalProperties": obj{"type": "string", "format": "binary"}}}}},
			"responses":   obj{"200": obj{"description": "Envelope with ReturnData.AttachmentId", "content": jsonContent(envelope)}},
		}},
		pathDownload: obj{"post": obj{
			"tags": []string{"H3Yun"}, "operationId": "h3yun_download", "summary": "Download an attachment (unknown id: 200 with body 文件不存在！)",
			"parameters": auth,
			"requestBody": obj{"required": true, "content": obj{
				"application/x-www-form-urlencoded": obj{"schema": obj{"type": "object", "properties": obj{"attachmentId": obj{"type": "string"}}}},
				"application/json":                  obj{"schema": obj{"type": "object", "properties": obj{"attachmentId": obj{"type": "string"}}}},
			}},
			"responses": obj{"200": obj{"description": "The file (Content-Disposition: attachment;filename=<URL-encoded name>)", "content": obj{"application/octet-stream": obj{"schema": obj{"type": "string", "format": "binary"}}}}},
		}},
	}
}

func healthPaths() obj {
	status := jsonContent(obj{"type": "object", "properties": obj{"status": obj{"type": "string", "enum": []string{"ok", "unavailable"}}, "error": obj{"type": "string"}}})
	return obj{
		"/healthz": obj{"get": obj{"tags": []string{"Operations"}, "operationId": "healthz", "security": []obj{},
			"summary":   "Liveness: the process serves requests (no credentials)",
			"responses": obj{"200": obj{"description": "Alive", "content": status}}}},
		"/readyz": obj{"get": obj{"tags": []string{"Operations"}, "operationId": "readyz", "security": []obj{},
			"summary": "Readiness: the database answers within 2 s (no credentials)",
			"responses": obj{"200": obj{"description": "Ready", "content": status},
				"503": obj{"description": "The database is not reachable", "content": status}}}},
	}
}

// orgBatch is a batch upsert body: up to 1,000 PATCH-style items, each
// with its externalId.
func orgBatch(patch string) obj {
	return obj{"type": "object", "required": []string{"items"}, "properties": obj{
		"items": obj{"type": "array", "maxItems": 1000, "items": obj{"allOf": []obj{ref(patch), {"required": []string{"externalId"}}}}},
	}}
}

func listOf(item string) obj {
	return obj{"type": "object", "required": []string{"items"}, "properties": obj{
		"items": obj{"type": "array", "items": ref(item)}, "total": obj{"type": "integer"},
		"offset": obj{"type": "integer"}, "limit": obj{"type": "integer"},
	}}
}

func str(desc string) obj { return obj{"type": "string", "description": desc} }

func components() obj {
	field := obj{"type": "object", "required": []string{"code", "type"}, "properties": obj{
		"code":       str("Letters, digits and _, starting with a letter, at most 64; unique in the form, case-insensitively"),
		"name":       str("Display name"),
		"type":       obj{"type": "string", "enum": []string{"text", "textarea", "number", "decimal", "bool", "date", "datetime", "select", "multiselect", "user", "users", "department", "attachment", "relation", "serial"}},
		"required":   obj{"type": "boolean"},
		"indexed":    obj{"type": "boolean"},
		"maxLength":  obj{"type": "integer"},
		"precision":  obj{"type": "integer", "description": "decimal: total digits, ≤ 28 (default 18)"},
		"scale":      obj{"type": "integer", "description": "decimal: fraction digits, 0–8 (default 2)"},
		"decimals":   obj{"type": "integer", "description": "number: display only"},
		"min":        obj{"type": "number"},
		"max":        obj{"type": "number"},
		"options":    obj{"type": "array", "items": obj{"type": "string"}},
		"valueSet":   str("select, multiselect: instead of options, the code of a value set (GET /api/v1/value-sets/{code}/values); writes take its enabled value codes"),
		"form":       str("relation: the related form's code"),
		"pattern":    str("serial: e.g. HT-{yyyy}-{000000}"),
		"renameFrom": str("PUT only: the code this field had; its column and data are kept"),
	}}
	record := obj{"type": "object", "description": "System fields (ObjectId, Name, Status, CreatedBy, OwnerId, OwnerDeptId, CreatedTime, ModifiedBy, ModifiedTime, WorkflowInstanceId, SeqNo, version, sourceSystem, sourceCode) and the form's fields by code; child tables as arrays of row objects", "additionalProperties": true, "properties": obj{
		"ObjectId": obj{"type": "string"}, "Name": obj{"type": "string"}, "Status": obj{"type": "integer", "enum": []int{0, 1, 2, 3}},
		"CreatedBy": obj{"type": "string"}, "OwnerId": obj{"type": "string"}, "OwnerDeptId": obj{"type": "string"},
		"CreatedTime": obj{"type": "string", "format": "date-time"}, "ModifiedBy": obj{"type": "string"},
		"ModifiedTime": obj{"type": "string", "format": "date-time"}, "WorkflowInstanceId": obj{"type": "string"},
		"SeqNo": obj{"type": "string"}, "version": obj{"type": "integer"}, "sourceSystem": obj{"type": "string"}, "sourceCode": obj{"type": "string"},
	}}
	user := obj{"type": "object", "properties": obj{
		"id": obj{"type": "string"}, "externalId": obj{"type": "string"}, "name": obj{"type": "string"},
		"loginName": obj{"type": "string"}, "email": obj{"type": "string"}, "mobile": obj{"type": "string"},
		"title": obj{"type": "string"}, "departmentId": obj{"type": "string"}, "leaderId": obj{"type": "string"},
		"enabled": obj{"type": "boolean"}, "roleIds": obj{"type": "array", "items": obj{"type": "string"}},
		"positionIds": obj{"type": "array", "items": obj{"type": "string"}, "description": "The positions (岗位) the user holds"},
		"createdTime": obj{"type": "string", "format": "date-time"}, "modifiedTime": obj{"type": "string", "format": "date-time"},
	}}
	dept := obj{"type": "object", "properties": obj{
		"id": obj{"type": "string"}, "externalId": obj{"type": "string"}, "name": obj{"type": "string"},
		"parentId": obj{"type": "string"}, "managerId": obj{"type": "string"}, "sortOrder": obj{"type": "integer"},
		"createdTime": obj{"type": "string", "format": "date-time"}, "modifiedTime": obj{"type": "string", "format": "date-time"},
	}}
	role := obj{"type": "object", "properties": obj{
		"id": obj{"type": "string"}, "externalId": obj{"type": "string"}, "name": obj{"type": "string"},
		"description": obj{"type": "string"}, "memberIds": obj{"type": "array", "items": obj{"type": "string"}},
		"createdTime": obj{"type": "string", "format": "date-time"}, "modifiedTime": obj{"type": "string", "format": "date-time"},
	}}
	position := obj{"type": "object", "required": []string{"code", "name"}, "properties": obj{
		"id": obj{"type": "string"}, "externalId": obj{"type": "string"}, "code": obj{"type": "string", "description": "Unique, e.g. CG-ZY"}, "name": obj{"type": "string"},
		"departmentId": obj{"type": "string"}, "description": obj{"type": "string"}, "memberIds": obj{"type": "array", "items": obj{"type": "string"}},
		"createdTime": obj{"type": "string", "format": "date-time"}, "modifiedTime": obj{"type": "string", "format": "date-time"},
	}}
	value := obj{"type": "object", "required": []string{"code", "label"}, "properties": obj{
		"code": str("Stored in records; unique in the set; no ';'"), "label": str("What people see"), "description": obj{"type": "string"},
		"enabled": obj{"type": "boolean", "description": "Default true; a disabled value is refused for new writes, stored values stay"},
		"order":   obj{"type": "integer", "description": "Values are listed by order (default 0), then as sent"},
	}}
	valueSet := obj{"type": "object", "required": []string{"code", "name"}, "properties": obj{
		"id": obj{"type": "string"}, "externalId": obj{"type": "string"},
		"code": str("Unique; letters, digits and _.-, at most 64; what select fields name in valueSet"), "name": obj{"type": "string"},
		"description": obj{"type": "string"}, "enabled": obj{"type": "boolean", "description": "Default true; a disabled set's values are refused for new writes"},
		"values":      obj{"type": "array", "maxItems": 5000, "items": ref("Value")},
		"createdTime": obj{"type": "string", "format": "date-time"}, "modifiedTime": obj{"type": "string", "format": "date-time"},
	}}
	patch := func(o obj) obj { // the writable subset, all optional
		props := obj{}
		for k, v := range o["properties"].(obj) {
			if k != "id" && k != "createdTime" && k != "modifiedTime" {
				props[k] = v
			}
		}
		return obj{"type": "object", "properties": props}
	}
	schemas := obj{
		"Field": field,
		"Child": obj{"type": "object", "required": []string{"code", "fields"}, "properties": obj{
			"code": obj{"type": "string"}, "name": obj{"type": "string"}, "renameFrom": obj{"type": "string"},
			"fields": obj{"type": "array", "items": ref("Field")},
		}},
		"Form": obj{"type": "object", "required": []string{"code", "fields"}, "properties": obj{
			"code": obj{"type": "string"}, "name": obj{"type": "string"}, "workflow": obj{"type": "boolean"},
			"fields": obj{"type": "array", "items": ref("Field")}, "children": obj{"type": "array", "items": ref("Child")},
			"revision": obj{"type": "integer", "readOnly": true}, "createdTime": obj{"type": "string", "format": "date-time", "readOnly": true},
			"modifiedTime": obj{"type": "string", "format": "date-time", "readOnly": true},
		}},
		"FormList":    listOf("Form"),
		"Record":      record,
		"RecordInput": obj{"type": "object", "description": "Field codes to values; settable system fields: ObjectId (create), Name, CreatedBy (create), OwnerId, OwnerDeptId, sourceSystem, sourceCode, version (expected version on update)", "additionalProperties": true},
		"RecordList":  listOf("Record"),
		"BatchInput": obj{"type": "object", "required": []string{"items"}, "properties": obj{
			"items": obj{"type": "array", "maxItems": 500, "items": ref("RecordInput")}, "submit": obj{"type": "boolean"},
		}},
		"BatchResult": obj{"type": "object", "properties": obj{"items": obj{"type": "array", "items": obj{"type": "object", "properties": obj{
			"id": obj{"type": "string"}, "existing": obj{"type": "boolean"},
		}}}}},
		"User": user, "UserPatch": patch(user), "UserList": listOf("User"),
		"Department": dept, "DepartmentPatch": patch(dept), "DepartmentList": listOf("Department"),
		"Role": role, "RolePatch": patch(role), "RoleList": listOf("Role"),
		"Position": position, "PositionPatch": patch(position), "PositionList": listOf("Position"),
		"Value": value, "ValueSet": valueSet, "ValueSetPatch": patch(valueSet), "ValueSetList": listOf("ValueSet"), "ValueSetBatch": orgBatch("ValueSetPatch"),
		"ValueSetValues": obj{"type": "object", "properties": obj{
			"id": obj{"type": "string"}, "code": obj{"type": "string"}, "name": obj{"type": "string"}, "enabled": obj{"type": "boolean"},
			"items": obj{"type": "array", "items": ref("Value")}, "total": obj{"type": "integer"},
		}},
		"UserBatch": orgBatch("UserPatch"), "DepartmentBatch": orgBatch("DepartmentPatch"), "RoleBatch": orgBatch("RolePatch"), "PositionBatch": orgBatch("PositionPatch"),
		"OrgBatchResult": obj{"type": "object", "properties": obj{
			"items": obj{"type": "array", "items": obj{"type": "object", "properties": obj{
				"externalId": obj{"type": "string"}, "id": obj{"type": "string"}, "created": obj{"type": "boolean"},
				"error": obj{"type": "object", "properties": obj{"code": obj{"type": "string"}, "message": obj{"type": "string"}, "field": obj{"type": "string"}}},
			}}},
			"created": obj{"type": "integer"}, "updated": obj{"type": "integer"}, "failed": obj{"type": "integer"},
		}},
		"Error": obj{"type": "object", "required": []string{"error"}, "properties": obj{"error": obj{"type": "object", "required": []string{"code", "message"}, "properties": obj{
			"code":    obj{"type": "string", "enum": []string{"malformed_request", "validation_failed", "not_found", "conflict", "version_conflict", "unauthorized", "forbidden", "payload_too_large", "gone", "range_not_satisfiable", "precondition_failed", "rate_limited", "timeout", "unavailable", "internal"}},
			"message": obj{"type": "string"},
			"field":   obj{"type": "string", "description": "The offending field, when there is one"},
		}}}},
		"InvokeRequest": obj{"type": "object", "required": []string{"ActionName"}, "properties": obj{
			"ActionName":     obj{"type": "string"},
			"SchemaCode":     obj{"type": "string"},
			"BizObjectId":    obj{"type": "string"},
			"BizObject":      obj{"description": "A JSON string holding the object (or the object itself)", "type": []string{"string", "object"}},
			"BizObjectArray": obj{"type": "array", "items": obj{"type": []string{"string", "object"}}},
			"IsSubmit":       obj{"type": []string{"boolean", "string"}},
			"Filter":         obj{"description": "A JSON string holding {FromRowNum, ToRowNum, RequireCount, ReturnItems, SortByCollection, Matcher} (or the object)", "type": []string{"string", "object"}},
		}},
		"Process": obj{"description": "A process: an approval tree ({\"type\": \"start\", \"next\": …}), a graph ({\"nodes\", \"flows\"}) or BPMN 2.0 XML (see docs/workflow.md)", "type": "object", "additionalProperties": true},
		"ProcessVersion": obj{"type": "object", "properties": obj{
			"form": obj{"type": "string"}, "version": obj{"type": "integer"}, "definition": obj{"type": "object", "description": "the graph: nodes and flows"},
		}},
		"SimulateInput": obj{"type": "object", "required": []string{"form"}, "properties": obj{
			"form": obj{"type": "string"}, "definition": obj{"type": "object"}, "tree": obj{"type": "object"},
			"values": obj{"type": "object", "additionalProperties": true}, "initiator": obj{"type": "string"},
			"chosen": obj{"type": "object", "additionalProperties": obj{"type": "array", "items": obj{"type": "string"}}},
		}},
		"SimulateResult": obj{"type": "object", "properties": obj{"steps": obj{"type": "array", "items": obj{"type": "object", "properties": obj{
			"node": obj{"type": "string"}, "name": obj{"type": "string"}, "type": obj{"type": "string"},
			"assignees": obj{"type": "array", "items": obj{"type": "string"}},
		}}}}},
		"Task": obj{"type": "object", "properties": obj{
			"id": obj{"type": "string"}, "instanceId": obj{"type": "string"}, "node": obj{"type": "string"}, "nodeName": obj{"type": "string"},
			"kind": obj{"type": "string", "enum": []string{"start", "approval", "cc"}}, "assignee": obj{"type": "string", "description": "Empty on an external approval's task"},
			"status": obj{"type": "string"}, "comment": obj{"type": "string"}, "form": obj{"type": "string"}, "objectId": obj{"type": "string"},
			"external": obj{"type": "boolean", "description": "An external system decides this task (external-approval node)"},
			"by":       obj{"type": "string", "description": "External approval: the approver the external system named"},
		}},
		"TaskList": obj{"type": "object", "properties": obj{
			"items": obj{"type": "array", "items": obj{"type": "object"}}, "total": obj{"type": "integer"},
			"page": obj{"type": "integer"}, "pageSize": obj{"type": "integer"},
		}},
		"ActionInput": obj{"type": "object", "properties": obj{
			"comment": obj{"type": "string"}, "data": obj{"type": "object", "description": "approve, submit: changes to the record within the node's field permissions"},
			"to": obj{"type": "string", "description": "transfer, delegate"}, "users": obj{"type": "array", "items": obj{"type": "string"}},
			"position": obj{"type": "string", "enum": []string{"before", "after"}}, "toNode": obj{"type": "string", "description": "return, jump"},
			"strategy": obj{"type": "string", "enum": []string{"rerun", "back"}},
		}},
		"Instance": obj{"type": "object", "properties": obj{
			"id": obj{"type": "string"}, "form": obj{"type": "string"}, "objectId": obj{"type": "string"}, "version": obj{"type": "integer"},
			"status":    obj{"type": "string", "enum": []string{"running", "approved", "rejected", "canceled", "terminated"}},
			"initiator": obj{"type": "string"}, "positions": obj{"type": "array", "items": obj{"type": "object"}},
			"tasks": obj{"type": "array", "items": ref("Task")}, "history": obj{"type": "array", "items": obj{"type": "object"}},
		}},
		"Replay": obj{"type": "object", "description": "An instance's state after each of its events, rebuilt from the event log", "properties": obj{
			"id": obj{"type": "string"}, "form": obj{"type": "string"}, "objectId": obj{"type": "string"}, "version": obj{"type": "integer"},
			"steps": obj{"type": "array", "items": obj{"type": "object", "properties": obj{
				"event":        obj{"type": "object", "description": "the event as the instance's history shows it: seq, type, actor, time, data, node, nodeName"},
				"status":       obj{"type": "string", "enum": []string{"running", "approved", "rejected", "canceled", "terminated"}},
				"recordStatus": obj{"type": []string{"integer", "null"}, "enum": []any{1, 2, 3, nil}, "description": "the object's Status the instance stood for then; null once the object was deleted"},
				"positions":    obj{"type": "array", "items": obj{"type": "object", "properties": obj{"node": obj{"type": "string"}, "nodeName": obj{"type": "string"}, "token": obj{"type": "string"}}}},
				"openTasks":    obj{"type": "array", "items": ref("Task")},
			}}},
		}},
		"Envelope": obj{"type": "object", "properties": obj{
			"Successful": obj{"type": "boolean"}, "ErrorMessage": obj{"type": []string{"string", "null"}},
			"Logined": obj{"type": "boolean"}, "ReturnData": obj{"type": []string{"object", "null"}}, "DataType": obj{"type": "integer"},
		}},
	}
	maps.Copy(schemas, scriptSchemas())
	maps.Copy(schemas, connectorSchemas())
	maps.Copy(schemas, permissionSchemas())
	maps.Copy(schemas, oauthSchemas())
	maps.Copy(schemas, batchSchemas())
	maps.Copy(schemas, externalSchemas())
	maps.Copy(schemas, webhookSchemas())
	maps.Copy(schemas, fileSchemas())
	maps.Copy(schemas, sessionSchemas())
	maps.Copy(schemas, excelSchemas())
	return obj{
		"schemas": schemas,
		"responses": obj{"Error": obj{"description": "Error (on 429 with a Retry-After header in seconds)", "content": jsonContent(ref("Error")),
			"headers": obj{"X-Request-Id": obj{"$ref": "#/components/headers/XRequestId"},
				"Retry-After": obj{"description": "429 only: seconds until a request is allowed again", "schema": obj{"type": "integer"}}}}},
		"headers": obj{"XRequestId": obj{"description": "The request's id (the caller's X-Request-Id when it sent a printable one of at most 64 characters); logs name it", "schema": obj{"type": "string"}}},
		"parameters": obj{
			"XUserId": obj{"name": "X-User-Id", "in": "header", "schema": obj{"type": "string"},
				"description": "Act as this user (their task lists, their approvals, their permissions; CreatedBy/OwnerId of what they create); a token needs scope impersonate. On POST, PUT and PATCH the top-level keys userIdType and userId of a JSON body do the same (they are not record data); headers and body naming different users: 400. Unknown user: 400 naming the type and value"},
			"IdempotencyKey": obj{"name": "Idempotency-Key", "in": "header", "schema": obj{"type": "string", "maxLength": 255},
				"description": "1–255 printable ASCII characters: a retry with the same key within 24 hours gets the first answer again (Idempotent-Replayed: true) instead of a second write; the same key with a different request is 422, while the first still runs 409"},
			"XUserIdType": obj{"name": "X-User-Id-Type", "in": "header", "schema": obj{"type": "string", "enum": []string{"USERID", "EMAIL", "LOGINNAME"}, "default": "USERID"},
				"description": "What X-User-Id is"},
			"XCSRFToken": obj{"name": csrfHeader, "in": "header", "schema": obj{"type": "string"},
				"description": "With the session cookie: the session's csrfToken (POST or GET /api/v1/session); missing or wrong: 403 code csrf. Not used with engine credentials or a token"},
			"XRequestId": obj{"name": "X-Request-Id", "in": "header", "schema": obj{"type": "string", "maxLength": 64},
				"description": "Your id for this request, echoed in the answer and the logs"},
		},
		"securitySchemes": obj{
			"EngineCode":   obj{"type": "apiKey", "in": "header", "name": "EngineCode"},
			"EngineSecret": obj{"type": "apiKey", "in": "header", "name": "EngineSecret"},
			"oauth2":       oauthSecurityScheme(),
			"session": obj{"type": "apiKey", "in": "cookie", "name": sessionCookie,
				"description": "The console's session (POST /api/v1/session); requests but GET, HEAD and OPTIONS also need X-CSRF-Token"},
			"clientBasic": obj{"type": "http", "scheme": "basic", "description": "The OAuth client's id and secret (form-encoded, then Basic)"},
		},
	}
}
