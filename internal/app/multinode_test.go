package app_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tritiumhq/tritium/internal/sqldb"
)

// answer is one response B gave, for the report.
type answer struct {
	op     string
	status int
	body   string
}

// rawDo sends a request without failing the test (for worker goroutines).
func (s *server) rawDo(method, path string, body any) (int, string, error) {
	b, _ := json.Marshal(body)
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, s.URL+path, r)
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("EngineCode", testCode)
	req.Header.Set("EngineSecret", testSecret)
	resp, err := s.client.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(out), err
}

func shiftingForm(fields []map[string]any, children []map[string]any) map[string]any {
	return map[string]any{"code": "D000001Shifting", "name": "变化", "fields": fields, "children": children}
}

// TestSchemaChangeOnAnotherNode: two nodes on one PostgreSQL. Node A
// removes, renames and retypes fields, drops a child table, adds a field
// and finally deletes the form, while node B — which here never refreshes
// its definitions by itself (FormRefresh 1 h), so it learns of each change
// only from its own requests — serves creates, updates and reads of the
// form through both APIs. No request on B fails with a 5xx or an internal
// error: each runs with the current definition, a field added on A can be
// written through B at once, and once the form is gone B answers
// not-found. SQLite is one node per data directory by design, so this is
// PostgreSQL only.
func TestSchemaChangeOnAnotherNode(t *testing.T) {
	a, b := twoNodes(t)

	text := func(code string) map[string]any { return map[string]any{"code": code, "name": code, "type": "text"} }
	number := func(code string) map[string]any { return map[string]any{"code": code, "name": code, "type": "number"} }
	kids := []map[string]any{{"code": "D000001ShiftKids", "name": "子", "fields": []map[string]any{text("F0000011")}}}
	f1 := map[string]any{"code": "F0000001", "name": "标题", "type": "text", "required": true}
	a.mustCreateForm(shiftingForm([]map[string]any{f1, number("F0000002"), text("F0000003"), number("F0000004")}, kids))

	// Objects with every field and a child row, created through B (which
	// has not seen the form yet).
	var ids []string
	for i := range 10 {
		status, body, err := b.rawDo("POST", "/api/v1/forms/D000001Shifting/records?submit=true", map[string]any{
			"F0000001": fmt.Sprint("对象", i), "F0000002": i, "F0000003": "备注", "F0000004": i * 10,
			"D000001ShiftKids": []map[string]any{{"F0000011": "行"}}})
		if err != nil || status != 201 {
			t.Fatalf("create through B: %d %v %s", status, err, body)
		}
		ids = append(ids, decode(t, []byte(body))["ObjectId"].(string))
	}

	var (
		deleting, added atomic.Bool
		ok, gone        atomic.Int64
		mu              sync.Mutex
		bad             []answer
		stop            = make(chan struct{})
		wg              sync.WaitGroup
	)
	judge := func(op string, status int, body string, err error) {
		h3yunOK := strings.HasPrefix(op, "h3yun") && status == 200 && strings.Contains(body, `"Successful":true`)
		restOK := !strings.HasPrefix(op, "h3yun") && status < 300
		notFound := status == 404 || strings.HasPrefix(op, "h3yun") && (strings.Contains(body, "表单不存在") || strings.Contains(body, "业务对象不存在"))
		switch {
		case err == nil && (h3yunOK || restOK):
			ok.Add(1)
		case err == nil && notFound && deleting.Load():
			gone.Add(1)
		default:
			mu.Lock()
			if err != nil {
				body = err.Error()
			}
			bad = append(bad, answer{op, status, body})
			mu.Unlock()
		}
	}
	worker := func(w int) {
		defer wg.Done()
		for n := 0; ; n++ {
			select {
			case <-stop:
				return
			default:
			}
			id := ids[(w+n)%len(ids)]
			switch n % 6 {
			case 0:
				data := map[string]any{"F0000001": fmt.Sprint("新", w, "-", n)}
				if added.Load() {
					data["F0000006"] = "新字段"
				}
				bo, _ := json.Marshal(data)
				status, body, err := b.rawDo("POST", "/OpenApi/Invoke", map[string]any{"ActionName": "CreateBizObject",
					"SchemaCode": "D000001Shifting", "IsSubmit": true, "BizObject": string(bo)})
				judge("h3yun create", status, body, err)
			case 1:
				status, body, err := b.rawDo("GET", "/api/v1/forms/D000001Shifting/records?limit=20&sort=-SeqNo", nil)
				judge("rest list", status, body, err)
			case 2:
				status, body, err := b.rawDo("GET", "/api/v1/forms/D000001Shifting/records/"+id, nil)
				judge("rest get", status, body, err)
			case 3:
				status, body, err := b.rawDo("PATCH", "/api/v1/forms/D000001Shifting/records/"+id, map[string]any{"F0000001": fmt.Sprint("改", n)})
				judge("rest patch", status, body, err)
			case 4:
				status, body, err := b.rawDo("POST", "/OpenApi/Invoke", map[string]any{"ActionName": "LoadBizObject",
					"SchemaCode": "D000001Shifting", "BizObjectId": id})
				judge("h3yun load", status, body, err)
			case 5:
				status, body, err := b.rawDo("POST", "/OpenApi/Invoke", map[string]any{"ActionName": "LoadBizObjects",
					"SchemaCode": "D000001Shifting", "Filter": `{"FromRowNum":0,"ToRowNum":20,"RequireCount":true,"ReturnItems":[],"SortByCollection":[],"Matcher":{"Type":"And","Matchers":[]}}`})
				judge("h3yun list", status, body, err)
			}
		}
	}
	for w := range 4 {
		wg.Add(1)
		go worker(w)
	}

	put := func(what string, fields []map[string]any, children []map[string]any) {
		time.Sleep(300 * time.Millisecond)
		before := ok.Load()
		if status, body := a.do("PUT", "/api/v1/forms/D000001Shifting", shiftingForm(fields, children)); status != 200 {
			t.Fatalf("%s on A: HTTP %d %s", what, status, body)
		}
		t.Logf("%s on A (B answered %d requests while it ran)", what, ok.Load()-before)
	}
	rename := map[string]any{"code": "F0000005", "name": "F0000005", "type": "text", "renameFrom": "F0000003"}
	retyped := text("F0000004")
	put("remove F0000002", []map[string]any{f1, text("F0000003"), number("F0000004")}, kids)
	put("rename F0000003 to F0000005", []map[string]any{f1, rename, number("F0000004")}, kids)
	put("F0000004 number to text", []map[string]any{f1, text("F0000005"), retyped}, kids)
	put("drop the child table", []map[string]any{f1, text("F0000005"), retyped}, nil)
	put("add F0000006", []map[string]any{f1, text("F0000005"), retyped, text("F0000006")}, nil)
	added.Store(true)
	time.Sleep(300 * time.Millisecond)
	deleting.Store(true)
	if status, body := a.do("DELETE", "/api/v1/forms/D000001Shifting", nil); status != 204 {
		t.Fatalf("delete on A: HTTP %d %s", status, body)
	}
	time.Sleep(300 * time.Millisecond)
	close(stop)
	wg.Wait()

	t.Logf("B answered %d requests with success and %d with not-found after the delete", ok.Load(), gone.Load())
	for i, x := range bad {
		if i == 10 {
			t.Errorf("… %d more", len(bad)-10)
			break
		}
		t.Errorf("%s on B: HTTP %d %.300s", x.op, x.status, x.body)
	}
	if ok.Load() < 100 || gone.Load() == 0 {
		t.Errorf("the load did not run through every phase: %d successes, %d not-found", ok.Load(), gone.Load())
	}
	// B's definition followed A's: a create naming the new field worked
	// through B (checked above); the form is gone on B now.
	if status, _ := b.do("GET", "/api/v1/forms/D000001Shifting", nil); status != 404 {
		t.Errorf("form on B after the delete: HTTP %d, want 404", status)
	}
}

