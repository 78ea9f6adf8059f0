// Package file keeps uploaded files: content in a blob store, metadata in
// the files table. Attachment fields hold file keys and the metadata; a
// file no record refers to is removed after a grace period (gc.go).
package file

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/tritiumhq/tritium/internal/apperr"
	"github.com/tritiumhq/tritium/internal/blob"
	"github.com/tritiumhq/tritium/internal/form"
	"github.com/tritiumhq/tritium/internal/sqldb"
)

// Service stores files.
type Service struct {
	db      *sqldb.DB
	store   blob.Store
	linkKey []byte
}

// NewService returns a file service over store.
func NewService(db *sqldb.DB, store blob.Store) *Service { return &Service{db: db, store: store} }

// SetLinkKey sets the key preview links are signed with (link.go); every
// node that serves the links needs the same one.
func (s *Service) SetLinkKey(key []byte) { s.linkKey = bytes.Clone(key) }

// Owner says where a file was attached (all optional).
type Owner struct {
	FormCode, FieldCode, ObjectID, CreatedBy string
}

// Meta is what an upload says about its file besides the content.
type Meta struct {
	Name, ContentType string // as declared; cleaned and completed on save
	Owner
	// SourceSystem and SourceDocumentNumber are the caller's system and
	// document the file belongs to (seed: sourceDocumentNumber).
	SourceSystem, SourceDocumentNumber string
}

// File is a stored file's metadata.
type File struct {
	form.FileRef
	SourceSystem         string    `json:"sourceSystem,omitempty"`
	SourceDocumentNumber string    `json:"sourceDocumentNumber,omitempty"`
	CreatedBy            string    `json:"createdBy,omitempty"`
	CreatedTime          time.Time `json:"createdTime"`
	// FormCode and ObjectID name the first record that took the file into
	// an attachment field (for a child row, its main record).
	FormCode string `json:"formCode,omitempty"`
	ObjectID string `json:"objectId,omitempty"`
	// Sniffed is the type the content looks like (http.DetectContentType
	// of its first 512 bytes, at upload); "" for files stored before it
	// was kept. Serving trusts this, never ContentType.
	Sniffed string `json:"-"`
}

// Pending is content stored by Put, waiting for its metadata (Commit) or
// its removal (Discard).
type Pending struct {
	s    *Service
	key  string
	size int64
	head []byte
}

// Key is the stored content's key.
func (p *Pending) Key() string { return p.key }

// Size is the stored content's length.
func (p *Pending) Size() int64 { return p.size }

// sniffer keeps the first 512 bytes that pass through it.
type sniffer struct {
	r    io.Reader
	head []byte
}

func (s *sniffer) Read(b []byte) (int, error) {
	n, err := s.r.Read(b)
	if len(s.head) < 512 {
		s.head = append(s.head, b[:min(n, 512-len(s.head))]...)
	}
	return n, err
}

// Put streams r (at most limit bytes) to the blob store; apperr.TooLarge
// over the limit, with nothing stored.
func (s *Service) Put(ctx context.Context, r io.Reader, limit int64) (*Pending, error) {
	key := newKey()
	sn := &sniffer{r: r}
	size, err := s.store.Put(ctx, key, sn, limit)
	if errors.Is(err, blob.ErrTooLarge) {
		return nil, apperr.New(apperr.TooLarge, "文件超过大小限制 %d 字节 (file larger than %d bytes)", limit, limit)
	}
	if err != nil {
		return nil, err
	}
	return &Pending{s: s, key: key, size: size, head: sn.head}, nil
}

// Discard removes the content of an upload that failed.
func (p *Pending) Discard(ctx context.Context) {
	p.s.store.Delete(context.WithoutCancel(ctx), p.key)
}

