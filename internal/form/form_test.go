package form_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/tritiumhq/tritium/internal/apperr"
	"github.com/tritiumhq/tritium/internal/form"
	"github.com/tritiumhq/tritium/internal/sqldb"
	"github.com/tritiumhq/tritium/internal/sqldb/sqldbtest"
)

func parse(t *testing.T, def string) *form.Form {
	t.Helper()
	var f form.Form
	if err := json.Unmarshal([]byte(def), &f); err != nil {
		t.Fatal(err)
	}
	return &f
}

func TestValidateDefinition(t *testing.T) {
	cases := []struct{ def, field string }{
		{`{"code":"9x","fields":[{"code":"A","type":"text"}]}`, "code"},
		{`{"code":"X","fields":[]}`, "fields"},
		{`{"code":"X","fields":[{"code":"A","type":"text"},{"code":"a","type":"text"}]}`, "fields[1].code"},
		{`{"code":"X","fields":[{"code":"ownerid","type":"text"}]}`, "fields[0].code"},
		{`{"code":"X","fields":[{"code":"A","type":"money"}]}`, "fields[0].type"},
		{`{"code":"X","fields":[{"code":"A","type":"select","options":["a;b"]}]}`, "fields[0].options"},
		{`{"code":"X","fields":[{"code":"A","type":"select","options":["a","a"]}]}`, "fields[0].options"},
		{`{"code":"X","fields":[{"code":"A","type":"decimal","scale":9}]}`, "fields[0].scale"},
		{`{"code":"X","fields":[{"code":"A","type":"decimal","precision":29}]}`, "fields[0].precision"},
		{`{"code":"X","fields":[{"code":"A","type":"number","options":["a"]}]}`, "fields[0].options"},
		{`{"code":"X","fields":[{"code":"A","type":"relation"}]}`, "fields[0].form"},
		{`{"code":"X","fields":[{"code":"A","type":"serial","pattern":"{yyyy}"}]}`, "fields[0].pattern"},
		{`{"code":"X","fields":[{"code":"A","type":"text"}],"children":[{"code":"A","fields":[{"code":"B","type":"text"}]}]}`, "children[0].code"},
		{`{"code":"X","fields":[{"code":"A","type":"text"}],"children":[{"code":"C","fields":[]}]}`, "children[0].fields"},
		{"{\"code\":\"" + strings.Repeat("a", 65) + "\",\"fields\":[{\"code\":\"A\",\"type\":\"text\"}]}", "code"},
	}
	for _, c := range cases {
		err := parse(t, c.def).Validate()
		e := apperr.As(err)
		if e == nil || e.Code != apperr.Invalid || e.Field != c.field {
			t.Errorf("%s: got %v (field %q), want an error naming %s", c.def, err, fieldOf(e), c.field)
		}
	}
	f := parse(t, `{"code":"Long`+strings.Repeat("x", 60)+`","fields":[{"code":"A","type":"decimal"},{"code":"T","type":"text"}]}`)
	if err := f.Validate(); err != nil {
		t.Fatal(err)
	}
	if len(f.Table()) > 63 || f.Fields[0].ScaleOr() != 2 || f.Fields[0].Precision != 18 || f.Fields[1].MaxLength != 200 {
		t.Fatalf("defaults: table %q, decimal %d/%d, maxLength %d", f.Table(), f.Fields[0].Precision, f.Fields[0].ScaleOr(), f.Fields[1].MaxLength)
	}
}

func fieldOf(e *apperr.Error) string {
	if e == nil {
		return ""
	}
	return e.Field
}

func TestSerialPattern(t *testing.T) {
	f := parse(t, `{"code":"X","fields":[{"code":"S","type":"serial","pattern":"HT-{yyyy}{MM}-{0000}"}]}`)
	if err := f.Validate(); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2025, 2, 17, 10, 0, 0, 0, time.UTC)
	if got := f.Fields[0].FormatSerial(at, 7); got != "HT-202502-0007" {
		t.Fatalf("serial = %q", got)
	}
	if got := f.Fields[0].SerialPeriod(at); got != "202502" {
		t.Fatalf("period = %q", got)
	}
}