// TestWorkflowActionAfterSchemaChangeOnAnotherNode: node A removes a field
// of a workflow form; an approval through node B (which has not refreshed)
// whose process reads the record for a condition still succeeds and moves
// the instance on.
func TestWorkflowActionAfterSchemaChangeOnAnotherNode(t *testing.T) {
	a, b := twoNodes(t)
	p := a.org()
	a.mustCreateForm(expenseForm())
	a.process(tree(approval("n1", userRule(p.a)),
		`{"type":"branch","kind":"exclusive","id":"g","branches":[{"condition":"F0000002 > 100","next":`+approval("big", userRule(p.b))+`},{"default":true,"next":`+approval("small", userRule(p.c))+`}]}`))
	_, inst := b.submit(p.initiator, "500") // B has not seen the form: it looks it up
	task := b.oneTodo(p.a, inst)

	def := expenseForm()
	def["fields"] = def["fields"].([]map[string]any)[:2] // without F0000003
	if status, body := a.do("PUT", "/api/v1/forms/D000002Expense", def); status != 200 {
		t.Fatalf("remove a field on A: HTTP %d %s", status, body)
	}
	if status, out := b.act(p.a, task, "approve", map[string]any{"comment": "同意"}); status != 200 {
		t.Fatalf("approve through B after A removed a field: HTTP %d %v", status, out)
	}
	if got := b.positions(inst); got != "big" {
		t.Fatalf("instance at %q, want big (F0000002 = 500)", got)
	}
}

// twoNodes starts two servers on one PostgreSQL database. B never
// refreshes its forms by itself (FormRefresh 1 h): it learns of A's
// changes only from its own requests.
func twoNodes(t *testing.T) (a, b *server) {
	cfgA := storeConfig(t, sqldb.Postgres)
	a = startServer(t, cfgA)
	cfgB := cfgA
	cfgB.DataDir, cfgB.FormRefresh = t.TempDir(), time.Hour
	return a, startServer(t, cfgB)
}
