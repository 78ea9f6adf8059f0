package wiretext

import (
	"encoding/json"
	"testing"
)

func TestCheckJSON(t *testing.T) {
	cases := []struct {
		in    string
		prob  Problem
		where string
		key   bool
	}{
		{`{"a":"fine","b":[1,"二",{"c":null}]}`, OK, "", false},
		{`{"a":"\u4e2d\ud83d\ude00"}`, OK, "", false}, // escapes and a surrogate pair
		{`{"a":"\\u0000 is text"}`, OK, "", false},    // an escaped backslash
		{`{"a":"\\\u0000"}`, NUL, "a", false},         // a backslash, then NUL
		{"{\"F1\":\"bad\xff\xfeutf\"}", InvalidUTF8, "F1", false},
		{"{\"F1\":\"\xc0\xaf\"}", InvalidUTF8, "F1", false},     // overlong
		{"{\"F1\":\"\xe4\xb8\"}", InvalidUTF8, "F1", false},     // truncated
		{"{\"F1\":\"\xed\xa0\x80\"}", InvalidUTF8, "F1", false}, // CESU surrogate
		{`{"F1":"a\u0000b"}`, NUL, "F1", false},
		{`{"F1":"\ud800"}`, Surrogate, "F1", false},
		{`{"F1":"\udc00x"}`, Surrogate, "F1", false},
		{`{"F1":"\ud800\u0041"}`, Surrogate, "F1", false},
		{"{\"L\":[{\"F2\":1},{\"F2\":\"\xff\"}]}", InvalidUTF8, "L[1].F2", false},
		{"{\"k\xff\":1}", InvalidUTF8, "k\uFFFD", true},
		// The escape is the inner document's: its own decode finds it.
		{`{"BizObject":"{\"F1\":\"x\\u0000\"}"}`, OK, "", false},
		{"{\"BizObject\":\"{\\\"F1\\\":\\\"\xff\\\"}\"}", InvalidUTF8, "BizObject.F1", false},
		{`{"BizObject":"{\"F1\":\"\ud800\"}"}`, Surrogate, "BizObject.F1", false},
		{`{"s":"plain \u0000 text"}`, NUL, "s", false},
		{`{'a':'\u0000'}`, NUL, "a", false},
		{`"\u0000"`, NUL, "", false},
	}
	for _, c := range cases {
		e := CheckJSON([]byte(c.in))
		if c.prob == OK {
			if e != nil {
				t.Errorf("%s: %v, want nothing", c.in, e)
			}
			if c.in[0] == '{' && c.in[1] == '"' && !json.Valid([]byte(c.in)) {
				t.Errorf("%s: test input is not JSON", c.in)
			}
			continue
		}
		if e == nil {
			t.Errorf("%q: found nothing, want %v at %s", c.in, c.prob.En(), c.where)
			continue
		}
		if e.Problem != c.prob || e.Where() != c.where || e.Key != c.key {
			t.Errorf("%q: %v at %q (key %v), want %v at %q", c.in, e.Problem.En(), e.Where(), e.Key, c.prob.En(), c.where)
		}
	}
}

func TestField(t *testing.T) {
	e := CheckJSON([]byte("{\"D1Lines\":[{\"F2\":\"\xff\"}]}"))
	if e == nil || e.Field() != "D1Lines.F2" || e.Where() != "D1Lines[0].F2" {
		t.Fatalf("%+v", e)
	}
}

func TestCheck(t *testing.T) {
	for in, want := range map[string]Problem{"K-0001": OK, "中文": OK, "K\x00": NUL, "\xff": InvalidUTF8, "": OK} {
		if got := Check(in); got != want {
			t.Errorf("Check(%q) = %d, want %d", in, got, want)
		}
	}
}

func BenchmarkCheckJSON(b *testing.B) {
	doc := []byte(`{"F0000001":"钢材采购合同","F0000002":"1234.5","F0000003":"2025/02/17","F0000004":12,"F0000005":"采购","D000001Lines":[{"F0000011":"螺纹钢","F0000012":3.1415}]}`)
	b.SetBytes(int64(len(doc)))
	for b.Loop() {
		if CheckJSON(doc) != nil {
			b.Fatal("refused")
		}
	}
}
