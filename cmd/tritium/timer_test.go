package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/tritiumhq/tritium/internal/sqldb/sqldbtest"
)

// riverLeader returns the client id that holds the job queue's leadership
// in the store at url ("" while nobody does).
func riverLeader(t *testing.T, url string) string {
	t.Helper()
	ctx := context.Background()
	c, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	var id string
	if err := c.QueryRow(ctx, "SELECT leader_id FROM river_leader WHERE expires_at > now()").Scan(&id); err != nil && err != pgx.ErrNoRows {
		t.Fatal(err)
	}
	return id
}

// riverClientID is the job queue client id a node logged at start.
func (p *proc) riverClientID() string {
	for _, l := range lines(p.logs.String()) {
		var e struct {
			Msg      string
			ClientID string `json:"client_id"`
		}
		if json.Unmarshal([]byte(l), &e) == nil && e.Msg == "River client started" {
			return e.ClientID
		}
	}
	return ""
}

// TestTimersAfterLeaderKilled: three nodes on one PostgreSQL, a 2 s
// autoApprove timeout, and kill -9 of the node holding the job queue's
// leadership right after the instances start. The surviving nodes fire
// every timeout within the documented bound of its due time. (SQLite is
// one node by design; its restart case is TestTimeoutAutoApproveAfterRestart.)
func TestTimersAfterLeaderKilled(t *testing.T) {
	url := sqldbtest.PostgresURL(t)
	var nodes []*proc
	for range 3 {
		nodes = append(nodes, startServe(t, "--data", t.TempDir(), "--db", url, "--rate-limit", "0", "--access-log=false"))
	}
	var leader *proc
	for deadline := time.Now().Add(20 * time.Second); leader == nil; {
		if id := riverLeader(t, url); id != "" {
			for _, n := range nodes {
				if n.riverClientID() == id {
					leader = n
				}
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("no node became the job queue's leader")
		}
		time.Sleep(100 * time.Millisecond)
	}
	var alive []*proc
	for _, n := range nodes {
		if n != leader {
			alive = append(alive, n)
		}
	}
	c := newClient()
	api := alive[0].URL
	user := func(name string) string {
		out := c.must(t, "POST", api+"/api/v1/users", map[string]any{"name": name, "loginName": strings.ToLower(name)}, 201)
		var u struct{ ID string }
		json.Unmarshal(out, &u)
		return u.ID
	}
	a, b := user("Alice"), user("Bob")
	c.must(t, "POST", api+"/api/v1/forms", map[string]any{"code": "D000002Expense", "name": "报销", "workflow": true,
		"fields": []map[string]any{{"code": "F0000001", "name": "事由", "type": "text"}}}, 201)
	tree := fmt.Sprintf(`{"type":"start","next":{"type":"approval","id":"n1","assignees":[{"kind":"user","ids":[%q]}],
		"timeout":{"after":"2s","action":"autoApprove"},"next":{"type":"approval","id":"n2","assignees":[{"kind":"user","ids":[%q]}]}}}`, a, b)
	status, out, err := c.do(context.Background(), "PUT", api+"/api/v1/forms/D000002Expense/workflow", json.RawMessage(tree))
	if err != nil || status != 200 {
		t.Fatalf("store process: %d %v %s", status, err, out)
	}

	const n = 6
	var instances []string
	for i := range n { // through both survivors: the second has not refreshed its forms yet
		ok, data, msg, err := c.invoke(context.Background(), alive[i%2].URL, map[string]any{"ActionName": "CreateBizObject",
			"SchemaCode": "D000002Expense", "IsSubmit": true, "BizObject": `{"F0000001":"差旅"}`})
		if err != nil || !ok {
			t.Fatalf("submit: %v %s", err, msg)
		}
		instances = append(instances, data["WorkflowInstanceId"].(string))
	}
	leader.kill()

	var worst time.Duration
	for i, id := range instances {
		late, err := timeoutLateness(c, alive[i%2].URL, id, 2*time.Second, 45*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("instance %d: timeout fired %v after its due time", i+1, late.Round(time.Millisecond))
		worst = max(worst, late)
	}
	t.Logf("worst lateness after kill -9 of the leader: %v", worst.Round(time.Millisecond))
	if worst > 3*time.Second {
		t.Errorf("a timeout fired %v late after the leader died; docs/workflow.md promises about 1 s (3 s allowed here)", worst.Round(time.Millisecond))
	}
}

// timeoutLateness waits for instance id to leave n1 through its timeout
// and returns how long after its due time (the n1 task's creation + after)
// the timeout fired, by the instance's own history.
func timeoutLateness(c *client, base, id string, after, within time.Duration) (time.Duration, error) {
	deadline := time.Now().Add(within)
	for {
		status, out, err := c.do(context.Background(), "GET", base+"/api/v1/instances/"+id, nil)
		if err != nil || status != 200 {
			return 0, fmt.Errorf("instance %s: %d %v %s", id, status, err, out)
		}
		var inst struct {
			History []struct {
				Type string
				Time time.Time
				Data map[string]any
			}
		}
		if err := json.Unmarshal(out, &inst); err != nil {
			return 0, err
		}
		var created, fired time.Time
		for _, e := range inst.History {
			switch {
			case e.Type == "task" && e.Data["node"] == "n1" && created.IsZero():
				created = e.Time
			case e.Type == "timer" && e.Data["kind"] == "timeout":
				fired = e.Time
			}
		}
		if !fired.IsZero() && !created.IsZero() {
			return fired.Sub(created.Add(after)), nil
		}
		if time.Now().After(deadline) {
			return 0, fmt.Errorf("instance %s: timeout never fired within %v: %s", id, within, out)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
