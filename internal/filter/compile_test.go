package filter

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// TestCompileSQL pins the SQL shape on SQLite; TestFilterDB checks what it
// matches on both databases.
func TestCompileSQL(t *testing.T) {
	d, f, codec := sqliteDialect(t), preparedForm(t), testCodec()
	tests := []struct {
		filter string
		where  string
		args   []any
	}{
		{``, `1=1`, nil},
		{`Title = "x"`, `"title" = ?`, []any{"x"}},
		{`title = 'x' && QTY > 1`, `("title" = ? AND "qty" > ?)`, []any{"x", 1.0}},
		{`Title = ""`, `"title" IS NULL`, nil},
		{`Title != ""`, `"title" IS NOT NULL`, nil},
		{`Qty > ""`, `1=0`, nil},
		{`Title ~ "a%b_c\\"`, `tritium_fold("title") LIKE tritium_fold(?) ESCAPE '\'`, []any{`%a\%b\_c\\%`}},
		{`Title !^= "x"`, `NOT (tritium_fold("title") LIKE tritium_fold(?) ESCAPE '\')`, []any{`x%`}},
		{`Title $= "x"`, `tritium_fold("title") LIKE tritium_fold(?) ESCAPE '\'`, []any{`%x`}},
		{`Title ~ ""`, `"title" IS NOT NULL`, nil},
		{`Title !~ ""`, `1=0`, nil},
		{`Tags ~ " red "`, `tritium_fold((';' || "tags" || ';')) LIKE tritium_fold(?) ESCAPE '\'`, []any{`%;red;%`}},
		{`Tags != "red"`, `NOT (tritium_fold((';' || "tags" || ';')) LIKE tritium_fold(?) ESCAPE '\')`, []any{`%;red;%`}},
		{`Tags ^= "red"`, `tritium_fold("tags") LIKE tritium_fold(?) ESCAPE '\'`, []any{`red%`}},
		{`Tags ~ "a;b"`, `1=0`, nil},
		{`Tags in ["a", "b"]`, `(tritium_fold((';' || "tags" || ';')) LIKE tritium_fold(?) ESCAPE '\' OR tritium_fold((';' || "tags" || ';')) LIKE tritium_fold(?) ESCAPE '\')`, []any{`%;a;%`, `%;b;%`}},
		{`Tags not in ["a"]`, `NOT (tritium_fold((';' || "tags" || ';')) LIKE tritium_fold(?) ESCAPE '\')`, []any{`%;a;%`}},
		{`Tags in []`, `1=0`, nil},
		{`Tags not in []`, `"tags" IS NOT NULL`, nil},
		{`Kind in ["A", "B"]`, `"kind" IN (?, ?)`, []any{"A", "B"}},
		{`Kind not in ["A"]`, `"kind" NOT IN (?)`, []any{"A"}},
		{`Kind in []`, `1=0`, nil},
		{`Kind in [] && Title = "x"`, `1=0`, nil},
		{`Kind in [] || Title = "x"`, `"title" = ?`, []any{"x"}},
		{`Kind not in [] || Title = "x"`, `("kind" IS NOT NULL OR "title" = ?)`, []any{"x"}},
		{`Kind = null`, `"kind" IS NULL`, nil},
		{`Amount >= 1.5`, `"amount" >= ?`, []any{int64(150)}},
		{`Amount > 1.005`, `"amount" >= ?`, []any{int64(101)}},
		{`Amount <= -1.005`, `"amount" <= ?`, []any{int64(-101)}},
		{`Amount = 1.005`, `1=0`, nil},
		{`Amount != 1.005`, `"amount" IS NOT NULL`, nil},
		{`Amount in [1.005, 2]`, `"amount" IN (?)`, []any{int64(200)}},
		{`Big > 1`, `CAST("big" AS REAL) > CAST(? AS REAL)`, []any{"1.000"}},
		{`Big in [1, "2.5"]`, `CAST("big" AS REAL) IN (CAST(? AS REAL), CAST(? AS REAL))`, []any{"1.000", "2.500"}},
		{`Done = true`, `"done" = ?`, []any{int64(1)}},
		{`Due < "2025/02/17"`, `"due" < ?`, []any{"2025-02-17"}},
		{`Status in [1, "2"]`, `"status" IN (?, ?)`, []any{int64(1), int64(2)}},
		{`Files = null`, `"files" IS NULL`, nil},
	}
	for _, tt := range tests {
		n, err := Parse(tt.filter)
		if err != nil {
			t.Fatalf("Parse(%q): %v", tt.filter, err)
		}
		where, args, err := Compile(d, codec, f, n)
		if err != nil {
			t.Errorf("Compile(%q): %v", tt.filter, err)
			continue
		}
		if where != tt.where || !reflect.DeepEqual(args, tt.args) {
			t.Errorf("Compile(%q)\n got  %s %#v\n want %s %#v", tt.filter, where, args, tt.where, tt.args)
		}
	}
}

