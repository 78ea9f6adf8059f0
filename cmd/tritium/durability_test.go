package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tritiumhq/tritium/internal/sqldb"
	"github.com/tritiumhq/tritium/internal/sqldb/sqldbtest"
)

const durForm = "D000001Durable"

func durableForm() map[string]any {
	return map[string]any{
		"code": durForm, "name": "耐久",
		"fields": []map[string]any{
			{"code": "F0000001", "name": "标记", "type": "text", "required": true},
			{"code": "F0000002", "name": "计数", "type": "number"},
		},
		"children": []map[string]any{
			{"code": "D000001DurLines", "name": "行", "fields": []map[string]any{
				{"code": "F0000011", "name": "内容", "type": "text"},
			}},
		},
	}
}

// tracked is what the writers know about one object. The marker
// (F0000001) is unique per create, so a doubled write shows as a marker
// stored twice.
type tracked struct {
	marker string
	rest   bool   // created through REST (sourceSystem+sourceCode), else H3Yun (client-chosen ObjectId)
	id     string // ObjectId; for an unanswered REST create not known yet
	acked  bool   // the create was answered with success
	value  int64  // F0000002 as last acknowledged
	// pending is the value of an update sent without an answer (the
	// server died): the stored value may be either.
	pending *int64
}

// ledger is every write the writers sent and what they were answered.
type ledger struct {
	mu      sync.Mutex
	objects map[string]*tracked // by marker
	next    atomic.Int64
	acked   atomic.Int64 // acknowledged writes, for the log
}

func lineOf(marker string, i int) string { return fmt.Sprintf("%s/line%d", marker, i) }

// writer sends writes one at a time until stop is closed or a write goes
// unanswered; it owns the objects it creates, so their values only grow.
type writer struct {
	t      *testing.T
	c      *client
	url    string
	l      *ledger
	rng    *rand.Rand
	mine   []*tracked
	killed *atomic.Bool
}

func (w *writer) run(stop <-chan struct{}) {
	for {
		select {
		case <-stop:
			return
		default:
		}
		var ok bool
		if len(w.mine) < 3 || w.rng.IntN(2) == 0 {
			ok = w.create(w.rng.IntN(2) == 0)
		} else {
			ok = w.update(w.mine[w.rng.IntN(len(w.mine))], w.rng.IntN(2) == 0)
		}
		if !ok {
			return
		}
	}
}

// unanswered records a transport error: expected once the server is
// killed, a failure before.
func (w *writer) unanswered(what string, err error) bool {
	if !w.killed.Load() {
		w.t.Errorf("%s failed while the server was up: %v", what, err)
	}
	return false
}

func (w *writer) create(rest bool) bool {
	n := w.l.next.Add(1)
	o := &tracked{marker: fmt.Sprintf("M%06d", n), rest: rest}
	if !rest {
		o.id = fmt.Sprintf("K%06d", n)
	}
	w.l.mu.Lock()
	w.l.objects[o.marker] = o
	w.l.mu.Unlock()
	ok, id, err := sendCreate(context.Background(), w.c, w.url, o)
	if err != nil {
		return w.unanswered("create "+o.marker, err)
	}
	if !ok {
		w.t.Errorf("create %s refused: %s", o.marker, id)
		return false
	}
	w.l.mu.Lock()
	o.id, o.acked = id, true
	w.l.mu.Unlock()
	w.mine = append(w.mine, o)
	w.l.acked.Add(1)
	return true
}

