// Package file keeps uploaded files: content in a blob store, metadata in
// the files table. Attachment fields hold file keys and the metadata.
package file

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"github.com/tritiumhq/tritium/internal/apperr"
	"github.com/tritiumhq/tritium/internal/blob"
	"github.com/tritiumhq/tritium/internal/form"
	"github.com/tritiumhq/tritium/internal/sqldb"
)

// Service stores files.
type Service struct {
	db    *sqldb.DB
	store blob.Store
}

// NewService returns a file service over store.
func NewService(db *sqldb.DB, store blob.Store) *Service { return &Service{db: db, store: store} }

// Owner says where a file was attached (all optional).
type Owner struct {
	FormCode, FieldCode, ObjectID, CreatedBy string
}

// Save stores content (at most limit bytes) and records its metadata.
func (s *Service) Save(ctx context.Context, name, contentType string, r io.Reader, limit int64, owner Owner) (form.FileRef, error) {
	name = cleanName(name)
	if contentType == "" || contentType == "application/octet-stream" {
		if t := mime.TypeByExtension(strings.ToLower(filepath.Ext(name))); t != "" {
			contentType = t
		}
	}
	if contentType == "" {
		contentType = "application/octet-stream"
	}
	key := newKey()
	size, err := s.store.Put(ctx, key, r, limit)
	if errors.Is(err, blob.ErrTooLarge) {
		return form.FileRef{}, apperr.New(apperr.TooLarge, "文件超过大小限制 %d 字节 (file larger than %d bytes)", limit, limit)
	}
	if err != nil {
		return form.FileRef{}, err
	}
	ref := form.FileRef{FileKey: key, Name: name, Size: size, ContentType: contentType}
	err = s.db.Write(ctx, func(tx *sqldb.Tx) error {
		_, err := tx.Exec(ctx, "INSERT INTO files (file_key, name, size, content_type, form_code, field_code, object_id, created_by, created_time) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
			key, name, size, contentType, nullable(owner.FormCode), nullable(owner.FieldCode), nullable(owner.ObjectID), nullable(owner.CreatedBy), tx.Dialect().TimeValue(sqldb.Now()))
		return err
	})
	if err != nil {
		s.store.Delete(context.WithoutCancel(ctx), key)
		return form.FileRef{}, fmt.Errorf("record file: %w", err)
	}
	return ref, nil
}

// Forget removes a file saved by Save whose use then failed.
func (s *Service) Forget(ctx context.Context, key string) error {
	err := s.db.Write(ctx, func(tx *sqldb.Tx) error {
		_, err := tx.Exec(ctx, "DELETE FROM files WHERE file_key = ?", key)
		return err
	})
	if err != nil {
		return fmt.Errorf("forget file: %w", err)
	}
	return s.store.Delete(ctx, key)
}

// Describe returns the metadata of keys, in order; it implements
// record.Files.
func (s *Service) Describe(ctx context.Context, q sqldb.Querier, keys []string) ([]form.FileRef, error) {
	out := make([]form.FileRef, 0, len(keys))
	for _, k := range keys {
		ref, err := s.describe(ctx, q, k)
		if err != nil {
			return nil, err
		}
		out = append(out, ref)
	}
	return out, nil
}

func (s *Service) describe(ctx context.Context, q sqldb.Querier, key string) (form.FileRef, error) {
	ref := form.FileRef{FileKey: key}
	err := q.QueryRow(ctx, "SELECT name, size, content_type FROM files WHERE file_key = ?", key).Scan(&ref.Name, &ref.Size, &ref.ContentType)
	if errors.Is(err, sql.ErrNoRows) {
		return ref, apperr.New(apperr.Invalid, "文件不存在: %s (file not found)", key)
	}
	if err != nil {
		return ref, fmt.Errorf("describe file %s: %w", key, err)
	}
	return ref, nil
}

// Open returns a file's metadata and content; apperr.NotFound when unknown.
func (s *Service) Open(ctx context.Context, key string) (form.FileRef, io.ReadCloser, error) {
	ref, err := s.describe(ctx, s.db.Reader(), key)
	if err != nil {
		if apperr.Is(err, apperr.Invalid) {
			err = apperr.New(apperr.NotFound, "文件不存在: %s (file not found)", key)
		}
		return ref, nil, err
	}
	rc, err := s.store.Open(ctx, key)
	if errors.Is(err, blob.ErrNotFound) {
		return ref, nil, apperr.New(apperr.NotFound, "文件不存在: %s (file content missing)", key)
	}
	return ref, rc, err
}

func newKey() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// cleanName keeps the base name and drops what would break a header.
func cleanName(name string) string {
	name = filepath.Base(strings.ReplaceAll(name, `\`, "/"))
	name = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, name)
	if !utf8.ValidString(name) || name == "." || name == "/" || name == "" {
		return "file"
	}
	if len(name) > 255 {
		name = name[:255]
	}
	return name
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}
