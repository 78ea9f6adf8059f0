package app_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/tritiumhq/tritium/internal/sqldb"
)

// TestDeleteEndsInstance: deleting an object of a workflow form, through
// REST or H3Yun, ends its running instance canceled in the same
// transaction, with a history event naming the delete; its tasks leave
// the todo lists and cannot be acted on, and an object created later with
// the same ObjectId gets an instance of its own that the old one never
// touches.
func TestDeleteEndsInstance(t *testing.T) {
	forEachServer(t, func(t *testing.T, s *server) {
		p := s.org()
		s.mustCreateForm(expenseForm())
		s.process(tree(approval("n1", userRule(p.a), `"fieldPerms":{"F0000001":"editable"}`), approval("n2", userRule(p.b))))
		create := func() (string, int) {
			rec := s.mustJSON("POST", "/api/v1/forms/D000002Expense/records?submit=true",
				map[string]any{"ObjectId": "BX-0001", "F0000001": "差旅", "F0000002": "10"}, 201, as(p.initiator)...)
			v, _ := rec["version"].(json.Number).Int64()
			return rec["WorkflowInstanceId"].(string), int(v)
		}

		// REST DELETE of a running instance's object, by someone whose grant
		// reaches it.
		s.grant("D000002Expense", p.c, "view", "delete")
		inst, _ := create()
		aTask := s.oneTodo(p.a, inst)
		s.mustJSON("DELETE", "/api/v1/forms/D000002Expense/records/BX-0001", nil, 204, as(p.c)...)
		s.wantDeleted(inst, "BX-0001", p.c, "canceled")
		if len(s.todo(p.a, inst)) != 0 {
			t.Fatal("the deleted object's task stays in the todo list")
		}
		if got := s.mustJSON("GET", "/api/v1/tasks/"+aTask, nil, 200)["status"]; got != "canceled" {
			t.Fatalf("the deleted object's task is %v", got)
		}
		if status, _ := s.do("POST", "/api/v1/instances/"+inst+"/terminate", nil); status != 409 {
			t.Fatalf("terminate after the delete: %d, want 409 (ended)", status)
		}

		// A new object with the same ObjectId: its own instance; the old
		// task cannot write to it.
		inst2, version := create()
		if inst2 == inst {
			t.Fatal("the new object took the deleted object's instance")
		}
		if status, _ := s.act(p.a, aTask, "approve", map[string]any{"data": map[string]any{"F0000001": "改"}}); status != 409 {
			t.Fatalf("approving the deleted object's task: %d, want 409", status)
		}
		rec := s.mustJSON("GET", "/api/v1/forms/D000002Expense/records/BX-0001", nil, 200)
		if rec["WorkflowInstanceId"] != inst2 || rec["version"] != json.Number(itoa(version)) || rec["F0000001"] != "差旅" {
			t.Fatalf("the new object after the old task's approval: %v", rec)
		}
		s.mustAct(p.a, s.oneTodo(p.a, inst2), "approve", nil)
		s.mustAct(p.b, s.oneTodo(p.b, inst2), "approve", nil)
		s.wantState("BX-0001", inst2, "approved")

		// An ended instance keeps its status; the delete is in its history.
		s.mustJSON("DELETE", "/api/v1/forms/D000002Expense/records/BX-0001", nil, 204)
		s.wantDeleted(inst2, "BX-0001", s.App.Admin.UserID, "approved")

		// H3Yun RemoveBizObject of a running instance's object, and of a
		// draft at its start node.
		obj3, inst3 := s.submit(p.initiator, "20")
		s.ok(map[string]any{"ActionName": "RemoveBizObject", "SchemaCode": "D000002Expense", "BizObjectId": obj3})
		s.wantDeleted(inst3, obj3, s.App.Admin.UserID, "canceled")
		if len(s.todo(p.a, inst3)) != 0 {
			t.Fatal("the removed object's task stays in the todo list")
		}
		draft := s.ok(map[string]any{"ActionName": "CreateBizObject", "SchemaCode": "D000002Expense", "IsSubmit": false,
			"BizObject": jsonString(map[string]any{"F0000001": "草稿", "OwnerId": p.initiator})})
		s.ok(map[string]any{"ActionName": "RemoveBizObject", "SchemaCode": "D000002Expense", "BizObjectId": draft["BizObjectId"]})
		s.wantDeleted(draft["WorkflowInstanceId"].(string), draft["BizObjectId"].(string), s.App.Admin.UserID, "canceled")
		if len(s.todo(p.initiator, "")) != 0 {
			t.Fatal("the removed draft's start task stays in the initiator's todo list")
		}
	})
}

