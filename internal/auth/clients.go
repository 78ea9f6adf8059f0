package auth

import (
	"context"
	"encoding/json"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/tritiumhq/tritium/internal/apperr"
	"github.com/tritiumhq/tritium/internal/sqldb"
)

// Scopes a client may hold. Engine credentials hold all of them.
const (
	ScopeRecordsRead  = "records:read"
	ScopeRecordsWrite = "records:write"
	ScopeWorkflow     = "workflow"
	ScopeFiles        = "files"
	ScopeOrg          = "org"
	ScopeAdmin        = "admin"
	ScopeImpersonate  = "impersonate"
)

// AllScopes lists every scope, in the order documents show them.
var AllScopes = []string{ScopeRecordsRead, ScopeRecordsWrite, ScopeWorkflow, ScopeFiles, ScopeOrg, ScopeAdmin, ScopeImpersonate}

// Client is an OAuth2 client (client credentials grant). Its secret is
// stored only as a hash; it is shown once, when created or rotated.
type Client struct {
	ID     string   `json:"id"`
	Name   string   `json:"name"`
	Scopes []string `json:"scopes"`
	// RateLimit is requests per second for the client's tokens (0: the
	// server's default).
	RateLimit float64 `json:"rateLimit"`
	// AllowedIPs are addresses or CIDR ranges tokens may be used from
	// (empty: anywhere).
	AllowedIPs   []string  `json:"allowedIps"`
	Enabled      bool      `json:"enabled"`
	Revoked      bool      `json:"revoked"`
	CreatedTime  time.Time `json:"createdTime"`
	ModifiedTime time.Time `json:"modifiedTime"`
	// Secret is set only in the answer that creates or rotates it.
	Secret string `json:"secret,omitempty"`
}

// ClientInput creates or changes a client; nil fields stay as they are.
type ClientInput struct {
	Name       *string   `json:"name"`
	Scopes     *[]string `json:"scopes"`
	RateLimit  *float64  `json:"rateLimit"`
	AllowedIPs *[]string `json:"allowedIps"`
	Enabled    *bool     `json:"enabled"`
}

func (in ClientInput) apply(c *Client) error {
	if in.Name != nil {
		c.Name = strings.TrimSpace(*in.Name)
	}
	if c.Name == "" || len(c.Name) > 200 {
		return apperr.Field("name", "name 不能为空且不超过 200 字节 (name is required, at most 200 bytes)")
	}
	if in.Scopes != nil {
		c.Scopes = normScopes(*in.Scopes)
	}
	for _, sc := range c.Scopes {
		if !slices.Contains(AllScopes, sc) {
			return apperr.Field("scopes", "未知的权限范围: %q (unknown scope; use %s)", sc, strings.Join(AllScopes, ", "))
		}
	}
	if in.RateLimit != nil {
		c.RateLimit = *in.RateLimit
	}
	if c.RateLimit < 0 || c.RateLimit > 1e6 {
		return apperr.Field("rateLimit", "rateLimit 须在 0 到 1000000 之间 (rateLimit must be 0–1000000 requests per second)")
	}
	if in.AllowedIPs != nil {
		c.AllowedIPs = slices.Clone(*in.AllowedIPs)
	}
	if c.AllowedIPs == nil {
		c.AllowedIPs = []string{}
	}
	if _, err := parseAllowed(c.AllowedIPs); err != nil {
		return err
	}
	if in.Enabled != nil {
		c.Enabled = *in.Enabled
	}
	return nil
}