func TestCompileNullTests(t *testing.T) {
	d, f, codec := sqliteDialect(t), preparedForm(t), testCodec()
	tests := []struct {
		field string
		op    Op
		where string
	}{
		{"Title", NullOrEmpty, `("title" IS NULL OR "title" = '')`},
		{"Title", NotNullOrEmpty, `("title" IS NOT NULL AND "title" <> '')`},
		{"Tags", NullOrEmpty, `("tags" IS NULL OR "tags" = '')`},
		{"Qty", NullOrEmpty, `"qty" IS NULL`},
		{"Qty", NotNullOrEmpty, `"qty" IS NOT NULL`},
		{"Files", NotNull, `"files" IS NOT NULL`},
		{"Files", NullOrEmpty, `("files" IS NULL OR "files" = '')`},
	}
	for _, tt := range tests {
		// The value of a null test is ignored, even one that would not coerce.
		where, args, err := Compile(d, codec, f, &Cond{Field: tt.field, Op: tt.op, Value: map[string]any{}})
		if err != nil || where != tt.where || len(args) != 0 {
			t.Errorf("%s %v: got %s %v %v, want %s", tt.field, tt.op, where, args, err, tt.where)
		}
	}
}

// TestCompileHandBuilt covers trees only code builds: nil, empty groups.
func TestCompileHandBuilt(t *testing.T) {
	d, f, codec := sqliteDialect(t), preparedForm(t), testCodec()
	x := &Cond{Field: "Title", Op: Eq, Value: "x"}
	tests := []struct {
		n     Node
		where string
	}{
		{nil, MatchAll},
		{&And{}, MatchAll},
		{&Or{}, MatchAll},
		{&Or{Nodes: []Node{&And{}, x}}, MatchAll},
		{&And{Nodes: []Node{&Or{}, x}}, `"title" = ?`},
	}
	for _, tt := range tests {
		where, _, err := Compile(d, codec, f, tt.n)
		if err != nil || where != tt.where {
			t.Errorf("Compile(%v) = %s, %v; want %s", tt.n, where, err, tt.where)
		}
	}
}

