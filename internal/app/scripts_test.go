package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tritiumhq/tritium/internal/app"
	"github.com/tritiumhq/tritium/internal/record"
)

// putScript saves a script and fails the test unless it was accepted.
func (s *server) putScript(scope, target, name, lang, source string) map[string]any {
	s.t.Helper()
	return s.mustJSON("PUT", "/api/v1/scripts/"+scope+"/"+target+"/"+name, map[string]any{"lang": lang, "source": source}, 200)
}

// waitUntil polls cond for up to 20 s.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func auditForm() map[string]any {
	return map[string]any{"code": "D000009Audit", "name": "审计", "fields": []map[string]any{
		{"code": "F0000001", "name": "事件", "type": "text"}, {"code": "F0000002", "name": "对象", "type": "text"},
	}}
}

// TestFormHooks: onValidate refuses, beforeSave changes values and vetoes
// writes, through both APIs, and nothing is written on a veto; afterSave
// runs after commit, is retried after a failure, and runs once per event.
func TestFormHooks(t *testing.T) {
	forEachServer(t, func(t *testing.T, s *server) {
		s.mustCreateForm(contractForm())
		s.mustCreateForm(auditForm())
		s.putScript("form", "D000001Contract", "onValidate", "js", `
if ($form.F0000002 > 1000000) return { F0000002: '金额不能超过一百万' };`)
		s.putScript("form", "D000001Contract", "beforeSave", "ts", `
interface Contract { F0000001: string; F0000007?: number }
const c = $form as unknown as Contract;
if (c.F0000001 === 'veto') {
  throw new Error('这个名称不允许');
}
$form.F0000007 = 42;
$form.F0000006 = '销售';
form.F0000004 = true;`)
		s.putScript("form", "D000001Contract", "afterSave", "js", `
if ($event.attempt === 1 && $form.F0000001 === 'flaky') throw new Error('first run fails');
await $db.create('D000009Audit', { F0000001: $event.id, F0000002: $form.ObjectId });`)
		base := "/api/v1/forms/D000001Contract/records"

		// REST create: beforeSave set three fields.
		rec := s.mustJSON("POST", base, map[string]any{"F0000001": "甲", "F0000007": 7}, 201)
		if rec["F0000007"] != json.Number("42") || rec["F0000006"] != "销售" || rec["F0000004"] != true {
			t.Fatalf("beforeSave did not set the fields: %v", rec)
		}
		id := rec["ObjectId"].(string)
		// H3Yun create: the same hook.
		rd := s.ok(map[string]any{"ActionName": "CreateBizObject", "SchemaCode": "D000001Contract", "BizObject": jsonString(map[string]any{"F0000001": "乙"})})
		got := s.ok(map[string]any{"ActionName": "LoadBizObject", "SchemaCode": "D000001Contract", "BizObjectId": rd["BizObjectId"]})
		if bo := got["BizObject"].(map[string]any); bo["F0000007"] != json.Number("42") || bo["F0000004"] != true {
			t.Fatalf("H3Yun create skipped beforeSave: %v", bo)
		}

		count := func() int {
			return len(s.mustJSON("GET", base, nil, 200)["items"].([]any))
		}
		before := count()
		// Vetoes: nothing written, the script's message in the error.
		status, body := s.do("POST", base, map[string]any{"F0000001": "veto"})
		if status != 422 || !strings.Contains(string(body), "这个名称不允许") {
			t.Fatalf("veto (REST): %d %s", status, body)
		}
		s.fails(map[string]any{"ActionName": "CreateBizObject", "SchemaCode": "D000001Contract", "BizObject": jsonString(map[string]any{"F0000001": "veto"})}, "这个名称不允许")
		status, body = s.do("POST", base, map[string]any{"F0000001": "丙", "F0000002": 2000000})
		if status != 422 || !strings.Contains(string(body), "金额不能超过一百万") || !strings.Contains(string(body), `"field":"F0000002"`) {
			t.Fatalf("onValidate: %d %s", status, body)
		}
		if n := count(); n != before {
			t.Fatalf("a refused write wrote: %d objects, want %d", n, before)
		}
		// Update: the stored object plus the change; a veto changes nothing.
		upd := s.mustJSON("PATCH", base+"/"+id, map[string]any{"F0000007": 5, "F0000002": 10}, 200)
		if upd["F0000007"] != json.Number("42") || upd["F0000002"] != "10.00" {
			t.Fatalf("update through beforeSave: %v", upd)
		}
		status, body = s.do("PATCH", base+"/"+id, map[string]any{"F0000001": "veto"})
		if status != 422 || !strings.Contains(string(body), "这个名称不允许") {
			t.Fatalf("veto (update): %d %s", status, body)
		}
		if cur := s.mustJSON("GET", base+"/"+id, nil, 200); cur["F0000001"] != "甲" || cur["version"] != upd["version"] {
			t.Fatalf("a vetoed update changed the object: %v", cur)
		}
		s.fails(map[string]any{"ActionName": "UpdateBizObject", "SchemaCode": "D000001Contract", "BizObjectId": id, "BizObject": jsonString(map[string]any{"F0000001": "veto"})}, "这个名称不允许")

		// afterSave: one audit row per committed write event (2 creates,
		// 1 update so far), a failing first run retried.
		flaky := s.mustJSON("POST", base, map[string]any{"F0000001": "flaky"}, 201)["ObjectId"].(string)
		audits := func() []any {
			return s.mustJSON("GET", "/api/v1/forms/D000009Audit/records", nil, 200)["items"].([]any)
		}
		waitUntil(t, "four afterSave runs", func() bool { return len(audits()) >= 4 })
		time.Sleep(500 * time.Millisecond)
		events := map[string]bool{}
		flakyRuns := 0
		for _, a := range audits() {
			m := a.(map[string]any)
			if events[m["F0000001"].(string)] {
				t.Fatalf("event %s ran twice", m["F0000001"])
			}
			events[m["F0000001"].(string)] = true
			if m["F0000002"] == flaky {
				flakyRuns++
			}
		}
		if len(events) != 4 || flakyRuns != 1 {
			t.Fatalf("afterSave events: %d (want 4), flaky object's: %d (want 1)", len(events), flakyRuns)
		}
		ex := s.mustJSON("GET", "/api/v1/script-executions?name=afterSave&objectId="+flaky, nil, 200)["items"].([]any)
		if len(ex) != 2 {
			t.Fatalf("flaky afterSave executions: %v", ex)
		}
		last, first := ex[0].(map[string]any), ex[1].(map[string]any)
		if first["status"] != "error" || first["attempt"] != json.Number("1") || last["status"] != "ok" || last["attempt"] != json.Number("2") {
			t.Fatalf("executions: first %v, then %v", first, last)
		}
		if e := first["error"].(map[string]any); e["message"] != "first run fails" || e["line"] != json.Number("2") {
			t.Fatalf("the failure's error: %v", e)
		}
	})
}

