package auth

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/tritiumhq/tritium/internal/sqldb"
)

// Callbacks to a client (or to the engine's caller) are signed with its
// secret, which is otherwise kept only hashed: so a sealed copy is kept
// beside the hash, set whenever the secret is made or rotated (for the
// engine credential also from the configured secret at start-up), and
// opened only to sign.

// ErrNoSigningSecret is a client or engine credential with no sealed copy
// of its secret (made before copies were kept, or with no secret key):
// rotating the secret makes one.
var ErrNoSigningSecret = errors.New("no sealed copy of the secret to sign with; rotate the secret")

// sealSecret seals a secret with the server's box ("" without one).
func (s *Service) sealSecret(secret string) (string, error) {
	if s.oauth.Box == nil {
		return "", nil
	}
	return s.oauth.Box.Seal(secret)
}

// sealConfigured keeps a sealed copy of the configured engine secret when
// it is the stored credential's (the store was made before copies were
// kept, or the copy is of an older secret).
func (s *Service) sealConfigured(ctx context.Context, code, secret string) error {
	if code == "" || secret == "" || s.oauth.Box == nil {
		return nil
	}
	var hash, sealed string
	err := s.db.Reader().QueryRow(ctx, "SELECT secret_hash, secret_sealed FROM credentials WHERE code = ?", code).Scan(&hash, &sealed)
	if errors.Is(err, sql.ErrNoRows) || err == nil && !matches(hash, secret) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("load credential: %w", err)
	}
	if plain, err := s.oauth.Box.Open(sealed); err == nil && plain == secret {
		return nil
	}
	if sealed, err = s.sealSecret(secret); err != nil {
		return err
	}
	return s.db.Write(ctx, func(tx *sqldb.Tx) error {
		_, err := tx.Exec(ctx, "UPDATE credentials SET secret_sealed = ? WHERE code = ? AND secret_hash = ?", sealed, code, hash)
		return err
	})
}

// ClientSigningSecret returns the secret of an OAuth client, to sign its
// callbacks. A revoked client has none; a client with no sealed copy
// gives ErrNoSigningSecret.
func (s *Service) ClientSigningSecret(ctx context.Context, id string) (string, error) {
	var sealed string
	var revoked int64
	err := s.db.Reader().QueryRow(ctx, "SELECT secret_sealed, revoked FROM oauth_clients WHERE id = ?", id).Scan(&sealed, &revoked)
	if errors.Is(err, sql.ErrNoRows) || err == nil && revoked != 0 {
		return "", fmt.Errorf("client %s: %w", clip(id), ErrNoSigningSecret)
	}
	if err != nil {
		return "", fmt.Errorf("load client secret: %w", err)
	}
	return s.openSigning(sealed)
}

// EngineSigningSecret returns the EngineSecret of code (of the only
// credential when code is empty), to sign callbacks to the engine's
// callers.
func (s *Service) EngineSigningSecret(ctx context.Context, code string) (string, error) {
	q, args := "SELECT secret_sealed FROM credentials WHERE code = ?", []any{code}
	if code == "" {
		q, args = "SELECT secret_sealed FROM credentials ORDER BY created_time, code LIMIT 1", nil
	}
	var sealed string
	err := s.db.Reader().QueryRow(ctx, q, args...).Scan(&sealed)
	if errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("engine credential %s: %w", clip(code), ErrNoSigningSecret)
	}
	if err != nil {
		return "", fmt.Errorf("load engine secret: %w", err)
	}
	return s.openSigning(sealed)
}

func (s *Service) openSigning(sealed string) (string, error) {
	if sealed == "" || s.oauth.Box == nil {
		return "", ErrNoSigningSecret
	}
	plain, err := s.oauth.Box.Open(sealed)
	if err != nil {
		return "", fmt.Errorf("open signing secret: %w", err)
	}
	return plain, nil
}
