// Package auth keeps the engine credentials (EngineCode + EngineSecret) that
// the H3Yun endpoint and REST v1 authenticate with. Secrets are stored only
// as salted SHA-256 hashes and compared in constant time; a secret is shown
// once, when it is created. It also keeps the OAuth2 clients and issues and
// verifies their access tokens (clients.go, tokens.go), and the console's
// passwords and sign-in sessions (passwords.go, sessions.go).
package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/tritiumhq/tritium/internal/apperr"
	"github.com/tritiumhq/tritium/internal/sqldb"
)

// Principal is an authenticated caller.
type Principal struct {
	Code   string // the EngineCode
	UserID string // the user it acts as
}

// Service verifies and manages credentials.
type Service struct {
	db  *sqldb.DB
	ttl time.Duration // how long a verified hash is trusted before re-reading

	mu    sync.Mutex
	cache map[string]cached

	// OAuth2 clients and their tokens (tokens.go).
	oauth    OAuthConfig
	oauthRev *sqldb.Revision
	parser   *jwt.Parser
	loadMu   sync.Mutex
	snap     atomic.Pointer[oauthSnap]

	// Console sessions and passwords (sessions.go, passwords.go).
	sess      SessionConfig
	sessions  sessionCache
	dummyOnce sync.Once
	dummy     string
}

type cached struct {
	hash    string // "" for a code that does not exist
	userID  string
	checked time.Time
}

// NewService returns a credential service. A rotation made by another
// process takes effect here within ttl (default 5s).
func NewService(db *sqldb.DB, ttl time.Duration) *Service {
	if ttl <= 0 {
		ttl = 5 * time.Second
	}
	s := &Service{db: db, ttl: ttl, cache: map[string]cached{}, parser: newParser(),
		oauthRev: sqldb.NewRevision("oauth_revision", time.Second)}
	s.ConfigureOAuth(OAuthConfig{})
	s.ConfigureSessions(SessionConfig{})
	return s
}

// Generated is a credential created by Ensure; Secret is shown only now.
type Generated struct {
	Code, Secret string
}

// Ensure creates the engine credential on an empty store: code and secret
// as given (from TRITIUM_ENGINE_CODE / TRITIUM_ENGINE_SECRET) or, when
// empty, generated. It returns the generated pair (nil when nothing was
// generated: the store already had a credential or both were given).
func (s *Service) Ensure(ctx context.Context, code, secret, userID string) (*Generated, error) {
	var n int
	if err := s.db.Reader().QueryRow(ctx, "SELECT COUNT(*) FROM credentials").Scan(&n); err != nil {
		return nil, fmt.Errorf("count credentials: %w", err)
	}
	if n > 0 {
		return nil, s.sealConfigured(ctx, code, secret)
	}
	gen := code == "" || secret == ""
	if code == "" {
		code = randomString(24, lowerAlnum)
	}
	if !validCode(code) {
		return nil, fmt.Errorf("engine code %q: use 4-64 letters, digits, _ or -", code)
	}
	if secret == "" {
		secret = randomString(40, alnum)
	}
	if len(secret) < 16 {
		return nil, errors.New("engine secret: use at least 16 characters")
	}
	now := sqldb.Now()
	sealed, err := s.sealSecret(secret)
	if err != nil {
		return nil, fmt.Errorf("create engine credential: %w", err)
	}
	err = s.db.Write(ctx, func(tx *sqldb.Tx) error {
		d := tx.Dialect()
		_, err := tx.Exec(ctx, "INSERT INTO credentials (code, secret_hash, secret_sealed, user_id, created_time, rotated_time) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (code) DO NOTHING",
			code, hashSecret(secret), sealed, userID, d.TimeValue(now), d.TimeValue(now))
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("create engine credential: %w", err)
	}
	if gen {
		return &Generated{Code: code, Secret: secret}, nil
	}
	return nil, nil
}

// Rotate replaces the secret of code (or of the only credential, when code
// is empty) and returns the new secret.
func (s *Service) Rotate(ctx context.Context, code string) (Generated, error) {
	if code == "" {
		rows, err := s.db.Reader().Query(ctx, "SELECT code FROM credentials ORDER BY code")
		if err != nil {
			return Generated{}, fmt.Errorf("list credentials: %w", err)
		}
		var codes []string
		for rows.Next() {
			var c string
			rows.Scan(&c)
			codes = append(codes, c)
		}
		rows.Close()
		if len(codes) != 1 {
			return Generated{}, fmt.Errorf("found %d credentials; name the EngineCode to rotate", len(codes))
		}
		code = codes[0]
	}
	secret := randomString(40, alnum)
	sealed, err := s.sealSecret(secret)
	if err != nil {
		return Generated{}, fmt.Errorf("rotate %s: %w", code, err)
	}
	err = s.db.Write(ctx, func(tx *sqldb.Tx) error {
		res, err := tx.Exec(ctx, "UPDATE credentials SET secret_hash = ?, secret_sealed = ?, rotated_time = ? WHERE code = ?",
			hashSecret(secret), sealed, tx.Dialect().TimeValue(sqldb.Now()), code)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.New(apperr.NotFound, "EngineCode 不存在: %s (no credential with this EngineCode)", code)
		}
		return nil
	})
	if err != nil {
		return Generated{}, fmt.Errorf("rotate %s: %w", code, err)
	}
	s.mu.Lock()
	delete(s.cache, code)
	s.mu.Unlock()
	return Generated{Code: code, Secret: secret}, nil
}

