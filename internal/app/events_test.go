package app_test

import (
	"bufio"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tritiumhq/tritium/internal/sqldb"
	"github.com/tritiumhq/tritium/internal/sqldb/sqldbtest"
)

// sse is one event stream read in the background.
type sse struct {
	events chan sseEvent
	pings  chan struct{}
	resp   *http.Response
}

type sseEvent struct {
	ID, Type string
	Data     struct {
		ID                                       int64
		Type, Form, ObjectID, InstanceID, TaskID string
		Actor                                    string
		Data                                     struct{ Assignee, Initiator, Node string }
	}
}

// openStream opens GET /api/v1/events?query with hdr (engine credentials
// unless hdr replaces them); it fails the test unless the answer is 200.
func (s *server) openStream(query string, hdr ...string) *sse {
	s.t.Helper()
	req, _ := http.NewRequest("GET", s.URL+"/api/v1/events?"+query, nil)
	req.Header.Set("EngineCode", testCode)
	req.Header.Set("EngineSecret", testSecret)
	for i := 0; i+1 < len(hdr); i += 2 {
		if hdr[i+1] == "" {
			req.Header.Del(hdr[i])
		} else {
			req.Header.Set(hdr[i], hdr[i+1])
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	observe("GET", "/api/v1/events", resp.StatusCode)
	if resp.StatusCode != 200 {
		s.t.Fatalf("open stream %s: HTTP %d", query, resp.StatusCode)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream; charset=utf-8" {
		s.t.Fatalf("stream Content-Type %q", ct)
	}
	st := &sse{events: make(chan sseEvent, 1000), pings: make(chan struct{}, 1000), resp: resp}
	s.t.Cleanup(func() { resp.Body.Close() })
	go func() {
		sc := bufio.NewScanner(resp.Body)
		var ev sseEvent
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == ": ping":
				st.pings <- struct{}{}
			case strings.HasPrefix(line, "id: "):
				ev.ID = line[4:]
			case strings.HasPrefix(line, "event: "):
				ev.Type = line[7:]
			case strings.HasPrefix(line, "data: "):
				_ = json.Unmarshal([]byte(line[6:]), &ev.Data)
			case line == "" && ev.Type != "":
				st.events <- ev
				ev = sseEvent{}
			}
		}
		close(st.events)
	}()
	return st
}

// until returns the events up to the first one match accepts.
func (st *sse) until(t *testing.T, what string, match func(sseEvent) bool) []sseEvent {
	t.Helper()
	var seen []sseEvent
	timeout := time.After(15 * time.Second)
	for {
		select {
		case e, ok := <-st.events:
			if !ok {
				t.Fatalf("stream closed before %s (saw %v)", what, seen)
			}
			seen = append(seen, e)
			if match(e) {
				return seen
			}
		case <-timeout:
			t.Fatalf("no %s within 15s (saw %v)", what, seen)
		}
	}
}