func TestCompileErrors(t *testing.T) {
	d, f, codec := sqliteDialect(t), preparedForm(t), testCodec()
	tests := []struct{ filter, want, field string }{
		{`Nope = 1`, "Filter格式错误: 字段不存在: Nope (unknown field Nope)", "Nope"},
		{`Title = 1 || Nope = 1`, "unknown field Nope", "Nope"},
		{`Qty ~ "1"`, "field Qty of type number does not support operator ~", "Qty"},
		{`Due ^= "2025"`, "does not support operator ^=", "Due"},
		{`Tags > "a"`, "field Tags of type multiselect does not support operator >", "Tags"},
		{`Done > true`, "does not support operator >", "Done"},
		{`Files ~ "k"`, "attachment fields support only null tests", "Files"},
		{`Files = "k"`, "attachment fields support only null tests", "Files"},
		{`Files in []`, "attachment fields support only null tests", "Files"},
		{`Qty > "abc"`, `Filter格式错误: 字段Qty: 需要数字, 收到 "abc"`, "Qty"},
		{`Qty in [1, "x"]`, `收到 "x"`, "Qty"},
		{`Due = "not a date"`, `字段Due: 需要日期`, "Due"},
		{`Amount = 1e30`, `out of range`, "Amount"},
		{`Done = "maybe"`, `true or false`, "Done"},
		{`Status = 1.5`, `expected an integer`, "Status"},
		{`Title = "a\u0000b"`, `NUL`, "Title"},
		{`Tags ~ "a\u0000b"`, `not valid UTF-8 text`, "Tags"},
	}
	for _, tt := range tests {
		t.Run(tt.filter[:min(len(tt.filter), 40)], func(t *testing.T) {
			n, err := Parse(tt.filter)
			if err != nil {
				t.Fatal(err)
			}
			_, _, err = Compile(d, codec, f, n)
			checkErr(t, err, tt.want, tt.field)
		})
	}
	_, _, err := Compile(d, codec, f, &Cond{Field: "Title", Op: Contains, Value: strings.Repeat("x", maxLikeLen+1)})
	checkErr(t, err, "value longer than 10000 bytes", "Title")

	// Operands the REST syntax cannot write.
	for _, c := range []*Cond{
		{Field: "Title", Op: Eq, Value: []any{"x"}},
		{Field: "Tags", Op: Contains, Value: true},
		{Field: "Kind", Op: In, Value: []any{[]any{"A"}}},
		{Field: "Qty", Op: Op(9), Value: json.Number("1")},
		{Field: "Kind", Op: In, Value: make([]any, MaxListItems+1)},
	} {
		if _, _, err := Compile(d, codec, f, c); err == nil {
			t.Errorf("Compile(%v): want an error", c)
		} else {
			checkErr(t, err, "", "")
		}
	}
}

// TestCompileArgsLimit: many long lists together would exceed the
// databases' parameter limits (PostgreSQL: 65535).
func TestCompileArgsLimit(t *testing.T) {
	d, f, codec := sqliteDialect(t), preparedForm(t), testCodec()
	list := make([]any, MaxListItems)
	for i := range list {
		list[i] = json.Number("1")
	}
	var or Or
	for range MaxArgs/MaxListItems + 1 {
		or.Nodes = append(or.Nodes, &Cond{Field: "Qty", Op: In, Value: list})
	}
	_, _, err := Compile(d, codec, f, &or)
	checkErr(t, err, "more than 10000 values in the filter", "")
}

func TestCompileSort(t *testing.T) {
	d, f := sqliteDialect(t), preparedForm(t)
	tests := []struct {
		sort, want string
	}{
		{``, `ORDER BY "createdtime" ASC, "objectid" ASC`},
		{`-CreatedTime`, `ORDER BY "createdtime" DESC, "objectid" ASC`},
		{`Title,-Qty`, `ORDER BY "title" ASC NULLS FIRST, "qty" DESC NULLS LAST, "objectid" ASC`},
		{`-objectid`, `ORDER BY "objectid" DESC`},
		{`Status,ObjectId,Title`, `ORDER BY "status" ASC, "objectid" ASC, "title" ASC NULLS FIRST`},
		{`Big`, `ORDER BY CAST("big" AS REAL) ASC NULLS FIRST, "objectid" ASC`},
		{`Done,Due,At,Kind,Boss,Name`, `ORDER BY "done" ASC NULLS FIRST, "due" ASC NULLS FIRST, "at" ASC NULLS FIRST, "kind" ASC NULLS FIRST, "boss" ASC NULLS FIRST, "name" ASC NULLS FIRST, "objectid" ASC`},
	}
	for _, tt := range tests {
		sorts, err := ParseSort(tt.sort)
		if err != nil {
			t.Fatal(err)
		}
		got, err := CompileSort(d, f, sorts)
		if err != nil || got != tt.want {
			t.Errorf("CompileSort(%q) = %s, %v; want %s", tt.sort, got, err, tt.want)
		}
	}
	for _, tt := range []struct{ sort, want, field string }{
		{"Nope", "unknown sort field Nope", "Nope"},
		{"Tags", "field Tags of type multiselect cannot be sorted", "Tags"},
		{"Team", "cannot be sorted", "Team"},
		{"Files", "cannot be sorted", "Files"},
	} {
		sorts, _ := ParseSort(tt.sort)
		_, err := CompileSort(d, f, sorts)
		checkErr(t, err, tt.want, tt.field)
	}
	_, err := CompileSort(d, f, make([]Sort, MaxSortKeys+1))
	checkErr(t, err, "more than 16 sort fields", "")
}
