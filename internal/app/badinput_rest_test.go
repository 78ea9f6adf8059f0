package app_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// restCase is one bad REST request and the refusal it must get.
type restCase struct {
	name, method, path string
	body               any
	hdr                []string
	status             int
	code, field, want  string
}

// TestBadInputREST sends bad requests of every class to the REST API and
// checks each gets its status, error code, field and a message naming the
// problem, and that nothing changed.
func TestBadInputREST(t *testing.T) {
	forEachServer(t, func(t *testing.T, s *server) {
		s.mustCreateForm(contractForm())
		base := "/api/v1/forms/D000001Contract/records"
		s.mustJSON("POST", base, map[string]any{"ObjectId": "K-0001", "F0000001": "原始", "D000001Lines": []map[string]any{{"F0000011": "行"}}}, 201)
		user := s.mustJSON("POST", "/api/v1/users", map[string]any{"name": "张三", "loginName": "zhangsan"}, 201)["id"].(string)
		state := func() string {
			_, rec := s.do("GET", base+"/K-0001", nil)
			_, recs := s.do("GET", base+"?fields=ObjectId", nil)
			_, users := s.do("GET", "/api/v1/users", nil)
			_, depts := s.do("GET", "/api/v1/departments", nil)
			return string(rec) + string(recs) + string(users) + string(depts)
		}
		before := state()
		for _, c := range badRESTCases(base, user) {
			t.Run(c.name, func(t *testing.T) {
				parent := s.t
				s.t = t
				defer func() { s.t = parent }()
				status, out := s.do(c.method, c.path, c.body, c.hdr...)
				var e struct {
					Error struct{ Code, Message, Field string }
				}
				if err := json.Unmarshal(out, &e); err != nil || status != c.status || e.Error.Code != c.code || e.Error.Field != c.field ||
					!strings.Contains(e.Error.Message, c.want) {
					t.Fatalf("%s %s: HTTP %d %s\nwant %d %s field %q message containing %q", c.method, c.path, status, out, c.status, c.code, c.field, c.want)
				}
				if after := state(); after != before {
					t.Fatalf("state changed:\nbefore %s\nafter  %s", before, after)
				}
			})
		}
	})
}

