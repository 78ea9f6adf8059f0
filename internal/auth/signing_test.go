package auth_test

import (
	"context"
	"errors"
	"testing"

	"github.com/tritiumhq/tritium/internal/auth"
	"github.com/tritiumhq/tritium/internal/secret"
	"github.com/tritiumhq/tritium/internal/sqldb"
	"github.com/tritiumhq/tritium/internal/sqldb/sqldbtest"
)

// TestSigningSecrets: the secrets that sign callbacks are kept sealed —
// the engine's from the configured secret at start-up even on a store
// made before copies were kept, a client's when made and when rotated;
// a revoked or unknown client has none.
func TestSigningSecrets(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, kind sqldb.Kind) {
		ctx := context.Background()
		db := sqldbtest.Open(t, kind)
		old := auth.NewService(db, 0) // no secret key: no sealed copy
		if _, err := old.Ensure(ctx, "engine-1", "given-secret-0123456789", "u1"); err != nil {
			t.Fatal(err)
		}
		if _, err := old.EngineSigningSecret(ctx, "engine-1"); !errors.Is(err, auth.ErrNoSigningSecret) {
			t.Fatalf("without a key: %v", err)
		}
		box, _ := secret.New([]byte("0123456789abcdef0123456789abcdef"))
		a := auth.NewService(db, 0)
		a.ConfigureOAuth(auth.OAuthConfig{Box: box})
		if _, err := a.Ensure(ctx, "engine-1", "wrong-secret-0123456789", "u1"); err != nil {
			t.Fatal(err)
		}
		if _, err := a.EngineSigningSecret(ctx, ""); !errors.Is(err, auth.ErrNoSigningSecret) {
			t.Fatalf("a configured secret that is not the credential's was kept: %v", err)
		}
		if _, err := a.Ensure(ctx, "engine-1", "given-secret-0123456789", "u1"); err != nil {
			t.Fatal(err)
		}
		if s, err := a.EngineSigningSecret(ctx, ""); err != nil || s != "given-secret-0123456789" {
			t.Fatalf("engine secret: %q %v", s, err)
		}
		g, err := a.Rotate(ctx, "engine-1")
		if err != nil {
			t.Fatal(err)
		}
		if s, _ := a.EngineSigningSecret(ctx, "engine-1"); s != g.Secret {
			t.Fatal("the rotated engine secret was not kept")
		}
		name := "erp"
		c, err := a.CreateClient(ctx, auth.ClientInput{Name: &name})
		if err != nil {
			t.Fatal(err)
		}
		if s, err := a.ClientSigningSecret(ctx, c.ID); err != nil || s != c.Secret {
			t.Fatalf("client secret: %v", err)
		}
		r, err := a.RotateClientSecret(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if s, _ := a.ClientSigningSecret(ctx, c.ID); s != r.Secret {
			t.Fatal("the rotated client secret was not kept")
		}
		if err := a.RevokeClient(ctx, c.ID); err != nil {
			t.Fatal(err)
		}
		for _, id := range []string{c.ID, "cl_nope"} {
			if _, err := a.ClientSigningSecret(ctx, id); !errors.Is(err, auth.ErrNoSigningSecret) {
				t.Fatalf("client %s: %v", id, err)
			}
		}
	})
}
