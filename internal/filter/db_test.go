package filter

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/tritiumhq/tritium/internal/form"
	"github.com/tritiumhq/tritium/internal/sqldb"
	"github.com/tritiumhq/tritium/internal/sqldb/sqldbtest"
)

// testRow is one stored object: its id number (objectid "r01" …), Status
// and field values as Go values (absent = NULL).
type testRow struct {
	n      int
	status int64
	vals   map[string]any
}

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func day(y int, m time.Month, d int) sqldb.Date { return sqldb.Date{Year: y, Month: m, Day: d} }

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// testRows: mixed case, LIKE wildcards, quotes, CJK, NULLs and empty strings.
var testRows = []testRow{
	{1, 1, map[string]any{"Title": "Contract ABC", "Note": "n1", "Qty": 10.0, "Amount": dec("100.50"), "Big": dec("1.5"),
		"Done": true, "Due": day(2025, 1, 10), "At": utc("2025-01-10T08:00:00Z"), "Kind": "A",
		"Tags": []string{"red", "green"}, "Team": []string{"u1", "u2"}, "Boss": "u1",
		"Files": []form.FileRef{{FileKey: "k1", Name: "a.txt"}}}},
	{2, 1, map[string]any{"Title": "xABCy", "Note": "", "Qty": 20.0, "Amount": dec("99.99"), "Big": dec("2.25"),
		"Done": false, "Due": day(2025, 2, 1), "At": utc("2025-02-01T12:30:00Z"), "Kind": "B",
		"Tags": []string{"green"}, "Team": []string{"u2"}, "Boss": "u2"}},
	{3, 0, map[string]any{"Title": "abc_def", "Qty": 5.0, "Amount": dec("0"), "Big": dec("-1"),
		"Done": true, "Due": day(2024, 12, 31), "At": utc("2024-12-31T23:59:59Z"), "Kind": "A",
		"Tags": []string{"blue"}}},
	{4, 1, map[string]any{"Title": "100% sure", "Qty": 0.0, "Amount": dec("-5.25")}},
	{5, 0, map[string]any{}},
	{6, 2, map[string]any{"Title": "x' OR '1'='1", "Note": "n6", "Qty": 15.0, "Amount": dec("1000"), "Big": dec("12345678901234567890.125"),
		"Done": false, "Due": day(2025, 3, 1), "At": utc("2025-03-01T00:00:00Z"), "Kind": "C",
		"Tags": []string{"red"}, "Team": []string{"u3"}}},
	{7, 1, map[string]any{"Title": "合同-采购", "Qty": 7.5, "Amount": dec("7.5"), "Big": dec("0.001"),
		"Done": true, "Due": day(2025, 1, 10), "At": utc("2025-01-10T09:00:00Z"), "Kind": "B",
		"Tags": []string{"Dark Red"}, "Team": []string{"u1"}}},
	{8, 3, map[string]any{"Title": `back\slash`, "Note": "n8", "Qty": -3.0, "Amount": dec("100.49"),
		"Done": false, "Kind": "C", "Tags": []string{"reddish"}}},
	{9, 1, map[string]any{"Title": "", "Note": "", "Qty": 1.0, "Tags": []string{"green", "blue"}, "Team": []string{"u2", "u3"}}},
	{10, 1, map[string]any{"Title": "Contract abc", "Note": "n10", "Qty": 10.0, "Amount": dec("100.5"), "Big": dec("1.5"),
		"Done": true, "Due": day(2025, 1, 11), "At": utc("2025-01-10T08:00:00Z"), "Kind": "A",
		"Tags": []string{"red"}, "Team": []string{"u1"}}},
}

// dbCase is one filter in both syntaxes (either may be empty to skip it;
// rest " " is the empty filter) and the rows it must match.
type dbCase struct {
	rest, matcher string
	want          string // row numbers, e.g. "1 2 10"
}

// item builds a Matcher leaf; value is JSON.
func item(name string, op any, value string) string {
	return fmt.Sprintf(`{"Type":"Item","Name":%q,"Operator":%v,"Value":%s}`, name, op, value)
}

const all = "1 2 3 4 5 6 7 8 9 10"

