package app_test

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// contractTypes is a value set as an ERP sends it.
func contractTypes() map[string]any {
	return map[string]any{"code": "CONTRACT_TYPE", "name": "合同类型", "values": []any{
		map[string]any{"code": "PUR", "label": "采购合同", "order": 2},
		map[string]any{"code": "SAL", "label": "销售合同", "order": 1},
		map[string]any{"code": "OLD", "label": "旧类型", "order": 3, "enabled": false},
	}}
}

// valueSetForm has a select and a multiselect field, and a child table
// field, that take their options from value sets.
func valueSetForm() map[string]any {
	return map[string]any{"code": "D000009Deal", "name": "交易", "fields": []any{
		map[string]any{"code": "F0000001", "name": "标题", "type": "text"},
		map[string]any{"code": "F0000002", "name": "合同类型", "type": "select", "valueSet": "CONTRACT_TYPE"},
		map[string]any{"code": "F0000003", "name": "标签", "type": "multiselect", "valueSet": "CONTRACT_TYPE"},
	}, "children": []any{map[string]any{"code": "D000009Line", "name": "行", "fields": []any{
		map[string]any{"code": "F0000010", "name": "类型", "type": "select", "valueSet": "CONTRACT_TYPE"},
	}}}}
}

// TestValueSets: value sets through REST — create, read in order, the
// values query, update, batch upsert — and as the options of select,
// multiselect and child fields: record writes take only enabled value
// codes, a disabled value stays readable, and a set in use is not deleted.
func TestValueSets(t *testing.T) {
	forEachServer(t, func(t *testing.T, s *server) {
		set := s.mustJSON("POST", "/api/v1/value-sets", contractTypes(), 201)
		id := set["id"].(string)
		if codes(set["values"]) != "SAL PUR OLD" || set["enabled"] != true {
			t.Fatalf("created set: %v", set)
		}
		v := s.mustJSON("GET", "/api/v1/value-sets/CONTRACT_TYPE/values?enabled=true", nil, 200)
		if codes(v["items"]) != "SAL PUR" || fmt.Sprint(v["total"]) != "2" || v["id"] != id {
			t.Fatalf("enabled values: %v", v)
		}
		if v := s.mustJSON("GET", "/api/v1/value-sets/CONTRACT_TYPE/values?q=%E9%94%80%E5%94%AE", nil, 200); codes(v["items"]) != "SAL" {
			t.Errorf("q=销售: %v", v)
		}
		if v := s.mustJSON("GET", "/api/v1/value-sets/CONTRACT_TYPE/values?enabled=false", nil, 200); codes(v["items"]) != "OLD" {
			t.Errorf("enabled=false: %v", v)
		}
		if l := s.mustJSON("GET", "/api/v1/value-sets?search=contract", nil, 200); fmt.Sprint(l["total"]) != "1" {
			t.Errorf("list: %v", l)
		}

		s.mustCreateForm(valueSetForm())
		const records = "/api/v1/forms/D000009Deal/records"
		rec := s.mustJSON("POST", records, map[string]any{"F0000001": "a", "F0000002": "PUR", "F0000003": []string{"SAL", "PUR"},
			"D000009Line": []any{map[string]any{"F0000010": "SAL"}, map[string]any{"F0000010": "PUR"}}}, 201)
		oid := rec["ObjectId"].(string)
		purRow := rec["D000009Line"].([]any)[1].(map[string]any)["ObjectId"].(string)
		for _, c := range []struct {
			name  string
			data  map[string]any
			field string
			msg   string
		}{
			{"unknown value", map[string]any{"F0000002": "NOPE"}, "F0000002", "not a value of value set CONTRACT_TYPE"},
			{"disabled value", map[string]any{"F0000002": "OLD"}, "F0000002", "disabled"},
			{"unknown in multiselect", map[string]any{"F0000003": []string{"SAL", "X"}}, "F0000003", "not a value"},
			{"unknown in a child row", map[string]any{"D000009Line": []any{map[string]any{"F0000010": "X"}}}, "D000009Line.F0000010", "not a value"},
			{"wrong type", map[string]any{"F0000002": map[string]any{"code": "PUR"}}, "F0000002", ""},
			{"NUL", map[string]any{"F0000002": "P\x00UR"}, "F0000002", "NUL"},
		} {
			want := 422
			if c.name == "NUL" {
				want = 400 // refused as the body is read
			}
			status, body := s.do("POST", records, c.data)
			if status != want || decodeErr(t, body)["field"] != c.field || !strings.Contains(string(body), c.msg) {
				t.Errorf("%s: HTTP %d %s", c.name, status, body)
			}
		}

		// A value disabled later stays readable, may be sent back unchanged
		// (the object or child row holds it), and is refused anywhere else.
		s.mustJSON("PATCH", "/api/v1/value-sets/"+id, map[string]any{"values": []any{
			map[string]any{"code": "SAL", "label": "销售合同"},
			map[string]any{"code": "PUR", "label": "采购合同", "enabled": false},
		}}, 200)
		got := s.mustJSON("GET", records+"/"+oid, nil, 200)
		if got["F0000002"] != "PUR" {
			t.Errorf("stored value after disabling it: %v", got["F0000002"])
		}
		delete(got, "version")
		s.mustJSON("PATCH", records+"/"+oid, got, 200)                                         // the object as loaded
		s.mustJSON("PATCH", records+"/"+oid, map[string]any{"F0000003": []string{"SAL"}}, 200) // PUR dropped: it cannot come back
		other := s.mustJSON("POST", records, map[string]any{"F0000002": "SAL"}, 201)["ObjectId"].(string)
		for _, c := range []struct {
			name, path string
			data       map[string]any
			field      string
		}{
			{"create", records, map[string]any{"F0000002": "PUR"}, "F0000002"},
			{"another object", records + "/" + other, map[string]any{"F0000002": "PUR"}, "F0000002"},
			{"added to a multiselect", records + "/" + oid, map[string]any{"F0000003": []string{"SAL", "PUR"}}, "F0000003"},
			{"a new child row", records + "/" + oid, map[string]any{"D000009Line": []any{map[string]any{"ObjectId": purRow, "F0000010": "PUR"}, map[string]any{"F0000010": "PUR"}}}, "D000009Line.F0000010"},
		} {
			method := "PATCH"
			if c.path == records {
				method = "POST"
			}
			status, body := s.do(method, c.path, c.data)
			if status != 422 || decodeErr(t, body)["field"] != c.field || !strings.Contains(string(body), "disabled") {
				t.Errorf("disabled value, %s: HTTP %d %s", c.name, status, body)
			}
		}
		s.mustJSON("PATCH", records+"/"+oid, map[string]any{"D000009Line": []any{map[string]any{"ObjectId": purRow, "F0000010": "PUR"}}}, 200)
		// A disabled set takes no new value.
		s.mustJSON("PATCH", "/api/v1/value-sets/"+id, map[string]any{"enabled": false}, 200)
		if status, _ := s.do("PATCH", records+"/"+other, map[string]any{"F0000002": "SAL"}, "If-Match", ""); status != 200 {
			t.Errorf("the stored value of a disabled set sent back: HTTP %d", status)
		}
		if status, _ := s.do("POST", records, map[string]any{"F0000002": "SAL"}); status != 422 {
			t.Errorf("a value of a disabled set: HTTP %d", status)
		}
		if v := s.mustJSON("GET", "/api/v1/value-sets/CONTRACT_TYPE/values?enabled=true", nil, 200); codes(v["items"]) != "" {
			t.Errorf("enabled values of a disabled set: %v", v)
		}
		s.mustJSON("PATCH", "/api/v1/value-sets/"+id, map[string]any{"enabled": true}, 200)

		// In use: not deleted, not renamed.
		if status, body := s.do("DELETE", "/api/v1/value-sets/"+id, nil); status != 409 || !strings.Contains(string(body), "D000009Deal") {
			t.Errorf("deleting a set in use: HTTP %d %s", status, body)
		}
		if status, body := s.do("PATCH", "/api/v1/value-sets/"+id, map[string]any{"code": "CT2"}); status != 409 || !strings.Contains(string(body), "D000009Deal") {
			t.Errorf("renaming a set in use: HTTP %d %s", status, body)
		}
		// A form naming an unknown set is refused; one that stops using it frees it.
		bad := valueSetForm()
		bad["code"] = "D000009Other"
		bad["children"] = nil
		bad["fields"].([]any)[1].(map[string]any)["valueSet"] = "NO_SUCH"
		if status, body := s.do("POST", "/api/v1/forms", bad); status != 422 || decodeErr(t, body)["field"] != "fields[1].valueSet" {
			t.Errorf("a form naming an unknown value set: HTTP %d %s", status, body)
		}
		s.mustJSON("DELETE", "/api/v1/forms/D000009Deal", nil, 204)
		s.mustJSON("DELETE", "/api/v1/value-sets/"+id, nil, 204)
		if status, _ := s.do("GET", "/api/v1/value-sets/CONTRACT_TYPE/values", nil); status != 404 {
			t.Errorf("values of a deleted set: HTTP %d", status)
		}
	})
}

