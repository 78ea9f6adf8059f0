package sqldb_test

import (
	"context"
	"testing"
	"time"

	"github.com/tritiumhq/tritium/internal/sqldb"
	"github.com/tritiumhq/tritium/internal/sqldb/sqldbtest"
)

// TestRevision: a change another node counts is seen at the next check,
// not before it, and not again once loaded.
func TestRevision(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, kind sqldb.Kind) {
		ctx := context.Background()
		db := sqldbtest.Open(t, kind)
		if err := db.WriteAlone(ctx, func(tx *sqldb.Tx) error {
			if _, err := tx.ExecDirect(ctx, "CREATE TABLE test_revision (id INTEGER PRIMARY KEY, revision INTEGER NOT NULL)"); err != nil {
				return err
			}
			_, err := tx.ExecDirect(ctx, "INSERT INTO test_revision (id, revision) VALUES (1, 0)")
			return err
		}); err != nil {
			t.Fatal(err)
		}
		here, there := sqldb.NewRevision("test_revision", 50*time.Millisecond), sqldb.NewRevision("test_revision", time.Hour)
		rev, err := here.Read(ctx, db.Reader())
		if err != nil || rev != 0 {
			t.Fatalf("read: %d %v", rev, err)
		}
		here.Loaded(rev)
		if err := db.Write(ctx, func(tx *sqldb.Tx) error { return there.Bump(ctx, tx) }); err != nil {
			t.Fatal(err)
		}
		if here.Stale(ctx, db.Reader()) {
			t.Fatal("stale before the interval passed")
		}
		time.Sleep(60 * time.Millisecond)
		if !here.Stale(ctx, db.Reader()) {
			t.Fatal("another node's change not seen after the interval")
		}
		here.Loaded(1)
		time.Sleep(60 * time.Millisecond)
		if here.Stale(ctx, db.Reader()) {
			t.Fatal("stale after loading the current revision")
		}
	})
}
