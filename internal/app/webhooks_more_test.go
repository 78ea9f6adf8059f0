package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tritiumhq/tritium/internal/delivery"
	"github.com/tritiumhq/tritium/internal/sqldb"
	"github.com/tritiumhq/tritium/internal/sqldb/sqldbtest"
)

// TestWebhookWorkflowEvents: instance and task events of a workflow form
// reach a subscription to them.
func TestWebhookWorkflowEvents(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, kind sqldb.Kind) {
		s := deliveryServer(t, kind)
		p := s.org()
		s.mustCreateForm(expenseForm())
		s.process(tree(approval("boss", userRule(p.a))))
		rcv := newHook(t)
		wh := s.mustJSON("POST", "/api/v1/webhooks", map[string]any{"url": rcv.URL, "form": "D000002Expense",
			"events": []string{"instance.started", "instance.approved", "instance.rejected", "instance.canceled", "task.created", "task.completed"}}, 201)
		rcv.setSecret(wh["secret"].(string))
		_, inst := s.submit(p.initiator, "12.50")
		task := s.oneTodo(p.a, inst)
		s.mustAct(p.a, task, "approve", map[string]any{"comment": "ok"})
		if st := s.instance(inst)["status"]; st != "approved" {
			t.Fatalf("instance is %v", st)
		}
		count := func(typ string) (n int) {
			for _, e := range rcv.events() {
				if e.Type == typ && e.InstanceID == inst {
					n++
				}
			}
			return n
		}
		// Deliveries arrive in any order: wait for all of them.
		waitUntil(t, "the workflow's events", func() bool {
			return count("instance.approved") == 1 && count("instance.started") == 1 && count("task.created") == 2 && count("task.completed") == 2
		})
		var approvedTask bool
		for _, e := range rcv.events() {
			var d map[string]string
			json.Unmarshal(e.Data, &d)
			if e.Type == "task.completed" && e.TaskID == task && d["status"] == "approved" && d["assignee"] == p.a && d["node"] == "boss" {
				approvedTask = true
			}
		}
		if !approvedTask || rcv.bad != 0 {
			t.Fatalf("no task.completed for %s (bad %d): %+v", task, rcv.bad, rcv.events())
		}
	})
}

// TestWebhookAutoDisable: after two failed deliveries in a row the
// subscription turns itself off with a reason and gets nothing more;
// PATCH enabled=true turns it back on with its failures cleared.
func TestWebhookAutoDisable(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, kind sqldb.Kind) {
		s := deliveryServer(t, kind)
		s.mustCreateForm(map[string]any{"code": "D000001Hook", "name": "钩子", "fields": []map[string]any{{"code": "F0000001", "name": "名称", "type": "text"}}})
		rcv := newHook(t)
		rcv.answer = func(int) int { return 500 }
		wh := s.mustJSON("POST", "/api/v1/webhooks", map[string]any{"url": rcv.URL, "events": []string{"record.created"}}, 201)
		id := wh["id"].(string)
		rcv.setSecret(wh["secret"].(string))
		for range 2 {
			s.mustJSON("POST", "/api/v1/forms/D000001Hook/records", map[string]any{"F0000001": "x"}, 201)
		}
		var got map[string]any
		waitUntil(t, "auto-disable", func() bool {
			got = s.mustJSON("GET", "/api/v1/webhooks/"+id, nil, 200)
			return got["enabled"] == false
		})
		if got["failures"] != json.Number("2") || !strings.Contains(got["disabledReason"].(string), "2 failed deliveries") {
			t.Fatalf("disabled: %v", got)
		}
		failed := s.mustJSON("GET", "/api/v1/webhooks/"+id+"/deliveries?status=failed", nil, 200)["items"].([]any)
		if len(failed) != 2 || failed[0].(map[string]any)["attempts"] != json.Number("3") || failed[0].(map[string]any)["lastError"] == "" {
			t.Fatalf("failed deliveries: %v", failed)
		}
		n := len(rcv.events())
		s.mustJSON("POST", "/api/v1/forms/D000001Hook/records", map[string]any{"F0000001": "ignored"}, 201)
		rcv.answer = func(int) int { return 200 }
		got = s.mustJSON("PATCH", "/api/v1/webhooks/"+id, map[string]any{"enabled": true}, 200)
		if got["enabled"] != true || got["failures"] != json.Number("0") || got["disabledReason"] != "" {
			t.Fatalf("re-enabled: %v", got)
		}
		s.mustJSON("POST", "/api/v1/forms/D000001Hook/records", map[string]any{"F0000001": "after"}, 201)
		waitUntil(t, "a delivery after re-enabling", func() bool { return len(rcv.events()) == n+1 })
		all := s.mustJSON("GET", "/api/v1/webhooks/"+id+"/deliveries", nil, 200)["items"].([]any)
		if len(all) != 3 { // nothing was made for the record written while it was off
			t.Fatalf("deliveries: %d, want 3", len(all))
		}
	})
}