func TestCoerce(t *testing.T) {
	c := &form.Codec{Loc: time.FixedZone("CST", 8*3600)}
	f := parse(t, `{"code":"X","fields":[{"code":"D","type":"decimal","scale":2},{"code":"T","type":"date"},{"code":"DT","type":"datetime"},
		{"code":"M","type":"multiselect","options":["a","b"]},{"code":"B","type":"bool"},{"code":"N","type":"number","min":0,"max":10}]}`)
	if err := f.Validate(); err != nil {
		t.Fatal(err)
	}
	fd := func(code string) *form.Field { return f.Field(code) }
	ok := []struct {
		field string
		in    any
		out   string
	}{
		{"D", json.Number("1234.5"), "1234.5"},
		{"D", "0.10", "0.1"},
		{"D", json.Number("9999999999999999.99"), "9999999999999999.99"}, // beyond float64
		{"T", "2025/02/17 00:00:00", "2025-02-17"},
		{"T", "2025-2-7", "2025-02-07"},
		{"DT", "2025/02/17 19:10:07", "2025-02-17 11:10:07 +0000 UTC"},
		{"DT", "2025-02-17T19:10:07+08:00", "2025-02-17 11:10:07 +0000 UTC"},
		{"M", "a;b", "[a b]"},
		{"M", []any{"b", "b"}, "[b]"},
		{"B", "TRUE", "true"},
		{"B", json.Number("0"), "false"},
		{"N", "3.5", "3.5"},
	}
	for _, k := range ok {
		v, err := c.Coerce(fd(k.field), k.in)
		if err != nil {
			t.Errorf("%s %v: %v", k.field, k.in, err)
			continue
		}
		if got := strings.TrimSpace(toString(v)); got != k.out {
			t.Errorf("%s %v = %s, want %s", k.field, k.in, got, k.out)
		}
	}
	bad := []struct {
		field string
		in    any
	}{
		{"D", "1.001"}, {"D", "abc"}, {"D", true}, {"T", "2025-02-30"}, {"DT", 12}, {"M", "c"},
		{"B", "yes"}, {"N", "11"}, {"N", json.Number("-1")}, {"N", "NaN"},
	}
	for _, b := range bad {
		if _, err := c.Coerce(fd(b.field), b.in); err == nil || apperr.As(err).Field != b.field {
			t.Errorf("%s %v: want an error naming the field, got %v", b.field, b.in, err)
		}
	}
}

func toString(v any) string {
	switch x := v.(type) {
	case interface{ String() string }:
		return x.String()
	}
	b, _ := json.Marshal(v)
	s := string(b)
	if strings.HasPrefix(s, "[") {
		return strings.NewReplacer(`"`, "", ",", " ").Replace(s)
	}
	return s
}

func TestAppendString(t *testing.T) {
	for _, s := range []string{"plain", "中文", "q\"uote\\", "ctl\x01\n\t", "bad\xffutf8", "\u2028"} {
		got := form.AppendString(nil, s)
		var back string
		if err := json.Unmarshal(got, &back); err != nil {
			t.Fatalf("%q → %s: %v", s, got, err)
		}
		want, _ := json.Marshal(s)
		var wantBack string
		json.Unmarshal(want, &wantBack)
		if back != wantBack {
			t.Fatalf("%q round-trips to %q, want %q", s, back, wantBack)
		}
	}
}

