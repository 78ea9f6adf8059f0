package connector_test

import (
	"strings"
	"testing"
	"time"

	"github.com/tritiumhq/tritium/internal/apperr"
	"github.com/tritiumhq/tritium/internal/connector"
	"github.com/tritiumhq/tritium/internal/sqldb"
	"github.com/tritiumhq/tritium/internal/sqldb/sqldbtest"
)

func TestCallLogAndReplay(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, kind sqldb.Kind) {
		v := newVendor(t, wecom)
		s, _ := newService(t, kind)
		mustInstance(t, s, "qywx", connector.Instance{Key: "corp", BaseURL: v.URL, Network: local,
			Config: map[string]any{"corpid": "ww1", "agentid": 1000002}, Secrets: map[string]string{"corpsecret": "wecom-secret"}})
		caller := connector.Caller{Kind: "form", Script: "notify", Form: "D1", ObjectID: "obj-1", InstanceID: "wf-1"}
		res, err := s.Call(ctx, connector.CallRequest{Platform: "qywx", Interface: "sendTextMessage", Args: []any{"UserID", "测试"}, Caller: caller})
		if err != nil || res.CallID == "" {
			t.Fatalf("%+v %v", res, err)
		}
		if err := s.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		rec, err := s.GetCall(ctx, res.CallID)
		if err != nil {
			t.Fatal(err)
		}
		if rec.Caller != caller || rec.Status != 200 || rec.Code != 200 || rec.Method != "POST" || !strings.Contains(rec.URL, "access_token=***") ||
			!strings.Contains(rec.RequestBody, `"touser":"UserID"`) || !strings.Contains(rec.ResponseBody, `"msgid":"m1"`) {
			t.Fatalf("record %+v", rec)
		}
		// The token fetch is logged too, its secret and token hidden.
		calls, total, err := s.ListCalls(ctx, connector.CallQuery{Platform: "qywx", Interface: "gettoken"})
		if err != nil || total != 1 || calls[0].Caller.Kind != "auth" || strings.Contains(calls[0].URL+calls[0].ResponseBody, "wecom-secret") ||
			strings.Contains(calls[0].ResponseBody, "tok000001") || !strings.Contains(calls[0].ResponseBody, `"access_token":"***"`) {
			t.Fatalf("token call %+v (%d) %v", calls, total, err)
		}
		// Replay: fresh auth (the token was revoked), a new record.
		v.revokeAll()
		rr, err := s.ReplayCall(ctx, res.CallID)
		if err != nil || rr.Code != 200 || rr.CallID == res.CallID || len(v.sent) != 2 || v.sent[1]["touser"] != "UserID" {
			t.Fatalf("replay %+v %v (%d sent)", rr, err, len(v.sent))
		}
		s.Flush(ctx)
		calls, total, _ = s.ListCalls(ctx, connector.CallQuery{Form: "D1", ObjectID: "obj-1"})
		if total != 2 || calls[0].Caller.Kind != "replay" || calls[0].Caller.Label != res.CallID { // the send and its replay (the refresh and retry are inside the one call)
			t.Fatalf("by caller: %d %+v", total, calls)
		}
		if _, n, _ := s.ListCalls(ctx, connector.CallQuery{InstanceID: "wf-1", Status: 200, Interface: "sendTextMessage"}); n != 2 {
			t.Fatalf("by instance and status: %d", n)
		}
		failed := true
		if _, n, _ := s.ListCalls(ctx, connector.CallQuery{Failed: &failed}); n != 0 {
			t.Fatalf("failed: %d", n)
		}
		if _, n, _ := s.ListCalls(ctx, connector.CallQuery{From: time.Now().Add(time.Hour)}); n != 0 {
			t.Fatalf("future: %d", n)
		}
		if _, err := s.ReplayCall(ctx, "nope"); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("replay unknown: %v", err)
		}
	})
}

func TestCallLogPrune(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, kind sqldb.Kind) {
		v := newVendor(t, wecom)
		db := sqldbtest.Open(t, kind)
		s, err := connector.New(ctx, connector.Config{DB: db, Box: testBox(t), LogMaxRows: 2})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		mustInstance(t, s, "qywx", connector.Instance{Key: "corp", BaseURL: v.URL, Network: local,
			Config: map[string]any{"corpid": "ww1"}, Secrets: map[string]string{"corpsecret": "wecom-secret"}})
		for range 3 {
			s.Call(ctx, connector.CallRequest{Platform: "qywx", Interface: "sendTextMessage", Args: []any{"a", "b"}})
			time.Sleep(2 * time.Millisecond)
		}
		s.Flush(ctx)
		n, err := s.PruneCalls(ctx)
		if err != nil || n != 2 { // 4 records (a token fetch and 3 sends), 2 kept
			t.Fatalf("pruned %d %v", n, err)
		}
		if _, total, _ := s.ListCalls(ctx, connector.CallQuery{}); total != 2 {
			t.Fatalf("%d left", total)
		}
	})
}