// TestValueSetBadInput: what a value set refuses, each naming the field.
func TestValueSetBadInput(t *testing.T) {
	forEachServer(t, func(t *testing.T, s *server) {
		s.mustJSON("POST", "/api/v1/value-sets", contractTypes(), 201)
		val := func(code, label string) map[string]any { return map[string]any{"code": code, "label": label} }
		many := make([]any, 5001)
		for i := range many {
			many[i] = val(fmt.Sprint("V", i), "v")
		}
		for _, c := range []struct {
			name   string
			body   any
			status int
			field  string
		}{
			{"no code", map[string]any{"name": "x"}, 422, "code"},
			{"bad code", map[string]any{"code": "a b", "name": "x"}, 422, "code"},
			{"no name", map[string]any{"code": "X"}, 422, "name"},
			{"duplicate set code", map[string]any{"code": "CONTRACT_TYPE", "name": "x"}, 409, "code"},
			{"duplicate value", map[string]any{"code": "X", "name": "x", "values": []any{val("A", "a"), val("A", "b")}}, 422, "values[1].code"},
			{"value without label", map[string]any{"code": "X", "name": "x", "values": []any{val("A", "")}}, 422, "values[0].label"},
			{"value with ;", map[string]any{"code": "X", "name": "x", "values": []any{val("A;B", "a")}}, 422, "values[0].code"},
			{"NUL in a label", map[string]any{"code": "X", "name": "x", "values": []any{val("A", "a\x00")}}, 400, "values.label"},
			{"values not an array", map[string]any{"code": "X", "name": "x", "values": "A"}, 422, "values"},
			{"order not a number", map[string]any{"code": "X", "name": "x", "values": []any{map[string]any{"code": "A", "label": "a", "order": "1"}}}, 422, "values.order"},
			{"enabled not a bool", map[string]any{"code": "X", "name": "x", "enabled": "yes"}, 422, "enabled"},
			{"unknown key", map[string]any{"code": "X", "name": "x", "colour": "red"}, 422, "colour"},
			{"too many values", map[string]any{"code": "X", "name": "x", "values": many}, 422, "values"},
			{"invalid UTF-8", `{"code":"X","name":"` + "\xff" + `"}`, 400, "name"},
		} {
			status, body := s.do("POST", "/api/v1/value-sets", c.body)
			if status != c.status || decodeErr(t, body)["field"] != c.field {
				t.Errorf("%s: HTTP %d %s, want %d naming %s", c.name, status, clip(body), c.status, c.field)
			}
		}
		if l := s.mustJSON("GET", "/api/v1/value-sets", nil, 200); fmt.Sprint(l["total"]) != "1" {
			t.Errorf("a refused set was stored: %v", l["total"])
		}
		// A form field: options and valueSet are one or the other.
		f := valueSetForm()
		f["children"] = nil
		f["fields"].([]any)[1].(map[string]any)["options"] = []string{"a"}
		if status, body := s.do("POST", "/api/v1/forms", f); status != 422 || decodeErr(t, body)["field"] != "fields[1].valueSet" {
			t.Errorf("options and valueSet: HTTP %d %s", status, body)
		}
		f["fields"].([]any)[1] = map[string]any{"code": "F0000002", "type": "text", "valueSet": "CONTRACT_TYPE"}
		if status, body := s.do("POST", "/api/v1/forms", f); status != 422 || decodeErr(t, body)["field"] != "fields[1].valueSet" {
			t.Errorf("valueSet on a text field: HTTP %d %s", status, body)
		}
		if status, _ := s.do("GET", "/api/v1/value-sets/NO_SUCH/values", nil); status != 404 {
			t.Errorf("values of an unknown set: HTTP %d", status)
		}
		if status, body := s.do("GET", "/api/v1/value-sets/CONTRACT_TYPE/values?enabled=maybe", nil); status != 422 || decodeErr(t, body)["field"] != "enabled" {
			t.Errorf("enabled=maybe: HTTP %d %s", status, body)
		}
	})
}

