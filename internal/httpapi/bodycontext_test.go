package httpapi

import (
	"io"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestTakeBodyRef(t *testing.T) {
	for _, c := range []struct {
		name, body, by, id, rest, field string
	}{
		{"no context", `{"a":1}`, "", "", `{"a":1}`, ""},
		{"both keys", `{"userIdType":"LOGINNAME","userId":"lisi","F1":"x"}`, "LOGINNAME", "lisi", `{"F1":"x"}`, ""},
		{"last member, spaces", "{ \"F1\" : [1, {\"userId\": \"nested\"}] ,\n \"userId\" : \"u1\" }", "", "u1", `{"F1" : [1, {"userId": "nested"}]}`, ""},
		{"only inside values", `{"F1":{"userId":"x"},"F2":"\"userId"}`, "", "", `{"F1":{"userId":"x"},"F2":"\"userId"}`, ""},
		{"escaped key", `{"user\u0049d":"u2"}`, "", "u2", `{}`, ""},
		{"alone", `{"userId":"u3"}`, "", "u3", `{}`, ""},
		{"null is none", `{"userId":null,"a":true}`, "", "", `{"a":true}`, ""},
		{"not a string", `{"userId":42}`, "", "", "", "userId"},
		{"twice", `{"userId":"a","userId":"b"}`, "", "", "", "userId"},
		{"type without id", `{"userIdType":"EMAIL"}`, "", "", "", "userId"},
		{"NUL", `{"userId":"a\u0000"}`, "", "", "", "userId"},
		{"not an object", `["userId"]`, "", "", `["userId"]`, ""},
		{"broken JSON", `{"userId":"a",`, "", "", `{"userId":"a",`, ""},
	} {
		r := httptest.NewRequest("POST", "/x", strings.NewReader(c.body))
		r.Header.Set("Content-Type", "application/json; charset=utf-8")
		r, ref, err := takeBodyRef(r)
		if c.field != "" {
			if e := asAPI(err); e == nil || e.field != c.field || e.status != 400 {
				t.Errorf("%s: %v, want a 400 naming %s", c.name, err, c.field)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		rest, _ := io.ReadAll(r.Body)
		if ref.by != c.by || ref.id != c.id || string(rest) != c.rest || ref.inBody != (c.id != "") {
			t.Errorf("%s: %+v %s, want %s/%s %s", c.name, ref, rest, c.by, c.id, c.rest)
		}
	}
	// Not JSON: left alone.
	r := httptest.NewRequest("PUT", "/x", strings.NewReader(`{"userId":"a"}`))
	r.Header.Set("Content-Type", "application/xml")
	if _, ref, err := takeBodyRef(r); err != nil || ref.id != "" {
		t.Errorf("an XML body: %+v %v", ref, err)
	}
}

func asAPI(err error) *apiError {
	if err == nil {
		return nil
	}
	r := httptest.NewRequest("GET", "/", nil)
	return classify(r, nil, err)
}

// BenchmarkTakeBodyRef: what the body's user context costs a REST write
// before the handler reads its body, on a record body of about 1 KB —
// "none" (no context in the body: a read and a byte search), "body" (the
// context scanned and cut out) — against "read" (only reading the body,
// which the handler does anyway).
func BenchmarkTakeBodyRef(b *testing.B) {
	data := `"F0000001":"采购合同 2026-001","F0000002":"125000.50","F0000006":"采购","F0000008":["紧急","大客户"],` +
		`"D000001Lines":[` + strings.Repeat(`{"F0000011":"物料 A-100","F0000012":"12.5000"},`, 12) + `{"F0000011":"物料 Z","F0000012":"1"}]`
	for _, c := range []struct{ name, body string }{
		{"read", "{" + data + "}"},
		{"none", "{" + data + "}"},
		{"body", `{"userIdType":"LOGINNAME","userId":"lisi",` + data + "}"},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(c.body)))
			for b.Loop() {
				r := httptest.NewRequest("POST", "/x", strings.NewReader(c.body))
				if c.name == "read" {
					if _, err := io.ReadAll(r.Body); err != nil {
						b.Fatal(err)
					}
					continue
				}
				r, _, err := takeBodyRef(r)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := io.ReadAll(r.Body); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