var dbCases = []dbCase{
	// Text: = is exact; ~ ^= $= and negations ignore case; null never
	// matches a negation.
	{`Title = "Contract ABC"`, item("Title", 2, `"Contract ABC"`), "1"},
	{`Title != "xABCy"`, item("Title", 5, `"xABCy"`), "1 3 4 6 7 8 9 10"},
	{`Title ~ "abc"`, item("Title", 8, `"abc"`), "1 2 3 10"},
	{`Title !~ "abc"`, item("Title", 24, `"abc"`), "4 6 7 8 9"},
	{`Title ^= "CONTRACT"`, item("Title", 13, `"CONTRACT"`), "1 10"},
	{`Title !^= "contract"`, item("Title", 22, `"contract"`), "2 3 4 6 7 8 9"},
	{`Title $= "ABC"`, item("Title", 14, `"ABC"`), "1 10"},
	{`Title !$= "abc"`, item("Title", 23, `"abc"`), "2 3 4 6 7 8 9"},
	{`Title ~ "合同"`, item("Title", 8, `"合同"`), "7"},
	{`Title = "a"`, "", ""},
	// LIKE wildcards in values are literal.
	{`Title ~ "%"`, item("Title", 8, `"%"`), "4"},
	{`Title ~ "_"`, item("Title", 8, `"_"`), "3"},
	{`Title ~ "\\"`, item("Title", 8, `"\\"`), "8"},
	{`Title ^= "abc_"`, "", "3"},
	{`Title $= "_def"`, "", "3"},
	{`Title ~ "c_d"`, "", "3"},
	{`Title ~ "t%"`, "", ""},
	// SQL injection in values: bound, so compared literally.
	{`Title = "x' OR '1'='1"`, item("Title", 2, `"x' OR '1'='1"`), "6"},
	{`Title ~ "' OR 1=1 --"`, item("Title", 8, `"' OR 1=1 --"`), ""},
	{`Title = "\" OR \"\"=\""`, item("Title", 2, `"\" OR \"\"=\""`), ""},
	{`Title in ["x' OR '1'='1", "abc_def"]`, item("Title", 6, `["x' OR '1'='1", "abc_def"]`), "3 6"},
	{`Title in ["x') OR ('1'='1"]`, item("Title", 6, `"x') OR ('1'='1"`), ""},
	// Null tests; = "" is = null.
	{`Title = null`, item("Title", 18, `null`), "5"},
	{`Title != null`, item("Title", 19, `null`), "1 2 3 4 6 7 8 9 10"},
	{`Title = ""`, item("Title", 2, `""`), "5"},
	{``, item("Title", 20, `null`), "5 9"},
	{``, item("Title", 21, `null`), "1 2 3 4 6 7 8 10"},
	{``, item("Note", 20, `null`), "2 3 4 5 7 9"},
	{``, item("Note", 21, `""`), "1 6 8 10"},
	{``, item("Qty", 20, `null`), "5"},
	{``, item("Qty", 21, `null`), "1 2 3 4 6 7 8 9 10"},
	// Numbers; the Matcher may send operator and value as strings.
	{`Qty > 5`, item("Qty", `"0"`, `"5"`), "1 2 6 7 10"},
	{`Qty >= 10`, item("Qty", 1, `10`), "1 2 6 10"},
	{`Qty < 0`, item("Qty", 4, `0`), "8"},
	{`Qty <= 0`, item("Qty", 3, `"0"`), "4 8"},
	{`Qty = 10`, item("Qty", 2, `10`), "1 10"},
	{`Qty != 10`, item("Qty", 5, `10`), "2 3 4 6 7 8 9"},
	{`Qty = 7.5`, item("Qty", 2, `"7.5"`), "7"},
	{`Qty in [10, 20]`, item("Qty", 6, `"10;20"`), "1 2 10"},
	{`Qty > ""`, item("Qty", 0, `null`), ""},
	// Decimals, including operands finer than the column's scale.
	{`Amount > 100.49`, item("Amount", 0, `100.49`), "1 6 10"},
	{`Amount >= 100.5`, item("Amount", 1, `"100.5"`), "1 6 10"},
	{`Amount = "100.5"`, item("Amount", 2, `100.50`), "1 10"},
	{`Amount < 0`, item("Amount", 4, `0`), "4"},
	{`Amount > 100.495`, "", "1 6 10"},
	{`Amount >= 100.495`, "", "1 6 10"},
	{`Amount <= 100.495`, "", "2 3 4 7 8"},
	{`Amount < 100.495`, "", "2 3 4 7 8"},
	{`Amount = 100.495`, "", ""},
	{`Amount != 100.495`, "", "1 2 3 4 6 7 8 10"},
	{`Amount > -5.255`, "", "1 2 3 4 6 7 8 10"},
	{`Amount < -5.245`, "", "4"},
	{`Amount in [100.5, 7.5, 100.495]`, item("Amount", 6, `"100.5;7.5;100.495"`), "1 7 10"},
	{`Amount not in ["100.50"]`, item("Amount", 7, `["100.50"]`), "2 3 4 6 7 8"},
	// Wide decimals: TEXT on SQLite, compared as REAL.
	{`Big > 2`, item("Big", 0, `2`), "2 6"},
	{`Big < 0`, "", "3"},
	{`Big = 1.5`, "", "1 10"},
	{`Big != 1.5`, "", "2 3 6 7"},
	{`Big in [1.5, 0.001]`, "", "1 7 10"},
	{`Big >= 12345678901234567890.125`, "", "6"},
	// Booleans accept true/false, "true" and 0/1.
	{`Done = true`, item("Done", 2, `"true"`), "1 3 7 10"},
	{`Done = false`, item("Done", 2, `0`), "2 6 8"},
	{`Done != true`, item("Done", 5, `1`), "2 6 8"},
	{`Done in [true]`, "", "1 3 7 10"},
	// Dates and datetimes (server zone UTC+8 for wall-clock input).
	{`Due > "2025-01-10"`, item("Due", 0, `"2025/01/10 00:00:00"`), "2 6 10"},
	{`Due = "2025/01/10"`, item("Due", 2, `"2025-01-10"`), "1 7"},
	{`Due <= "2025-01-10"`, "", "1 3 7"},
	{`Due < "2025-01-01" || Due >= "2025-03-01"`, "", "3 6"},
	{`At >= "2025-01-10T08:30:00Z"`, item("At", 1, `"2025-01-10T08:30:00Z"`), "2 6 7"},
	{`At = "2025/01/10 16:00:00"`, item("At", 2, `"2025/01/10 16:00:00"`), "1 10"},
	{`At < "2025-01-01"`, "", ""},
	{`At < "2025-01-01 08:00"`, "", "3"},
	{`Due in ["2025-01-10", "2025/03/01"]`, item("Due", 6, `"2025-01-10;2025/03/01"`), "1 6 7"},
	{`At in ["2025-01-10T08:00:00Z"]`, item("At", 6, `["2025/01/10 16:00:00"]`), "1 10"},
	{`CreatedTime >= "2025-06-01T00:05:00Z"`, item("CreatedTime", 1, `"2025/06/01 08:05:00"`), "5 6 7 8 9 10"},
	// Select: in / not in with arrays and separated strings.
	{`Kind in ["A", "C"]`, item("Kind", 6, `["A","C"]`), "1 3 6 8 10"},
	{``, item("Kind", 6, `"A;C"`), "1 3 6 8 10"},
	{``, item("Kind", 6, `"A, C"`), "1 3 6 8 10"},
	{`Kind not in ["A"]`, item("Kind", 7, `"A"`), "2 6 7 8"},
	{`Kind !in ("A")`, item("Kind", 7, `["A"]`), "2 6 7 8"},
	{`Kind in []`, item("Kind", 6, `[]`), ""},
	{`Kind not in []`, item("Kind", 7, `""`), "1 2 3 6 7 8 10"},
	{`Kind = "a"`, "", ""},
	// Multiselect: element matches, case-insensitive.
	{`Tags ~ "red"`, item("Tags", 8, `"red"`), "1 6 10"},
	{`Tags = "RED"`, item("Tags", 2, `"RED"`), "1 6 10"},
	{`Tags !~ "red"`, item("Tags", 24, `"red"`), "2 3 7 8 9"},
	{`Tags != "red"`, item("Tags", 5, `"red"`), "2 3 7 8 9"},
	{`Tags in ["blue", "Dark Red"]`, item("Tags", 6, `"blue;Dark Red"`), "3 7 9"},
	{`Tags not in ["green", "red"]`, item("Tags", 7, `["green","red"]`), "3 7 8"},
	{`Tags ^= "dark"`, item("Tags", 13, `"dark"`), "7"},
	{`Tags $= "green"`, item("Tags", 14, `"green"`), "1 2"},
	{`Tags ~ "dark red"`, "", "7"},
	{`Tags ~ "re"`, "", ""},
	{`Tags ~ "red;green"`, "", ""},
	{`Tags = null`, item("Tags", 20, `null`), "4 5"},
	// Users and user.
	{`Team ~ "u2"`, item("Team", 8, `"u2"`), "1 2 9"},
	{`Team in ["u3"]`, item("Team", 6, `"u3"`), "6 9"},
	{`Team = "U1"`, "", "1 7 10"},
	{`Boss = "u1"`, item("Boss", 2, `"u1"`), "1"},
	{`Boss ~ "U"`, "", "1 2"},
	// Attachments: null tests only.
	{`Files = null`, item("Files", 18, `null`), "2 3 4 5 6 7 8 9 10"},
	{`Files != null`, item("Files", 19, `null`), "1"},
	{``, item("Files", 20, `null`), "2 3 4 5 6 7 8 9 10"},
	{``, item("Files", 21, `null`), "1"},
	// System fields, field codes in any case.
	{`Status = 1`, item("Status", `"2"`, `"1"`), "1 2 4 7 9 10"},
	{`Status in [0, 3]`, item("Status", 6, `"0;3"`), "3 5 8"},
	{`Status > 1`, item("Status", 0, `1`), "6 8"},
	{`ObjectId in ["r01", "r02"]`, item("ObjectId", 6, `"r01,r02"`), "1 2"},
	{`Name ~ "contract"`, item("Name", 8, `"contract"`), "1 10"},
	{`Boss in ["u2", "u9"]`, item("Boss", 6, `"u2;u9"`), "2"},
	{`objectid = "r03"`, item("OBJECTID", 2, `"r03"`), "3"},
	{`qty > 5 && KIND = "B"`, "", "2 7"},
	// Combinations and precedence.
	{`Qty > 5 && (Kind = "B" || Title ~ "abc")`,
		`{"Type":"And","Matchers":[` + item("Qty", 0, "5") + `,{"Type":"Or","Matchers":[` + item("Kind", 2, `"B"`) + `,` + item("Title", 8, `"abc"`) + `]}]}`,
		"1 2 7 10"},
	{`Kind = "A" or Kind = "C" and Qty > 10`, "", "1 3 6 10"},
	{`(Kind = "A" || Kind = "C") && Qty > 5`, "", "1 6 10"},
	{`Title ~ 'ABC' && Qty >= 10`, "", "1 2 10"},
	// Match-all forms, and absent conditions dropped from groups.
	{" ", `null`, all},
	{"", `{"Type":"And","Matchers":[{"Type":"And","Matchers":[]}]}`, all},
	{"", `{"Type":"Or","Matchers":[{"Type":"And","Matchers":[]},` + item("Kind", 2, `"B"`) + `]}`, "2 7"},
	{"", `{"Type":"And","Matchers":[{"Operator":2,"Value":"x"},` + item("Qty", 4, `0`) + `]}`, "8"},
}

