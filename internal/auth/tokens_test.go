package auth_test

import (
	"context"
	"errors"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/tritiumhq/tritium/internal/apperr"
	"github.com/tritiumhq/tritium/internal/auth"
	"github.com/tritiumhq/tritium/internal/secret"
	"github.com/tritiumhq/tritium/internal/sqldb"
	"github.com/tritiumhq/tritium/internal/sqldb/sqldbtest"
)

func newOAuth(tb testing.TB, db *sqldb.DB, ttl time.Duration) *auth.Service {
	tb.Helper()
	box, err := secret.New(make([]byte, 32))
	if err != nil {
		tb.Fatal(err)
	}
	s := auth.NewService(db, 0)
	s.ConfigureOAuth(auth.OAuthConfig{Box: box, TTL: ttl})
	return s
}

func ptr[T any](v T) *T { return &v }

func TestClientsAndTokens(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, kind sqldb.Kind) {
		ctx := context.Background()
		db := sqldbtest.Open(t, kind)
		a, other := newOAuth(t, db, time.Hour), newOAuth(t, db, time.Hour)
		if _, err := a.CreateClient(ctx, auth.ClientInput{Name: ptr("x"), Scopes: &[]string{"nope"}}); !apperr.Is(err, apperr.Invalid) || !strings.Contains(err.Error(), "nope") {
			t.Fatalf("unknown scope: %v", err)
		}
		if _, err := a.CreateClient(ctx, auth.ClientInput{Name: ptr("x"), AllowedIPs: &[]string{"10.0.0.0/33"}}); err == nil || !strings.Contains(err.Error(), "10.0.0.0/33") {
			t.Fatalf("bad CIDR: %v", err)
		}
		c, err := a.CreateClient(ctx, auth.ClientInput{Name: ptr("ERP"), Scopes: &[]string{"records:read", "records:write"}, AllowedIPs: &[]string{"10.1.0.0/16", "127.0.0.1"}})
		if err != nil || c.Secret == "" {
			t.Fatalf("create: %+v %v", c, err)
		}
		got, err := a.GetClient(ctx, c.ID)
		if err != nil || got.Secret != "" || got.Name != "ERP" || len(got.Scopes) != 2 {
			t.Fatalf("get: %+v %v", got, err)
		}
		if _, err := a.IssueToken(ctx, c.ID, "wrong", ""); !isOAuth(err, "invalid_client") {
			t.Fatalf("wrong secret: %v", err)
		}
		if _, err := a.IssueToken(ctx, c.ID, c.Secret, "records:read admin"); !isOAuth(err, "invalid_scope") {
			t.Fatalf("scope beyond the client's: %v", err)
		}
		tok, err := a.IssueToken(ctx, c.ID, c.Secret, "records:read")
		if err != nil || tok.Scope != "records:read" || tok.ExpiresIn != 3600 {
			t.Fatalf("issue: %+v %v", tok, err)
		}
		info, err := other.VerifyToken(ctx, tok.AccessToken)
		if err != nil || info.ClientID != c.ID || !info.Has("records:read") || info.Has("records:write") {
			t.Fatalf("verify on another node: %+v %v", info, err)
		}
		if !info.AllowsIP(netip.MustParseAddr("10.1.2.3")) || !info.AllowsIP(netip.MustParseAddr("::ffff:127.0.0.1")) || info.AllowsIP(netip.MustParseAddr("10.2.0.1")) {
			t.Fatal("allow-list")
		}
		// Tampering: another payload under the same signature.
		parts := strings.Split(tok.AccessToken, ".")
		forged := parts[0] + "." + strings.TrimRight(parts[1], "A") + "B." + parts[2]
		if _, err := a.VerifyToken(ctx, forged); !errors.Is(err, auth.ErrInvalidToken) {
			t.Fatalf("tampered: %v", err)
		}
		// A token signed by a key the server does not have.
		foreign := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"sub": c.ID, "scope": "records:read", "exp": time.Now().Add(time.Hour).Unix()})
		real, _, _ := jwt.NewParser().ParseUnverified(tok.AccessToken, jwt.MapClaims{})
		foreign.Header["kid"] = real.Header["kid"] // the server's key id, not its key
		fs, _ := foreign.SignedString([]byte("another key, not the server's....."))
		if _, err := a.VerifyToken(ctx, fs); !errors.Is(err, auth.ErrInvalidToken) {
			t.Fatalf("foreign key: %v", err)
		}
		// Key rotation: the old key still verifies, the new one signs.
		if _, err := a.RotateKey(ctx, true); err != nil {
			t.Fatal(err)
		}
		if _, err := a.VerifyToken(ctx, tok.AccessToken); err != nil {
			t.Fatalf("old token after rotation: %v", err)
		}
		tok2, err := a.IssueToken(ctx, c.ID, c.Secret, "")
		if err != nil || tok2.Scope != "records:read records:write" {
			t.Fatalf("issue after rotation: %+v %v", tok2, err)
		}
		// Rotating the secret: the old one stops working.
		r, err := a.RotateClientSecret(ctx, c.ID)
		if err != nil || r.Secret == "" || r.Secret == c.Secret {
			t.Fatalf("rotate: %v", err)
		}
		if _, err := a.IssueToken(ctx, c.ID, c.Secret, ""); !isOAuth(err, "invalid_client") {
			t.Fatalf("old secret: %v", err)
		}
		// Disabling and revoking stop tokens at once here, within a second elsewhere.
		if _, err := a.UpdateClient(ctx, c.ID, auth.ClientInput{Enabled: ptr(false)}); err != nil {
			t.Fatal(err)
		}
		if _, err := a.VerifyToken(ctx, tok2.AccessToken); !errors.Is(err, auth.ErrInvalidToken) {
			t.Fatalf("disabled: %v", err)
		}
		if _, err := a.UpdateClient(ctx, c.ID, auth.ClientInput{Enabled: ptr(true)}); err != nil {
			t.Fatal(err)
		}
		if err := a.RevokeClient(ctx, c.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := a.VerifyToken(ctx, tok2.AccessToken); !errors.Is(err, auth.ErrInvalidToken) {
			t.Fatalf("revoked: %v", err)
		}
		deadline := time.Now().Add(3 * time.Second)
		for {
			if _, err := other.VerifyToken(ctx, tok2.AccessToken); errors.Is(err, auth.ErrInvalidToken) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("the other node still accepts a revoked client's token")
			}
			time.Sleep(50 * time.Millisecond)
		}
		if _, err := a.UpdateClient(ctx, c.ID, auth.ClientInput{Name: ptr("y")}); !apperr.Is(err, apperr.Conflict) {
			t.Fatalf("update a revoked client: %v", err)
		}
	})
}

