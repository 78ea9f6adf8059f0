package delivery_test

import (
	"context"
	"net"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tritiumhq/tritium/internal/apperr"
	"github.com/tritiumhq/tritium/internal/delivery"
	"github.com/tritiumhq/tritium/internal/sqldb"
	"github.com/tritiumhq/tritium/internal/sqldb/sqldbtest"
)

// TestDeliveryURLPolicy: private and loopback addresses outside the
// allow-list are refused when the delivery is made; a host name that
// resolves to one passes then and is refused when dialed (the attempt
// fails with the policy's reason and the receiver never hears of it).
func TestDeliveryURLPolicy(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, kind sqldb.Kind) {
		ctx := context.Background()
		e := newEnv(t, kind, opts{allow: []string{}, backoff: []time.Duration{10 * time.Millisecond}})
		for _, u := range []string{"http://127.0.0.1:9/x", "http://10.1.2.3/x", "http://[::1]:80/", "http://localhost/x", "http://LOCALHOST./x",
			"http://169.254.169.254/latest", "http://192.168.1.1/", "ftp://example.com/", "http://user:pw@example.com/", "/relative",
			"http://example.com/#frag", "http://exa mple.com/", "http://example.com/\x00", ""} {
			err := e.db.Write(ctx, func(tx *sqldb.Tx) error {
				_, err := e.svc.Enqueue(ctx, tx, delivery.Message{Kind: "k", URL: u, Body: []byte(`{}`), Secret: delivery.SecretRef{Kind: delivery.SecretEngine}})
				return err
			})
			if ae := apperr.As(err); ae == nil || ae.Field != "url" || !apperr.HasChinese(ae.Message) {
				t.Errorf("%q: %v, want a url error", u, err)
			}
		}
		if err := e.db.Write(ctx, func(tx *sqldb.Tx) error {
			_, err := e.svc.Enqueue(ctx, tx, delivery.Message{Kind: "k", URL: "https://example.com/", Body: []byte(`{`), Secret: delivery.SecretRef{Kind: delivery.SecretEngine}})
			return err
		}); apperr.As(err) == nil || apperr.As(err).Field != "body" {
			t.Errorf("bad body: %v", err)
		}
		// A name for a loopback address: accepted, refused at dial time.
		host, _ := os.Hostname()
		addrs, _ := net.LookupHost(host)
		if len(addrs) == 0 || !net.ParseIP(addrs[0]).IsLoopback() && !net.ParseIP(addrs[0]).IsPrivate() {
			t.Skipf("host name %q does not resolve to a private address", host)
		}
		var hits atomic.Int32
		rcv := newReceiver(t, func(int, hit) int { hits.Add(1); return 200 })
		_, port, _ := net.SplitHostPort(strings.TrimPrefix(rcv.URL, "http://"))
		id := e.enqueue(t, delivery.Message{Kind: "k", URL: "http://" + host + ":" + port + "/cb", Body: []byte(`{}`),
			Secret: delivery.SecretRef{Kind: delivery.SecretRawSealed, Sealed: mustSeal(t, e, "s")}})
		d := e.waitStatus(t, id, delivery.StatusFailed, 10*time.Second)
		if !strings.Contains(d.LastError, "network policy") || d.ResponseCode != 0 || hits.Load() != 0 {
			t.Fatalf("dial to %s: %+v (receiver hits %d)", host, d, hits.Load())
		}
	})
}

func mustSeal(t testing.TB, e *env, s string) string {
	t.Helper()
	v, err := e.box.Seal(s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestDeliveryBackoffAndResend: a receiver that keeps failing gets every
// attempt of the schedule, each no sooner than its delay after the one
// before, then the delivery is failed with every attempt logged; a resend
// starts again with the same id and, answered 2xx, ends delivered.
func TestDeliveryBackoffAndResend(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, kind sqldb.Kind) {
		ctx := context.Background()
		backoff := []time.Duration{100 * time.Millisecond, 200 * time.Millisecond, 400 * time.Millisecond}
		e := newEnv(t, kind, opts{backoff: backoff})
		var ok atomic.Bool
		rcv := newReceiver(t, func(int, hit) int {
			if ok.Load() {
				return 202
			}
			return 500
		})
		id := e.enqueue(t, delivery.Message{Kind: "k", URL: rcv.URL, Body: []byte(`{"a":1}`), Ref: "r1",
			Secret: delivery.SecretRef{Kind: delivery.SecretRawSealed, Sealed: mustSeal(t, e, "s")}})
		// While it waits for a retry, the next attempt's time is shown.
		deadline := time.Now().Add(5 * time.Second)
		for {
			d, _ := e.svc.Get(ctx, id, nil)
			if d.Attempts >= 1 && d.Status == delivery.StatusPending {
				if d.NextAttemptTime == nil || d.NextAttemptTime.Before(d.ModifiedTime) {
					t.Fatalf("pending without a next attempt: %+v", d)
				}
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("no first attempt: %+v", d)
			}
			time.Sleep(5 * time.Millisecond)
		}
		d := e.waitStatus(t, id, delivery.StatusFailed, 15*time.Second)
		hits := rcv.got()
		if d.Attempts != len(backoff)+1 || len(hits) != len(backoff)+1 || d.ResponseCode != 500 || d.NextAttemptTime != nil {
			t.Fatalf("failed after %d attempts (%d requests): %+v", d.Attempts, len(hits), d)
		}
		for i := 1; i < len(hits); i++ {
			gap := hits[i].at.Sub(hits[i-1].at)
			if gap < backoff[i-1] || gap > backoff[i-1]+3*time.Second {
				t.Errorf("attempt %d came %s after the one before, want about %s", i+1, gap, backoff[i-1])
			}
			if hits[i].delivery != id || hits[i].timestamp == "" {
				t.Errorf("attempt %d: %+v", i+1, hits[i])
			}
		}
		ok.Store(true)
		if _, err := e.svc.Resend(ctx, id, ptr("someone-else")); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("resend by another owner: %v", err)
		}
		if _, err := e.svc.Resend(ctx, id, nil); err != nil {
			t.Fatal(err)
		}
		d = e.waitStatus(t, id, delivery.StatusDelivered, 10*time.Second)
		log, err := e.svc.AttemptLog(ctx, id, nil)
		if err != nil || d.Attempts != 5 || len(log) != 5 || log[4].Generation != 2 || log[4].ResponseCode != 202 || log[3].Generation != 1 {
			t.Fatalf("after resend: %v %+v %+v", err, d, log)
		}
		if got := rcv.got(); got[len(got)-1].delivery != id {
			t.Fatalf("resend used id %s, want %s", got[len(got)-1].delivery, id)
		}
		// A delivery that is not there.
		if _, err := e.svc.Resend(ctx, "dl_nope", nil); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("resend of nothing: %v", err)
		}
	})
}
