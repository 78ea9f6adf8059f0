package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/tritiumhq/tritium/internal/sqldb"
)

// Console sessions: a browser that signed in holds a random 32-byte token
// in a cookie; the store keeps only its SHA-256, the user, the session's
// CSRF token and its times. A session ends when idle for Idle, Max after
// it began, on sign-out, or when its user's password changes.

// SessionConfig tunes sessions and password hashing.
type SessionConfig struct {
	// Idle ends a session not used for this long (default 2 h); Max ends
	// any session this long after sign-in (default 7 days).
	Idle, Max time.Duration
	// Password is the argon2id cost (default DefaultPasswordParams).
	Password PasswordParams
	// Recheck is how long a node trusts a session it read before reading
	// it again (default 1 s): a sign-out or password change on another
	// node takes effect here within it; on this node at once.
	Recheck time.Duration
}

// ErrNoSession is a token that names no live session.
var ErrNoSession = errors.New("no session")

// Session is one signed-in browser.
type Session struct {
	UserID      string
	CSRF        string // the token unsafe requests must echo in X-CSRF-Token
	Created     time.Time
	LastSeen    time.Time
	IdleExpires time.Time
	Expires     time.Time
	Address     string
	UserAgent   string
}

// ConfigureSessions sets the session lifetimes and password cost; call it
// before serving.
func (s *Service) ConfigureSessions(cfg SessionConfig) {
	if cfg.Idle <= 0 {
		cfg.Idle = 2 * time.Hour
	}
	if cfg.Max <= 0 {
		cfg.Max = 7 * 24 * time.Hour
	}
	if cfg.Password == (PasswordParams{}) {
		cfg.Password = DefaultPasswordParams
	}
	if cfg.Recheck <= 0 {
		cfg.Recheck = time.Second
	}
	s.sess = cfg
}

// sessionCache holds the sessions this node read lately, by token hash.
type sessionCache struct {
	mu sync.Mutex
	m  map[string]cachedSession
}

type cachedSession struct {
	sess Session
	read time.Time
}

func (c *sessionCache) get(hash string, ttl time.Duration) (Session, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[hash]
	if !ok || time.Since(e.read) > ttl {
		return Session{}, false
	}
	return e.sess, true
}

func (c *sessionCache) put(hash string, ss Session, read time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) > 10000 {
		c.m = map[string]cachedSession{}
	}
	c.m[hash] = cachedSession{sess: ss, read: read}
}

func (c *sessionCache) forget(hash string) {
	c.mu.Lock()
	delete(c.m, hash)
	c.mu.Unlock()
}

// forgetUser drops userID's sessions but keep (a token hash).
func (c *sessionCache) forgetUser(userID, keep string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for h, e := range c.m {
		if e.sess.UserID == userID && h != keep {
			delete(c.m, h)
		}
	}
}

// touchEvery is how stale last-seen may get before a request writes it:
// a minute, or less for short idle timeouts.
func (s *Service) touchEvery() time.Duration {
	return min(time.Minute, s.sess.Idle/4)
}

func tokenHash(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

func randomToken() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// CreateSession starts a session for userID and returns its token (shown
// only now: the cookie's value). Expired sessions are cleared on the way.
func (s *Service) CreateSession(ctx context.Context, userID, addr, userAgent string) (string, Session, error) {
	now := sqldb.Now()
	ss := Session{UserID: userID, CSRF: randomToken(), Created: now, LastSeen: now,
		IdleExpires: now.Add(s.sess.Idle), Expires: now.Add(s.sess.Max), Address: addr, UserAgent: clipBytes(userAgent, 512)}
	ss.IdleExpires = minTime(ss.IdleExpires, ss.Expires)
	token := randomToken()
	err := s.db.Write(ctx, func(tx *sqldb.Tx) error {
		d := tx.Dialect()
		if _, err := tx.Exec(ctx, "DELETE FROM sessions WHERE idle_expires_time <= ? OR expires_time <= ?", d.TimeValue(now), d.TimeValue(now)); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO sessions (token_hash, user_id, csrf_token, created_time, last_seen_time, idle_expires_time, expires_time, address, user_agent)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, tokenHash(token), userID, ss.CSRF, d.TimeValue(now), d.TimeValue(now),
			d.TimeValue(ss.IdleExpires), d.TimeValue(ss.Expires), addr, ss.UserAgent)
		return err
	})
	if err != nil {
		return "", Session{}, fmt.Errorf("create session: %w", err)
	}
	return token, ss, nil
}

