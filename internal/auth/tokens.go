package auth

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/tritiumhq/tritium/internal/apperr"
	"github.com/tritiumhq/tritium/internal/secret"
	"github.com/tritiumhq/tritium/internal/sqldb"
)

// Access tokens are JWTs signed with HS256 by a key of the server's (kid in
// the header). Keys are stored sealed by the server's secret box and cached
// with the set of usable clients, so a token is verified from memory; the
// cache follows the oauth_revision counter (another node's revocation or
// key rotation applies here within a second, this node's at once). A
// rotated key keeps verifying for one token lifetime.

// OAuthConfig configures tokens: Box seals the signing keys; TTL is a
// token's lifetime (default 1 h).
type OAuthConfig struct {
	Box *secret.Box
	TTL time.Duration
}

// ErrInvalidToken is a bearer token that is malformed, tampered with,
// expired, signed by an unknown key, or whose client is disabled or revoked.
var ErrInvalidToken = errors.New("invalid token")

// errUnknown is a token naming a key or client this node's snapshot lacks.
var errUnknown = errors.New("unknown key or client")

// OAuthError is a token request refused as RFC 6749 §5.2 says: Code is
// invalid_request, invalid_client, invalid_grant, unauthorized_client,
// unsupported_grant_type or invalid_scope.
type OAuthError struct {
	Code, Description string
}

func (e *OAuthError) Error() string { return e.Code + ": " + e.Description }

// Token is an issued access token.
type Token struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	ExpiresIn   int    `json:"expires_in"`
	Scope       string `json:"scope"`
}

// TokenInfo is what a verified token grants.
type TokenInfo struct {
	ClientID string
	Scopes   []string
	// RateLimit is the client's requests per second (0: the default).
	RateLimit float64
	allowed   []netip.Prefix
}

// Has reports whether the token holds scope.
func (t TokenInfo) Has(scope string) bool { return slices.Contains(t.Scopes, scope) }

// AllowsIP reports whether the client may call from addr.
func (t TokenInfo) AllowsIP(addr netip.Addr) bool {
	if len(t.allowed) == 0 {
		return true
	}
	addr = addr.Unmap()
	for _, p := range t.allowed {
		if p.Contains(addr) {
			return true
		}
	}
	return false
}

type claims struct {
	Scope string `json:"scope"`
	jwt.RegisteredClaims
}

// oauthSnap is one node's view of the usable clients and the keys.
type oauthSnap struct {
	clients map[string]*clientState // enabled, not revoked
	keys    map[string][]byte       // kid → key, for verifying
	signKid string
	signKey []byte
	loaded  time.Time
	// verified caches the tokens that verified under this snapshot (token →
	// *verifiedToken): a reload, after any change, starts it empty.
	verified  sync.Map
	nVerified atomic.Int64
}

// maxVerified bounds the verified-token cache; it is emptied when full.
const maxVerified = 10000

type verifiedToken struct {
	info TokenInfo
	exp  time.Time
}

type clientState struct {
	scopes  []string
	rps     float64
	allowed []netip.Prefix
}

// ConfigureOAuth enables issuing and verifying tokens.
func (s *Service) ConfigureOAuth(cfg OAuthConfig) {
	if cfg.TTL <= 0 {
		cfg.TTL = time.Hour
	}
	s.oauth = cfg
}

// TokenTTL is a new token's lifetime.
func (s *Service) TokenTTL() time.Duration { return s.oauth.TTL }

// invalidate drops the snapshot after a change here. It waits for a load
// in flight, which may have read the data from before the change.
func (s *Service) invalidate() {
	s.loadMu.Lock()
	s.snap.Store(nil)
	s.loadMu.Unlock()
}

// current returns the cached snapshot, reloading it when this node changed
// something or another node bumped the revision.
func (s *Service) current(ctx context.Context) (*oauthSnap, error) {
	snap := s.snap.Load()
	if snap != nil && !s.oauthRev.Stale(ctx, s.db.Reader()) {
		return snap, nil
	}
	s.loadMu.Lock()
	defer s.loadMu.Unlock()
	if cur := s.snap.Load(); cur != nil && cur != snap {
		return cur, nil // another request reloaded meanwhile
	}
	snap, err := s.loadSnap(ctx)
	if err != nil {
		return nil, err
	}
	s.snap.Store(snap)
	return snap, nil
}

