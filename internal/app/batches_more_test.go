package app_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tritiumhq/tritium/internal/delivery"
	"github.com/tritiumhq/tritium/internal/sqldb"
	"github.com/tritiumhq/tritium/internal/sqldb/sqldbtest"
)

// receiver is a loopback endpoint that collects callbacks.
type receiver struct {
	*httptest.Server
	mu    sync.Mutex
	got   []received
	taken int // how many next has returned
}

type received struct {
	header http.Header
	body   []byte
}

func newReceiver(t *testing.T) *receiver {
	rc := &receiver{}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		rc.got = append(rc.got, received{r.Header.Clone(), b})
		rc.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(rc.Close)
	return rc
}

// wait returns the n-th callback (1-based) once it arrived.
func (rc *receiver) wait(t *testing.T, n int) received {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		rc.mu.Lock()
		if len(rc.got) >= n {
			defer rc.mu.Unlock()
			return rc.got[n-1]
		}
		rc.mu.Unlock()
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("callback %d never arrived", n)
	return received{}
}

// checkCallback verifies the signature with secret and decodes the body.
func checkCallback(t *testing.T, rc received, secret string) map[string]any {
	t.Helper()
	h := rc.header
	if h.Get("X-Tritium-Event") != "batch.completed" || h.Get("X-Tritium-Delivery") == "" {
		t.Errorf("callback headers %v", h)
	}
	if !delivery.Verify(secret, h.Get("X-Tritium-Timestamp"), rc.body, h.Get("X-Tritium-Signature")) {
		t.Fatalf("callback signature does not verify: %v", h)
	}
	return decode(t, rc.body)
}

// TestBatchCallback: the completion callback as the spec shows it, signed
// with the client's secret, to the request's URL or the client's
// configured one; with engine credentials signed with the engine secret.
// Only the owner (or an administrator) sees a batch.
func TestBatchCallback(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, kind sqldb.Kind) {
		s := deliveryServer(t, kind)
		s.mustCreateForm(contractForm())
		rc := newReceiver(t)
		id, secret := s.mustClient(map[string]any{"name": "ERP", "scopes": []string{"records:write"}})
		tok := s.mustToken(id, secret, "records:write")
		items := contractItems("CB", 3)
		items[1]["data"].(map[string]any)["F0000002"] = "x"
		body := map[string]any{"form": batchForm, "operation": "create", "sourceSystem": "ERP", "items": items, "callbackUrl": rc.URL + "/cb"}
		status, out := s.bearer(tok, "POST", "/api/v1/batches", body)
		if status != 202 {
			t.Fatalf("submit: %d %s", status, out)
		}
		bid := decode(t, out)["batchId"].(string)
		cb := checkCallback(t, rc.wait(t, 1), secret)
		if cb["batchId"] != bid || cb["code"] != "0" || cb["subCode"] != "partial_failure" || cb["sourceSystem"] != "ERP" || !strings.Contains(cb["message"].(string), "succeeded") {
			t.Fatalf("callback %v", cb)
		}
		its := cb["items"].([]any)
		first, second := its[0].(map[string]any), its[1].(map[string]any)
		if len(its) != 3 || first["sourceCode"] != "CB-0000" || first["code"] != "0" || first["subCode"] != "created" || first["objectId"] == nil ||
			second["code"] != "1" || second["subCode"] != "validation_failed" || !strings.HasPrefix(second["message"].(string), "字段F0000002") {
			t.Fatalf("callback items %v", its)
		}
		// GET shows the same items.
		status, out = s.bearer(tok, "GET", "/api/v1/batches/"+bid, nil)
		if b := decode(t, out); status != 200 || fmt.Sprint(b["items"]) != fmt.Sprint(its) {
			t.Fatalf("GET %d: %v, callback %v", status, b["items"], its)
		}

		// Another client does not see it; an admin-scope token does.
		other, osecret := s.mustClient(map[string]any{"name": "CRM", "scopes": []string{"records:write", "admin"}})
		otok := s.mustToken(other, osecret, "records:write")
		if status, _ := s.bearer(otok, "GET", "/api/v1/batches/"+bid, nil); status != 404 {
			t.Errorf("another client's GET: %d", status)
		}
		status, out = s.bearer(otok, "GET", "/api/v1/batches", nil)
		if l := decode(t, out); status != 200 || l["total"] != json.Number("0") {
			t.Errorf("another client's list: %d %v", status, l)
		}
		if status, _ := s.bearer(s.mustToken(other, osecret, "records:write admin"), "GET", "/api/v1/batches/"+bid, nil); status != 200 {
			t.Errorf("admin-scope GET: %d", status)
		}
		s.mustJSON("GET", "/api/v1/batches/"+bid, nil, 200) // engine credentials

		// The client's configured callback, per operation.
		s.mustJSON("PATCH", "/api/v1/oauth-clients/"+id, map[string]any{"callbacks": map[string]any{"upsert": rc.URL + "/upserts"}}, 200)
		status, out = s.bearer(tok, "POST", "/api/v1/batches", map[string]any{"form": batchForm, "operation": "upsert", "sourceSystem": "ERP", "items": contractItems("CB", 1)})
		if status != 202 {
			t.Fatalf("upsert submit: %d %s", status, out)
		}
		got := rc.wait(t, 2)
		if cb := checkCallback(t, got, secret); cb["subCode"] != "success" || cb["items"].([]any)[0].(map[string]any)["subCode"] != "updated" {
			t.Errorf("configured callback %v", cb)
		}
		// No callback without a URL: the create batch below is the third.
		status, _ = s.bearer(tok, "POST", "/api/v1/batches", map[string]any{"form": batchForm, "operation": "create", "sourceSystem": "ERP", "items": contractItems("NC", 1)})
		if status != 202 {
			t.Fatal(status)
		}

		// Engine credentials: signed with the engine secret.
		s.submitBatch(map[string]any{"form": batchForm, "operation": "create", "sourceSystem": "ENG", "items": contractItems("EN", 2), "callbackUrl": rc.URL})
		if cb := checkCallback(t, rc.wait(t, 3), testSecret); cb["sourceSystem"] != "ENG" {
			t.Errorf("engine callback %v", cb)
		}
		time.Sleep(300 * time.Millisecond)
		rc.mu.Lock()
		n := len(rc.got)
		rc.mu.Unlock()
		if n != 3 {
			t.Errorf("%d callbacks, want 3 (the batch without a URL sends none)", n)
		}
	})
}