// Session returns the live session of token, or ErrNoSession. Using a
// session moves its idle expiry on, writing last-seen at most every
// touchEvery (a minute), not on every request.
func (s *Service) Session(ctx context.Context, token string) (Session, error) {
	if token == "" || len(token) > 128 {
		return Session{}, ErrNoSession
	}
	hash := tokenHash(token)
	d := s.db.Dialect()
	ss, ok := s.sessions.get(hash, s.sess.Recheck)
	if !ok {
		var err error
		read := time.Now()
		if ss, err = s.readSession(ctx, hash); err != nil {
			return Session{}, err
		}
		s.sessions.put(hash, ss, read)
	}
	now := sqldb.Now()
	if !now.Before(ss.IdleExpires) || !now.Before(ss.Expires) {
		if err := s.EndSession(ctx, token); err != nil {
			return Session{}, err
		}
		return Session{}, ErrNoSession
	}
	if now.Sub(ss.LastSeen) >= s.touchEvery() {
		ss.LastSeen, ss.IdleExpires = now, minTime(now.Add(s.sess.Idle), ss.Expires)
		err := s.db.Write(ctx, func(tx *sqldb.Tx) error {
			_, err := tx.Exec(ctx, "UPDATE sessions SET last_seen_time = ?, idle_expires_time = ? WHERE token_hash = ?",
				d.TimeValue(now), d.TimeValue(ss.IdleExpires), tokenHash(token))
			return err
		})
		if err != nil {
			return Session{}, fmt.Errorf("touch session: %w", err)
		}
		s.sessions.put(hash, ss, time.Now())
	}
	return ss, nil
}

func (s *Service) readSession(ctx context.Context, hash string) (Session, error) {
	q := s.db.Reader()
	d := q.Dialect()
	var ss Session
	var ct, ls, ie, ex any
	err := q.QueryRow(ctx, `SELECT user_id, csrf_token, created_time, last_seen_time, idle_expires_time, expires_time, address, user_agent
		FROM sessions WHERE token_hash = ?`, hash).Scan(&ss.UserID, &ss.CSRF, &ct, &ls, &ie, &ex, &ss.Address, &ss.UserAgent)
	if errors.Is(err, sql.ErrNoRows) {
		return Session{}, ErrNoSession
	}
	if err != nil {
		return Session{}, fmt.Errorf("read session: %w", err)
	}
	for _, t := range []struct {
		dst *time.Time
		src any
	}{{&ss.Created, ct}, {&ss.LastSeen, ls}, {&ss.IdleExpires, ie}, {&ss.Expires, ex}} {
		if *t.dst, err = d.ScanTime(t.src); err != nil {
			return Session{}, fmt.Errorf("read session: %w", err)
		}
	}
	return ss, nil
}

// EndSession ends the session of token (none: nothing happens).
func (s *Service) EndSession(ctx context.Context, token string) error {
	err := s.db.Write(ctx, func(tx *sqldb.Tx) error {
		_, err := tx.Exec(ctx, "DELETE FROM sessions WHERE token_hash = ?", tokenHash(token))
		return err
	})
	s.sessions.forget(tokenHash(token))
	if err != nil {
		return fmt.Errorf("end session: %w", err)
	}
	return nil
}

// EndUserSessions ends every session of userID, on every node (they read
// the same table).
func (s *Service) EndUserSessions(ctx context.Context, userID string) error {
	err := s.db.Write(ctx, func(tx *sqldb.Tx) error {
		_, err := tx.Exec(ctx, "DELETE FROM sessions WHERE user_id = ?", userID)
		return err
	})
	s.sessions.forgetUser(userID, "")
	if err != nil {
		return fmt.Errorf("end sessions: %w", err)
	}
	return nil
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

func clipBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xC0 == 0x80 { // not inside a UTF-8 sequence
		n--
	}
	return s[:n]
}