// wantDeleted checks that the instance has status, that its history ends
// with the delete by actor (and, for a running one, its cancellation), and
// that its replay says the object is gone.
func (s *server) wantDeleted(inst, obj, actor, status string) {
	s.t.Helper()
	v := s.instance(inst)
	if v["status"] != status || len(v["positions"].([]any)) != 0 {
		s.t.Fatalf("instance after the delete: %v at %v, want %s", v["status"], v["positions"], status)
	}
	var deleted map[string]any
	var after []string
	for _, h := range v["history"].([]any) {
		h := h.(map[string]any)
		if h["type"] == "deleted" {
			deleted = h
		} else if deleted != nil {
			after = append(after, h["type"].(string))
		}
	}
	if deleted == nil || deleted["actor"] != actor || deleted["data"].(map[string]any)["object"] != obj {
		s.t.Fatalf("no deleted event naming %s by %s: %v", obj, actor, deleted)
	}
	if status == "canceled" && (len(after) == 0 || after[len(after)-1] != "finished") {
		s.t.Fatalf("after the deleted event: %v, want the instance finished", after)
	}
	for _, tk := range v["tasks"].([]any) {
		switch tk.(map[string]any)["status"] {
		case "pending", "waiting", "delegated":
			s.t.Fatalf("an open task after the delete: %v", tk)
		}
	}
	steps := s.replay(inst)
	if last := steps[len(steps)-1].(map[string]any); last["recordStatus"] != nil || last["status"] != status {
		s.t.Fatalf("last replay step after the delete: %v", last)
	}
}

// TestOrphanInstance: an instance whose object vanished without it (data
// from before deletes ended instances) never writes to another object
// with the same ObjectId: its steps that need the object are refused with
// 409, and it can still be terminated.
func TestOrphanInstance(t *testing.T) {
	forEachServer(t, func(t *testing.T, s *server) {
		p := s.org()
		s.mustCreateForm(expenseForm())
		s.process(tree(approval("n1", userRule(p.a), `"fieldPerms":{"F0000001":"editable"}`)))
		obj, orphan := s.submit(p.initiator, "10")
		// Delete the row behind the engine's back.
		f, err := s.App.Forms.Get("D000002Expense")
		if err != nil {
			t.Fatal(err)
		}
		err = s.App.DB.Write(context.Background(), func(tx *sqldb.Tx) error {
			_, err := tx.Exec(context.Background(), "DELETE FROM "+tx.Dialect().Quote(f.Table())+" WHERE objectid = ?", obj)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		rec := s.ok(map[string]any{"ActionName": "CreateBizObject", "SchemaCode": "D000002Expense", "IsSubmit": true,
			"BizObject": jsonString(map[string]any{"ObjectId": obj, "F0000001": "新的", "F0000002": "5", "OwnerId": p.initiator})})
		fresh := rec["WorkflowInstanceId"].(string)
		before := s.mustJSON("GET", "/api/v1/forms/D000002Expense/records/"+obj, nil, 200)

		task := s.todo(p.a, orphan)[0]
		for _, body := range []any{nil, map[string]any{"data": map[string]any{"F0000001": "改"}}} {
			if status, out := s.act(p.a, task, "approve", body); status != 409 {
				t.Fatalf("approving the orphan's last task (%v): %d %v", body, status, out)
			}
		}
		if after := s.mustJSON("GET", "/api/v1/forms/D000002Expense/records/"+obj, nil, 200); after["version"] != before["version"] ||
			after["WorkflowInstanceId"] != fresh || after["F0000001"] != "新的" || after["Status"] != json.Number("2") {
			t.Fatalf("the new object changed: %v, was %v", after, before)
		}
		s.mustJSON("POST", "/api/v1/instances/"+orphan+"/terminate", map[string]any{"comment": "对象已不存在"}, 200)
		if st := s.instance(orphan)["status"]; st != "terminated" {
			t.Fatalf("orphan after terminate: %v", st)
		}
		if after := s.mustJSON("GET", "/api/v1/forms/D000002Expense/records/"+obj, nil, 200); after["version"] != before["version"] || after["Status"] != json.Number("2") {
			t.Fatalf("terminating the orphan changed the new object: %v", after)
		}
		s.wantState(obj, fresh, "running")
	})
}

// TestDeleteRacesApproval: a delete and the last approval at the same
// moment serialize on the instance: either the approval wins (the
// instance is approved, then records the delete) or the delete does (the
// approval is 409); nothing fails otherwise and no instance keeps running.
func TestDeleteRacesApproval(t *testing.T) {
	forEachServer(t, func(t *testing.T, s *server) {
		p := s.org()
		s.mustCreateForm(expenseForm())
		s.process(tree(approval("n1", userRule(p.a))))
		for i := range 8 {
			obj, inst := s.submit(p.initiator, "10")
			task := s.oneTodo(p.a, inst)
			var approve int
			var err error
			done := make(chan struct{})
			go func() { // no t.Fatal off the test's goroutine
				defer close(done)
				req, _ := http.NewRequest("POST", s.URL+"/api/v1/tasks/"+task+"/approve", nil)
				req.Header.Set("EngineCode", testCode)
				req.Header.Set("EngineSecret", testSecret)
				req.Header.Set("X-User-Id", p.a)
				var resp *http.Response
				if resp, err = s.client.Do(req); err == nil {
					approve = resp.StatusCode
					resp.Body.Close()
				}
			}()
			remove, _ := s.do("DELETE", "/api/v1/forms/D000002Expense/records/"+obj, nil)
			<-done
			if err != nil {
				t.Fatal(err)
			}
			status := s.instance(inst)["status"]
			if remove != 204 || approve != 200 && approve != 409 || approve == 200 && status != "approved" || approve == 409 && status != "canceled" {
				t.Fatalf("round %d: approve %d, delete %d, instance %v", i, approve, remove, status)
			}
			s.wantDeleted(inst, obj, s.App.Admin.UserID, status.(string))
		}
	})
}