// TestBatchSubmitAndUserContext: submit starts each record's workflow as
// its owner; items are written as the user of the user context, with their
// grants; submit needs scope workflow.
func TestBatchSubmitAndUserContext(t *testing.T) {
	forEachServer(t, func(t *testing.T, s *server) {
		p := s.org()
		s.mustCreateForm(expenseForm())
		s.process(tree(approval("a", userRule(p.a))))
		s.mustJSON("PUT", "/api/v1/forms/D000002Expense/permissions", map[string]any{"grants": []any{
			map[string]any{"principal": map[string]any{"kind": "everyone"}, "actions": []string{"view", "edit"}, "scope": "custom", "rule": "CreatedBy = @user.id && Status = 0"},
			map[string]any{"principal": map[string]any{"kind": "user", "id": p.initiator}, "actions": []string{"view", "create", "edit", "submit"}, "scope": "all"},
		}}, 200)
		items := []map[string]any{
			{"sourceCode": "E1", "data": map[string]any{"F0000001": "差旅", "F0000002": "100"}},
			{"sourceCode": "E2", "data": map[string]any{"F0000002": "5"}}, // required 事由 missing: refused on submit
		}
		body := map[string]any{"form": "D000002Expense", "operation": "create", "sourceSystem": "OA", "items": items, "submit": true}
		b := s.waitBatch(s.submitBatch(body, as(p.initiator)...), as(p.initiator)...)
		r := itemsOf(b)
		if r[0]["subCode"] != "created" || r[1]["subCode"] != "validation_failed" || !strings.Contains(r[1]["message"].(string), "F0000001") {
			t.Fatalf("submitted batch: %v", b["items"])
		}
		o := s.mustJSON("GET", "/api/v1/forms/D000002Expense/records/"+r[0]["objectId"].(string), nil, 200)
		if o["CreatedBy"] != p.initiator || o["OwnerId"] != p.initiator || o["Status"] != json.Number("2") || o["WorkflowInstanceId"] == "" {
			t.Fatalf("record %v", o)
		}
		s.oneTodo(p.a, o["WorkflowInstanceId"].(string)) // the instance moved past the start node

		// Another user without the grant: refused at once.
		status, out := s.do("POST", "/api/v1/batches", body, as(p.b)...)
		if status != 403 {
			t.Errorf("batch as a user without create: %d %s", status, out)
		}
		// The user's grants hold item by item: B may edit only drafts he
		// created, so the submitted record is out of his reach.
		upd := map[string]any{"form": "D000002Expense", "operation": "update", "sourceSystem": "OA",
			"items": []map[string]any{{"sourceCode": "E1", "data": map[string]any{"F0000002": "1"}}}}
		b = s.waitBatch(s.submitBatch(upd, as(p.b)...), as(p.b)...)
		if r := itemsOf(b); r[0]["code"] != "1" || r[0]["subCode"] != "not_found" {
			t.Errorf("update out of the user's view: %v", b["items"])
		}
		// The user context in the body works the same.
		body["items"] = []map[string]any{{"sourceCode": "E3", "data": map[string]any{"F0000001": "会议"}}}
		body["userIdType"], body["userId"] = "LOGINNAME", "initiator"
		b = s.waitBatch(s.submitBatch(body))
		if r := itemsOf(b); r[0]["subCode"] != "created" {
			t.Fatalf("body user context: %v", b["items"])
		}
		if o := s.mustJSON("GET", "/api/v1/forms/D000002Expense/records/"+itemsOf(b)[0]["objectId"].(string), nil, 200); o["CreatedBy"] != p.initiator {
			t.Errorf("created by %v", o["CreatedBy"])
		}

		// submit needs scope workflow as well.
		cid, csec := s.mustClient(map[string]any{"name": "OA", "scopes": []string{"records:write", "impersonate"}})
		tok := s.mustToken(cid, csec, "")
		delete(body, "userIdType")
		delete(body, "userId")
		status, out = s.bearer(tok, "POST", "/api/v1/batches", body)
		if code, msg := errCode(t, out); status != 403 || code != "forbidden" || !strings.Contains(msg, "workflow") {
			t.Errorf("submit without scope workflow: %d %s", status, out)
		}
		body["submit"] = false
		if status, out := s.bearer(tok, "POST", "/api/v1/batches", body); status != 202 {
			t.Errorf("without submit: %d %s", status, out)
		}
	})
}