func TestFilterDB(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, kind sqldb.Kind) {
		ctx := context.Background()
		db := sqldbtest.Open(t, kind)
		codec := testCodec()
		svc, err := form.NewService(ctx, db, codec, slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatal(err)
		}
		f, err := svc.Create(ctx, newTestForm())
		if err != nil {
			t.Fatal(err)
		}
		insertRows(t, db, f)
		d := db.Dialect()
		run := func(t *testing.T, n Node, want string) {
			t.Helper()
			where, args, err := Compile(d, codec, f, n)
			if err != nil {
				t.Fatalf("Compile(%v): %v", n, err)
			}
			got := queryIDs(t, db, "SELECT objectid FROM "+d.Quote(f.Table())+" WHERE "+where+" ORDER BY objectid", args)
			if got != ids(want) {
				t.Errorf("%v\n  where %s %v\n  got  [%s]\n  want [%s]", n, where, args, got, ids(want))
			}
		}
		for _, c := range dbCases {
			if c.rest != "" {
				n, err := Parse(c.rest)
				if err != nil {
					t.Errorf("Parse(%q): %v", c.rest, err)
				} else {
					run(t, n, c.want)
				}
			}
			if c.matcher != "" {
				n, err := ParseMatcher(decodeJSON(t, c.matcher))
				if err != nil {
					t.Errorf("ParseMatcher(%s): %v", c.matcher, err)
				} else {
					run(t, n, c.want)
				}
			}
		}
		testInjectionInNames(t, d, codec, f)
		testSortDB(t, db, f)
	})
}

