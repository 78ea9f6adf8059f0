package app_test

import (
	"encoding/json"
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

// deliveryServer is a server whose callbacks may reach 127.0.0.1, with a
// fast retry schedule (three attempts) and auto-disable after two failed
// deliveries.
func deliveryServer(t *testing.T, kind sqldb.Kind) *server {
	cfg := storeConfig(t, kind)
	cfg.OutboundAllow = []string{"127.0.0.1/32"}
	cfg.DeliveryBackoff = []time.Duration{50 * time.Millisecond, 100 * time.Millisecond}
	cfg.WebhookDisableAfter = 2
	cfg.RelayEvery = 50 * time.Millisecond
	return startServer(t, cfg)
}

// hookRcv is a loopback webhook receiver: it verifies each request's
// signature with the secret it is given, and answers with answer.
type hookRcv struct {
	*httptest.Server
	mu     sync.Mutex
	secret string
	got    []delivery.WebhookEvent
	ids    []string // X-Tritium-Delivery of each request
	bad    int      // requests whose signature did not verify
	answer func(n int) int
}

func newHook(t *testing.T) *hookRcv {
	h := &hookRcv{answer: func(int) int { return 200 }}
	h.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		h.mu.Lock()
		defer h.mu.Unlock()
		if !delivery.Verify(h.secret, r.Header.Get(delivery.HeaderTimestamp), body, r.Header.Get(delivery.HeaderSignature)) {
			h.bad++
			w.WriteHeader(401)
			return
		}
		var ev delivery.WebhookEvent
		json.Unmarshal(body, &ev)
		if ev.Type != r.Header.Get(delivery.HeaderEvent) {
			h.bad++
		}
		h.got = append(h.got, ev)
		h.ids = append(h.ids, r.Header.Get(delivery.HeaderDelivery))
		w.WriteHeader(h.answer(len(h.got)))
	}))
	t.Cleanup(h.Close)
	return h
}

func (h *hookRcv) setSecret(s string) { h.mu.Lock(); h.secret = s; h.mu.Unlock() }

func (h *hookRcv) events() []delivery.WebhookEvent {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]delivery.WebhookEvent(nil), h.got...)
}

// TestWebhooks: a subscription's secret is shown once; record events of
// its form reach a loopback receiver signed, a 5xx is retried with the
// same delivery id; the delivery log, attempts and resend work; a
// rotated secret signs what follows.
func TestWebhooks(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, kind sqldb.Kind) {
		s := deliveryServer(t, kind)
		s.mustCreateForm(map[string]any{"code": "D000001Hook", "name": "钩子", "fields": []map[string]any{{"code": "F0000001", "name": "名称", "type": "text"}}})
		rcv := newHook(t)
		rcv.answer = func(n int) int {
			if n == 1 {
				return 503
			}
			return 200
		}
		wh := s.mustJSON("POST", "/api/v1/webhooks", map[string]any{"name": "erp", "url": rcv.URL + "/hook",
			"events": []string{"record.created", "record.updated", "record.deleted"}, "form": "D000001Hook"}, 201)
		id, secret := wh["id"].(string), wh["secret"].(string)
		if !strings.HasPrefix(secret, "whsec_") || wh["enabled"] != true {
			t.Fatalf("created: %v", wh)
		}
		rcv.setSecret(secret)
		for _, path := range []string{"/api/v1/webhooks/" + id, "/api/v1/webhooks"} {
			if _, out := s.do("GET", path, nil); strings.Contains(string(out), secret) || strings.Contains(string(out), `"secret"`) {
				t.Fatalf("GET %s shows the secret: %s", path, out)
			}
		}
		rec := s.mustJSON("POST", "/api/v1/forms/D000001Hook/records", map[string]any{"F0000001": "a"}, 201)
		oid := rec["ObjectId"].(string)
		s.mustJSON("PATCH", "/api/v1/forms/D000001Hook/records/"+oid, map[string]any{"F0000001": "b"}, 200)
		s.mustJSON("DELETE", "/api/v1/forms/D000001Hook/records/"+oid, nil, 204)
		waitUntil(t, "three events", func() bool { return len(rcv.events()) >= 4 })
		// Deliveries are concurrent, not ordered: one delivery (the one
		// answered 503 first) came twice with the same id and event.
		evs := rcv.events()
		byID := map[string][]delivery.WebhookEvent{}
		for i, e := range evs {
			byID[rcv.ids[i]] = append(byID[rcv.ids[i]], e)
		}
		types := map[string]bool{}
		retried := ""
		for did, es := range byID {
			if len(es) == 2 && es[0].EventID == es[1].EventID {
				retried = did
			} else if len(es) != 1 {
				t.Fatalf("delivery %s came %d times: %+v", did, len(es), es)
			}
			e := es[0]
			if e.ObjectID != oid || e.Form != "D000001Hook" || e.WebhookID != id || e.Actor == "" || e.EventID == "" {
				t.Fatalf("event %+v", e)
			}
			types[e.Type] = true
		}
		if len(byID) != 3 || retried == "" || !types["record.created"] || !types["record.updated"] || !types["record.deleted"] {
			t.Fatalf("events by delivery: %+v", byID)
		}
		if rcv.bad != 0 {
			t.Fatalf("%d requests did not verify", rcv.bad)
		}
		// The receiver has the requests before their attempts commit.
		var log []any
		waitUntil(t, "three delivered", func() bool {
			log = s.mustJSON("GET", "/api/v1/webhooks/"+id+"/deliveries?status=delivered", nil, 200)["items"].([]any)
			return len(log) == 3
		})
		var first map[string]any
		for _, it := range log {
			if m := it.(map[string]any); m["id"] == retried {
				first = m
			}
		}
		if first == nil || first["status"] != "delivered" || first["attempts"] != json.Number("2") || first["responseCode"] != json.Number("200") {
			t.Fatalf("retried delivery %s: %v", retried, log)
		}
		did := first["id"].(string)
		atts := s.mustJSON("GET", "/api/v1/deliveries/"+did+"/attempts", nil, 200)["items"].([]any)
		if len(atts) != 2 || atts[0].(map[string]any)["responseCode"] != json.Number("503") {
			t.Fatalf("attempts: %v", atts)
		}
		// Rotate, then resend: the resent delivery is signed with the new secret.
		rot := s.mustJSON("POST", "/api/v1/webhooks/"+id+"/rotate-secret", nil, 200)
		rcv.setSecret(rot["secret"].(string))
		s.mustJSON("POST", "/api/v1/deliveries/"+did+"/resend", nil, 200)
		waitUntil(t, "the resent event", func() bool { return len(rcv.events()) >= 5 })
		if rcv.ids[4] != did || rcv.bad != 0 {
			t.Fatalf("resend: id %s (want %s), %d unverified", rcv.ids[4], did, rcv.bad)
		}
		var d map[string]any
		waitUntil(t, "the resent delivery's commit", func() bool {
			d = s.mustJSON("GET", "/api/v1/deliveries/"+did, nil, 200)
			return d["status"] == "delivered"
		})
		if d["attempts"] != json.Number("3") {
			t.Fatalf("after resend: %v", d)
		}
		s.mustJSON("GET", "/api/v1/deliveries?ref="+id+"&status=delivered", nil, 200)
		s.mustJSON("DELETE", "/api/v1/webhooks/"+id, nil, 204)
		s.mustJSON("GET", "/api/v1/webhooks/"+id, nil, 404)
	})
}