// TestWebhookBadInput: wrong subscriptions are refused naming the field,
// nothing is stored; unknown ids are 404; a token without admin may not
// touch subscriptions, and sees only its own client's deliveries.
func TestWebhookBadInput(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, kind sqldb.Kind) {
		s := deliveryServer(t, kind)
		for _, c := range []struct {
			body   any
			status int
			field  string
		}{
			{map[string]any{"url": "http://127.0.0.2:9/x", "events": []string{"record.created"}}, 422, "url"},
			{map[string]any{"url": "http://10.0.0.8/x", "events": []string{"record.created"}}, 422, "url"},
			{map[string]any{"url": "http://[::1]/x", "events": []string{"record.created"}}, 422, "url"},
			{map[string]any{"url": "http://0.0.0.0:1/x", "events": []string{"record.created"}}, 422, "url"},
			{map[string]any{"url": "https://u:p@example.com/x", "events": []string{"record.created"}}, 422, "url"},
			{map[string]any{"url": "ftp://example.com/x", "events": []string{"record.created"}}, 422, "url"},
			{map[string]any{"events": []string{"record.created"}}, 422, "url"},
			{map[string]any{"url": "https://example.com/x", "events": []string{"record.exploded"}}, 422, "events"},
			{map[string]any{"url": "https://example.com/x", "events": []string{}}, 422, "events"},
			{map[string]any{"url": "https://example.com/x", "events": "record.created"}, 422, "events"},
			{map[string]any{"url": "https://example.com/x", "events": []string{"record.created"}, "form": "NoSuchForm"}, 422, "form"},
			{map[string]any{"url": "https://example.com/x", "events": []string{"record.created"}, "name": "a\x00b"}, 400, "name"},
			{map[string]any{"url": "https://example.com/x", "events": []string{"record.created"}, "secret": "mine"}, 422, "secret"},
			{`{"url": "https://example.com/\xff", "events": ["record.created"]}`, 400, ""},
		} {
			status, body := s.do("POST", "/api/v1/webhooks", c.body)
			var e struct{ Error struct{ Field string } }
			json.Unmarshal(body, &e)
			if status != c.status || c.field != "" && e.Error.Field != c.field {
				t.Errorf("%v: %d %s, want %d naming %s", c.body, status, body, c.status, c.field)
			}
		}
		if items := s.mustJSON("GET", "/api/v1/webhooks", nil, 200)["items"].([]any); len(items) != 0 {
			t.Fatalf("refused subscriptions were stored: %v", items)
		}
		for _, r := range []struct{ method, path string }{{"GET", "/api/v1/webhooks/wh_nope"}, {"PATCH", "/api/v1/webhooks/wh_nope"},
			{"DELETE", "/api/v1/webhooks/wh_nope"}, {"POST", "/api/v1/webhooks/wh_nope/rotate-secret"}, {"GET", "/api/v1/webhooks/wh_nope/deliveries"},
			{"GET", "/api/v1/deliveries/dl_nope"}, {"GET", "/api/v1/deliveries/dl_nope/attempts"}, {"POST", "/api/v1/deliveries/dl_nope/resend"}} {
			var body any
			if r.method == "PATCH" {
				body = map[string]any{"enabled": true}
			}
			if status, out := s.do(r.method, r.path, body); status != 404 {
				t.Errorf("%s %s: %d %s", r.method, r.path, status, out)
			}
		}
		if status, out := s.do("GET", "/api/v1/deliveries?status=lost", nil); status != 422 || !strings.Contains(string(out), `"field":"status"`) {
			t.Errorf("bad status filter: %d %s", status, out)
		}
		// Owner scoping: a client's token sees its own deliveries only.
		cid, csecret := s.mustClient(map[string]any{"name": "erp", "scopes": []string{"records:write"}})
		tok := s.mustToken(cid, csecret, "records:write")
		var mine, theirs string
		ctx := context.Background()
		err := s.App.DB.Write(ctx, func(tx *sqldb.Tx) error {
			var err error
			msg := delivery.Message{Kind: "batch.completed", Owner: cid, URL: "https://example.invalid/cb", Body: []byte(`{}`),
				Secret: delivery.SecretRef{Kind: delivery.SecretClient, ID: cid}, Ref: "b1"}
			if mine, err = s.App.Deliveries.Enqueue(ctx, tx, msg); err != nil {
				return err
			}
			msg.Owner, msg.Ref = "cl_other", "b2"
			theirs, err = s.App.Deliveries.Enqueue(ctx, tx, msg)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		status, out := s.bearer(tok, "GET", "/api/v1/deliveries", nil)
		if status != 200 || !strings.Contains(string(out), mine) || strings.Contains(string(out), theirs) {
			t.Fatalf("client's list: %d %s", status, out)
		}
		if status, _ := s.bearer(tok, "GET", "/api/v1/deliveries/"+theirs, nil); status != 404 {
			t.Fatalf("another client's delivery: %d", status)
		}
		if status, _ := s.bearer(tok, "POST", "/api/v1/deliveries/"+theirs+"/resend", nil); status != 404 {
			t.Fatalf("resend of another client's delivery: %d", status)
		}
		if status, _ := s.bearer(tok, "GET", "/api/v1/deliveries/"+mine, nil); status != 200 {
			t.Fatalf("own delivery: %d", status)
		}
		if status, _ := s.bearer(tok, "GET", "/api/v1/webhooks", nil); status != 403 {
			t.Fatalf("webhooks without admin: %d", status)
		}
		if status, out := s.do("GET", "/api/v1/deliveries?ref=b2", nil); status != 200 || !strings.Contains(string(out), theirs) {
			t.Fatalf("engine list by ref: %d %s", status, out)
		}
	})
}