// TestValueSetBatchUpsert: an ERP syncs its value sets in one call by
// their externalId, each on its own.
func TestValueSetBatchUpsert(t *testing.T) {
	forEachServer(t, func(t *testing.T, s *server) {
		out := s.mustJSON("POST", "/api/v1/value-sets:upsert", map[string]any{"items": []any{
			map[string]any{"externalId": "ERP-VS-1", "code": "CURRENCY", "name": "币种", "values": []any{
				map[string]any{"code": "CNY", "label": "人民币"}, map[string]any{"code": "USD", "label": "美元"}}},
			map[string]any{"externalId": "ERP-VS-2", "code": "CURRENCY", "name": "重复编码"},
			map[string]any{"externalId": "ERP-VS-3", "code": "PAY", "name": "付款方式", "values": []any{
				map[string]any{"code": "A", "label": "a"}, map[string]any{"code": "A", "label": "b"}}},
			map[string]any{"code": "NOEXT", "name": "无编号"},
			42,
			map[string]any{"externalId": "ERP-VS-1", "values": []any{map[string]any{"code": "EUR", "label": "欧元"}}},
		}}, 200)
		if fmt.Sprintf("%v %v %v", out["created"], out["updated"], out["failed"]) != "1 1 4" {
			t.Fatalf("batch: %v", out)
		}
		items := out["items"].([]any)
		for i, want := range []string{"", "code", "values[1].code", "externalId", "items", ""} {
			it := items[i].(map[string]any)
			e, _ := it["error"].(map[string]any)
			if (want == "") != (e == nil) || (e != nil && e["field"] != want) {
				t.Errorf("item %d: %v, want error on %q", i, it, want)
			}
		}
		if v := s.mustJSON("GET", "/api/v1/value-sets/CURRENCY/values", nil, 200); codes(v["items"]) != "EUR" || v["name"] != "币种" {
			t.Errorf("CURRENCY after the batch: %v", v)
		}
		s.mustJSON("PUT", "/api/v1/value-sets/external/ERP-VS-9", map[string]any{"code": "NINE", "name": "九"}, 201)
		big := make([]any, 1001)
		for i := range big {
			big[i] = map[string]any{"externalId": fmt.Sprint("X-", i), "code": fmt.Sprint("X", i), "name": "x"}
		}
		if status, body := s.do("POST", "/api/v1/value-sets:upsert", map[string]any{"items": big}); status != 422 || !strings.Contains(string(body), "1000") {
			t.Errorf("1,001 items: HTTP %d %s", status, clip(body))
		}
		user := s.mustJSON("POST", "/api/v1/users", map[string]any{"name": "普通用户"}, 201)["id"].(string)
		if status, _ := s.do("POST", "/api/v1/value-sets", contractTypes(), as(user)...); status != 403 {
			t.Errorf("a user creating a value set: HTTP %d, want 403", status)
		}
		if status, _ := s.do("GET", "/api/v1/value-sets/CURRENCY/values", nil, as(user)...); status != 200 {
			t.Errorf("a user reading values: HTTP %d, want 200", status)
		}
		// Tokens: scope org.
		cid, secret := s.mustClient(map[string]any{"name": "erp", "scopes": []string{"org", "records:read"}})
		if status, body := s.bearer(s.mustToken(cid, secret, "records:read"), "GET", "/api/v1/value-sets/CURRENCY/values", nil); status != 403 || !strings.Contains(string(body), "org") {
			t.Errorf("values without scope org: HTTP %d %s", status, body)
		}
		if status, _ := s.bearer(s.mustToken(cid, secret, "org"), "POST", "/api/v1/value-sets:upsert", map[string]any{"items": []any{}}); status != 200 {
			t.Errorf("batch upsert with scope org: HTTP %d", status)
		}
	})
}

