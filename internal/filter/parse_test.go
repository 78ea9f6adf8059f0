package filter

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	// want is the tree's String(): the REST syntax with the parentheses
	// the structure needs, "" for match-all.
	tests := []struct{ in, want string }{
		{"", ""},
		{"  \n\t", ""},
		{`F0000007 > 10 && (Status = 1 || Name ~ "合同")`, `F0000007 > 10 && (Status = 1 || Name ~ "合同")`},
		{`a = 1 || b = 2 && c = 3`, `a = 1 || b = 2 && c = 3`},
		{`(a = 1 || b = 2) && c = 3`, `(a = 1 || b = 2) && c = 3`},
		{`a = 1 AND b = 2 or c = 3`, `a = 1 && b = 2 || c = 3`},
		{`a = 1 && b = 2 && c = 3`, `a = 1 && b = 2 && c = 3`},
		{`a = 1 && (b = 2 && c = 3)`, `a = 1 && (b = 2 && c = 3)`},
		{`((a = 1))`, `a = 1`},
		{`a>=1&&b<2||c<=-2.5e3`, `a >= 1 && b < 2 || c <= -2.5e3`},
		{`a = null`, `a = null`},
		{`a != NULL`, `a != null`},
		{`a <> 1`, `a != 1`},
		{`a == 1`, `a = 1`},
		{`a ~ 'x'`, `a ~ "x"`},
		{`a !~ "x"`, `a !~ "x"`},
		{`a ^= "x"`, `a ^= "x"`},
		{`a !^= "x"`, `a !^= "x"`},
		{`a $= "x"`, `a $= "x"`},
		{`a !$= "x"`, `a !$= "x"`},
		{`a = TRUE || b != false`, `a = true || b != false`},
		{`a in [1, "b", true]`, `a in [1, "b", true]`},
		{`a IN ("x",)`, `a in ["x"]`},
		{`a !in (1,2)`, `a !in [1, 2]`},
		{`a NOT IN []`, `a !in []`},
		{`a not in ['x']`, `a !in ["x"]`},
		{`and = 1 and or = 2 or in in [3]`, `and = 1 && or = 2 || in in [3]`},
		{`_x9 = 007`, `_x9 = 007`},
		{`a = "it's" || b = 'say "hi"'`, `a = "it's" || b = "say \"hi\""`},
	}
	for _, tt := range tests {
		n, err := Parse(tt.in)
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.in, err)
			continue
		}
		if got := n.String(); got != tt.want {
			t.Errorf("Parse(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func TestParseValues(t *testing.T) {
	tests := []struct {
		in   string
		want any
	}{
		{`a = "q\"\\\/\n\r\t'"`, "q\"\\/\n\r\t'"},
		{`a = 'it\'s'`, "it's"},
		{`a = "\u00e9\u5408\ud83d\ude00"`, "é合😀"},
		{`a = "合同"`, "合同"},
		{`a = ""`, ""},
		{`a = -5`, json.Number("-5")},
		{`a = 0.25E+2`, json.Number("0.25E+2")},
		{`a = false`, false},
		{`a in [1, "x"]`, []any{json.Number("1"), "x"}},
		{`a in []`, []any{}},
	}
	for _, tt := range tests {
		n, err := Parse(tt.in)
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.in, err)
			continue
		}
		c, ok := n.(*Cond)
		if !ok || !reflect.DeepEqual(c.Value, tt.want) {
			t.Errorf("Parse(%q) = %#v, want value %#v", tt.in, n, tt.want)
		}
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct{ in, want string }{
		{`a`, "位置 1: 需要运算符"},
		{`a =`, "位置 3:"},
		{`a =`, "expected a value"},
		{`= 1`, "位置 0: 需要字段编码或 ("},
		{`a = 1 &&`, `found EOF`},
		{`a = 1 b = 2`, `位置 6: 需要&&、|| 或结尾, 实际为 "b"`},
		{`(a = 1`, "expected &&, || or )"},
		{`a = 1)`, `at offset 5: expected &&, || or the end, found ")"`},
		{`()`, "位置 1: 需要字段编码或 ("},
		{`a = "x`, "位置 4: 字符串没有结束引号"},
		{`a = 'x"`, "unterminated string"},
		{`a = "x\"`, "unterminated string"},
		{`a = "\x"`, "invalid escape sequence"},
		{`a = "\u12"`, `invalid \u escape`},
		{`a = "\ud800"`, "unpaired surrogate"},
		{`a = "\ud800\u0041"`, "unpaired surrogate"},
		{`a = 1.`, "malformed number"},
		{`a = 1e`, "malformed number"},
		{`a = 1abc`, "malformed number"},
		{`a = 1.2.3`, "malformed number"},
		{`a = - 1`, "unexpected character '-'"},
		{`a & b`, "unexpected character '&'"},
		{`a = 1 | b = 2`, "unexpected character '|'"},
		{`a ! b`, "unexpected character '!'"},
		{`a > null`, "null works only with = and !="},
		{`a ~ null`, "null works only with = and !="},
		{`a in [null]`, "null cannot be in a list"},
		{`a in 1`, "expected [, found \"1\""},
		{`a in [1 2]`, "expected , or the end of the list"},
		{`a in [1,,2]`, "expected a value"},
		{`a in (1]`, "expected , or the end of the list"},
		{`a = foo`, `expected a value: a quoted string, a number, true, false or null, found "foo"`},
		{`a not = 1`, `expected in, found "="`},
		{`a = 'x'; DROP TABLE t`, "unexpected character ';'"},
		{`Title' OR '1'='1`, "expected an operator"},
		{`名字 = 1`, "unexpected character '名'"},
		{`1 = 1`, "expected a field code"},
		{`a = 1 || || b = 2`, "expected a field code"},
		{"a = \"\xff\"", "not valid UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			n, err := Parse(tt.in)
			if err == nil {
				t.Fatalf("Parse(%q) = %v, want error %q", tt.in, n, tt.want)
			}
			checkErr(t, err, tt.want, "")
		})
	}
}