// testInjectionInNames: a field name is looked up, never written into SQL.
func testInjectionInNames(t *testing.T, d sqldb.Dialect, codec *form.Codec, f *form.Form) {
	for _, name := range []string{`Title" = '' OR 1=1 --`, `Title; DROP TABLE x`, `"title"`, `title OR 1=1`} {
		n, err := ParseMatcher(decodeJSON(t, item(name, 2, `"x"`)))
		if err != nil {
			t.Fatal(err)
		}
		_, _, err = Compile(d, codec, f, n)
		checkErr(t, err, "unknown field", name)
	}
	for _, s := range []string{`Title" = '' OR 1=1 --`, `Title; DROP TABLE x`, `"title" = 1`} {
		if _, err := Parse(s); err == nil {
			t.Errorf("Parse(%q): want a syntax error", s)
		}
	}
}

// testSortDB checks that both databases order the same way, NULLs first in
// ascending order, with ObjectId breaking ties.
func testSortDB(t *testing.T, db *sqldb.DB, f *form.Form) {
	d := db.Dialect()
	tests := []struct{ sort, want string }{
		{"", all},
		{"-CreatedTime", "10 9 8 7 6 5 4 3 2 1"},
		{"Amount", "5 9 4 3 7 2 8 1 10 6"},
		{"-Amount", "6 1 10 8 2 7 3 4 5 9"},
		{"-Big,-ObjectId", "6 2 10 1 7 3 9 8 5 4"},
		{"Due,-Qty", "9 4 8 5 3 1 7 10 2 6"},
		{"Status,Done", "5 3 4 9 2 1 7 10 6 8"},
	}
	for _, tt := range tests {
		sorts, err := ParseSort(tt.sort)
		if err != nil {
			t.Fatal(err)
		}
		order, err := CompileSort(d, f, sorts)
		if err != nil {
			t.Fatal(err)
		}
		got := queryIDs(t, db, "SELECT objectid FROM "+d.Quote(f.Table())+" "+order, nil)
		if want := idList(tt.want); got != want {
			t.Errorf("sort %q (%s)\n  got  [%s]\n  want [%s]", tt.sort, order, got, want)
		}
	}
}

