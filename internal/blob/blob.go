// Package blob stores file contents behind a small interface, so the local
// directory can later be swapped for object storage.
package blob

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// ErrNotFound is returned for a key that holds nothing.
var ErrNotFound = errors.New("blob not found")

// ErrTooLarge is returned when content exceeds the size limit.
var ErrTooLarge = errors.New("blob too large")

// Store keeps blobs by key.
type Store interface {
	// Put stores r under key, refusing more than limit bytes (0: no limit).
	Put(ctx context.Context, key string, r io.Reader, limit int64) (int64, error)
	Open(ctx context.Context, key string) (io.ReadCloser, error)
	Delete(ctx context.Context, key string) error
}

// Dir stores blobs as files under a directory, fanned out by key prefix.
type Dir struct{ root string }

// NewDir returns a Dir rooted at root, creating it.
func NewDir(root string) (*Dir, error) {
	if err := os.MkdirAll(root, 0o750); err != nil {
		return nil, fmt.Errorf("create blob dir: %w", err)
	}
	return &Dir{root: root}, nil
}

func (d *Dir) path(key string) (string, error) {
	if len(key) < 4 || strings.ContainsAny(key, `/\.`) {
		return "", fmt.Errorf("invalid blob key %q", key)
	}
	return filepath.Join(d.root, key[:2], key[2:4], key), nil
}

// Put writes to a temporary file and renames it, so a reader never sees a
// partial blob.
func (d *Dir) Put(ctx context.Context, key string, r io.Reader, limit int64) (int64, error) {
	p, err := d.path(key)
	if err != nil {
		return 0, err
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o750); err != nil {
		return 0, fmt.Errorf("put blob: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(p), ".put-*")
	if err != nil {
		return 0, fmt.Errorf("put blob: %w", err)
	}
	defer os.Remove(tmp.Name())
	src := r
	if limit > 0 {
		src = io.LimitReader(r, limit+1)
	}
	n, err := io.Copy(tmp, src)
	if err == nil && limit > 0 && n > limit {
		err = ErrTooLarge
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return 0, fmt.Errorf("put blob: %w", err)
	}
	if err := os.Rename(tmp.Name(), p); err != nil {
		return 0, fmt.Errorf("put blob: %w", err)
	}
	return n, nil
}

// Open returns the blob's content.
func (d *Dir) Open(ctx context.Context, key string) (io.ReadCloser, error) {
	p, err := d.path(key)
	if err != nil {
		return nil, ErrNotFound
	}
	f, err := os.Open(p)
	if errors.Is(err, os.ErrNotExist) {
		return nil, ErrNotFound
	}
	return f, err
}

// Delete removes a blob; a missing blob is not an error.
func (d *Dir) Delete(ctx context.Context, key string) error {
	p, err := d.path(key)
	if err != nil {
		return err
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("delete blob: %w", err)
	}
	return nil
}