// TestAlterTables changes a form with data on both databases: renames,
// conversions, drops and additions keep or refuse data as they should.
func TestAlterTables(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, kind sqldb.Kind) {
		ctx := context.Background()
		db := sqldbtest.Open(t, kind)
		svc, err := form.NewService(ctx, db, &form.Codec{Loc: time.UTC}, slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatal(err)
		}
		f, err := svc.Create(ctx, parse(t, `{"code":"Alter","fields":[{"code":"A","type":"text"},{"code":"B","type":"text","indexed":true},{"code":"C","type":"number"}],
			"children":[{"code":"AlterKids","fields":[{"code":"K","type":"text"}]}]}`))
		if err != nil {
			t.Fatal(err)
		}
		insert := func(id, a, b string, c float64) {
			err := db.Write(ctx, func(tx *sqldb.Tx) error {
				d := tx.Dialect()
				_, err := tx.Exec(ctx, "INSERT INTO "+d.Quote(f.Table())+" (objectid, createdtime, modifiedtime, status, version, a, b, c) VALUES (?, ?, ?, 0, 1, ?, ?, ?)",
					id, d.TimeValue(time.Now()), d.TimeValue(time.Now()), a, b, c)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		insert("o1", "12", "x", 1.5)
		insert("o2", "007", "y", 2)

		// B (text "x") cannot become a number: refused, nothing changed.
		_, err = svc.Update(ctx, "Alter", parse(t, `{"fields":[{"code":"A","type":"text"},{"code":"B","type":"number"},{"code":"C","type":"number"}],"children":[{"code":"AlterKids","fields":[{"code":"K","type":"text"}]}]}`))
		if e := apperr.As(err); e == nil || e.Code != apperr.Invalid || !strings.Contains(e.Message, "o1") {
			t.Fatalf("incompatible change: %v", err)
		}
		if got, _ := svc.Get("Alter"); got.Revision != 1 {
			t.Fatalf("refused change bumped the revision to %d", got.Revision)
		}

		// A: text → decimal (data converts); B renamed to B2 and kept indexed;
		// C dropped; D added; child renamed, with a new field.
		nf, err := svc.Update(ctx, "Alter", parse(t, `{"fields":[{"code":"A","type":"decimal","scale":1},{"code":"B2","renameFrom":"B","type":"text","indexed":true},{"code":"D","type":"bool"}],
			"children":[{"code":"AlterRows","renameFrom":"AlterKids","fields":[{"code":"K","type":"text"},{"code":"L","type":"number"}]}]}`))
		if err != nil {
			t.Fatal(err)
		}
		if nf.Revision != 2 || nf.Child("AlterRows") == nil || nf.Child("AlterKids") != nil {
			t.Fatalf("after update: revision %d, children %v", nf.Revision, nf.Children)
		}
		rows, err := db.Reader().Query(ctx, "SELECT objectid, a, b2 FROM "+db.Dialect().Quote(nf.Table())+" ORDER BY objectid")
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for rows.Next() {
			var id, b string
			var a any
			rows.Scan(&id, &a, &b)
			v, err := form.FromDB(db.Dialect(), nf.Field("A"), a)
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, id+"="+toString(v)+"/"+b)
		}
		rows.Close()
		if strings.Join(got, " ") != "o1=12/x o2=7/y" {
			t.Fatalf("converted data: %v", got)
		}
		if rows, err := db.Reader().Query(ctx, "SELECT c FROM "+db.Dialect().Quote(nf.Table())); err == nil {
			rows.Close()
			t.Fatal("dropped column C still exists")
		}
		rows, err = db.Reader().Query(ctx, "SELECT l FROM "+db.Dialect().Quote(nf.Child("AlterRows").Table()))
		if err != nil {
			t.Fatalf("renamed child table with new column: %v", err)
		}
		rows.Close()

		// The definition survives a reload from the database.
		svc2, err := form.NewService(ctx, db, &form.Codec{Loc: time.UTC}, slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatal(err)
		}
		again, err := svc2.Get("alter")
		if err != nil || again.Revision != 2 || again.Field("B2") == nil || again.Fields[1].RenameFrom != "" {
			t.Fatalf("reloaded: %+v %v", again, err)
		}

		// Child codes share the namespace of form codes.
		if _, err := svc.Create(ctx, parse(t, `{"code":"AlterRows","fields":[{"code":"A","type":"text"}]}`)); err == nil {
			t.Fatal("a form took a child table's code")
		}
		if err := svc.Delete(ctx, "Alter"); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Create(ctx, parse(t, `{"code":"AlterRows","fields":[{"code":"A","type":"text"}]}`)); err != nil {
			t.Fatalf("code not freed by delete: %v", err)
		}
	})
}