// EngineCode returns the EngineCode of the first credential (the one the
// store was created with), never its secret.
func (s *Service) EngineCode(ctx context.Context) (string, error) {
	var code string
	err := s.db.Reader().QueryRow(ctx, "SELECT code FROM credentials ORDER BY created_time, code LIMIT 1").Scan(&code)
	if errors.Is(err, sql.ErrNoRows) {
		return "", apperr.New(apperr.NotFound, "没有引擎凭据 (there is no engine credential)")
	}
	if err != nil {
		return "", fmt.Errorf("read engine code: %w", err)
	}
	return code, nil
}

// Verify checks a code and secret. The stored hash is cached; it is read
// again when older than the TTL, so rotations elsewhere take effect.
func (s *Service) Verify(ctx context.Context, code, secret string) (Principal, bool, error) {
	if code == "" || secret == "" || len(code) > 64 || len(secret) > 256 {
		return Principal{}, false, nil
	}
	s.mu.Lock()
	c, ok := s.cache[code]
	s.mu.Unlock()
	if !ok || time.Since(c.checked) > s.ttl {
		var err error
		if c, err = s.load(ctx, code); err != nil {
			return Principal{}, false, err
		}
	}
	if c.hash == "" || !matches(c.hash, secret) {
		return Principal{}, false, nil
	}
	return Principal{Code: code, UserID: c.userID}, true, nil
}

func (s *Service) load(ctx context.Context, code string) (cached, error) {
	c := cached{checked: time.Now()}
	err := s.db.Reader().QueryRow(ctx, "SELECT secret_hash, user_id FROM credentials WHERE code = ?", code).Scan(&c.hash, &c.userID)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return c, fmt.Errorf("load credential: %w", err)
	}
	s.mu.Lock()
	if len(s.cache) > 10000 { // unknown codes must not grow memory without bound
		s.cache = map[string]cached{}
	}
	s.cache[code] = c
	s.mu.Unlock()
	return c, nil
}

// hashSecret returns "sha256$<salt>$<hex>". A fast hash is right here:
// secrets are long random strings, and every API call verifies one.
func hashSecret(secret string) string {
	salt := randomString(16, alnum)
	return "sha256$" + salt + "$" + digest(salt, secret)
}

func digest(salt, secret string) string {
	h := sha256.Sum256([]byte(salt + "\x00" + secret))
	return hex.EncodeToString(h[:])
}

func matches(stored, secret string) bool {
	parts := strings.Split(stored, "$")
	if len(parts) != 3 || parts[0] != "sha256" {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(digest(parts[1], secret)), []byte(parts[2])) == 1
}

const (
	lowerAlnum = "abcdefghijklmnopqrstuvwxyz0123456789"
	alnum      = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
)

// RandomText returns n random letters and digits, for secrets and ids.
func RandomText(n int) string { return randomString(n, alnum) }

// randomString draws n characters uniformly from alphabet (rejection
// sampling keeps the draw unbiased).
func randomString(n int, alphabet string) string {
	limit := 256 - 256%len(alphabet)
	out := make([]byte, 0, n)
	buf := make([]byte, 2*n)
	for len(out) < n {
		rand.Read(buf)
		for _, c := range buf {
			if int(c) < limit && len(out) < n {
				out = append(out, alphabet[int(c)%len(alphabet)])
			}
		}
	}
	return string(out)
}

func validCode(s string) bool {
	if len(s) < 4 || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			return false
		}
	}
	return true
}
