package form_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/tritiumhq/tritium/internal/form"
	"github.com/tritiumhq/tritium/internal/sqldb"
	"github.com/tritiumhq/tritium/internal/sqldb/sqldbtest"
)

// TestSystemIndexUpgrade: a form table made by an earlier version (an
// index on ownerid alone, none on ownerdeptid) gets the owner and owner
// department indexes ending in the default sort at the next start, and
// loses the retired one; a later start changes nothing.
func TestSystemIndexUpgrade(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, kind sqldb.Kind) {
		ctx := context.Background()
		db := sqldbtest.Open(t, kind)
		start := func() {
			t.Helper()
			if _, err := form.NewService(ctx, db, &form.Codec{Loc: time.UTC}, slog.New(slog.DiscardHandler)); err != nil {
				t.Fatal(err)
			}
		}
		svc, err := form.NewService(ctx, db, &form.Codec{Loc: time.UTC}, nil)
		if err != nil {
			t.Fatal(err)
		}
		f, err := svc.Create(ctx, parse(t, `{"code":"Old","fields":[{"code":"A","type":"text"}]}`))
		if err != nil {
			t.Fatal(err)
		}
		tb := f.Table()
		owner := form.IndexName(tb, "ownerid", "createdtime", "objectid")
		dept := form.IndexName(tb, "ownerdeptid", "createdtime", "objectid")
		old := form.IndexName(tb, "ownerid")
		has := func(name string) bool {
			t.Helper()
			q := "SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND name = ?"
			if kind == sqldb.Postgres {
				q = "SELECT COUNT(*) FROM pg_indexes WHERE schemaname = current_schema() AND indexname = ?"
			}
			var n int
			if err := db.Reader().QueryRow(ctx, q, name).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n > 0
		}
		if !has(owner) || !has(dept) || has(old) {
			t.Fatalf("a new form's table: %s %v, %s %v, %s %v", owner, has(owner), dept, has(dept), old, has(old))
		}
		// Make it look like an earlier version's table.
		err = db.WriteAlone(ctx, func(tx *sqldb.Tx) error {
			d := tx.Dialect()
			for _, q := range []string{"DROP INDEX " + d.Quote(owner), "DROP INDEX " + d.Quote(dept),
				"CREATE INDEX " + d.Quote(old) + " ON " + d.Quote(tb) + " (" + d.Quote("ownerid") + ")"} {
				if _, err := tx.ExecDirect(ctx, q); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		start()
		if !has(owner) || !has(dept) || has(old) {
			t.Fatalf("after the upgrade: %s %v, %s %v, %s %v", owner, has(owner), dept, has(dept), old, has(old))
		}
		start()
	})
}
