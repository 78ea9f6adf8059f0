package auth_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/tritiumhq/tritium/internal/auth"
	"github.com/tritiumhq/tritium/internal/sqldb"
	"github.com/tritiumhq/tritium/internal/sqldb/sqldbtest"
)

func TestCredentials(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, kind sqldb.Kind) {
		ctx := context.Background()
		db := sqldbtest.Open(t, kind)
		a := auth.NewService(db, 50*time.Millisecond)
		other := auth.NewService(db, 50*time.Millisecond) // another node on the same database
		if _, err := a.Ensure(ctx, "code", "short", "u1"); err == nil {
			t.Fatal("a short secret was accepted")
		}
		if g, err := a.Ensure(ctx, "engine-1", "given-secret-0123456789", "u1"); err != nil || g != nil {
			t.Fatalf("Ensure with given credentials: %v %v", g, err)
		}
		if g, err := a.Ensure(ctx, "", "", "u1"); err != nil || g != nil {
			t.Fatalf("Ensure on a store that has one: %v %v", g, err)
		}
		p, ok, err := other.Verify(ctx, "engine-1", "given-secret-0123456789")
		if err != nil || !ok || p.UserID != "u1" || p.Code != "engine-1" {
			t.Fatalf("verify: %+v %v %v", p, ok, err)
		}
		for _, bad := range [][2]string{{"engine-1", "given-secret-012345678"}, {"engine-1", ""}, {"nope", "given-secret-0123456789"}, {"", ""}, {"engine-1", strings.Repeat("x", 300)}} {
			if _, ok, _ := other.Verify(ctx, bad[0], bad[1]); ok {
				t.Fatalf("verify %q accepted", bad)
			}
		}
		g, err := a.Rotate(ctx, "")
		if err != nil || g.Code != "engine-1" || len(g.Secret) < 32 {
			t.Fatalf("rotate: %+v %v", g, err)
		}
		// The other node trusts its cached hash for at most its TTL.
		time.Sleep(60 * time.Millisecond)
		if _, ok, _ := other.Verify(ctx, "engine-1", "given-secret-0123456789"); ok {
			t.Fatal("old secret still accepted after the TTL")
		}
		if _, ok, _ := other.Verify(ctx, "engine-1", g.Secret); !ok {
			t.Fatal("new secret not accepted")
		}
		if _, err := a.Rotate(ctx, "nope"); err == nil {
			t.Fatal("rotating an unknown code succeeded")
		}
	})
}
