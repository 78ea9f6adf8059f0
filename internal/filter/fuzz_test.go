package filter

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/tritiumhq/tritium/internal/form"
	"github.com/tritiumhq/tritium/internal/sqldb"
)

// checkCompile compiles n and checks the invariants every accepted filter
// must keep: errors are client errors, and each '?' has exactly one
// argument (so no value was spliced in and none is missing).
func checkCompile(t *testing.T, d sqldb.Dialect, codec *form.Codec, f *form.Form, n Node) {
	_ = n.String()
	where, args, err := Compile(d, codec, f, n)
	if err != nil {
		if !clientErr(err) {
			t.Fatalf("Compile(%v): non-client error %v", n, err)
		}
		return
	}
	if where == "" {
		t.Fatalf("Compile(%v): empty where", n)
	}
	if q := strings.Count(where, "?"); q != len(args) {
		t.Fatalf("Compile(%v) = %s: %d placeholders, %d args", n, where, q, len(args))
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		``,
		`F0000007 > 10 && (Status = 1 || Name ~ "合同")`,
		`Title ~ "a%b_c\\" || Tags in ["red", 'x;y'] && Qty >= -1.5e2`,
		`Amount > 100.495 and not_a_field != null or Kind not in ("A",)`,
		`Due <= "2025/02/17" && At > "2025-02-17T19:10:07+08:00" && Done = true`,
		`Big in [1, "2.5"] || Team !~ "u\u0001" || Boss !^= 'b' || Files = null`,
		`((((Title = "x"))))`,
		`Title = "\ud83d\ude00" && Note !$= ""`,
		`Status in [] || ObjectId !in [1,2,3]`,
		// Past every limit: seeding these branches keeps the fuzzer from
		// spending its minimisation time on huge inputs that reach them.
		`a = "` + strings.Repeat("x", MaxInputLen) + `"`,
		strings.Repeat("(", MaxDepth+1) + "a = 1" + strings.Repeat(")", MaxDepth+1),
		strings.Repeat("a = 1 || ", MaxConditions) + "a = 1",
		"a in [" + strings.Repeat("1,", MaxListItems+1) + "]",
	} {
		f.Add(s)
	}
	d, fm, codec := sqliteDialect(f), preparedForm(f), testCodec()
	f.Fuzz(func(t *testing.T, s string) {
		n, err := Parse(s)
		if err != nil {
			if !clientErr(err) {
				t.Fatalf("Parse(%q): non-client error %v", s, err)
			}
			return
		}
		checkCompile(t, d, codec, fm, n)
		// String is REST syntax: it must parse back to the same tree.
		if out := n.String(); len(out) <= MaxInputLen {
			n2, err := Parse(out)
			if err != nil || !reflect.DeepEqual(n, n2) {
				t.Fatalf("Parse(%q) = %s, which reparses as %v, %v", s, out, n2, err)
			}
		}
	})
}

func FuzzParseMatcher(f *testing.F) {
	for _, s := range []string{
		`null`,
		`{"Type":"And","Matchers":[{"Type":"Item","Name":"Title","Operator":8,"Value":"abc"},{"Type":"Or","Matchers":[]}]}`,
		`{"type":"or","matchers":[{"Name":"Qty","Operator":"0","Value":"5"},{"Name":"Tags","Operator":6,"Value":"red;blue"}]}`,
		`{"Type":"Item","Name":"Amount","Operator":1,"Value":100.495}`,
		`{"Type":"Item","Name":"Kind","Operator":7,"Value":["A",null,1]}`,
		`{"Type":"Item","Name":"Files","Operator":20}`,
		`{"Type":"Item","Name":"Due","Operator":3,"Value":"2025/01/10 00:00:00"}`,
		`{"Type":"Item","Name":"Done","Operator":2,"Value":"true"}`,
		`"{\"Type\":\"Item\",\"Name\":\"Status\",\"Operator\":2,\"Value\":1}"`,
		`{"Type":"Item","Name":"Title","Operator":9,"Value":{}}`,
		strings.Repeat(`{"Type":"And","Matchers":[`, MaxDepth+1) + strings.Repeat(`]}`, MaxDepth+1),
		`{"Type":"Or","Matchers":[` + strings.Repeat(`{"Name":"Qty","Operator":0,"Value":1},`, MaxConditions) + `{"Name":"a","Operator":2}]}`,
		`{"Name":"Qty","Operator":6,"Value":[` + strings.Repeat(`1,`, MaxListItems) + `1]}`,
	} {
		f.Add([]byte(s))
	}
	d, fm, codec := sqliteDialect(f), preparedForm(f), testCodec()
	f.Fuzz(func(t *testing.T, b []byte) {
		dec := json.NewDecoder(strings.NewReader(string(b)))
		dec.UseNumber()
		var v any
		if dec.Decode(&v) != nil {
			return
		}
		n, err := ParseMatcher(v)
		if err != nil {
			if !clientErr(err) {
				t.Fatalf("ParseMatcher(%s): non-client error %v", b, err)
			}
			return
		}
		checkCompile(t, d, codec, fm, n)
	})
}