// TestBatchBadInput: the envelope is checked at once, errors name the
// field, and nothing is stored.
func TestBatchBadInput(t *testing.T) {
	forEachServer(t, func(t *testing.T, s *server) {
		s.mustCreateForm(contractForm())
		ok := func() map[string]any {
			return map[string]any{"form": batchForm, "operation": "create", "sourceSystem": "ERP", "items": contractItems("B", 3)}
		}
		with := func(k string, v any) map[string]any {
			b := ok()
			b[k] = v
			return b
		}
		item := func(i int, k string, v any) map[string]any {
			b := ok()
			it := b["items"].([]map[string]any)
			if v == nil {
				delete(it[i], k)
			} else {
				it[i][k] = v
			}
			return b
		}
		many := make([]map[string]any, 10001)
		for i := range many {
			many[i] = map[string]any{"sourceCode": fmt.Sprint(i), "data": map[string]any{}}
		}
		cases := []struct {
			name  string
			body  any
			want  int
			field string
		}{
			{"no form", with("form", ""), 422, "form"},
			{"unknown form", with("form", "D404"), 404, "form"},
			{"form not a string", with("form", 5), 422, "form"},
			{"bad operation", with("operation", "merge"), 422, "operation"},
			{"no sourceSystem", with("sourceSystem", " "), 422, "sourceSystem"},
			{"no items", with("items", nil), 422, "items"},
			{"empty items", with("items", []any{}), 422, "items"},
			{"items not an array", with("items", "x"), 422, "items"},
			{"too many items", with("items", many), 422, "items"},
			{"item not an object", with("items", []any{"x"}), 422, "items[0]"},
			{"no sourceCode", item(1, "sourceCode", nil), 422, "items[1].sourceCode"},
			{"sourceCode a number", item(1, "sourceCode", 7), 422, "items[1].sourceCode"},
			{"duplicate sourceCode", item(2, "sourceCode", "B-0000"), 422, "items[2].sourceCode"},
			{"objectId on create", item(0, "objectId", "x"), 422, "items[0].objectId"},
			{"no data", item(0, "data", nil), 422, "items[0].data"},
			{"data not an object", item(0, "data", []any{1}), 422, "items[0].data"},
			{"unknown item key", item(0, "extra", 1), 422, "items[0].extra"},
			{"unknown key", with("color", "red"), 422, "color"},
			{"submit on update", func() any { b := with("operation", "update"); b["submit"] = true; return b }(), 422, "submit"},
			{"submit not a bool", with("submit", "yes"), 422, "submit"},
			{"private callback", with("callbackUrl", "http://10.1.2.3/cb"), 422, "callbackUrl"},
			{"callback with user info", with("callbackUrl", "https://u:p@example.com/cb"), 422, "callbackUrl"},
			{"callback not http", with("callbackUrl", "ftp://example.com/cb"), 422, "callbackUrl"},
			{"NUL in sourceCode", item(0, "sourceCode", "a\x00b"), 400, ""},
			{"invalid UTF-8", []byte("{\"form\":\"" + batchForm + "\",\"operation\":\"create\",\"sourceSystem\":\"\xff\",\"items\":[]}"), 400, ""},
			{"not JSON", "{", 400, ""},
		}
		for _, c := range cases {
			status, out := s.do("POST", "/api/v1/batches", c.body)
			var e struct {
				Error struct{ Code, Message, Field string }
			}
			json.Unmarshal(out, &e)
			if status != c.want || (c.field != "" && e.Error.Field != c.field) {
				t.Errorf("%s: HTTP %d field %q (%s), want %d naming %q", c.name, status, e.Error.Field, e.Error.Message, c.want, c.field)
			}
		}
		if l := s.mustJSON("GET", "/api/v1/batches", nil, 200); l["total"] != json.Number("0") {
			t.Errorf("refused batches were stored: %v", l["total"])
		}
		for _, q := range []string{"?page=0", "?pageSize=1001", "?failed=maybe"} {
			if status, _ := s.do("GET", "/api/v1/batches/x"+q, nil); status != 422 {
				t.Errorf("GET %s: %d", q, status)
			}
		}
		if status, _ := s.do("GET", "/api/v1/batches/nope", nil); status != 404 {
			t.Errorf("unknown batch: %d", status)
		}
	})
}