// codes joins the codes of a list of values.
func codes(v any) string {
	var out []string
	list, _ := v.([]any)
	for _, x := range list {
		out = append(out, fmt.Sprint(x.(map[string]any)["code"]))
	}
	return strings.Join(out, " ")
}

// decodeErr returns the error object of a REST error body.
func decodeErr(t *testing.T, b []byte) map[string]any {
	t.Helper()
	m := decode(t, b)
	e, _ := m["error"].(map[string]any)
	return e
}

func clip(b []byte) string {
	if len(b) > 300 {
		return string(b[:300]) + "…"
	}
	return string(b)
}

// TestValueSetOnAnotherNode: two nodes on one PostgreSQL. A value
// disabled, or added, through node A is refused, or taken, by record
// writes on node B within its organisation cache's revision check (a
// second), though B had the set cached.
func TestValueSetOnAnotherNode(t *testing.T) {
	a, b := twoNodes(t)
	id := a.mustJSON("POST", "/api/v1/value-sets", contractTypes(), 201)["id"].(string)
	a.mustCreateForm(valueSetForm())
	const records = "/api/v1/forms/D000009Deal/records"
	b.mustJSON("POST", records, map[string]any{"F0000002": "PUR"}, 201) // B caches the set
	a.mustJSON("PATCH", "/api/v1/value-sets/"+id, map[string]any{"values": []any{
		map[string]any{"code": "PUR", "label": "采购合同", "enabled": false},
		map[string]any{"code": "NEW", "label": "新类型"},
	}}, 200)
	// A sees its own change at once.
	if status, _ := a.do("POST", records, map[string]any{"F0000002": "PUR"}); status != 422 {
		t.Errorf("A after its change: HTTP %d", status)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		pur, _ := b.do("POST", records, map[string]any{"F0000002": "PUR"})
		added, _ := b.do("POST", records, map[string]any{"F0000002": "NEW"})
		if pur == 422 && added == 201 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("B still takes the old values: PUR %d, NEW %d", pur, added)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestValueSetDeleteRacesFormCreate: a value set deleted while a form
// that names it is created — either the form is refused and the set is
// gone, or the form exists and the set stays; never a form naming a set
// that is gone.
func TestValueSetDeleteRacesFormCreate(t *testing.T) {
	forEachServer(t, func(t *testing.T, s *server) {
		for i := range 8 {
			code := fmt.Sprint("RACE_", i)
			id := s.mustJSON("POST", "/api/v1/value-sets", map[string]any{"code": code, "name": "竞争"}, 201)["id"].(string)
			def := map[string]any{"code": fmt.Sprint("D00000Race", i), "fields": []any{
				map[string]any{"code": "F0000001", "type": "select", "valueSet": code}}}
			var formStatus, delStatus int
			var formBody, delBody string
			done := make(chan struct{})
			go func() {
				defer close(done)
				formStatus, formBody, _ = s.rawDo("POST", "/api/v1/forms", def)
			}()
			delStatus, delBody, _ = s.rawDo("DELETE", "/api/v1/value-sets/"+id, nil)
			<-done
			setGone := delStatus == 204
			switch {
			case formStatus == 201 && !setGone && delStatus == 409:
			case formStatus == 422 && setGone:
			case formStatus == 201 && setGone:
				t.Fatalf("round %d: the form was created and its value set deleted", i)
			default:
				t.Fatalf("round %d: form HTTP %d %s, delete HTTP %d %s", i, formStatus, formBody, delStatus, delBody)
			}
		}
	})
}
