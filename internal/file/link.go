package file

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"strconv"
	"time"

	"github.com/tritiumhq/tritium/internal/apperr"
)

// Preview links: GET /api/v1/files/{key}/preview?expires=<unix s>&signature=<sig>,
// where sig is base64url(HMAC-SHA256(link key, "preview\n" + key + "\n" +
// expires)). Anyone holding the link may read the file until it expires;
// checking it needs no database, only the key every node derives from the
// shared secret key.

// SignLink returns the expires and signature query values of a preview
// link to key valid until exp.
func (s *Service) SignLink(key string, exp time.Time) (expires, signature string) {
	expires = strconv.FormatInt(exp.Unix(), 10)
	return expires, s.sign(key, expires)
}

func (s *Service) sign(key, expires string) string {
	m := hmac.New(sha256.New, s.linkKey)
	m.Write([]byte("preview\n" + key + "\n" + expires))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// CheckLink verifies a preview link at now: apperr.Forbidden when it was
// not signed by this server's key for this file (altered, truncated, made
// up), apperr.Gone when it was but has expired.
func (s *Service) CheckLink(key, expires, signature string, now time.Time) error {
	bad := apperr.New(apperr.Forbidden, "预览链接无效或已被篡改 (the preview link is invalid or was altered)")
	if len(s.linkKey) == 0 || len(expires) > 20 || len(signature) != 43 {
		return bad
	}
	want := s.sign(key, expires)
	if !hmac.Equal([]byte(want), []byte(signature)) {
		return bad
	}
	exp, err := strconv.ParseInt(expires, 10, 64)
	if err != nil {
		return bad
	}
	if now.Unix() >= exp {
		return apperr.New(apperr.Gone, "预览链接已过期于 %s (the preview link expired at %s)", time.Unix(exp, 0).UTC().Format(time.RFC3339), time.Unix(exp, 0).UTC().Format(time.RFC3339))
	}
	return nil
}