// sendCreate creates o; ok false means refused (id is then the message).
func sendCreate(ctx context.Context, c *client, url string, o *tracked) (ok bool, id string, err error) {
	lines := []map[string]any{{"F0000011": lineOf(o.marker, 1)}, {"F0000011": lineOf(o.marker, 2)}}
	if o.rest {
		body := map[string]any{"sourceSystem": "durability", "sourceCode": o.marker, "F0000001": o.marker, "F0000002": 0, "D000001DurLines": lines}
		status, out, err := c.do(ctx, "POST", url+"/api/v1/forms/"+durForm+"/records?submit=true", body)
		if err != nil {
			return false, "", err
		}
		if status != 201 && status != 200 {
			return false, fmt.Sprintf("HTTP %d %s", status, out), nil
		}
		var rec struct{ ObjectId string }
		if err := json.Unmarshal(out, &rec); err != nil || rec.ObjectId == "" {
			return false, fmt.Sprintf("no ObjectId in %s", out), nil
		}
		return true, rec.ObjectId, nil
	}
	bo, _ := json.Marshal(map[string]any{"ObjectId": o.id, "F0000001": o.marker, "F0000002": 0, "D000001DurLines": lines})
	ok, data, msg, err := c.invoke(ctx, url, map[string]any{"ActionName": "CreateBizObject", "SchemaCode": durForm, "IsSubmit": "true", "BizObject": string(bo)})
	if err != nil || !ok {
		return false, msg, err
	}
	if data["BizObjectId"] != o.id {
		return false, fmt.Sprintf("created as %v", data["BizObjectId"]), nil
	}
	return true, o.id, nil
}

func (w *writer) update(o *tracked, rest bool) bool {
	v := o.value + 1
	w.l.mu.Lock()
	o.pending = &v
	w.l.mu.Unlock()
	var err error
	var refused string
	if rest {
		var status int
		var out []byte
		status, out, err = w.c.do(context.Background(), "PATCH", w.url+"/api/v1/forms/"+durForm+"/records/"+o.id, map[string]any{"F0000002": v})
		if err == nil && status != 200 {
			refused = fmt.Sprintf("HTTP %d %s", status, out)
		}
	} else {
		bo, _ := json.Marshal(map[string]any{"F0000002": v})
		var ok bool
		ok, _, refused, err = w.c.invoke(context.Background(), w.url, map[string]any{"ActionName": "UpdateBizObject", "SchemaCode": durForm, "BizObjectId": o.id, "BizObject": string(bo)})
		if ok {
			refused = ""
		} else if refused == "" {
			refused = "refused without a message"
		}
	}
	if err != nil {
		return w.unanswered("update "+o.id, err)
	}
	if refused != "" {
		w.t.Errorf("update %s refused: %s", o.id, refused)
		return false
	}
	w.l.mu.Lock()
	o.value, o.pending = v, nil
	w.l.mu.Unlock()
	w.l.acked.Add(1)
	return true
}

// stored is one record as listed after a restart.
type stored struct {
	ObjectId        string
	SourceCode      string `json:"sourceCode"`
	F0000001        string
	F0000002        int64
	D000001DurLines []struct{ F0000011 string }
}

func listAll(t *testing.T, c *client, url string) []stored {
	t.Helper()
	var all []stored
	for offset := 0; ; offset += 500 {
		out := c.must(t, "GET", fmt.Sprintf("%s/api/v1/forms/%s/records?limit=500&offset=%d&sort=SeqNo", url, durForm, offset), nil, 200)
		var page struct {
			Items []stored
			Total int
		}
		if err := json.Unmarshal(out, &page); err != nil {
			t.Fatalf("list: %v: %.300s", err, out)
		}
		all = append(all, page.Items...)
		if len(page.Items) < 500 {
			if len(all) != page.Total {
				t.Errorf("listed %d records, total says %d", len(all), page.Total)
			}
			return all
		}
	}
}