func (s *Service) loadSnap(ctx context.Context) (*oauthSnap, error) {
	q := s.db.Reader()
	rev, err := s.oauthRev.Read(ctx, q)
	if err != nil {
		return nil, err
	}
	snap := &oauthSnap{clients: map[string]*clientState{}, keys: map[string][]byte{}, loaded: time.Now()}
	cs, _, err := s.queryClients(ctx, q, "")
	if err != nil {
		return nil, err
	}
	for _, c := range cs {
		if c.Enabled && !c.Revoked {
			allowed, _ := parseAllowed(c.AllowedIPs)
			snap.clients[c.ID] = &clientState{scopes: c.Scopes, rps: c.RateLimit, allowed: allowed}
		}
	}
	if err := s.loadKeys(ctx, q, snap); err != nil {
		return nil, err
	}
	if snap.signKey == nil {
		if err := s.addKey(ctx); err != nil {
			return nil, err
		}
		return s.loadSnap(ctx)
	}
	s.oauthRev.Loaded(rev)
	return snap, nil
}

func (s *Service) loadKeys(ctx context.Context, q sqldb.Querier, snap *oauthSnap) error {
	if s.oauth.Box == nil {
		return errors.New("oauth tokens are not configured (no secret key)")
	}
	d := s.db.Dialect()
	rows, err := q.Query(ctx, "SELECT kid, sealed_key, created_time, retired_time FROM oauth_keys ORDER BY created_time, kid")
	if err != nil {
		return fmt.Errorf("load signing keys: %w", err)
	}
	defer rows.Close()
	now := time.Now()
	for rows.Next() {
		var kid, sealed string
		var ct, rt any
		if err := rows.Scan(&kid, &sealed, &ct, &rt); err != nil {
			return fmt.Errorf("load signing keys: %w", err)
		}
		if rt != nil {
			retired, err := d.ScanTime(rt)
			if err != nil {
				return err
			}
			if now.Sub(retired) > s.oauth.TTL+time.Minute {
				continue // every token it signed has expired
			}
		}
		plain, err := s.oauth.Box.Open(sealed)
		if err != nil {
			return fmt.Errorf("open signing key %s: %w", kid, err)
		}
		key, err := base64.StdEncoding.DecodeString(plain)
		if err != nil {
			return fmt.Errorf("signing key %s: %w", kid, err)
		}
		snap.keys[kid] = key
		if rt == nil { // the newest active key signs
			snap.signKid, snap.signKey = kid, key
		}
	}
	return rows.Err()
}

// addKey stores a new signing key (under loadMu: no invalidate).
func (s *Service) addKey(ctx context.Context) error {
	_, err := s.newKey(ctx, false)
	return err
}

// RotateKey makes a new key sign tokens; with retire, the keys before it
// stop signing (they still verify the tokens they signed until those
// expire). It returns the new key's id.
func (s *Service) RotateKey(ctx context.Context, retire bool) (string, error) {
	kid, err := s.newKey(ctx, retire)
	if err == nil {
		s.invalidate()
	}
	return kid, err
}

func (s *Service) newKey(ctx context.Context, retire bool) (string, error) {
	if s.oauth.Box == nil {
		return "", errors.New("oauth tokens are not configured (no secret key)")
	}
	key := make([]byte, 32)
	rand.Read(key)
	sealed, err := s.oauth.Box.Seal(base64.StdEncoding.EncodeToString(key))
	if err != nil {
		return "", err
	}
	kid := "k" + randomString(15, lowerAlnum)
	err = s.bumpWrite(ctx, func(tx *sqldb.Tx) error {
		d, now := tx.Dialect(), sqldb.Now()
		if retire {
			if _, err := tx.Exec(ctx, "UPDATE oauth_keys SET retired_time = ? WHERE retired_time IS NULL", d.TimeValue(now)); err != nil {
				return err
			}
		}
		_, err := tx.Exec(ctx, "INSERT INTO oauth_keys (kid, sealed_key, created_time) VALUES (?, ?, ?)", kid, sealed, d.TimeValue(now))
		return err
	})
	if err != nil {
		return "", fmt.Errorf("rotate signing key: %w", err)
	}
	return kid, nil
}