func TestParseLimits(t *testing.T) {
	nested := func(depth int) string {
		return strings.Repeat("(", depth) + "a = 1" + strings.Repeat(")", depth)
	}
	conds := func(n int) string { return strings.Repeat("a = 1 || ", n-1) + "a = 1" }
	list := func(n int) string { return "a in [" + strings.Repeat("1,", n) + "]" }

	for _, ok := range []string{nested(MaxDepth), conds(MaxConditions), list(MaxListItems)} {
		if _, err := Parse(ok); err != nil {
			t.Errorf("Parse(%.40q…): %v", ok, err)
		}
	}
	tests := []struct{ in, want string }{
		{nested(MaxDepth + 1), "parentheses nested deeper than 32 levels"},
		{conds(MaxConditions + 1), "more than 500 conditions"},
		{list(MaxListItems + 1), "more than 1000 values in a list"},
		{`a = "` + strings.Repeat("x", MaxInputLen) + `"`, "filter longer than 8192 bytes"},
	}
	for _, tt := range tests {
		_, err := Parse(tt.in)
		checkErr(t, err, tt.want, "")
	}
}

// TestParseStringRoundTrip checks that String writes what Parse reads.
func TestParseStringRoundTrip(t *testing.T) {
	for _, in := range []string{
		`a = "x\u0001\u007f\n\"\\" && (b = 1 || c in [1, "2"]) && d = null && e != null`,
		`a = 1 && (b = 2 && (c = 3 || d = 4 && (e = 5 || f = 6)))`,
		`(a = 1 || b = 2) || c = 3`,
	} {
		n, err := Parse(in)
		if err != nil {
			t.Fatal(err)
		}
		n2, err := Parse(n.String())
		if err != nil {
			t.Fatalf("reparse %s: %v", n, err)
		}
		if !reflect.DeepEqual(n, n2) {
			t.Errorf("round trip of %s gave %s", n, n2)
		}
	}
}