// check compares the store with the ledger after a restart: every
// acknowledged create is there once with its content and its last
// acknowledged value (or the unanswered one after it); no marker is stored
// twice and none the writers did not send. Unanswered writes are then
// settled, creates by sending them again as a client would.
func (l *ledger) check(t *testing.T, c *client, url string) {
	t.Helper()
	seen := map[string]stored{}
	for _, r := range listAll(t, c, url) {
		if prev, dup := seen[r.F0000001]; dup {
			t.Errorf("marker %s stored twice: %s and %s", r.F0000001, prev.ObjectId, r.ObjectId)
		}
		seen[r.F0000001] = r
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	for m := range seen {
		if l.objects[m] == nil {
			t.Errorf("record with marker %q that no writer sent", m)
		}
	}
	var retry []*tracked
	var landed, applied, unapplied int
	for m, o := range l.objects {
		r, found := seen[m]
		if !found {
			if o.acked {
				t.Errorf("acknowledged create %s (%s) is missing", m, o.id)
			} else {
				retry = append(retry, o)
			}
			continue
		}
		if o.id != "" && r.ObjectId != o.id {
			t.Errorf("marker %s stored as %s, acknowledged as %s", m, r.ObjectId, o.id)
		}
		if o.rest && r.SourceCode != m {
			t.Errorf("%s: sourceCode %q", m, r.SourceCode)
		}
		if len(r.D000001DurLines) != 2 || r.D000001DurLines[0].F0000011 != lineOf(m, 1) || r.D000001DurLines[1].F0000011 != lineOf(m, 2) {
			t.Errorf("%s: child rows %+v", m, r.D000001DurLines)
		}
		switch {
		case r.F0000002 == o.value:
			if o.pending != nil {
				unapplied++
			}
		case o.pending != nil && r.F0000002 == *o.pending:
			applied++
		default:
			t.Errorf("%s: F0000002 = %d, acknowledged %d (unanswered %v)", m, r.F0000002, o.value, o.pending)
		}
		if !o.acked {
			landed++
			retry = append(retry, o) // landed without an answer: a retry must not double it
		}
		o.value, o.pending = r.F0000002, nil
	}
	t.Logf("unanswered: %d creates (%d had landed), %d updates (%d had applied)", len(retry), landed, applied+unapplied, applied)
	for _, o := range retry {
		_, landed := seen[o.marker]
		ok, id, err := sendCreate(context.Background(), c, url, o)
		switch {
		case err != nil:
			t.Fatalf("retry create %s: %v", o.marker, err)
		case ok && landed && id != seen[o.marker].ObjectId:
			t.Errorf("retried create %s made %s; it was stored as %s", o.marker, id, seen[o.marker].ObjectId)
		case !ok && (o.rest || !landed || !strings.Contains(id, "已存在")):
			t.Errorf("retry create %s (stored before: %v): %s", o.marker, landed, id)
		}
		if ok {
			o.id = id
		}
		o.acked = true
	}
}

// TestKill9Durability runs the real server under concurrent writers on
// both APIs and kills it with SIGKILL mid-load, several times, restarting
// it on the same store each time: every acknowledged write is there, none
// is doubled. SQLite runs with the default --sqlite-sync=full.
func TestKill9Durability(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, kind sqldb.Kind) {
		args := []string{"--data", t.TempDir(), "--rate-limit", "0", "--access-log=false"}
		if kind == sqldb.Postgres {
			args = append(args, "--db", sqldbtest.PostgresURL(t))
		}
		c := newClient()
		srv := startServe(t, args...)
		c.must(t, "POST", srv.URL+"/api/v1/forms", durableForm(), 201)
		l := &ledger{objects: map[string]*tracked{}}
		const writers, cycles = 8, 3
		rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
		for cycle := range cycles {
			var killed atomic.Bool
			stop := make(chan struct{})
			var wg sync.WaitGroup
			before := l.acked.Load()
			for i := range writers {
				w := &writer{t: t, c: newClient(), url: srv.URL, l: l, rng: rand.New(rand.NewPCG(rng.Uint64(), uint64(i))), killed: &killed}
				l.mu.Lock()
				for _, o := range l.objects { // carry on updating objects from earlier cycles
					if o.acked && len(w.mine) < 20 && rng.IntN(writers) == i {
						w.mine = append(w.mine, o)
					}
				}
				l.mu.Unlock()
				wg.Add(1)
				go func() { defer wg.Done(); w.run(stop) }()
			}
			time.Sleep(time.Duration(700+rng.IntN(800)) * time.Millisecond)
			killed.Store(true)
			srv.kill()
			close(stop)
			wg.Wait()
			t.Logf("cycle %d: %d writes acknowledged before kill -9", cycle+1, l.acked.Load()-before)
			if l.acked.Load()-before < 50 {
				t.Errorf("cycle %d: only %d writes acknowledged; the load did not run", cycle+1, l.acked.Load()-before)
			}
			srv = startServe(t, args...)
			l.check(t, c, srv.URL)
			if t.Failed() {
				t.Logf("server log:\n%s", srv.logs)
				return
			}
		}
		l.check(t, c, srv.URL) // the last retries doubled nothing
	})
}