func insertRows(t *testing.T, db *sqldb.DB, f *form.Form) {
	t.Helper()
	d := db.Dialect()
	cols := []string{"objectid", "name", "createdtime", "modifiedtime", "status", "version"}
	for _, fd := range f.Fields {
		cols = append(cols, fd.Column())
	}
	quoted := make([]string, len(cols))
	for i, c := range cols {
		quoted[i] = d.Quote(c)
	}
	q := "INSERT INTO " + d.Quote(f.Table()) + " (" + strings.Join(quoted, ", ") +
		") VALUES (" + strings.Repeat(", ?", len(cols))[2:] + ")"
	base := utc("2025-06-01T00:00:00Z")
	err := db.Write(context.Background(), func(tx *sqldb.Tx) error {
		for _, r := range testRows {
			created := d.TimeValue(base.Add(time.Duration(r.n) * time.Minute))
			args := []any{rowID(r.n), form.ToDB(d, f.Field("Title"), r.vals["Title"]), created, created, r.status, int64(1)}
			for _, fd := range f.Fields {
				args = append(args, form.ToDB(d, fd, r.vals[fd.Code]))
			}
			if _, err := tx.Exec(context.Background(), q, args...); err != nil {
				return fmt.Errorf("insert row %d: %w", r.n, err)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func queryIDs(t *testing.T, db *sqldb.DB, q string, args []any) string {
	t.Helper()
	rows, err := db.Reader().Query(context.Background(), q, args...)
	if err != nil {
		t.Fatalf("%s %v: %v", q, args, err)
	}
	defer rows.Close()
	var got []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		got = append(got, id)
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return strings.Join(got, " ")
}

func rowID(n int) string { return fmt.Sprintf("r%02d", n) }

// ids turns "1 10 2" into the sorted objectids "r01 r02 r10".
func ids(nums string) string {
	list := strings.Split(idList(nums), " ")
	slices.Sort(list)
	return strings.TrimSpace(strings.Join(list, " "))
}

// idList turns "10 2" into "r10 r02", keeping the order.
func idList(nums string) string {
	var out []string
	for _, s := range strings.Fields(nums) {
		var n int
		fmt.Sscan(s, &n)
		out = append(out, rowID(n))
	}
	return strings.Join(out, " ")
}
