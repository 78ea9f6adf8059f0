package app_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tritiumhq/tritium/internal/sqldb"
	"github.com/tritiumhq/tritium/internal/sqldb/sqldbtest"
)

// zoneChecker collects the timestamps of API answers and checks each is in
// the server's zone.
type zoneChecker struct {
	t   *testing.T
	loc *time.Location
}

// rest checks that every RFC 3339 string in the JSON body carries loc's
// offset at that instant (not Z, not another zone) and that there is at
// least one: what calls it are answers that hold timestamps.
func (z zoneChecker) rest(what string, body []byte) {
	z.t.Helper()
	var v any
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		z.t.Fatalf("%s: %v: %s", what, err, body)
	}
	n := 0
	walkStrings(v, "", func(path, s string) {
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return
		}
		n++
		_, got := t.Zone()
		_, want := t.In(z.loc).Zone()
		if got != want || strings.HasSuffix(s, "Z") {
			z.t.Errorf("%s: %s = %q: offset %+d s, want %s's %+d s", what, path, s, got, z.loc, want)
		}
	})
	if n == 0 {
		z.t.Errorf("%s: no timestamp in %s", what, body)
	}
}

func walkStrings(v any, path string, f func(path, s string)) {
	switch x := v.(type) {
	case string:
		f(path, x)
	case map[string]any:
		for k, e := range x {
			walkStrings(e, path+"."+k, f)
		}
	case []any:
		for i, e := range x {
			walkStrings(e, fmt.Sprintf("%s[%d]", path, i), f)
		}
	}
}

// TestTimestampsInServerZone: with --timezone America/New_York every
// timestamp of every kind of answer is in New York time — forms, users,
// departments, roles, records, workflow tasks, lists, instances and their
// history on REST (RFC 3339 with the offset), and records on H3Yun
// (yyyy/MM/dd HH:mm:ss, New York wall clock), the same instants.
func TestTimestampsInServerZone(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, kind sqldb.Kind) {
		cfg := storeConfig(t, kind)
		cfg.TimeZone = "America/New_York"
		s := startServer(t, cfg)
		loc, err := time.LoadLocation(cfg.TimeZone)
		if err != nil {
			t.Fatal(err)
		}
		z := zoneChecker{t, loc}
		get := func(path string, hdr ...string) {
			t.Helper()
			status, body := s.do("GET", path, nil, hdr...)
			if status != 200 {
				t.Fatalf("GET %s: HTTP %d %s", path, status, body)
			}
			z.rest("GET "+path, body)
		}
		send := func(method, path string, in any, want int, hdr ...string) map[string]any {
			t.Helper()
			status, body := s.do(method, path, in, hdr...)
			if status != want {
				t.Fatalf("%s %s: HTTP %d, want %d: %s", method, path, status, want, body)
			}
			z.rest(method+" "+path, body)
			return decode(t, body)
		}

		// Forms.
		send("POST", "/api/v1/forms", expenseForm(), 201)
		get("/api/v1/forms")
		get("/api/v1/forms/D000002Expense")
		def := expenseForm()
		def["name"] = "报销单"
		send("PUT", "/api/v1/forms/D000002Expense", def, 200)

		// Org: every kind, every answer that holds one.
		for _, kind := range []struct{ path, body string }{
			{"users", `{"name":"张三","loginName":"zhangsan"}`},
			{"departments", `{"name":"销售部"}`},
			{"roles", `{"name":"经理"}`},
		} {
			base := "/api/v1/" + kind.path
			id := send("POST", base, kind.body, 201)["id"].(string)
			get(base)
			get(base + "/" + id)
			send("PATCH", base+"/"+id, `{"name":"改名"}`, 200)
			send("PUT", base+"/external/X-1", `{"name":"外部"}`, 201)
			send("PUT", base+"/external/X-1", `{"name":"外部2"}`, 200)
		}

		// Records and a workflow instance through both APIs.
		p := s.org()
		s.process(tree(approval("boss", userRule(p.a))))
		rec := send("POST", "/api/v1/forms/D000002Expense/records?submit=true", `{"F0000001":"差旅","F0000002":"12.5"}`, 201, as(p.initiator)...)
		obj, inst := rec["ObjectId"].(string), rec["WorkflowInstanceId"].(string)
		get("/api/v1/forms/D000002Expense/records/" + obj)
		get("/api/v1/forms/D000002Expense/records")
		get("/api/v1/tasks?view=todo", as(p.a)...)
		get("/api/v1/tasks?view=started", as(p.initiator)...)
		task := s.oneTodo(p.a, inst)
		get("/api/v1/tasks/" + task)
		send("POST", "/api/v1/tasks/"+task+"/approve", `{"comment":"同意"}`, 200, as(p.a)...)
		get("/api/v1/tasks?view=done", as(p.a)...)
		get("/api/v1/instances/" + inst)
		get("/api/v1/instances/" + inst + "/replay")
		send("POST", "/api/v1/instances/"+inst+"/comment", `{"comment":"归档"}`, 200, as(p.initiator)...)
		send("PATCH", "/api/v1/forms/D000002Expense/records/"+obj, `{"F0000003":"备注"}`, 200)

		// H3Yun: the same instants as wall-clock time in New York.
		restRec := decode(t, func() []byte { _, b := s.do("GET", "/api/v1/forms/D000002Expense/records/"+obj, nil); return b }())
		bo := s.ok(map[string]any{"ActionName": "LoadBizObject", "SchemaCode": "D000002Expense", "BizObjectId": obj})["BizObject"].(map[string]any)
		list := s.ok(map[string]any{"ActionName": "LoadBizObjects", "SchemaCode": "D000002Expense",
			"Filter": `{"FromRowNum":0,"ToRowNum":10,"ReturnItems":["CreatedTime","ModifiedTime"]}`})["BizObjectArray"].([]any)
		for _, k := range []string{"CreatedTime", "ModifiedTime"} {
			at, err := time.Parse(time.RFC3339, restRec[k].(string))
			if err != nil {
				t.Fatal(err)
			}
			want := at.In(loc).Format("2006/01/02 15:04:05")
			if bo[k] != want {
				t.Errorf("H3Yun LoadBizObject %s = %v, want %s (REST says %s)", k, bo[k], want, restRec[k])
			}
			if got := list[0].(map[string]any)[k]; got != want {
				t.Errorf("H3Yun LoadBizObjects %s = %v, want %s", k, got, want)
			}
		}
	})
}
