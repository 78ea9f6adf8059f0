package delivery_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/tritiumhq/tritium/internal/auth"
	"github.com/tritiumhq/tritium/internal/delivery"
	"github.com/tritiumhq/tritium/internal/job"
	"github.com/tritiumhq/tritium/internal/secret"
	"github.com/tritiumhq/tritium/internal/sqldb"
	"github.com/tritiumhq/tritium/internal/sqldb/sqldbtest"
)

// env is a delivery service on a real database and job queue, with a
// real credential service for the client secrets.
type env struct {
	db   *sqldb.DB
	jobs *job.Queue
	auth *auth.Service
	box  *secret.Box
	svc  *delivery.Service
}

type opts struct {
	backoff []time.Duration
	allow   []string
	timeout time.Duration
	workers int
}

func newEnv(t testing.TB, kind sqldb.Kind, o opts) *env {
	t.Helper()
	ctx := context.Background()
	db := sqldbtest.Open(t, kind)
	box, err := secret.New([]byte("0123456789abcdef0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	q, err := job.New(ctx, db, job.Config{Poll: 20 * time.Millisecond, Schedule: 50 * time.Millisecond, Workers: o.workers})
	if err != nil {
		t.Fatal(err)
	}
	a := auth.NewService(db, 0)
	a.ConfigureOAuth(auth.OAuthConfig{Box: box})
	if o.allow == nil {
		o.allow = []string{"127.0.0.1/32"}
	}
	if o.backoff == nil {
		o.backoff = []time.Duration{10 * time.Millisecond, 20 * time.Millisecond, 40 * time.Millisecond}
	}
	svc := delivery.New(delivery.Config{DB: db, Jobs: q, Box: box, Secrets: a, Allow: o.allow, Backoff: o.backoff, Timeout: o.timeout})
	if err := q.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		q.Stop(sctx)
	})
	return &env{db: db, jobs: q, auth: a, box: box, svc: svc}
}

// enqueue records m in its own write transaction.
func (e *env) enqueue(t testing.TB, m delivery.Message) string {
	t.Helper()
	var id string
	err := e.db.Write(context.Background(), func(tx *sqldb.Tx) error {
		var err error
		id, err = e.svc.Enqueue(context.Background(), tx, m)
		return err
	})
	if err != nil {
		t.Fatalf("enqueue: %v", err)
	}
	return id
}

// waitStatus waits until the delivery has status, and returns it.
func (e *env) waitStatus(t testing.TB, id, status string, within time.Duration) delivery.Delivery {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		d, err := e.svc.Get(context.Background(), id, nil)
		if err != nil {
			t.Fatal(err)
		}
		if d.Status == status {
			return d
		}
		if time.Now().After(deadline) {
			t.Fatalf("delivery %s is %s after %s, want %s: %+v", id, d.Status, within, status, d)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// hit is one request a receiver got.
type hit struct {
	delivery, timestamp, signature, event string
	body                                  []byte
	at                                    time.Time
}

// receiver is a loopback HTTP server answering with answer(n) for its nth
// request (1-based).
type receiver struct {
	*httptest.Server
	mu     sync.Mutex
	hits   []hit
	answer func(n int, h hit) int
}

func newReceiver(t testing.TB, answer func(n int, h hit) int) *receiver {
	r := &receiver{answer: answer}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		b, _ := io.ReadAll(req.Body)
		h := hit{delivery: req.Header.Get(delivery.HeaderDelivery), timestamp: req.Header.Get(delivery.HeaderTimestamp),
			signature: req.Header.Get(delivery.HeaderSignature), event: req.Header.Get(delivery.HeaderEvent), body: b, at: time.Now()}
		r.mu.Lock()
		r.hits = append(r.hits, h)
		n := len(r.hits)
		r.mu.Unlock()
		code := 200
		if r.answer != nil {
			code = r.answer(n, h)
		}
		w.WriteHeader(code)
		io.WriteString(w, `{"ok":true}`)
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *receiver) got() []hit {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]hit(nil), r.hits...)
}

// listenOn starts a receiver on a given loopback address (127.0.0.2 is
// loopback too, but outside an allow-list of 127.0.0.1/32).
func listenOn(t testing.TB, addr string) *receiver {
	ln, err := net.Listen("tcp", addr+":0")
	if err != nil {
		t.Skipf("cannot listen on %s: %v", addr, err)
	}
	r := &receiver{}
	r.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.mu.Lock()
		r.hits = append(r.hits, hit{})
		r.mu.Unlock()
	}))
	r.Listener.Close()
	r.Listener = ln
	r.Start()
	t.Cleanup(r.Close)
	return r
}
