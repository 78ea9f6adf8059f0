// Package secret seals values kept at rest (connector credentials, script
// environment secrets) with AES-256-GCM. The key comes from
// TRITIUM_SECRET_KEY (32 bytes, base64 or hex) or, on a single node, from a
// key file generated once in the data directory.
package secret

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// EnvKey is the environment variable holding the key.
const EnvKey = "TRITIUM_SECRET_KEY"

// KeyFile is the generated key's file name in the data directory.
const KeyFile = "secret.key"

// prefix marks a sealed value, and its format version.
const prefix = "v1:"

// Box seals and opens values with one key.
type Box struct {
	aead cipher.AEAD
	key  []byte
}

// New returns a box for a 32-byte key.
func New(key []byte) (*Box, error) {
	if len(key) != 32 {
		return nil, fmt.Errorf("secret key must be 32 bytes, got %d", len(key))
	}
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	g, err := cipher.NewGCM(b)
	if err != nil {
		return nil, err
	}
	return &Box{aead: g, key: bytes.Clone(key)}, nil
}

// Derive returns a 32-byte key for purpose (HKDF-SHA256 of the box's
// key), e.g. to sign links: every node with the same secret key derives
// the same one, and it tells nothing of the box's key or of the keys for
// other purposes.
func (b *Box) Derive(purpose string) []byte {
	k, err := hkdf.Key(sha256.New, b.key, nil, "tritium:"+purpose, 32)
	if err != nil { // only for lengths HKDF cannot give
		panic(err)
	}
	return k
}

// ParseKey reads a key written as base64 (std or URL, padded or not) or hex.
func ParseKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if b, err := hex.DecodeString(s); err == nil && len(b) == 32 {
		return b, nil
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil && len(b) == 32 {
			return b, nil
		}
	}
	return nil, fmt.Errorf("%s must be 32 bytes in base64 or hex", EnvKey)
}

// Load returns the box for this server. With env set (TRITIUM_SECRET_KEY's
// value) it is that key. Otherwise, when shared is false (one node, e.g.
// SQLite), the key is read from dir/secret.key, generated on first use;
// when shared is true (several nodes on one PostgreSQL could not agree on a
// generated key), it is an error that says so.
func Load(env, dir string, shared bool) (*Box, error) {
	if env != "" {
		k, err := ParseKey(env)
		if err != nil {
			return nil, err
		}
		return New(k)
	}
	if shared {
		return nil, fmt.Errorf("%s is required with PostgreSQL: every node must seal secrets with the same key (generate one with: openssl rand -base64 32)", EnvKey)
	}
	path := filepath.Join(dir, KeyFile)
	raw, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		k := make([]byte, 32)
		if _, err := rand.Read(k); err != nil {
			return nil, err
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, err
		}
		enc := base64.StdEncoding.EncodeToString(k)
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err == nil {
			_, err = f.WriteString(enc + "\n")
			if cerr := f.Close(); err == nil {
				err = cerr
			}
		}
		if err != nil && !errors.Is(err, os.ErrExist) {
			return nil, fmt.Errorf("write %s: %w", path, err)
		}
		if raw, err = os.ReadFile(path); err != nil { // whoever won the create
			return nil, err
		}
	} else if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	k, err := ParseKey(string(raw))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return New(k)
}

// Seal encrypts plain; the result is text, safe for any column.
func (b *Box) Seal(plain string) (string, error) {
	nonce := make([]byte, b.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	out := b.aead.Seal(nonce, nonce, []byte(plain), nil)
	return prefix + base64.RawStdEncoding.EncodeToString(out), nil
}

// ErrOpen is returned for a sealed value this key cannot open (another
// key, or damaged).
var ErrOpen = errors.New("secret: cannot open the sealed value (wrong TRITIUM_SECRET_KEY?)")

// Open decrypts a value Seal made.
func (b *Box) Open(sealed string) (string, error) {
	s, ok := strings.CutPrefix(sealed, prefix)
	if !ok {
		return "", ErrOpen
	}
	raw, err := base64.RawStdEncoding.DecodeString(s)
	if err != nil || len(raw) < b.aead.NonceSize() {
		return "", ErrOpen
	}
	n := b.aead.NonceSize()
	plain, err := b.aead.Open(nil, raw[:n], raw[n:], nil)
	if err != nil {
		return "", ErrOpen
	}
	return string(plain), nil
}
