package auth

import (
	"context"
	"testing"
	"time"

	"github.com/tritiumhq/tritium/internal/secret"
	"github.com/tritiumhq/tritium/internal/sqldb"
	"github.com/tritiumhq/tritium/internal/sqldb/sqldbtest"
)

// BenchmarkParseToken is a token's first verification: signature and
// claims, without the verified-token cache (BenchmarkVerifyToken).
func BenchmarkParseToken(b *testing.B) {
	ctx := context.Background()
	box, _ := secret.New(make([]byte, 32))
	s := NewService(sqldbtest.Open(b, sqldb.SQLite), 0)
	s.ConfigureOAuth(OAuthConfig{Box: box, TTL: time.Hour})
	name := "bench"
	c, err := s.CreateClient(ctx, ClientInput{Name: &name, Scopes: &AllScopes})
	if err != nil {
		b.Fatal(err)
	}
	tok, err := s.IssueToken(ctx, c.ID, c.Secret, "")
	if err != nil {
		b.Fatal(err)
	}
	snap, err := s.current(ctx)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := s.parseToken(snap, tok.AccessToken); err != nil {
			b.Fatal(err)
		}
	}
}