func TestExpiredToken(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, kind sqldb.Kind) {
		ctx := context.Background()
		a := newOAuth(t, sqldbtest.Open(t, kind), time.Second)
		c, err := a.CreateClient(ctx, auth.ClientInput{Name: ptr("short"), Scopes: &[]string{"files"}})
		if err != nil {
			t.Fatal(err)
		}
		tok, err := a.IssueToken(ctx, c.ID, c.Secret, "")
		if err != nil {
			t.Fatal(err)
		}
		time.Sleep(2100 * time.Millisecond)
		if _, err := a.VerifyToken(ctx, tok.AccessToken); !errors.Is(err, auth.ErrInvalidToken) {
			t.Fatalf("expired: %v", err)
		}
	})
}

func isOAuth(err error, code string) bool {
	var oe *auth.OAuthError
	return errors.As(err, &oe) && oe.Code == code
}

func BenchmarkVerifyToken(b *testing.B) {
	ctx := context.Background()
	a := newOAuth(b, sqldbtest.Open(b, sqldb.SQLite), time.Hour)
	c, err := a.CreateClient(ctx, auth.ClientInput{Name: ptr("bench"), Scopes: &auth.AllScopes})
	if err != nil {
		b.Fatal(err)
	}
	tok, err := a.IssueToken(ctx, c.ID, c.Secret, "")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := a.VerifyToken(ctx, tok.AccessToken); err != nil {
			b.Fatal(err)
		}
	}
}
