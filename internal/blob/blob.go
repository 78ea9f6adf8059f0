// Package blob stores file contents behind a small interface: a local
// directory (one node) or an S3-compatible bucket (several nodes share
// it).
package blob

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"
)

// ErrNotFound is returned for a key that holds nothing.
var ErrNotFound = errors.New("blob not found")

// ErrTooLarge is returned when content exceeds the size limit.
var ErrTooLarge = errors.New("blob too large")

// Store keeps blobs by key. Keys are the file service's: at least 4
// characters of [0-9a-z].
type Store interface {
	// Put stores r under key, refusing more than limit bytes (0: no
	// limit) with ErrTooLarge, in which case nothing is stored. A reader
	// never sees a partial blob.
	Put(ctx context.Context, key string, r io.Reader, limit int64) (int64, error)
	// Open returns the blob's content, ErrNotFound when there is none. The
	// reader is an io.ReadSeeker too on both stores (range requests).
	Open(ctx context.Context, key string) (io.ReadCloser, error)
	// Delete removes a blob; a missing blob is not an error.
	Delete(ctx context.Context, key string) error
}

// Lister is a store that can list its blobs (both stores are), for the
// sweep of blobs whose metadata is gone.
type Lister interface {
	// List calls fn with the key of every complete blob and when it was
	// stored, in no particular order, until fn returns an error (which
	// List returns).
	List(ctx context.Context, fn func(key string, stored time.Time) error) error
}

// Config selects a store.
type Config struct {
	// URL is the store: empty or a directory path (or file:///path) for a
	// local directory (Dir, default DefaultDir), or
	// s3://bucket[/prefix]?endpoint=host:port&region=…&secure=false&pathStyle=true
	// for an S3-compatible bucket (see S3Config).
	URL string
	// DefaultDir is the directory used when URL is empty.
	DefaultDir string
	// AccessKey and SecretKey are the S3 credentials (never in the URL).
	AccessKey, SecretKey string
}

// Open returns the store cfg names.
func Open(ctx context.Context, cfg Config) (Store, error) {
	raw := strings.TrimSpace(cfg.URL)
	switch {
	case raw == "":
		return NewDir(cfg.DefaultDir)
	case strings.HasPrefix(raw, "s3://"):
		sc, err := ParseS3URL(raw)
		if err != nil {
			return nil, err
		}
		sc.AccessKey, sc.SecretKey = cfg.AccessKey, cfg.SecretKey
		return NewS3(ctx, sc)
	case strings.HasPrefix(raw, "file://"):
		u, err := url.Parse(raw)
		if err != nil || u.Path == "" || (u.Host != "" && u.Host != "localhost") {
			return nil, fmt.Errorf("blob store %q: use file:///absolute/path", raw)
		}
		return NewDir(u.Path)
	case strings.Contains(raw, "://"):
		return nil, fmt.Errorf("blob store %q: use a directory, file:///path or s3://bucket", Redact(raw))
	}
	return NewDir(raw)
}

// Redact drops any user information from a store URL, for messages.
func Redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return raw
	}
	u.User = nil
	return u.String()
}

// validKey reports whether key may name a blob: it becomes a path or an
// object name, so only [0-9a-z] of at least 4 characters.
func validKey(key string) bool {
	if len(key) < 4 || len(key) > 128 {
		return false
	}
	for i := 0; i < len(key); i++ {
		c := key[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'z') {
			return false
		}
	}
	return true
}

// limited reads at most limit bytes from r and fails with ErrTooLarge
// on the next one, so a streaming writer aborts rather than store a
// truncated blob.
type limited struct {
	r     io.Reader
	left  int64 // bytes still allowed; <0 never (limit 0: no limit)
	n     int64
	limit int64
}

func newLimited(r io.Reader, limit int64) *limited { return &limited{r: r, left: limit, limit: limit} }

func (l *limited) Read(p []byte) (int, error) {
	if l.limit > 0 && int64(len(p)) > l.left+1 {
		p = p[:l.left+1]
	}
	n, err := l.r.Read(p)
	l.n += int64(n)
	if l.limit > 0 {
		l.left -= int64(n)
		if l.left < 0 {
			return n, ErrTooLarge
		}
	}
	return n, err
}