// TestEventStream: GET /api/v1/events streams record and workflow changes
// in order, resumes after Last-Event-ID, sends heartbeats, shows a user
// only what they may see, and refuses bad queries.
func TestEventStream(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, kind sqldb.Kind) {
		cfg := storeConfig(t, kind)
		cfg.EventsPoll, cfg.EventsHeartbeat = 50*time.Millisecond, 100*time.Millisecond
		s := startServer(t, cfg)
		p := s.org()
		s.mustCreateForm(expenseForm())
		s.mustCreateForm(contractForm())
		s.process(tree(approval("n1", userRule(p.a))))

		all := s.openStream("forms=D000002Expense")
		mine := s.openStream("", as(p.a)...)
		other := s.openStream("types=record.created,task.created,instance.started", as(p.b)...)
		contracts := s.openStream("forms=D000001Contract")

		objectID, instanceID := s.submit(p.initiator, "99")
		var task, created bool
		seen := all.until(t, "the record and the approver's task", func(e sseEvent) bool {
			task = task || e.Type == "task.created" && e.Data.Data.Assignee == p.a
			created = created || e.Type == "record.created"
			return task && created
		})
		var started bool
		for i, e := range seen {
			if e.Data.Form != "D000002Expense" || e.Data.ObjectID != objectID {
				t.Errorf("event %d of the expense stream: %+v", i, e)
			}
			if e.Type == "instance.started" && e.Data.InstanceID == instanceID && e.Data.Data.Initiator == p.initiator {
				started = true
			}
			if e.ID == "" || (i > 0 && e.Data.ID <= seen[i-1].Data.ID) {
				t.Errorf("event ids not increasing: %v", seen)
			}
		}
		if !started || seen[0].Type != "record.created" {
			t.Errorf("expense stream: %v", seen)
		}
		mine.until(t, "p.a's own task", func(e sseEvent) bool {
			return e.Type == "task.created" && e.Data.InstanceID == instanceID && e.Data.Data.Assignee == p.a
		})
		// p.b may see none of it: its own draft arrives first.
		status, body := s.do("POST", "/api/v1/forms/D000002Expense/records", map[string]any{"F0000001": "b's own"}, as(p.b)...)
		if status != 201 {
			t.Fatalf("p.b's draft: HTTP %d %s", status, body)
		}
		own := decode(t, body)["ObjectId"]
		for _, e := range other.until(t, "p.b's own draft", func(e sseEvent) bool { return e.Data.ObjectID == own }) {
			if e.Data.ObjectID == objectID || e.Data.InstanceID == instanceID {
				t.Errorf("p.b saw %+v of a record out of their view", e)
			}
		}
		// The contract stream saw no expense event: the first it gets is a contract's.
		s.mustJSON("POST", "/api/v1/forms/D000001Contract/records", map[string]any{"F0000001": "HT-1"}, 201)
		if got := contracts.until(t, "a contract event", func(sseEvent) bool { return true }); got[0].Data.Form != "D000001Contract" {
			t.Errorf("contract stream: %v", got)
		}
		select {
		case <-all.pings:
		case <-time.After(5 * time.Second):
			t.Error("no heartbeat within 5s")
		}

		// Resume after the first event: the second comes first.
		again := s.openStream("forms=D000002Expense", "Last-Event-ID", seen[0].ID)
		if got := again.until(t, "a resumed event", func(sseEvent) bool { return true }); got[0].ID != seen[1].ID {
			t.Errorf("resumed after %s: first event %s, want %s", seen[0].ID, got[0].ID, seen[1].ID)
		}
		viaQuery := s.openStream("forms=D000002Expense&lastEventId=" + seen[0].ID)
		if got := viaQuery.until(t, "a resumed event", func(sseEvent) bool { return true }); got[0].ID != seen[1].ID {
			t.Errorf("resumed by lastEventId: first event %s, want %s", got[0].ID, seen[1].ID)
		}

		// A token with records:read alone gets record events, never task events.
		id, secret := s.mustClient(map[string]any{"name": "reader", "scopes": []string{"records:read"}})
		bearer := []string{"EngineCode", "", "EngineSecret", "", "Authorization", "Bearer " + s.mustToken(id, secret, "records:read")}
		reader := s.openStream("forms=D000002Expense&lastEventId=0", bearer...)
		for _, e := range reader.until(t, "the expense's record.created", func(e sseEvent) bool { return e.Data.ObjectID == own }) {
			if !strings.HasPrefix(e.Type, "record.") {
				t.Errorf("a records:read token got %s", e.Type)
			}
		}

		for _, c := range []struct {
			query string
			hdr   []string
			want  int
			field string
		}{
			{"types=record.exploded", nil, 422, "types"},
			{"forms=D999999Nope", nil, 422, "forms"},
			{"", []string{"Last-Event-ID", "abc"}, 422, "Last-Event-ID"},
			{"lastEventId=-1", nil, 422, "lastEventId"},
			{"types=task.created", bearer, 403, ""},
			{"", []string{"EngineSecret", "wrong"}, 401, ""},
		} {
			status, body := s.do("GET", "/api/v1/events?"+c.query, nil, c.hdr...)
			if status != c.want || (c.field != "" && !strings.Contains(string(body), `"field":"`+c.field+`"`)) {
				t.Errorf("events?%s %v: HTTP %d %s, want %d naming %s", c.query, c.hdr, status, body, c.want, c.field)
			}
		}
		if status, body := s.do("GET", "/api/v1/events?types=task.created", nil, bearer...); !strings.Contains(string(body), "workflow") {
			t.Errorf("missing scope not named: %d %s", status, body)
		}
	})
}

// TestEventStreamAcrossNodes: a stream on one node gets the changes made
// through another (PostgreSQL: both read the one change feed).
func TestEventStreamAcrossNodes(t *testing.T) {
	a, b := twoNodes(t)
	a.mustCreateForm(contractForm())
	st := b.openStream("forms=D000001Contract")
	id := a.mustJSON("POST", "/api/v1/forms/D000001Contract/records", map[string]any{"F0000001": "HT-9"}, 201)["ObjectId"]
	got := st.until(t, "node A's create on node B", func(e sseEvent) bool { return e.Data.ObjectID == id })
	if got[len(got)-1].Type != "record.created" {
		t.Fatalf("node B saw %v", got)
	}
}