func TestParseSort(t *testing.T) {
	tests := []struct {
		in   string
		want []Sort
	}{
		{"", nil},
		{"  ", nil},
		{"Name", []Sort{{Field: "Name"}}},
		{"-CreatedTime,Name", []Sort{{Field: "CreatedTime", Desc: true}, {Field: "Name"}}},
		{" +F0000001 , -ObjectId ", []Sort{{Field: "F0000001"}, {Field: "ObjectId", Desc: true}}},
	}
	for _, tt := range tests {
		got, err := ParseSort(tt.in)
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("ParseSort(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
	for _, bad := range []string{"-", "Name,", ",Name", "--Name", "Na me", "1abc", `Name"; DROP`, "a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q"} {
		_, err := ParseSort(bad)
		if err == nil {
			t.Errorf("ParseSort(%q): want an error", bad)
			continue
		}
		checkErr(t, err, "sort", "")
	}
}

func TestParseMatcher(t *testing.T) {
	item := func(name string, op, value string) string {
		return `{"Type":"Item","Name":"` + name + `","Operator":` + op + `,"Value":` + value + `}`
	}
	tests := []struct{ in, want string }{
		{`null`, ""},
		{`{}`, ""},
		{`""`, ""},
		{`{"Type":"And","Matchers":[]}`, ""},
		{`{"Type":"Or"}`, ""},
		{`{"Type":"And","Matchers":null}`, ""},
		{`{"Type":"and","Matchers":[{"Type":"AND","Matchers":[{"Type":"And","Matchers":[]}]},{"Type":"Or","Matchers":[]}]}`, ""},
		{item("F1", "2", `"x"`), `F1 = "x"`},
		{item("F1", `"2"`, `"x"`), `F1 = "x"`},
		{item("F1", `" 8 "`, `"x"`), `F1 ~ "x"`},
		{item("F1", `2.0`, `1`), `F1 = 1`},
		{item(" F1 ", "0", `"5"`), `F1 > "5"`},
		{item("F1", "1", `1`) + ``, `F1 >= 1`},
		{item("F1", "3", `1`), `F1 <= 1`},
		{item("F1", "4", `1`), `F1 < 1`},
		{item("F1", "5", `null`), `F1 != null`},
		{item("F1", "6", `["a","b"]`), `F1 in ["a", "b"]`},
		{item("F1", "7", `"a;b"`), `F1 !in "a;b"`},
		{item("F1", "13", `"a"`), `F1 ^= "a"`},
		{item("F1", "14", `"a"`), `F1 $= "a"`},
		{item("F1", "18", `null`), `F1 = null`},
		{item("F1", "19", `"ignored"`), `F1 != null`},
		{item("F1", "20", `null`), `F1 is null or empty`},
		{item("F1", "21", `null`), `F1 is not null or empty`},
		{item("F1", "22", `"a"`), `F1 !^= "a"`},
		{item("F1", "23", `"a"`), `F1 !$= "a"`},
		{item("F1", "24", `"a"`), `F1 !~ "a"`},
		{`{"Type":"ITEM","Name":"F1","Operator":2}`, `F1 = null`}, // Value missing: compared with null
		{`{"type":"item","name":"F1","operator":5,"value":1}`, `F1 != 1`},
		{`{"TYPE":"Or","MATCHERS":[` + item("a", "2", "1") + `,` + item("b", "2", "2") + `]}`, `a = 1 || b = 2`},
		{`{"Name":"F1","Operator":2,"Value":1}`, `F1 = 1`},
		{`{"Matchers":[` + item("a", "2", "1") + `,` + item("b", "2", "2") + `]}`, `a = 1 && b = 2`},
		// Absent conditions are dropped, not treated as true inside an Or.
		{`{"Type":"Or","Matchers":[{"Type":"And","Matchers":[]},` + item("Kind", "2", `"B"`) + `]}`, `Kind = "B"`},
		{`{"Type":"And","Matchers":[{"Operator":2,"Value":"x"},` + item("Qty", "4", "0") + `]}`, `Qty < 0`},
		{`{"Type":"And","Matchers":[` + item("a", "2", "1") + `,{"Type":"Or","Matchers":[` + item("b", "2", "2") + `,` + item("c", "2", "3") + `]}]}`, `a = 1 && (b = 2 || c = 3)`},
		// A Matcher sent as a JSON string, at the top or inside a group.
		{`"{\"Type\":\"Item\",\"Name\":\"F1\",\"Operator\":2,\"Value\":1}"`, `F1 = 1`},
		{`{"Type":"And","Matchers":["{\"Name\":\"F1\",\"Operator\":2,\"Value\":1}"]}`, `F1 = 1`},
	}
	for _, tt := range tests {
		n, err := ParseMatcher(decodeJSON(t, tt.in))
		if err != nil {
			t.Errorf("ParseMatcher(%s): %v", tt.in, err)
			continue
		}
		if got := n.String(); got != tt.want {
			t.Errorf("ParseMatcher(%s) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func TestParseMatcherErrors(t *testing.T) {
	tests := []struct{ in, want, field string }{
		{`{"Type":"Item","Name":"F1","Operator":9,"Value":1}`, "Filter格式错误: 不支持的运算符 9 (unsupported operator 9)", "F1"},
		{`{"Type":"Item","Name":"F1","Operator":"abc"}`, `不支持的运算符 abc`, "F1"},
		{`{"Type":"Item","Name":"F1","Operator":2.5}`, `unsupported operator 2.5`, "F1"},
		{`{"Type":"Item","Name":"F1","Operator":-1}`, `unsupported operator -1`, "F1"},
		{`{"Type":"Item","Name":"F1","Operator":99999999999999999999}`, `unsupported operator`, "F1"},
		{`{"Type":"Item","Name":"F1","Operator":true}`, `unsupported operator true`, "F1"},
		{`{"Type":"Item","Name":"F1","Value":1}`, `no Operator`, "F1"},
		{`{"Type":"Item","Operator":2,"Value":1}`, `an Item Matcher needs a Name`, ""},
		{`{"Type":"Item","Name":" ","Operator":2}`, `needs a Name`, ""},
		{`{"Type":"Item","Name":5,"Operator":2}`, `Name must be a string`, ""},
		{`{"Type":"Foo"}`, `不支持的 Matcher 类型 "Foo"`, ""},
		{`{"Type":1}`, `Type must be a string`, ""},
		{`{"Type":"And","Matchers":{}}`, `Matchers must be an array`, ""},
		{`{"Type":"And","Matchers":[1]}`, `a Matcher must be a JSON object`, ""},
		{`[]`, `a Matcher must be a JSON object`, ""},
		{`"not json"`, `must hold a JSON object`, ""},
		{`"[1]"`, `must be a JSON object`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			n, err := ParseMatcher(decodeJSON(t, tt.in))
			if err == nil {
				t.Fatalf("got %v, want an error", n)
			}
			checkErr(t, err, tt.want, tt.field)
		})
	}
}

func TestParseMatcherLimits(t *testing.T) {
	const leaf = `{"Type":"Item","Name":"a","Operator":2,"Value":1}`
	nested := func(depth int) string {
		return strings.Repeat(`{"Type":"And","Matchers":[`, depth) + leaf + strings.Repeat(`]}`, depth)
	}
	many := func(n int) string {
		return `{"Type":"Or","Matchers":[` + strings.Repeat(leaf+",", n-1) + leaf + `]}`
	}
	for _, ok := range []string{nested(MaxDepth), many(MaxConditions)} {
		if _, err := ParseMatcher(decodeJSON(t, ok)); err != nil {
			t.Errorf("ParseMatcher(%.60s…): %v", ok, err)
		}
	}
	_, err := ParseMatcher(decodeJSON(t, nested(MaxDepth+1)))
	checkErr(t, err, "Matcher nested deeper than 32 levels", "")
	_, err = ParseMatcher(decodeJSON(t, many(MaxConditions+1)))
	checkErr(t, err, "more than 500 conditions", "")
}