// TestAfterSaveAcrossRestart: an afterSave enqueued while no queue runs
// runs once the server starts, once, and not again after a restart.
func TestAfterSaveAcrossRestart(t *testing.T) {
	forEachServer(t, func(t *testing.T, s *server) {
		s.mustCreateForm(contractForm())
		s.mustCreateForm(auditForm())
		s.putScript("form", "D000001Contract", "afterSave", "js", `await $db.create('D000009Audit', { F0000001: $event.id });`)
		cfg := s.cfg
		s.stop()
		// Written with the queue stopped: the job waits in the database.
		a, err := app.Open(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.Records.Create(context.Background(), a.Admin, "D000001Contract", record.Data{"F0000001": "x"}, record.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		a.Close()
		s2 := startServer(t, cfg)
		audits := func(s *server) int {
			return len(s.mustJSON("GET", "/api/v1/forms/D000009Audit/records", nil, 200)["items"].([]any))
		}
		waitUntil(t, "the afterSave after the start", func() bool { return audits(s2) == 1 })
		s2.stop()
		s3 := startServer(t, cfg)
		time.Sleep(1500 * time.Millisecond)
		if n := audits(s3); n != 1 {
			t.Fatalf("afterSave ran %d times across restarts, want once", n)
		}
	})
}

// TestScriptTaskNode: a script task node pauses the instance, its script
// writes the record and moves it on; a failing script marks the node
// failed in the history, and an admin's retry (after a fix) moves it on.
func TestScriptTaskNode(t *testing.T) {
	forEachServer(t, func(t *testing.T, s *server) {
		p := s.org()
		s.mustCreateForm(expenseForm())
		s.process(tree(`{"type":"script","id":"calc","name":"计算","hook":"calc"}`, approval("a1", userRule(p.a))))
		s.putScript("flow", "D000002Expense", "calc", "js", `
if ($form.F0000001 === '坏') throw new Error('不能处理: ' + $flow.node);
$form.F0000003 = 'auto ' + $form.F0000002;`)
		obj, inst := s.submit(p.initiator, "12.50")
		waitUntil(t, "the script task", func() bool { return len(s.todo(p.a, inst)) == 1 })
		rec := s.mustJSON("GET", "/api/v1/forms/D000002Expense/records/"+obj, nil, 200)
		if rec["F0000003"] != "auto 12.50" {
			t.Fatalf("script task's value: %v", rec["F0000003"])
		}

		// A failure: history, no task; a fixed script and a retry move on.
		rd := s.ok(map[string]any{"ActionName": "CreateBizObject", "SchemaCode": "D000002Expense", "IsSubmit": true,
			"BizObject": jsonString(map[string]any{"F0000001": "坏", "F0000002": "1", "OwnerId": p.initiator})})
		bad := rd["WorkflowInstanceId"].(string)
		failed := func() bool {
			for _, h := range s.instance(bad)["history"].([]any) {
				if e := h.(map[string]any); e["type"] == "script_failed" && strings.Contains(e["data"].(map[string]any)["comment"].(string), "不能处理: calc") {
					return true
				}
			}
			return false
		}
		waitUntil(t, "the failure in the history", failed)
		if n := len(s.todo(p.a, bad)); n != 0 {
			t.Fatalf("a failed script task moved on: %d tasks", n)
		}
		s.putScript("flow", "D000002Expense", "calc", "js", `$form.F0000003 = 'fixed';`)
		s.mustJSON("POST", "/api/v1/instances/"+bad+"/retry-script", map[string]any{"toNode": "calc"}, 200)
		waitUntil(t, "the retried script task", func() bool { return len(s.todo(p.a, bad)) == 1 })
		status, body := s.do("POST", "/api/v1/instances/"+bad+"/retry-script", map[string]any{"toNode": "calc"})
		if status != 422 || !strings.Contains(string(body), "calc") {
			t.Fatalf("retry of a script that did not fail: %d %s", status, body)
		}
	})
}

// TestCustomAPI: a custom API script is called as H3Yun clients call one,
// through /OpenApi/Invoke, in JavaScript and in TypeScript, and through
// REST; a throw is a failure with the script's message.
func TestCustomAPI(t *testing.T) {
	forEachServer(t, func(t *testing.T, s *server) {
		s.putScript("api", "MyApiController", "SelectUser", "js", `
if (!$args.UserName) throw new Error('缺少 UserName');
return { UserName: $args.UserName, Upper: $args.UserName.toUpperCase(), Keys: Object.keys($args).sort() };`)
		s.putScript("api", "MyApiController", "Total", "ts", `
type Line = { qty: number; price: number };
const lines: Line[] = $args.Lines as Line[];
const total: number = lines.reduce((sum: number, l: Line) => sum + l.qty * l.price, 0);
return { Total: total };`)
		// Timestamps are in the server's zone, as every other answer's.
		if sc := s.mustJSON("GET", "/api/v1/scripts/api/MyApiController/SelectUser", nil, 200); !strings.HasSuffix(sc["modifiedTime"].(string), "+08:00") {
			t.Fatalf("script time not in the server's zone: %v", sc["modifiedTime"])
		}
		if p := s.mustJSON("POST", "/api/v1/platforms", map[string]any{"key": "zoned", "baseUrl": "https://a.example"}, 201); !strings.HasSuffix(p["createdTime"].(string), "+08:00") {
			t.Fatalf("platform time not in the server's zone: %v", p["createdTime"])
		}
		// Configuring scripts and integrations is for the administrator.
		p := s.org()
		for _, c := range [][2]string{{"GET", "/api/v1/scripts"}, {"GET", "/api/v1/platforms"}, {"GET", "/api/v1/connector-calls"}, {"GET", "/api/v1/script-executions"}} {
			if st, b := s.do(c[0], c[1], nil, as(p.a)...); st != 403 {
				t.Fatalf("%s %s as a user: %d %s", c[0], c[1], st, b)
			}
		}
		rd := s.ok(map[string]any{"ActionName": "SelectUser", "Controller": "MyApiController", "AppCode": "D001599BookManager", "UserName": "lmz"})
		if rd["UserName"] != "lmz" || rd["Upper"] != "LMZ" || fmt.Sprint(rd["Keys"]) != "[UserName]" {
			t.Fatalf("SelectUser: %v", rd)
		}
		rd = s.ok(map[string]any{"ActionName": "Total", "Controller": "MyApiController", "Lines": []map[string]any{{"qty": 2, "price": 1.5}, {"qty": 1, "price": 4}}})
		if rd["Total"] != json.Number("7") {
			t.Fatalf("Total (TypeScript): %v", rd)
		}
		s.fails(map[string]any{"ActionName": "SelectUser", "Controller": "MyApiController"}, "缺少 UserName")
		s.fails(map[string]any{"ActionName": "Nope", "Controller": "MyApiController"}, "Nope")
		out := s.mustJSON("POST", "/api/v1/custom/MyApiController/SelectUser", map[string]any{"UserName": "amy"}, 200)
		if out["data"].(map[string]any)["Upper"] != "AMY" {
			t.Fatalf("REST custom action: %v", out)
		}
		status, body := s.do("POST", "/api/v1/custom/MyApiController/SelectUser", map[string]any{})
		if status != 422 || !strings.Contains(string(body), "缺少 UserName") {
			t.Fatalf("REST custom action throw: %d %s", status, body)
		}
		if st, b := s.do("PUT", "/api/v1/scripts/api/MyApiController/loadBizObject", map[string]any{"source": "return 1"}); st != 422 || !strings.Contains(string(b), "LoadBizObject") {
			t.Fatalf("a public action name: %d %s", st, b)
		}
		// A syntax error is refused at save, with its line and column.
		status, body = s.do("PUT", "/api/v1/scripts/api/MyApiController/Broken", map[string]any{"lang": "ts", "source": "const a: number = 1;\nconst b = ;\n"})
		if status != 422 || !strings.Contains(string(body), "第 2 行") || !strings.Contains(string(body), `"field":"source"`) {
			t.Fatalf("syntax error: %d %s", status, body)
		}
	})
}

// TestExecutionLogRetention: the execution log keeps the newest
// executions up to its count and drops the old ones.
func TestExecutionLogRetention(t *testing.T) {
	forEachServer(t, func(t *testing.T, s *server) {
		for i := range 5 {
			s.mustJSON("POST", "/api/v1/scripts/run", map[string]any{"source": fmt.Sprintf("return %d", i)}, 200)
			time.Sleep(2 * time.Millisecond) // distinct start times
		}
		n, err := s.App.Scripts.PruneExecutions(context.Background(), time.Hour, 3)
		if err != nil || n != 2 {
			t.Fatalf("pruned %d (%v), want 2", n, err)
		}
		items := s.mustJSON("GET", "/api/v1/script-executions", nil, 200)["items"].([]any)
		if len(items) != 3 || string(items[0].(map[string]any)["result"].(json.Number)) != "4" {
			t.Fatalf("kept: %v", items)
		}
		if n, err := s.App.Scripts.PruneExecutions(context.Background(), time.Nanosecond, 100); err != nil || n != 3 {
			t.Fatalf("pruned by age %d (%v), want 3", n, err)
		}
	})
}

// TestNodeHooks: onEnter, onApprove (for one node) and onReject scripts
// run as jobs after the steps commit, with $flow describing the step.
func TestNodeHooks(t *testing.T) {
	forEachServer(t, func(t *testing.T, s *server) {
		p := s.org()
		s.mustCreateForm(expenseForm())
		s.mustCreateForm(auditForm())
		s.process(tree(approval("a1", userRule(p.a)), approval("a2", userRule(p.b))))
		for _, name := range []string{"onEnter", "a1.onApprove", "onReject"} {
			s.putScript("flow", "D000002Expense", name, "js", `
await $db.create('D000009Audit', { F0000001: $event.hook + ' ' + $flow.node + ' ' + ($flow.action || '') + ' ' + ($flow.comment || ''), F0000002: $flow.instanceId });`)
		}
		_, inst := s.submit(p.initiator, "10")
		s.mustAct(p.a, s.oneTodo(p.a, inst), "approve", map[string]any{"comment": "同意"})
		s.mustAct(p.b, s.oneTodo(p.b, inst), "reject", map[string]any{"comment": "不行"})
		events := func() []string {
			var out []string
			for _, a := range s.mustJSON("GET", "/api/v1/forms/D000009Audit/records?limit=500", nil, 200)["items"].([]any) {
				m := a.(map[string]any)
				if m["F0000002"] == inst {
					out = append(out, strings.TrimSpace(m["F0000001"].(string)))
				}
			}
			slices.Sort(out)
			return out
		}
		// A rejection ends the instance at a2: no node is entered after it.
		want := []string{"onApprove a1 approve 同意", "onEnter a1", "onEnter a2", "onEnter start", "onReject a2 reject 不行"}
		waitUntil(t, "the node hooks", func() bool { return len(events()) >= len(want) })
		time.Sleep(300 * time.Millisecond)
		if got := events(); !slices.Equal(got, want) {
			t.Fatalf("node hooks ran:\n%q\nwant\n%q", got, want)
		}
	})
}

// TestHookedWritesUnderLoad: many concurrent writes to a form with hooks
// all commit. (Inside a write's transaction the hooks read only their
// cache: a pool full of transactions each waiting for one more connection
// once hung every write on PostgreSQL.)
func TestHookedWritesUnderLoad(t *testing.T) {
	forEachServer(t, func(t *testing.T, s *server) {
		s.mustCreateForm(contractForm())
		s.putScript("form", "D000001Contract", "beforeSave", "js", `$form.F0000007 = 1;`)
		s.putScript("form", "D000001Contract", "afterSave", "js", `return $event.id;`)
		// Writes for 2.5 s, so the hooks' once-a-second look for other
		// nodes' changes falls due while writes are in flight.
		var wg sync.WaitGroup
		errs := make(chan string, 32)
		stop := time.Now().Add(2500 * time.Millisecond)
		for w := range 32 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; time.Now().Before(stop); i++ {
					if st, b := s.do("POST", "/api/v1/forms/D000001Contract/records", map[string]any{"F0000001": fmt.Sprint("c", w, "-", i)}); st != 201 {
						errs <- fmt.Sprintf("%d %s", st, b)
						return
					}
				}
			}()
		}
		done := make(chan struct{})
		go func() { wg.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			t.Fatal("concurrent hooked writes did not finish")
		}
		close(errs)
		for e := range errs {
			t.Fatalf("a hooked write failed: %s", e)
		}
	})
}
