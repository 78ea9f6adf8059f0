package filter

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/tritiumhq/tritium/internal/apperr"
	"github.com/tritiumhq/tritium/internal/form"
	"github.com/tritiumhq/tritium/internal/sqldb"
	"github.com/tritiumhq/tritium/internal/sqldb/sqldbtest"
)

// cst is the server zone of the tests: wall-clock filter values are read in
// it, so datetime cases check the conversion.
var cst = time.FixedZone("CST", 8*3600)

func testCodec() *form.Codec { return &form.Codec{Loc: cst} }

// newTestForm returns an unprepared definition with a field of every kind
// the compiler treats differently.
func newTestForm() *form.Form {
	two, three := 2, 3
	return &form.Form{Code: "D000001Filter", Name: "过滤测试", Fields: []*form.Field{
		{Code: "Title", Type: form.Text},
		{Code: "Note", Type: form.Textarea},
		{Code: "Qty", Type: form.Number},
		{Code: "Amount", Type: form.Decimal, Scale: &two},
		{Code: "Big", Type: form.Decimal, Precision: 24, Scale: &three}, // TEXT on SQLite
		{Code: "Done", Type: form.Bool},
		{Code: "Due", Type: form.Date},
		{Code: "At", Type: form.DateTime},
		{Code: "Kind", Type: form.Select, Options: []string{"A", "B", "C"}},
		{Code: "Tags", Type: form.MultiSelect, Options: []string{"red", "green", "blue", "Dark Red", "reddish"}},
		{Code: "Team", Type: form.Users},
		{Code: "Boss", Type: form.User},
		{Code: "Files", Type: form.Attachment},
	}}
}

// preparedForm is newTestForm, validated (which prepares columns and the
// field index) without a database.
func preparedForm(tb testing.TB) *form.Form {
	tb.Helper()
	f := newTestForm()
	if err := f.Validate(); err != nil {
		tb.Fatal(err)
	}
	return f
}

// sqliteDialect opens a throwaway SQLite database for its dialect.
func sqliteDialect(tb testing.TB) sqldb.Dialect {
	tb.Helper()
	return sqldbtest.Open(tb, sqldb.SQLite).Dialect()
}

func decodeJSON(tb testing.TB, s string) any {
	tb.Helper()
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		tb.Fatalf("bad test JSON %s: %v", s, err)
	}
	return v
}

// clientErr reports whether err is one a client caused: a syntax error
// (Malformed) or an unknown field or bad value (Invalid).
func clientErr(err error) bool {
	c := apperr.CodeOf(err)
	return c == apperr.Invalid || c == apperr.Malformed
}

// checkErr asserts err is a client filter error containing want (and
// naming field, when field is not empty).
func checkErr(t *testing.T, err error, want, field string) {
	t.Helper()
	if err == nil {
		t.Fatalf("want error containing %q, got none", want)
	}
	e := apperr.As(err)
	if e == nil || !clientErr(err) {
		t.Fatalf("want an Invalid or Malformed apperr.Error, got %T %v", err, err)
	}
	if !strings.HasPrefix(e.Message, errPrefix) {
		t.Errorf("message %q does not start with %q", e.Message, errPrefix)
	}
	if !strings.Contains(e.Message, want) {
		t.Errorf("message %q does not contain %q", e.Message, want)
	}
	if field != "" && e.Field != field {
		t.Errorf("Field = %q, want %q (message %q)", e.Field, field, e.Message)
	}
}
