package connector_test

import (
	"context"
	"testing"

	"github.com/tritiumhq/tritium/internal/apperr"
	"github.com/tritiumhq/tritium/internal/connector"
	"github.com/tritiumhq/tritium/internal/secret"
	"github.com/tritiumhq/tritium/internal/sqldb"
	"github.com/tritiumhq/tritium/internal/sqldb/sqldbtest"
)

var ctx = context.Background()

func testBox(tb testing.TB) *secret.Box {
	b, err := secret.New([]byte("0123456789abcdef0123456789abcdef"))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func newService(tb testing.TB, kind sqldb.Kind) (*connector.Service, *sqldb.DB) {
	tb.Helper()
	db := sqldbtest.Open(tb, kind)
	s, err := connector.New(ctx, connector.Config{DB: db, Box: testBox(tb)})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	return s, db
}

// local allows the test's loopback servers.
var local = connector.Network{Allow: []string{"127.0.0.1/32"}}

func mustPlatform(tb testing.TB, s *connector.Service, p connector.Platform) {
	tb.Helper()
	if _, err := s.CreatePlatform(ctx, p); err != nil {
		tb.Fatalf("create platform %s: %v", p.Key, err)
	}
}

func mustInstance(tb testing.TB, s *connector.Service, platform string, in connector.Instance) {
	tb.Helper()
	if _, err := s.CreateInstance(ctx, platform, in); err != nil {
		tb.Fatalf("create instance %s/%s: %v", platform, in.Key, err)
	}
}

// wantAppErr checks err is an *apperr.Error of code whose message names
// every word.
func wantAppErr(t *testing.T, err error, code apperr.Code, words ...string) {
	t.Helper()
	e := apperr.As(err)
	if e == nil {
		t.Fatalf("got %v (%T), want an apperr %s", err, err, code)
	}
	if e.Code != code {
		t.Fatalf("code %s, want %s (%s)", e.Code, code, e.Message)
	}
	for _, w := range words {
		if !contains(e.Message, w) && e.Field != w {
			t.Errorf("message %q (field %q) does not name %q", e.Message, e.Field, w)
		}
	}
	if !apperr.HasChinese(e.Message) || !apperr.HasEnglish(e.Message) {
		t.Errorf("message %q lacks a language", e.Message)
	}
}

func contains(s, sub string) bool { return len(sub) == 0 || indexOf(s, sub) >= 0 }

func indexOf(s, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return i
		}
	}
	return -1
}