func badRESTCases(base, user string) []restCase {
	rec := base + "/K-0001"
	bad := func(name, method, path string, body any, status int, code, field, want string, hdr ...string) restCase {
		return restCase{name, method, path, body, hdr, status, code, field, want}
	}
	const mal, inv = "malformed_request", "validation_failed"
	var cases []restCase
	// 1. Invalid UTF-8 and other refused text, wherever it comes.
	for name, b := range map[string]string{"ff fe": "\xff\xfe", "overlong": "\xc0\xaf", "truncated": "\xe4\xb8", "CESU": "\xed\xa0\x80"} {
		cases = append(cases,
			bad("utf8 create "+name, "POST", base, `{"F0000001":"bad`+b+`utf"}`, 400, mal, "F0000001", "F0000001 is not valid UTF-8"),
			bad("utf8 patch "+name, "PATCH", rec, `{"F0000001":"bad`+b+`utf"}`, 400, mal, "F0000001", "not valid UTF-8"))
	}
	cases = append(cases,
		bad("utf8 child field", "POST", base, "{\"F0000001\":\"x\",\"D000001Lines\":[{\"F0000011\":\"\xff\"}]}", 400, mal, "D000001Lines.F0000011", "D000001Lines[0].F0000011 is not valid UTF-8"),
		bad("utf8 key", "POST", base, "{\"F\xff\":1}", 400, mal, "F\uFFFD", "a key at"),
		bad("lone surrogate", "POST", base, `{"F0000001":"\ud800"}`, 400, mal, "F0000001", "unpaired UTF-16 surrogate"),
		bad("NUL in text", "POST", base, `{"F0000001":"a\u0000b"}`, 400, mal, "F0000001", "NUL"),
		bad("NUL in a batch item", "POST", base+":batch", `{"items":[{"F0000001":"a\u0000"}]}`, 400, mal, "items.F0000001", "items[0].F0000001 contains a NUL"),
		bad("utf8 user name", "POST", "/api/v1/users", "{\"name\":\"bad\xff\"}", 400, mal, "name", "name is not valid UTF-8"),
		bad("utf8 department patch", "PUT", "/api/v1/departments/external/X1", "{\"name\":\"\xed\xa0\x80\"}", 400, mal, "name", "not valid UTF-8"),
		bad("utf8 action comment", "POST", "/api/v1/instances/nope/comment", "{\"comment\":\"\xff\"}", 400, mal, "comment", "comment is not valid UTF-8"),
		bad("utf8 in the filter", "GET", base+"?filter=F0000001%20%3D%20%22%FF%22", nil, 400, mal, "filter", "query parameter filter is not valid UTF-8"),
		bad("utf8 in search", "GET", "/api/v1/users?search=%C0%AF", nil, 400, mal, "search", "not valid UTF-8"),
		bad("utf8 in X-User-Id", "GET", "/api/v1/tasks", nil, 400, mal, "X-User-Id", "header X-User-Id is not valid UTF-8", "X-User-Id", "\xff"),
		bad("utf8 in X-User-Id-Type", "GET", "/api/v1/tasks", nil, 400, mal, "X-User-Id-Type", "not valid UTF-8", "X-User-Id", user, "X-User-Id-Type", "\xe4\xb8"),
		// 2. Valid JSON that is not what was asked, said in words.
		bad("body an array", "POST", base, `[1,2]`, 400, mal, "", "the body must be a JSON object, not an array"),
		bad("body a string", "POST", base, `"x"`, 400, mal, "", "must be a JSON object, not a string"),
		bad("body a number", "PATCH", rec, `123`, 400, mal, "", "must be a JSON object, not a number"),
		bad("items a string", "POST", base+":batch", `{"items":"x"}`, 422, inv, "items", "items must be an array of objects, not a string"),
		bad("items hold a number", "POST", base+":batch", `{"items":[{"F0000001":"a"},5]}`, 422, inv, "items", "items[1] must be a JSON object, not a number"),
		bad("user body an array", "POST", "/api/v1/users", `[1]`, 400, mal, "", "must be a JSON object, not an array"),
		bad("user enabled a string", "POST", "/api/v1/users", `{"name":"x","enabled":"yes"}`, 422, inv, "enabled", "enabled must be true or false, not a string"),
		bad("unknown key in a user", "POST", "/api/v1/users", `{"name":"x","nmae":"y"}`, 422, inv, "nmae", "unknown key"),
		bad("unknown key in an action", "POST", "/api/v1/instances/nope/comment", `{"coment":"x"}`, 422, inv, "coment", "unknown key"),
		bad("form body an array", "POST", "/api/v1/forms", `[]`, 400, mal, "", "must be a JSON object"),
		// 3. null is not an empty record.
		bad("null create", "POST", base, `null`, 400, mal, "", "must be a JSON object, not null"),
		bad("null patch", "PATCH", rec, `null`, 400, mal, "", "not null"),
		bad("null batch item", "POST", base+":batch", `{"items":[null]}`, 422, inv, "items", "items[0] must be a JSON object, not null"),
		bad("null user", "POST", "/api/v1/users", ` null `, 400, mal, "", "not null"),
		bad("null action body", "POST", "/api/v1/instances/nope/comment", `null`, 400, mal, "", "not null"),
		// 4. An ObjectId that is not a string or number is refused, not dropped.
		bad("ObjectId an object", "POST", base, `{"ObjectId":{"a":1},"F0000001":"x"}`, 422, inv, "ObjectId", "ObjectId must be a string, not an object"),
		bad("ObjectId an array", "POST", base, `{"ObjectId":["K-0009"],"F0000001":"x"}`, 422, inv, "ObjectId", "not an array"),
		bad("ObjectId a bool", "POST", base, `{"ObjectId":true,"F0000001":"x"}`, 422, inv, "ObjectId", "not true/false"),
		bad("ObjectId an object on update", "PATCH", rec, `{"ObjectId":{"a":1}}`, 422, inv, "ObjectId", "ObjectId must be a string"),
		bad("ObjectId an array on update", "PATCH", rec, `{"ObjectId":["K-0001"]}`, 422, inv, "ObjectId", "ObjectId must be a string"),
		bad("child ObjectId an object", "PATCH", rec, `{"D000001Lines":[{"ObjectId":{"a":1}}]}`, 422, inv, "D000001Lines.ObjectId", "第1行: ObjectId 需要字符串"),
		bad("ObjectId a negative number", "POST", base, `{"ObjectId":-5,"F0000001":"x"}`, 422, inv, "ObjectId", "ObjectId 无效"),
		// 7. Filter limits are 422, as docs/filter.md says.
		bad("501 conditions", "GET", base+"?filter="+conditions(501), nil, 422, inv, "", "more than 500 conditions"),
		bad("1001 values", "GET", base+"?filter="+listOf(1001), nil, 422, inv, "", "more than 1000 values"),
		bad("33 parentheses", "GET", base+"?filter="+strings.Repeat("(", 33)+"F0000007%3D1"+strings.Repeat(")", 33), nil, 422, inv, "", "deeper than 32"),
		// 8. A query Go cannot read is refused, never read as no filter.
		bad("raw ; in the filter", "GET", base+"?filter=F0000001%20%3D%20%22x;y%22", nil, 400, mal, "filter", "raw ';'"),
		bad("raw ; before delete-by-filter use", "GET", base+"?limit=1;filter=x", nil, 400, mal, "limit", "raw ';'"),
		bad("raw ; in users", "GET", "/api/v1/users?search=a;b", nil, 400, mal, "search", "raw ';'"),
		bad("raw ; in tasks", "GET", "/api/v1/tasks?view=todo;x", nil, 400, mal, "view", "raw ';'"),
		bad("bad escape", "GET", base+"?filter=%zz", nil, 400, mal, "filter", "invalid %-escape"),
		// 9. Messages that had no English part.
		bad("count not a bool", "GET", base+"?count=perhaps", nil, 422, inv, "count", "(count must be true or false)"),
		bad("submit not a bool", "POST", base+"?submit=perhaps", `{"F0000001":"x"}`, 422, inv, "submit", "(submit must be true or false)"),
		bad("decimal scale out of range", "POST", "/api/v1/forms", `{"code":"DBad","name":"x","fields":[{"code":"F1","name":"a","type":"decimal","scale":9}]}`, 422, inv, "fields[0].scale", "(scale must be 0–8"),
		bad("tasks from not a date", "GET", "/api/v1/tasks?from=yesterday", nil, 422, inv, "from", "(from must be a date"),
	)
	// 10. NUL and invalid UTF-8 in ids and lookup keys answer alike on both
	// databases (PostgreSQL used to answer 500).
	for _, id := range []string{"K%00", "%FF", "K%C0%AF"} {
		cases = append(cases,
			bad("get "+id, "GET", base+"/"+id, nil, 400, mal, "id", "path segment {id}"),
			bad("patch "+id, "PATCH", base+"/"+id, `{"F0000001":"x"}`, 400, mal, "id", "path segment {id}"),
			bad("delete "+id, "DELETE", base+"/"+id, nil, 400, mal, "id", "path segment {id}"),
			bad("submit "+id, "POST", base+"/"+id+"/submit", nil, 400, mal, "id", "path segment {id}"),
			bad("user "+id, "GET", "/api/v1/users/"+id, nil, 400, mal, "id", "path segment {id}"),
			bad("department "+id, "PATCH", "/api/v1/departments/"+id, `{"name":"x"}`, 400, mal, "id", "path segment {id}"),
			bad("role "+id, "DELETE", "/api/v1/roles/"+id, nil, 400, mal, "id", "path segment {id}"),
			bad("external "+id, "PUT", "/api/v1/users/external/"+id, `{"name":"x"}`, 400, mal, "externalId", "path segment {externalId}"),
			bad("task "+id, "GET", "/api/v1/tasks/"+id, nil, 400, mal, "id", "path segment {id}"),
			bad("task action "+id, "POST", "/api/v1/tasks/"+id+"/approve", nil, 400, mal, "id", "path segment {id}"),
			bad("instance "+id, "GET", "/api/v1/instances/"+id, nil, 400, mal, "id", "path segment {id}"),
			bad("form "+id, "GET", "/api/v1/forms/"+id, nil, 400, mal, "code", "path segment {code}"),
		)
	}
	cases = append(cases,
		bad("NUL in search", "GET", "/api/v1/users?search=a%00", nil, 400, mal, "search", "NUL"),
		bad("NUL in departmentId", "GET", "/api/v1/users?departmentId=%00", nil, 400, mal, "departmentId", "NUL"),
		bad("NUL in tasks form", "GET", "/api/v1/tasks?form=D%00", nil, 400, mal, "form", "NUL"),
		bad("NUL in the filter value", "GET", base+"?filter=F0000001%3D%22a%00%22", nil, 400, mal, "filter", "NUL"),
		bad("utf8 in EngineCode", "GET", "/api/v1/forms", nil, 401, "unauthorized", "", "EngineCode", "EngineCode", "\xff"),
	)
	return cases
}

