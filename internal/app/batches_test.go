package app_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"
)

const batchForm = "D000001Contract"

// waitBatch polls GET /api/v1/batches/{id} until the batch is finished
// and returns it (the first page of its results, pageSize 1000).
func (s *server) waitBatch(id string, hdr ...string) map[string]any {
	s.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		b := s.mustJSON("GET", "/api/v1/batches/"+id+"?pageSize=1000", nil, 200, hdr...)
		if st := b["status"]; st == "completed" || st == "failed" {
			return b
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("batch %s not finished: %v", id, b["counts"])
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// submitBatch posts a batch and returns its id.
func (s *server) submitBatch(body map[string]any, hdr ...string) string {
	s.t.Helper()
	out := s.mustJSON("POST", "/api/v1/batches", body, 202, hdr...)
	if out["status"] != "queued" || out["batchId"] == "" {
		s.t.Fatalf("submit answered %v", out)
	}
	return out["batchId"].(string)
}

func contractItems(prefix string, n int) []map[string]any {
	items := make([]map[string]any, n)
	for i := range items {
		items[i] = map[string]any{"sourceCode": fmt.Sprintf("%s-%04d", prefix, i),
			"data": map[string]any{"F0000001": fmt.Sprintf("合同 %s %d", prefix, i), "F0000002": "10.50",
				"D000001Lines": []map[string]any{{"F0000011": "物料", "F0000012": "1.5"}}}}
	}
	return items
}

func counts(_ testing.TB, b map[string]any) (total, done, ok, failed int) {
	c := b["counts"].(map[string]any)
	n := func(k string) int { v, _ := c[k].(json.Number).Int64(); return int(v) }
	return n("total"), n("done"), n("succeeded"), n("failed")
}

func itemsOf(b map[string]any) []map[string]any {
	var out []map[string]any
	for _, it := range b["items"].([]any) {
		out = append(out, it.(map[string]any))
	}
	return out
}

func countRows(t *testing.T, s *server, where string) int {
	t.Helper()
	var n int
	if err := s.App.DB.Reader().QueryRow(t.Context(), "SELECT COUNT(*) FROM f_d000001contract WHERE "+where).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestBatchOperations: create (in several chunks, one item refused),
// the same batch again (nothing doubled), upsert, update and delete, each
// with per-item results.
func TestBatchOperations(t *testing.T) {
	forEachServer(t, func(t *testing.T, s *server) {
		s.mustCreateForm(contractForm())
		items := contractItems("HT", 1200)
		items[7]["data"].(map[string]any)["F0000002"] = "不是数字"
		body := map[string]any{"form": batchForm, "operation": "create", "sourceSystem": "ERP", "items": items}
		id := s.submitBatch(body)
		b := s.waitBatch(id)
		if total, done, ok, failed := counts(t, b); b["status"] != "completed" || total != 1200 || done != 1200 || ok != 1199 || failed != 1 {
			t.Fatalf("create batch: %v %v", b["status"], b["counts"])
		}
		if b["code"] != "0" || b["subCode"] != "partial_failure" {
			t.Errorf("outcome %v/%v", b["code"], b["subCode"])
		}
		res := itemsOf(b)
		if len(res) != 1000 || res[0]["subCode"] != "created" || res[0]["objectId"] == "" || res[0]["sourceCode"] != "HT-0000" {
			t.Fatalf("results page: %d, first %v", len(res), res[0])
		}
		if r := res[7]; r["code"] != "1" || r["subCode"] != "validation_failed" || !strings.Contains(r["message"].(string), "F0000002") || r["objectId"] != nil {
			t.Errorf("refused item: %v", r)
		}
		failed := s.mustJSON("GET", "/api/v1/batches/"+id+"?failed=true", nil, 200)
		if f := itemsOf(failed); len(f) != 1 || f[0]["sourceCode"] != "HT-0007" || failed["itemsTotal"] != json.Number("1") {
			t.Errorf("failed items: %v", failed["items"])
		}
		page2 := s.mustJSON("GET", "/api/v1/batches/"+id+"?page=2&pageSize=1000", nil, 200)
		if p := itemsOf(page2); len(p) != 200 || p[199]["sourceCode"] != "HT-1199" {
			t.Errorf("page 2: %d items", len(p))
		}
		if n := countRows(t, s, "sourcesystem = 'ERP'"); n != 1199 {
			t.Fatalf("%d records stored", n)
		}
		// Each record written is a change-feed event (webhooks), in its
		// chunk's transaction.
		var events int
		s.App.DB.Reader().QueryRow(t.Context(), "SELECT COUNT(*) FROM feed_events WHERE form = ? AND type = 'record.created'", batchForm).Scan(&events)
		if events != 1199 {
			t.Errorf("%d record.created events, want 1199", events)
		}
		o := s.mustJSON("GET", "/api/v1/forms/"+batchForm+"/records/source/ERP/HT-0003", nil, 200)
		if o["F0000001"] != "合同 HT 3" || len(o["D000001Lines"].([]any)) != 1 || o["Status"] != json.Number("0") {
			t.Errorf("stored record %v", o)
		}

		// The same batch again: nothing is created twice; the item refused
		// before is still refused.
		b = s.waitBatch(s.submitBatch(body))
		if _, _, ok, failed := counts(t, b); ok != 1199 || failed != 1 || itemsOf(b)[0]["subCode"] != "unchanged" || itemsOf(b)[0]["objectId"] != res[0]["objectId"] {
			t.Fatalf("re-sent batch: %v, first %v", b["counts"], itemsOf(b)[0])
		}
		if n := countRows(t, s, "sourcesystem = 'ERP'"); n != 1199 {
			t.Fatalf("re-sent batch: %d records stored", n)
		}

		// The pair comes from the batch and the item, never from data.
		b = s.waitBatch(s.submitBatch(map[string]any{"form": batchForm, "operation": "create", "sourceSystem": "ERP",
			"items": []map[string]any{{"sourceCode": "X-1", "data": map[string]any{"F0000001": "x", "sourceCode": "Y"}}}}))
		if r := itemsOf(b); r[0]["subCode"] != "validation_failed" || !strings.Contains(r[0]["message"].(string), "sourceCode") {
			t.Fatalf("pair in data: %v", b["items"])
		}

		// A create whose ObjectId is taken: its INSERT, sent with the
		// others', fails; that item alone is refused.
		dup := contractItems("DUP", 3)
		dup[1]["data"].(map[string]any)["ObjectId"] = res[0]["objectId"]
		b = s.waitBatch(s.submitBatch(map[string]any{"form": batchForm, "operation": "create", "sourceSystem": "ERP", "items": dup}))
		if r := itemsOf(b); r[0]["subCode"] != "created" || r[1]["subCode"] != "conflict" || r[2]["subCode"] != "created" {
			t.Fatalf("taken ObjectId: %v", b["items"])
		}
		if n := countRows(t, s, "sourcesystem = 'ERP'"); n != 1201 {
			t.Fatalf("after the taken ObjectId: %d records", n)
		}

		// Upsert: two existing, one new.
		up := []map[string]any{
			{"sourceCode": "HT-0001", "data": map[string]any{"F0000001": "改名 1"}},
			{"sourceCode": "HT-0007", "data": map[string]any{"F0000001": "补上 7", "F0000002": "7"}},
			{"sourceCode": "HT-0002", "data": map[string]any{"F0000001": "改名 2"}},
		}
		b = s.waitBatch(s.submitBatch(map[string]any{"form": batchForm, "operation": "upsert", "sourceSystem": "ERP", "items": up}))
		if r := itemsOf(b); b["subCode"] != "success" || r[0]["subCode"] != "updated" || r[1]["subCode"] != "created" || r[2]["subCode"] != "updated" {
			t.Fatalf("upsert: %v %v", b["subCode"], b["items"])
		}
		if o := s.mustJSON("GET", "/api/v1/forms/"+batchForm+"/records/source/ERP/HT-0001", nil, 200); o["F0000001"] != "改名 1" || o["F0000002"] != "10.50" {
			t.Errorf("upserted %v", o)
		}

		// Update by sourceCode and by objectId; one unknown, one stale.
		first := res[0]["objectId"].(string)
		upd := []map[string]any{
			{"sourceCode": "HT-0010", "data": map[string]any{"F0000002": "99"}},
			{"objectId": first, "data": map[string]any{"F0000002": "1"}},
			{"sourceCode": "NOPE", "data": map[string]any{"F0000002": "1"}},
			{"sourceCode": "HT-0011", "data": map[string]any{"F0000002": "1", "version": 7}},
		}
		b = s.waitBatch(s.submitBatch(map[string]any{"form": batchForm, "operation": "update", "sourceSystem": "ERP", "items": upd}))
		r := itemsOf(b)
		if r[0]["subCode"] != "updated" || r[1]["subCode"] != "updated" || r[1]["objectId"] != first || r[2]["subCode"] != "not_found" || r[3]["subCode"] != "version_conflict" {
			t.Fatalf("update: %v", b["items"])
		}
		if o := s.mustJSON("GET", "/api/v1/forms/"+batchForm+"/records/"+first, nil, 200); o["F0000002"] != "1.00" {
			t.Errorf("updated by objectId: %v", o["F0000002"])
		}

		// Delete two, one of them twice over: the second is not found.
		del := []map[string]any{{"sourceCode": "HT-0020"}, {"objectId": first}}
		b = s.waitBatch(s.submitBatch(map[string]any{"form": batchForm, "operation": "delete", "sourceSystem": "ERP", "items": del}))
		if r := itemsOf(b); b["subCode"] != "success" || r[0]["subCode"] != "deleted" || r[1]["subCode"] != "deleted" {
			t.Fatalf("delete: %v", b["items"])
		}
		b = s.waitBatch(s.submitBatch(map[string]any{"form": batchForm, "operation": "delete", "sourceSystem": "ERP", "items": del}))
		if r := itemsOf(b); b["code"] != "1" || b["subCode"] != "failure" || r[0]["subCode"] != "not_found" {
			t.Fatalf("delete again: %v %v", b["subCode"], b["items"])
		}
		if n := countRows(t, s, "sourcesystem = 'ERP'"); n != 1200 {
			t.Fatalf("after the deletes: %d records", n)
		}
		s.App.DB.Reader().QueryRow(t.Context(), "SELECT COUNT(*) FROM feed_events WHERE form = ? AND type IN ('record.updated', 'record.deleted')", batchForm).Scan(&events)
		if events != 2+2+2 { // upsert 2 updated, update 2, delete 2
			t.Errorf("%d record.updated/deleted events, want 6", events)
		}

		list := s.mustJSON("GET", "/api/v1/batches?limit=2", nil, 200)
		if list["total"] != json.Number("8") || len(list["items"].([]any)) != 2 || list["items"].([]any)[0].(map[string]any)["operation"] != "delete" {
			t.Errorf("list: %v", list)
		}
	})
}
