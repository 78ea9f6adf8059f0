package delivery_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/tritiumhq/tritium/internal/apperr"
	"github.com/tritiumhq/tritium/internal/auth"
	"github.com/tritiumhq/tritium/internal/delivery"
	"github.com/tritiumhq/tritium/internal/sqldb"
	"github.com/tritiumhq/tritium/internal/sqldb/sqldbtest"
)

func ptr[T any](v T) *T { return &v }

// TestDeliverySignedAndRetried: a callback signed with an OAuth client's
// secret reaches a loopback receiver that verifies it; a 5xx is retried
// with the same delivery id, and every attempt is in the log.
func TestDeliverySignedAndRetried(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, kind sqldb.Kind) {
		ctx := context.Background()
		e := newEnv(t, kind, opts{})
		cl, err := e.auth.CreateClient(ctx, auth.ClientInput{Name: ptr("erp")})
		if err != nil {
			t.Fatal(err)
		}
		rcv := newReceiver(t, func(n int, h hit) int {
			if !delivery.Verify(cl.Secret, h.timestamp, h.body, h.signature) {
				return 401
			}
			if n < 3 {
				return 503
			}
			return 200
		})
		body := `{"batchId":"b1","code":"0"}`
		id := e.enqueue(t, delivery.Message{Kind: "batch.completed", Owner: cl.ID, URL: rcv.URL + "/cb", Body: []byte(body),
			Secret: delivery.SecretRef{Kind: delivery.SecretClient, ID: cl.ID}, Ref: "b1"})
		d := e.waitStatus(t, id, delivery.StatusDelivered, 10*time.Second)
		if d.Attempts != 3 || d.ResponseCode != 200 || d.LastError != "" || d.DeliveredTime == nil || d.NextAttemptTime != nil {
			t.Fatalf("delivered: %+v", d)
		}
		hits := rcv.got()
		if len(hits) != 3 {
			t.Fatalf("receiver got %d requests, want 3", len(hits))
		}
		for _, h := range hits {
			if h.delivery != id || h.event != "batch.completed" || string(h.body) != body {
				t.Fatalf("request %+v", h)
			}
		}
		log, err := e.svc.AttemptLog(ctx, id, &cl.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(log) != 3 || log[0].ResponseCode != 503 || !strings.Contains(log[0].Error, "503") || log[2].ResponseCode != 200 || log[2].Response != `{"ok":true}` {
			t.Fatalf("attempt log: %+v", log)
		}
		// Owner-scoped: another client sees nothing.
		if _, err := e.svc.Get(ctx, id, ptr("cl_other")); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("other owner: %v", err)
		}
		list, err := e.svc.List(ctx, delivery.Filter{Owner: &cl.ID, Ref: "b1"})
		if err != nil || len(list) != 1 || list[0].ID != id {
			t.Fatalf("list: %v %+v", err, list)
		}
	})
}

// TestDeliverySecrets: the engine secret (sealed when the credential is
// made), a raw-sealed secret, and a client with no sealed copy, whose
// delivery fails at once with a reason saying to rotate the secret.
func TestDeliverySecrets(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, kind sqldb.Kind) {
		ctx := context.Background()
		e := newEnv(t, kind, opts{})
		const engineSecret = "engine-secret-0123456789"
		if _, err := e.auth.Ensure(ctx, "eng1", engineSecret, "u1"); err != nil {
			t.Fatal(err)
		}
		sealed, err := e.box.Seal("raw-secret")
		if err != nil {
			t.Fatal(err)
		}
		secrets := map[string]string{}
		rcv := newReceiver(t, func(_ int, h hit) int {
			if !delivery.Verify(secrets[string(h.body)], h.timestamp, h.body, h.signature) {
				return 401
			}
			return 200
		})
		secrets[`{"n":1}`], secrets[`{"n":2}`] = engineSecret, "raw-secret"
		a := e.enqueue(t, delivery.Message{Kind: "k", URL: rcv.URL, Body: []byte(`{"n":1}`), Secret: delivery.SecretRef{Kind: delivery.SecretEngine, ID: "eng1"}})
		b := e.enqueue(t, delivery.Message{Kind: "k", URL: rcv.URL, Body: []byte(`{"n":2}`), Secret: delivery.SecretRef{Kind: delivery.SecretRawSealed, Sealed: sealed}})
		e.waitStatus(t, a, delivery.StatusDelivered, 10*time.Second)
		e.waitStatus(t, b, delivery.StatusDelivered, 10*time.Second)
		// A client made before sealed copies (none kept): fails at once.
		c := e.enqueue(t, delivery.Message{Kind: "k", URL: rcv.URL, Body: []byte(`{}`), Secret: delivery.SecretRef{Kind: delivery.SecretClient, ID: "cl_gone"}})
		d := e.waitStatus(t, c, delivery.StatusFailed, 10*time.Second)
		if d.Attempts != 1 || !strings.Contains(d.LastError, "rotate") {
			t.Fatalf("unsignable: %+v", d)
		}
		if n := len(rcv.got()); n != 2 {
			t.Fatalf("receiver got %d requests, want 2", n)
		}
	})
}