// conditions is a REST filter of n conditions, URL-encoded.
func conditions(n int) string {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = fmt.Sprintf("F0000007%%3D%d", i)
	}
	return strings.Join(parts, "%20%7C%7C%20")
}

// listOf is a REST filter with an in-list of n values, URL-encoded.
func listOf(n int) string {
	vals := make([]string, n)
	for i := range vals {
		vals[i] = fmt.Sprint(i)
	}
	return "F0000007%20in%20(" + strings.Join(vals, ",") + ")"
}

// TestNumericObjectID: an ObjectId sent as a number is its text, and the
// object loads by that text through both APIs.
func TestNumericObjectID(t *testing.T) {
	forEachServer(t, func(t *testing.T, s *server) {
		s.mustCreateForm(contractForm())
		base := "/api/v1/forms/D000001Contract/records"
		if rec := s.mustJSON("POST", base, `{"ObjectId":12345,"F0000001":"数字编号"}`, 201); rec["ObjectId"] != "12345" {
			t.Fatalf("create: %v", rec)
		}
		s.mustJSON("GET", base+"/12345", nil, 200)
		s.ok(map[string]any{"ActionName": "CreateBizObject", "SchemaCode": "D000001Contract", "BizObject": `{"ObjectId":678,"F0000001":"x"}`})
		bo := s.ok(map[string]any{"ActionName": "LoadBizObject", "SchemaCode": "D000001Contract", "BizObjectId": "678"})["BizObject"].(map[string]any)
		if bo["ObjectId"] != "678" {
			t.Fatalf("load 678: %v", bo)
		}
		// BizObjectId itself may be a number too.
		s.ok(map[string]any{"ActionName": "LoadBizObject", "SchemaCode": "D000001Contract", "BizObjectId": 678})
	})
}
