package auth

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"

	"github.com/tritiumhq/tritium/internal/apperr"
	"github.com/tritiumhq/tritium/internal/sqldb"
)

// Console passwords are argon2id hashes in PHC string form
// ($argon2id$v=19$m=19456,t=2,p=1$salt$hash), kept in user_passwords and
// never returned by any API.

// PasswordParams is the argon2id cost: memory in KiB, passes, lanes.
type PasswordParams struct {
	Memory  uint32
	Time    uint32
	Threads uint8
}

// DefaultPasswordParams is OWASP's minimum for argon2id.
var DefaultPasswordParams = PasswordParams{Memory: 19456, Time: 2, Threads: 1}

const (
	passwordMin = 8
	passwordMax = 256
	saltLen     = 16
	keyLen      = 32
)

var b64 = base64.RawStdEncoding

// ValidatePassword holds a new password to the rules: 8–256 characters of
// valid UTF-8 without NUL. The error names field.
func ValidatePassword(field, pw string) error {
	switch n := utf8.RuneCountInString(pw); {
	case !utf8.ValidString(pw):
		return apperr.Field(field, "%s 不是有效的 UTF-8 文本 (%s is not valid UTF-8)", field, field)
	case strings.IndexByte(pw, 0) >= 0:
		return apperr.Field(field, "%s 不能包含 NUL 字符 (%s must not contain NUL)", field, field)
	case n < passwordMin || n > passwordMax:
		return apperr.Field(field, "%s 需要 %d 到 %d 个字符, 收到 %d 个 (%s must be %d–%d characters, not %d)",
			field, passwordMin, passwordMax, n, field, passwordMin, passwordMax, n)
	}
	return nil
}

// HashPassword returns the PHC string of pw with a fresh salt.
func HashPassword(pw string, p PasswordParams) string {
	salt := make([]byte, saltLen)
	rand.Read(salt)
	key := argon2.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, keyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Time, p.Threads, b64.EncodeToString(salt), b64.EncodeToString(key))
}

// VerifyPassword reports whether pw matches the PHC string stored, in
// constant time; a string it cannot read matches nothing.
func VerifyPassword(stored, pw string) bool {
	p, salt, key, ok := parsePHC(stored)
	if !ok {
		return false
	}
	got := argon2.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, uint32(len(key)))
	return subtle.ConstantTimeCompare(got, key) == 1
}

func parsePHC(s string) (p PasswordParams, salt, key []byte, ok bool) {
	parts := strings.Split(s, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" || parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return p, nil, nil, false
	}
	var m, t, th uint64
	for _, kv := range strings.Split(parts[3], ",") {
		k, v, _ := strings.Cut(kv, "=")
		n, err := strconv.ParseUint(v, 10, 32)
		if err != nil {
			return p, nil, nil, false
		}
		switch k {
		case "m":
			m = n
		case "t":
			t = n
		case "p":
			th = n
		default:
			return p, nil, nil, false
		}
	}
	salt, err1 := b64.DecodeString(parts[4])
	key, err2 := b64.DecodeString(parts[5])
	if err1 != nil || err2 != nil || m == 0 || t == 0 || th == 0 || th > 255 || len(key) < 16 {
		return p, nil, nil, false
	}
	return PasswordParams{Memory: uint32(m), Time: uint32(t), Threads: uint8(th)}, salt, key, true
}

// SetPassword stores pw as userID's password and ends the user's sessions
// but the one whose token is keep ("" ends them all), in one transaction.
func (s *Service) SetPassword(ctx context.Context, userID, pw, keep string) error {
	if err := ValidatePassword("password", pw); err != nil {
		return err
	}
	hash := HashPassword(pw, s.sess.Password) // before the transaction: it takes a while
	err := s.db.Write(ctx, func(tx *sqldb.Tx) error {
		now := tx.Dialect().TimeValue(sqldb.Now())
		if _, err := tx.Exec(ctx, `INSERT INTO user_passwords (user_id, hash, changed_time) VALUES (?, ?, ?)
			ON CONFLICT (user_id) DO UPDATE SET hash = excluded.hash, changed_time = excluded.changed_time`, userID, hash, now); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, "DELETE FROM sessions WHERE user_id = ? AND token_hash <> ?", userID, tokenHash(keep))
		return err
	})
	s.sessions.forgetUser(userID, tokenHash(keep))
	if err != nil {
		return fmt.Errorf("set password: %w", err)
	}
	return nil
}

// HasPassword reports whether userID has a password.
func (s *Service) HasPassword(ctx context.Context, userID string) (bool, error) {
	_, ok, err := s.passwordHash(ctx, userID)
	return ok, err
}

// CheckPassword reports whether pw is userID's password. A user without a
// password (or userID "", an unknown login) costs the same hashing time
// and matches nothing, so timing does not tell accounts apart.
func (s *Service) CheckPassword(ctx context.Context, userID, pw string) (bool, error) {
	stored, ok := "", false
	if userID != "" {
		var err error
		if stored, ok, err = s.passwordHash(ctx, userID); err != nil {
			return false, err
		}
	}
	if !ok {
		VerifyPassword(s.dummyHash(), pw)
		return false, nil
	}
	return VerifyPassword(stored, pw), nil
}

func (s *Service) passwordHash(ctx context.Context, userID string) (string, bool, error) {
	var h string
	err := s.db.Reader().QueryRow(ctx, "SELECT hash FROM user_passwords WHERE user_id = ?", userID).Scan(&h)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("read password: %w", err)
	}
	return h, true, nil
}

// dummyHash is a hash of nothing anyone knows, made once with the
// configured cost, for the logins that have no password to check.
func (s *Service) dummyHash() string {
	s.dummyOnce.Do(func() { s.dummy = HashPassword(RandomText(32), s.sess.Password) })
	return s.dummy
}
