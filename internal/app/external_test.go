package app_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tritiumhq/tritium/internal/delivery"
	"github.com/tritiumhq/tritium/internal/sqldb"
	"github.com/tritiumhq/tritium/internal/sqldb/sqldbtest"
)

// next waits for the request after those next returned before.
func (rc *receiver) next(t *testing.T) received {
	t.Helper()
	rc.mu.Lock()
	rc.taken++
	n := rc.taken
	rc.mu.Unlock()
	return rc.wait(t, n)
}

func externalNode(id, url string, extra ...string) string {
	s := `{"type":"approval","id":"` + id + `","name":"SAP 审批","external":{"url":"` + url + `"}`
	for _, e := range extra {
		s += "," + e
	}
	return s + "}"
}

// TestExternalApproval: an external-approval node sends a signed request
// and moves on exactly once on the external system's callback; forged,
// repeated and late callbacks are refused and change nothing.
func TestExternalApproval(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, kind sqldb.Kind) {
		s := deliveryServer(t, kind)
		rc := newReceiver(t)
		p := s.org()
		s.mustCreateForm(expenseForm())
		s.process(tree(externalNode("sap", rc.URL+"/approve"), approval("n2", userRule(p.b))))
		objectID, instanceID := s.submit(p.initiator, "1200")

		got := rc.next(t)
		ts, sig := got.header.Get("X-Tritium-Timestamp"), got.header.Get("X-Tritium-Signature")
		if !delivery.Verify(testSecret, ts, got.body, sig) {
			t.Fatalf("request signature %q does not verify with the engine secret", sig)
		}
		if got.header.Get("X-Tritium-Delivery") == "" {
			t.Error("request without X-Tritium-Delivery")
		}
		var req struct {
			Event, InstanceID, TaskID, Node, ObjectID, Token, CallbackURL string
			Record                                                        map[string]any
		}
		if err := json.Unmarshal(got.body, &req); err != nil {
			t.Fatalf("request body: %v: %s", err, got.body)
		}
		if req.Event != "external_approval.requested" || req.InstanceID != instanceID || req.ObjectID != objectID || req.Node != "sap" {
			t.Fatalf("request %+v", req)
		}
		if req.Record["F0000002"] != "1200.00" || req.Record["ObjectId"] != objectID {
			t.Errorf("request record: %v", req.Record)
		}
		if !strings.HasPrefix(req.CallbackURL, s.URL+"/api/v1/external-approvals/") || !strings.HasSuffix(req.CallbackURL, req.Token) {
			t.Fatalf("callback URL %q (server %s)", req.CallbackURL, s.URL)
		}
		path := strings.TrimPrefix(req.CallbackURL, s.URL)

		// The task is nobody's: no user may approve it.
		if s.positions(instanceID) != "sap" {
			t.Fatalf("instance waits at %s", s.positions(instanceID))
		}
		if status, out := s.act(p.a, req.TaskID, "approve", nil); status != 403 && status != 409 {
			t.Errorf("a user approving the external task: HTTP %d %v", status, out)
		}

		// Forged, unauthenticated and malformed callbacks change nothing.
		approve := map[string]any{"action": "approve", "approver": "SAP 张经理", "comment": "同意"}
		for _, c := range []struct {
			name, path string
			body       any
			hdr        []string
			want       int
			field      string
		}{
			{"forged token", "/api/v1/external-approvals/xa_" + strings.Repeat("A", 43), approve, nil, 404, ""},
			{"not a token", "/api/v1/external-approvals/nothing", approve, nil, 404, ""},
			{"no action", path, map[string]any{"approver": "x"}, nil, 422, "action"},
			{"unknown action", path, map[string]any{"action": "maybe", "approver": "x"}, nil, 422, "action"},
			{"no approver", path, map[string]any{"action": "approve"}, nil, 422, "approver"},
			{"approver a number", path, map[string]any{"action": "approve", "approver": 7}, nil, 422, "approver"},
			{"NUL in comment", path, map[string]any{"action": "approve", "approver": "x", "comment": "a\x00b"}, nil, 400, "comment"},
			{"unknown key", path, map[string]any{"action": "approve", "approver": "x", "extra": 1}, nil, 422, "extra"},
			{"not an object", path, []any{1}, nil, 400, ""},
		} {
			status, body := s.do("POST", c.path, c.body, c.hdr...)
			if status != c.want {
				t.Errorf("%s: HTTP %d, want %d: %s", c.name, status, c.want, body)
				continue
			}
			if c.field != "" && !strings.Contains(string(body), `"field":"`+c.field+`"`) {
				t.Errorf("%s: error does not name %s: %s", c.name, c.field, body)
			}
		}
		noAuth, _ := http.NewRequest("POST", s.URL+path, strings.NewReader(`{"action":"approve","approver":"x"}`))
		if resp, err := http.DefaultClient.Do(noAuth); err != nil || resp.StatusCode != 401 {
			t.Errorf("callback without credentials: %v %v", resp.StatusCode, err)
		}
		if s.positions(instanceID) != "sap" {
			t.Fatalf("a refused callback moved the instance to %s", s.positions(instanceID))
		}

		out := s.mustJSON("POST", path, approve, 200)
		if out["taskStatus"] != "approved" || out["instanceStatus"] != "running" {
			t.Fatalf("callback answer %v", out)
		}
		if s.positions(instanceID) != "n2" {
			t.Fatalf("after the callback the instance waits at %s, want n2", s.positions(instanceID))
		}
		var task map[string]any
		for _, x := range s.instance(instanceID)["tasks"].([]any) {
			if m := x.(map[string]any); m["id"] == req.TaskID {
				task = m
			}
		}
		if task["by"] != "SAP 张经理" || task["comment"] != "同意" || task["external"] != true || task["status"] != "approved" {
			t.Errorf("external task %v", task)
		}
		// Repeated: refused, nothing changes.
		if status, body := s.do("POST", path, map[string]any{"action": "reject", "approver": "x"}); status != 409 {
			t.Errorf("repeated callback: HTTP %d %s", status, body)
		}
		s.mustAct(p.b, s.oneTodo(p.b, instanceID), "approve", nil)
		s.wantState(objectID, instanceID, "approved")

		// A timeout decides first: the late callback is refused. This node
		// signs with an OAuth client's secret, and that client calls back.
		clientID, clientSecret := s.mustClient(map[string]any{"name": "SAP", "scopes": []string{"workflow"}})
		bearer := []string{"Authorization", "Bearer " + s.mustToken(clientID, clientSecret, "workflow")}
		s.process(strings.Replace(tree(externalNode("sap", rc.URL+"/approve", `"timeout":{"after":"1s","action":"autoReject"}`)),
			`"external":{`, `"external":{"client":"`+clientID+`",`, 1))
		objectID2, instanceID2 := s.submit(p.initiator, "10")
		late := rc.next(t)
		if !delivery.Verify(clientSecret, late.header.Get("X-Tritium-Timestamp"), late.body, late.header.Get("X-Tritium-Signature")) {
			t.Fatal("the request of a node with a client does not verify with that client's secret")
		}
		if delivery.Verify(testSecret, late.header.Get("X-Tritium-Timestamp"), late.body, late.header.Get("X-Tritium-Signature")) {
			t.Fatal("the request of a node with a client verifies with the engine secret")
		}
		var req2 struct{ CallbackURL, ExpiresAt string }
		if err := json.Unmarshal(late.body, &req2); err != nil || req2.ExpiresAt == "" {
			t.Fatalf("request with a timeout: %v %s", err, late.body)
		}
		deadline := time.Now().Add(20 * time.Second)
		for s.instance(instanceID2)["status"] == "running" && time.Now().Before(deadline) {
			time.Sleep(100 * time.Millisecond)
		}
		s.wantState(objectID2, instanceID2, "rejected")
		if status, body := s.do("POST", strings.TrimPrefix(req2.CallbackURL, s.URL), approve, bearer...); status != 409 {
			t.Errorf("late callback: HTTP %d %s", status, body)
		}
		s.wantState(objectID2, instanceID2, "rejected")

		// Settings about people do not go with an external node.
		status, body := s.do("PUT", "/api/v1/forms/D000002Expense/workflow", tree(externalNode("sap", rc.URL, `"assignees":`+userRule(p.a))))
		if status != 422 || !strings.Contains(string(body), "sap") {
			t.Errorf("external node with assignees: HTTP %d %s", status, body)
		}
		status, body = s.do("PUT", "/api/v1/forms/D000002Expense/workflow", tree(externalNode("sap", "ftp://x")))
		if status != 422 || !strings.Contains(string(body), "external.url") {
			t.Errorf("external node with an ftp URL: HTTP %d %s", status, body)
		}
		// Without the allow switch, a loopback or private URL is refused
		// when the process is stored.
		plain := startServer(t, storeConfig(t, kind))
		plain.mustCreateForm(expenseForm())
		for _, u := range []string{rc.URL, "http://10.1.2.3/approve", "http://[::1]:81/"} {
			status, body = plain.do("PUT", "/api/v1/forms/D000002Expense/workflow", tree(externalNode("sap", u)))
			if status != 422 || !strings.Contains(string(body), `"field":"sap"`) {
				t.Errorf("external node to %s: HTTP %d %s", u, status, body)
			}
		}
	})
}