// Commit records the file's metadata; on failure the content is removed.
func (p *Pending) Commit(ctx context.Context, m Meta) (File, error) {
	f := File{
		FileRef:      form.FileRef{FileKey: p.key, Name: cleanName(m.Name), Size: p.size},
		SourceSystem: m.SourceSystem, SourceDocumentNumber: m.SourceDocumentNumber,
		CreatedBy: m.CreatedBy, FormCode: m.FormCode, ObjectID: m.ObjectID,
		Sniffed: http.DetectContentType(p.head), CreatedTime: sqldb.Now(),
	}
	f.ContentType = contentType(m.ContentType, f.Name, f.Sniffed)
	err := p.s.db.Write(ctx, func(tx *sqldb.Tx) error {
		d := tx.Dialect()
		now := d.TimeValue(f.CreatedTime)
		_, err := tx.Exec(ctx, "INSERT INTO files (file_key, name, size, content_type, form_code, field_code, object_id, created_by, created_time, used_time, source_system, source_document_number, sniffed_type) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
			f.FileKey, f.Name, f.Size, f.ContentType, nullable(m.FormCode), nullable(m.FieldCode), nullable(m.ObjectID), nullable(m.CreatedBy), now, now,
			nullable(m.SourceSystem), nullable(m.SourceDocumentNumber), f.Sniffed)
		return err
	})
	if err != nil {
		p.Discard(ctx)
		return File{}, fmt.Errorf("record file: %w", err)
	}
	return f, nil
}

// Save stores content (at most limit bytes) and records its metadata.
func (s *Service) Save(ctx context.Context, name, contentType string, r io.Reader, limit int64, owner Owner) (form.FileRef, error) {
	p, err := s.Put(ctx, r, limit)
	if err != nil {
		return form.FileRef{}, err
	}
	f, err := p.Commit(ctx, Meta{Name: name, ContentType: contentType, Owner: owner})
	return f.FileRef, err
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

// Use returns the metadata of keys, in order, and records in tx that
// object objectID of formCode holds them now: the file's use time moves
// on (garbage collection spares it for a grace period from then), and the
// first object to hold a file becomes its owner, whose viewers may
// download it. It implements record.Files; every write of an attachment
// value goes through it. On PostgreSQL the update locks the row, so a
// collection deleting the file at the same time either waits for this
// transaction (and then sees the new use) or makes this one fail with
// "file not found".
func (s *Service) Use(ctx context.Context, tx *sqldb.Tx, formCode, objectID string, keys []string) ([]form.FileRef, error) {
	now := tx.Dialect().TimeValue(sqldb.Now())
	// Rows are locked in key order, the order a collection's IN (…) takes
	// them in too: two writes never wait on each other crosswise.
	sorted := slices.Compact(slices.Sorted(slices.Values(keys)))
	refs := make(map[string]form.FileRef, len(sorted))
	for _, k := range sorted {
		ref := form.FileRef{FileKey: k}
		err := tx.QueryRow(ctx, "UPDATE files SET used_time = ?, form_code = CASE WHEN object_id IS NULL THEN ? ELSE form_code END, object_id = COALESCE(object_id, ?) WHERE file_key = ? RETURNING name, size, content_type",
			now, nullable(formCode), nullable(objectID), k).Scan(&ref.Name, &ref.Size, &ref.ContentType)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, apperr.New(apperr.Invalid, "文件不存在: %s (file not found)", k)
		}
		if err != nil {
			return nil, fmt.Errorf("use file %s: %w", k, err)
		}
		refs[k] = ref
	}
	out := make([]form.FileRef, len(keys))
	for i, k := range keys {
		out[i] = refs[k]
	}
	return out, nil
}

func (s *Service) get(ctx context.Context, q sqldb.Querier, key string) (File, error) {
	rows, err := q.Query(ctx, "SELECT "+fileColumns+" FROM files WHERE file_key = ?", key)
	if err != nil {
		return File{}, fmt.Errorf("describe file %s: %w", key, err)
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return File{}, fmt.Errorf("describe file %s: %w", key, err)
		}
		return File{}, apperr.New(apperr.Invalid, "文件不存在: %s (file not found)", key)
	}
	f, err := scanFile(rows, q.Dialect())
	if err != nil {
		return f, fmt.Errorf("describe file %s: %w", key, err)
	}
	return f, nil
}