// TestBatchFormDeleted: a batch whose form is deleted while it runs ends
// failed, every item not yet written failed for that reason.
func TestBatchFormDeleted(t *testing.T) {
	forEachServer(t, func(t *testing.T, s *server) {
		s.mustCreateForm(contractForm())
		id := s.submitBatch(map[string]any{"form": batchForm, "operation": "create", "sourceSystem": "ERP", "items": contractItems("FD", 3000)})
		if status, out := s.do("DELETE", "/api/v1/forms/"+batchForm, nil); status != 204 {
			t.Fatalf("delete form: %d %s", status, out)
		}
		b := s.waitBatch(id)
		total, done, ok, failed := counts(t, b)
		if b["status"] != "failed" || b["code"] != "1" || b["subCode"] != "failure" || done != total || ok+failed != total || failed == 0 {
			t.Fatalf("batch of a deleted form: %v %v %v/%v", b["status"], b["counts"], b["code"], b["subCode"])
		}
		f := s.mustJSON("GET", "/api/v1/batches/"+id+"?failed=true&pageSize=1", nil, 200)
		if r := itemsOf(f); len(r) != 1 || r[0]["subCode"] != "not_found" || !strings.Contains(r[0]["message"].(string), batchForm) {
			t.Errorf("failed item %v", f["items"])
		}
		all := s.mustJSON("GET", "/api/v1/batches/"+id+"?pageSize=1", nil, 200)
		if all["itemsTotal"] != json.Number(fmt.Sprint(total)) {
			t.Errorf("itemsTotal %v, want %d", all["itemsTotal"], total)
		}
	})
}

// TestBatchConcurrentSame: the same batch sent twice at once stores each
// item once; between them, each item is created by one and answered
// unchanged by the other.
func TestBatchConcurrentSame(t *testing.T) {
	forEachServer(t, func(t *testing.T, s *server) {
		s.mustCreateForm(contractForm())
		body := map[string]any{"form": batchForm, "operation": "create", "sourceSystem": "ERP", "items": contractItems("CC", 1500)}
		ids := []string{s.submitBatch(body), s.submitBatch(body)}
		created := map[string]int{}
		for _, id := range ids {
			for page := 1; page <= 2; page++ {
				if page == 1 {
					s.waitBatch(id)
				}
				b := s.mustJSON("GET", fmt.Sprintf("/api/v1/batches/%s?page=%d&pageSize=1000", id, page), nil, 200)
				for _, r := range itemsOf(b) {
					switch r["subCode"] {
					case "created":
						created[r["sourceCode"].(string)]++
					case "unchanged":
					default:
						t.Fatalf("item %v", r)
					}
				}
			}
		}
		if len(created) != 1500 {
			t.Errorf("%d items created, want 1500", len(created))
		}
		for code, n := range created {
			if n != 1 {
				t.Errorf("%s created %d times", code, n)
			}
		}
		if n := countRows(t, s, "sourcesystem = 'ERP'"); n != 1500 {
			t.Errorf("%d records stored, want 1500", n)
		}
	})
}