// TestWebhookTwoNodes: two nodes on one PostgreSQL both write records and
// both run the relay; every event reaches the receiver exactly once (it
// answers 2xx), whichever node wrote it and whichever relayed it.
func TestWebhookTwoNodes(t *testing.T) {
	cfg := storeConfig(t, sqldb.Postgres)
	cfg.OutboundAllow = []string{"127.0.0.1/32"}
	cfg.RelayEvery = 20 * time.Millisecond
	a := startServer(t, cfg)
	cfg.DataDir = t.TempDir()
	b := startServer(t, cfg)
	a.mustCreateForm(map[string]any{"code": "D000001Hook", "name": "钩子", "fields": []map[string]any{{"code": "F0000001", "name": "名称", "type": "text"}}})
	rcv := newHook(t)
	wh := a.mustJSON("POST", "/api/v1/webhooks", map[string]any{"url": rcv.URL, "events": []string{"record.created"}}, 201)
	rcv.setSecret(wh["secret"].(string))
	const perWriter, writers = 50, 4
	var wg sync.WaitGroup
	for w := range writers {
		node := []*server{a, b}[w%2]
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range perWriter {
				if status, out, err := node.rawDo("POST", "/api/v1/forms/D000001Hook/records", map[string]any{"F0000001": fmt.Sprint(w, "-", i)}); err != nil || status != 201 {
					t.Errorf("create on node %d: %d %s %v", w%2, status, out, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	const n = perWriter * writers
	waitUntil(t, "every event", func() bool { return len(rcv.events()) >= n })
	time.Sleep(300 * time.Millisecond) // a duplicate would arrive now
	seen := map[string]int{}
	for _, e := range rcv.events() {
		seen[e.ObjectID]++
	}
	if len(seen) != n || len(rcv.events()) != n || rcv.bad != 0 {
		t.Fatalf("%d requests for %d objects, want %d each once (bad signatures %d)", len(rcv.events()), len(seen), n, rcv.bad)
	}
}