// scanFile reads a row of fileColumns.
func scanFile(rows sqldb.Rows, d sqldb.Dialect) (File, error) {
	var f File
	var src, doc, by, fc, oid, sniffed sql.NullString
	var created any
	if err := rows.Scan(&f.FileKey, &f.Name, &f.Size, &f.ContentType, &src, &doc, &by, &created, &fc, &oid, &sniffed); err != nil {
		return f, err
	}
	var err error
	if f.CreatedTime, err = d.ScanTime(created); err != nil {
		return f, err
	}
	f.SourceSystem, f.SourceDocumentNumber, f.CreatedBy = src.String, doc.String, by.String
	f.FormCode, f.ObjectID, f.Sniffed = fc.String, oid.String, sniffed.String
	return f, nil
}

// Get returns a file's metadata; apperr.NotFound when unknown.
func (s *Service) Get(ctx context.Context, key string) (File, error) {
	f, err := s.get(ctx, s.db.Reader(), key)
	if apperr.Is(err, apperr.Invalid) {
		err = apperr.New(apperr.NotFound, "文件不存在: %s (file not found)", key)
	}
	return f, err
}

// Open returns a file's metadata and content; apperr.NotFound when unknown.
func (s *Service) Open(ctx context.Context, key string) (File, io.ReadCloser, error) {
	f, err := s.Get(ctx, key)
	if err != nil {
		return f, nil, err
	}
	rc, err := s.Content(ctx, f)
	return f, rc, err
}

// Content opens f's content (an io.ReadSeeker too).
func (s *Service) Content(ctx context.Context, f File) (io.ReadCloser, error) {
	rc, err := s.store.Open(ctx, f.FileKey)
	if errors.Is(err, blob.ErrNotFound) {
		return nil, apperr.New(apperr.NotFound, "文件不存在: %s (file content missing)", f.FileKey)
	}
	return rc, err
}

func newKey() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// Query selects files for List; empty fields match any file.
type Query struct {
	SourceSystem, SourceDocumentNumber, CreatedBy string
	Offset, Limit                                 int
}

const fileColumns = "file_key, name, size, content_type, source_system, source_document_number, created_by, created_time, form_code, object_id, sniffed_type"

// List returns a page of the files q selects, newest first, and how many
// it selects in all.
func (s *Service) List(ctx context.Context, q Query) ([]File, int, error) {
	var conds []string
	var args []any
	for _, c := range []struct{ col, v string }{{"source_system", q.SourceSystem}, {"source_document_number", q.SourceDocumentNumber}, {"created_by", q.CreatedBy}} {
		if c.v != "" {
			conds, args = append(conds, c.col+" = ?"), append(args, c.v)
		}
	}
	where := ""
	if len(conds) > 0 {
		where = " WHERE " + strings.Join(conds, " AND ")
	}
	r := s.db.Reader()
	var total int
	if err := r.QueryRow(ctx, "SELECT COUNT(*) FROM files"+where, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("list files: %w", err)
	}
	rows, err := r.Query(ctx, "SELECT "+fileColumns+" FROM files"+where+" ORDER BY created_time DESC, file_key LIMIT ? OFFSET ?", append(args, q.Limit, q.Offset)...)
	if err != nil {
		return nil, 0, fmt.Errorf("list files: %w", err)
	}
	defer rows.Close()
	out := []File{}
	for rows.Next() {
		f, err := scanFile(rows, r.Dialect())
		if err != nil {
			return nil, 0, fmt.Errorf("list files: %w", err)
		}
		out = append(out, f)
	}
	return out, total, rows.Err()
}