func normScopes(in []string) []string {
	out := []string{}
	for _, s := range in {
		if s = strings.TrimSpace(s); s != "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// parseAllowed reads addresses and CIDR ranges.
func parseAllowed(list []string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, s := range list {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			a, aerr := netip.ParseAddr(s)
			if aerr != nil {
				return nil, apperr.Field("allowedIps", "无效的 IP 地址或 CIDR: %q (not an IP address or CIDR range)", s)
			}
			p = netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen())
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

// CreateClient stores a new client and returns it with its secret (shown
// only now).
func (s *Service) CreateClient(ctx context.Context, in ClientInput) (Client, error) {
	c := Client{ID: "cl_" + randomString(20, lowerAlnum), Scopes: []string{}, Enabled: true}
	if err := in.apply(&c); err != nil {
		return Client{}, err
	}
	c.Secret = randomString(40, alnum)
	c.CreatedTime = sqldb.Now()
	c.ModifiedTime = c.CreatedTime
	sc, ips := mustJSON(c.Scopes), mustJSON(c.AllowedIPs)
	sealed, err := s.sealSecret(c.Secret)
	if err != nil {
		return Client{}, fmt.Errorf("create client: %w", err)
	}
	err = s.writeOAuth(ctx, func(tx *sqldb.Tx) error {
		d := tx.Dialect()
		_, err := tx.Exec(ctx, `INSERT INTO oauth_clients (id, name, secret_hash, secret_sealed, scopes, rate_limit, allowed_ips, enabled, revoked, created_time, modified_time)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?)`, c.ID, c.Name, hashSecret(c.Secret), sealed, sc, c.RateLimit, ips, boolInt(c.Enabled), d.TimeValue(c.CreatedTime), d.TimeValue(c.ModifiedTime))
		return err
	})
	if err != nil {
		return Client{}, fmt.Errorf("create client: %w", err)
	}
	return c, nil
}

// Clients lists every client (revoked ones too), oldest first.
func (s *Service) Clients(ctx context.Context) ([]Client, error) {
	out, _, err := s.queryClients(ctx, s.db.Reader(), "")
	return out, err
}

// GetClient returns one client.
func (s *Service) GetClient(ctx context.Context, id string) (Client, error) {
	c, _, err := s.getClient(ctx, s.db.Reader(), id)
	return c, err
}

func (s *Service) getClient(ctx context.Context, q sqldb.Querier, id string) (Client, string, error) {
	cs, hashes, err := s.queryClients(ctx, q, id)
	if err != nil {
		return Client{}, "", err
	}
	if len(cs) == 0 {
		return Client{}, "", apperr.New(apperr.NotFound, "客户端不存在: %s (no OAuth client with this id)", clip(id))
	}
	return cs[0], hashes[0], nil
}

func (s *Service) queryClients(ctx context.Context, q sqldb.Querier, id string) ([]Client, []string, error) {
	query := "SELECT id, name, secret_hash, scopes, rate_limit, allowed_ips, enabled, revoked, created_time, modified_time FROM oauth_clients"
	var args []any
	if id != "" {
		query += " WHERE id = ?"
		args = append(args, id)
	}
	rows, err := q.Query(ctx, query+" ORDER BY created_time, id", args...)
	if err != nil {
		return nil, nil, fmt.Errorf("list clients: %w", err)
	}
	defer rows.Close()
	d := s.db.Dialect()
	out, hashes := []Client{}, []string{}
	for rows.Next() {
		var c Client
		var hash, sc, ips string
		var en, rev int64
		var ct, mt any
		if err := rows.Scan(&c.ID, &c.Name, &hash, &sc, &c.RateLimit, &ips, &en, &rev, &ct, &mt); err != nil {
			return nil, nil, fmt.Errorf("list clients: %w", err)
		}
		json.Unmarshal([]byte(sc), &c.Scopes)
		json.Unmarshal([]byte(ips), &c.AllowedIPs)
		c.Enabled, c.Revoked = en != 0, rev != 0
		if c.CreatedTime, err = d.ScanTime(ct); err != nil {
			return nil, nil, err
		}
		if c.ModifiedTime, err = d.ScanTime(mt); err != nil {
			return nil, nil, err
		}
		out, hashes = append(out, c), append(hashes, hash)
	}
	return out, hashes, rows.Err()
}

// UpdateClient changes a client's name, scopes, rate limit, allow-list or
// enabled flag. Tokens already issued keep the scopes they were issued
// with; disabling a client stops its tokens at once.
func (s *Service) UpdateClient(ctx context.Context, id string, in ClientInput) (Client, error) {
	var c Client
	err := s.writeOAuth(ctx, func(tx *sqldb.Tx) error {
		var err error
		if c, _, err = s.getClient(ctx, tx, id); err != nil {
			return err
		}
		if c.Revoked {
			return errRevoked(id)
		}
		if err := in.apply(&c); err != nil {
			return err
		}
		c.ModifiedTime = sqldb.Now()
		_, err = tx.Exec(ctx, "UPDATE oauth_clients SET name = ?, scopes = ?, rate_limit = ?, allowed_ips = ?, enabled = ?, modified_time = ? WHERE id = ?",
			c.Name, mustJSON(c.Scopes), c.RateLimit, mustJSON(c.AllowedIPs), boolInt(c.Enabled), tx.Dialect().TimeValue(c.ModifiedTime), id)
		return err
	})
	return c, err
}

// RotateClientSecret gives the client a new secret (returned only now);
// the old one stops working for new tokens.
func (s *Service) RotateClientSecret(ctx context.Context, id string) (Client, error) {
	var c Client
	secret := randomString(40, alnum)
	sealed, err := s.sealSecret(secret)
	if err != nil {
		return Client{}, fmt.Errorf("rotate client secret: %w", err)
	}
	err = s.writeOAuth(ctx, func(tx *sqldb.Tx) error {
		var err error
		if c, _, err = s.getClient(ctx, tx, id); err != nil {
			return err
		}
		if c.Revoked {
			return errRevoked(id)
		}
		c.ModifiedTime = sqldb.Now()
		_, err = tx.Exec(ctx, "UPDATE oauth_clients SET secret_hash = ?, secret_sealed = ?, modified_time = ? WHERE id = ?",
			hashSecret(secret), sealed, tx.Dialect().TimeValue(c.ModifiedTime), id)
		return err
	})
	c.Secret = secret
	return c, err
}

// RevokeClient revokes a client for good: its tokens fail at once on this
// node and within a second on every other.
func (s *Service) RevokeClient(ctx context.Context, id string) error {
	return s.writeOAuth(ctx, func(tx *sqldb.Tx) error {
		res, err := tx.Exec(ctx, "UPDATE oauth_clients SET revoked = 1, enabled = 0, modified_time = ? WHERE id = ?", tx.Dialect().TimeValue(sqldb.Now()), id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.New(apperr.NotFound, "客户端不存在: %s (no OAuth client with this id)", clip(id))
		}
		return nil
	})
}

// writeOAuth runs fn in a write transaction that bumps the revision, then
// drops this node's cache so the change applies here at once.
func (s *Service) writeOAuth(ctx context.Context, fn func(tx *sqldb.Tx) error) error {
	err := s.bumpWrite(ctx, fn)
	if err == nil {
		s.invalidate()
	}
	return err
}

// bumpWrite runs fn in a write transaction that bumps the revision.
func (s *Service) bumpWrite(ctx context.Context, fn func(tx *sqldb.Tx) error) error {
	return s.db.Write(ctx, func(tx *sqldb.Tx) error {
		if err := fn(tx); err != nil {
			return err
		}
		return s.oauthRev.Bump(ctx, tx)
	})
}

func errRevoked(id string) error {
	return apperr.New(apperr.Conflict, "客户端已吊销: %s (this OAuth client is revoked)", clip(id))
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func clip(s string) string {
	if len(s) > 64 {
		return s[:64] + "…"
	}
	return s
}