// IssueToken runs the client credentials grant: the client's id and
// secret, and the scopes asked for (space-separated; "" asks for all of
// the client's).
func (s *Service) IssueToken(ctx context.Context, id, secret, scope string) (Token, error) {
	bad := &OAuthError{"invalid_client", "客户端认证失败 (client authentication failed)"}
	if id == "" || secret == "" || len(id) > 64 || len(secret) > 256 {
		return Token{}, bad
	}
	c, hash, err := s.getClient(ctx, s.db.Reader(), id)
	if err != nil || c.Revoked || !c.Enabled || !matches(hash, secret) {
		if err != nil && !apperr.Is(err, apperr.NotFound) {
			return Token{}, err
		}
		return Token{}, bad
	}
	scopes := c.Scopes
	if scope = strings.TrimSpace(scope); scope != "" {
		scopes = normScopes(strings.Fields(scope))
		for _, sc := range scopes {
			if !slices.Contains(c.Scopes, sc) {
				return Token{}, &OAuthError{"invalid_scope", fmt.Sprintf("客户端没有权限范围 %s (the client does not hold scope %s)", clip(sc), clip(sc))}
			}
		}
	}
	snap, err := s.current(ctx)
	if err != nil {
		return Token{}, err
	}
	now := time.Now()
	cl := claims{Scope: strings.Join(scopes, " "), RegisteredClaims: jwt.RegisteredClaims{
		Subject: c.ID, IssuedAt: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(now.Add(s.oauth.TTL)),
		ID: randomString(20, alnum),
	}}
	t := jwt.NewWithClaims(jwt.SigningMethodHS256, cl)
	t.Header["kid"] = snap.signKid
	signed, err := t.SignedString(snap.signKey)
	if err != nil {
		return Token{}, fmt.Errorf("sign token: %w", err)
	}
	return Token{AccessToken: signed, TokenType: "Bearer", ExpiresIn: int(s.oauth.TTL / time.Second), Scope: cl.Scope}, nil
}

// VerifyToken checks a bearer token from memory. Its scopes are those it
// was issued with that the client still holds. A token that verified is
// remembered until it expires or anything about clients or keys changes,
// so its next uses cost a map lookup.
func (s *Service) VerifyToken(ctx context.Context, token string) (TokenInfo, error) {
	if s.oauth.Box == nil || len(token) > 4096 {
		return TokenInfo{}, ErrInvalidToken
	}
	snap, err := s.current(ctx)
	if err != nil {
		return TokenInfo{}, err
	}
	if v, ok := snap.verified.Load(token); ok {
		if vt := v.(*verifiedToken); time.Now().Before(vt.exp) {
			return vt.info, nil
		}
		snap.verified.Delete(token)
		return TokenInfo{}, ErrInvalidToken
	}
	info, exp, err := s.parseToken(snap, token)
	if errors.Is(err, errUnknown) && time.Since(snap.loaded) > 250*time.Millisecond {
		// A key or client this node has not seen yet (made on another
		// node less than a second ago): look again, at most 4 times a second.
		s.snap.CompareAndSwap(snap, nil)
		if snap, err = s.current(ctx); err != nil {
			return TokenInfo{}, err
		}
		info, exp, err = s.parseToken(snap, token)
	}
	if err != nil {
		return TokenInfo{}, ErrInvalidToken
	}
	if snap.nVerified.Add(1) > maxVerified {
		snap.verified.Clear()
		snap.nVerified.Store(1)
	}
	snap.verified.Store(token, &verifiedToken{info: info, exp: exp})
	return info, nil
}

// parseToken verifies a token's signature and claims against snap.
func (s *Service) parseToken(snap *oauthSnap, token string) (TokenInfo, time.Time, error) {
	var cl claims
	_, err := s.parser.ParseWithClaims(token, &cl, func(t *jwt.Token) (any, error) {
		kid, _ := t.Header["kid"].(string)
		if key, ok := snap.keys[kid]; ok {
			return key, nil
		}
		return nil, errUnknown
	})
	if errors.Is(err, errUnknown) {
		return TokenInfo{}, time.Time{}, errUnknown
	}
	if err != nil || cl.ExpiresAt == nil {
		return TokenInfo{}, time.Time{}, ErrInvalidToken
	}
	c := snap.clients[cl.Subject]
	if c == nil {
		return TokenInfo{}, time.Time{}, errUnknown
	}
	info := TokenInfo{ClientID: cl.Subject, RateLimit: c.rps, allowed: c.allowed}
	for _, sc := range strings.Fields(cl.Scope) {
		if slices.Contains(c.scopes, sc) {
			info.Scopes = append(info.Scopes, sc)
		}
	}
	return info, cl.ExpiresAt.Time, nil
}

func newParser() *jwt.Parser {
	return jwt.NewParser(jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}), jwt.WithExpirationRequired(), jwt.WithIssuedAt())
}
