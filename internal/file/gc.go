package file

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/tritiumhq/tritium/internal/blob"
	"github.com/tritiumhq/tritium/internal/form"
	"github.com/tritiumhq/tritium/internal/sqldb"
)

// Garbage collection: a file no record's attachment field holds is
// removed once it has been unused for the grace period — since its upload,
// or since a record last took it in (Use moves used_time on).
//
// A pass takes the files unused since cutoff, a page at a time, and reads
// every attachment column of every form and child table for them. Those
// still held get used_time = now (so the next passes skip them for a grace
// period); the others are deleted with "AND used_time < cutoff", which
// spares any file a write took in meanwhile: such a write went through Use
// in its transaction, which either committed before the delete (new
// used_time, not deleted) or waits for it on the row lock and then finds
// the file gone (its write fails, nothing refers to a missing file). So a
// pass is safe beside writes and beside passes on other nodes; the
// contents go after the rows commit (a crash between the two leaves an
// unreferenced blob, never a reference to a missing one).

// gcPage is how many unused files one scan of the attachment columns checks.
const gcPage = 1000

// GCResult is what a pass did.
type GCResult struct {
	Checked, Kept, Deleted int
}

// CollectGarbage removes the files unused since cutoff that no
// attachment field of forms holds, at most maxPages pages of candidates
// (0: until none are left).
func (s *Service) CollectGarbage(ctx context.Context, forms []*form.Form, cutoff time.Time, maxPages int) (GCResult, error) {
	var res GCResult
	d := s.db.Dialect()
	after := ""
	for page := 0; maxPages == 0 || page < maxPages; page++ {
		keys, err := s.unused(ctx, d.TimeValue(cutoff), after)
		if err != nil || len(keys) == 0 {
			return res, err
		}
		after = keys[len(keys)-1]
		held := make(map[string]bool, len(keys))
		for _, k := range keys {
			held[k] = false
		}
		if err := s.markHeld(ctx, forms, held); err != nil {
			return res, err
		}
		var keep, drop []string
		for _, k := range keys {
			if held[k] {
				keep = append(keep, k)
			} else {
				drop = append(drop, k)
			}
		}
		deleted, err := s.sweep(ctx, keep, drop, cutoff)
		if err != nil {
			return res, err
		}
		var errs []error
		for _, k := range deleted {
			errs = append(errs, s.store.Delete(ctx, k))
		}
		res.Checked += len(keys)
		res.Kept += len(keep)
		res.Deleted += len(deleted)
		if err := errors.Join(errs...); err != nil {
			return res, fmt.Errorf("collect files: %w", err)
		}
		if len(keys) < gcPage {
			return res, nil
		}
	}
	return res, nil
}

// unused returns up to gcPage keys after after of files unused since cutoff.
func (s *Service) unused(ctx context.Context, cutoff any, after string) ([]string, error) {
	rows, err := s.db.Reader().Query(ctx, "SELECT file_key FROM files WHERE used_time < ? AND file_key > ? ORDER BY file_key LIMIT ?", cutoff, after, gcPage)
	if err != nil {
		return nil, fmt.Errorf("unused files: %w", err)
	}
	defer rows.Close()
	var keys []string
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			return nil, fmt.Errorf("unused files: %w", err)
		}
		keys = append(keys, k)
	}
	return keys, rows.Err()
}

// markHeld sets held[k] for every key some attachment column holds.
func (s *Service) markHeld(ctx context.Context, forms []*form.Form, held map[string]bool) error {
	q := s.db.Dialect().Quote
	left := len(held)
	for _, f := range forms {
		tables := []struct {
			name   string
			fields []*form.Field
		}{{f.Table(), f.Fields}}
		for _, c := range f.Children {
			tables = append(tables, struct {
				name   string
				fields []*form.Field
			}{c.Table(), c.Fields})
		}
		for _, t := range tables {
			var cols, conds []string
			for _, fd := range t.fields {
				if fd.Type == form.Attachment && !fd.System() {
					cols = append(cols, q(fd.Column()))
					conds = append(conds, q(fd.Column())+" IS NOT NULL")
				}
			}
			if len(cols) == 0 {
				continue
			}
			n, err := s.scanColumns(ctx, "SELECT "+strings.Join(cols, ", ")+" FROM "+q(t.name)+" WHERE "+strings.Join(conds, " OR "), len(cols), held)
			if err != nil {
				return fmt.Errorf("files held by %s: %w", f.Code, err)
			}
			if left -= n; left == 0 {
				return nil
			}
		}
	}
	return nil
}

// scanColumns reads attachment values, marking the keys of held found;
// it returns how many it marked.
func (s *Service) scanColumns(ctx context.Context, query string, ncols int, held map[string]bool) (int, error) {
	rows, err := s.db.Reader().Query(ctx, query)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	vals := make([]any, ncols)
	ptrs := make([]any, ncols)
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	marked := 0
	var refs []struct {
		FileKey string `json:"fileKey"`
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return marked, err
		}
		for _, v := range vals {
			var b []byte
			switch x := v.(type) {
			case string:
				b = []byte(x)
			case []byte:
				b = x
			default:
				continue
			}
			refs = refs[:0]
			if err := json.Unmarshal(b, &refs); err != nil {
				return marked, fmt.Errorf("attachment value: %w", err)
			}
			for _, r := range refs {
				if was, ok := held[r.FileKey]; ok && !was {
					held[r.FileKey] = true
					marked++
				}
			}
		}
	}
	return marked, rows.Err()
}

// sweep marks keep as used now and deletes the rows of drop still unused
// since cutoff, returning the keys it deleted.
func (s *Service) sweep(ctx context.Context, keep, drop []string, cutoff time.Time) ([]string, error) {
	var deleted []string
	err := s.db.Write(ctx, func(tx *sqldb.Tx) error {
		deleted = deleted[:0]
		d := tx.Dialect()
		if len(keep) > 0 {
			args := append([]any{d.TimeValue(sqldb.Now())}, anys(keep)...)
			if _, err := tx.Exec(ctx, "UPDATE files SET used_time = ? WHERE file_key IN ("+marks(len(keep))+")", args...); err != nil {
				return err
			}
		}
		if len(drop) == 0 {
			return nil
		}
		args := append([]any{d.TimeValue(cutoff)}, anys(drop)...)
		rows, err := tx.Query(ctx, "DELETE FROM files WHERE used_time < ? AND file_key IN ("+marks(len(drop))+") RETURNING file_key", args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var k string
			if err := rows.Scan(&k); err != nil {
				return err
			}
			deleted = append(deleted, k)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("collect files: %w", err)
	}
	return deleted, nil
}

func marks(n int) string { return strings.TrimSuffix(strings.Repeat("?, ", n), ", ") }

func anys(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// SweepBlobs removes the contents stored before cutoff that have no row
// — left by a crash between storing a blob and recording it, or between
// deleting a row and its blob — and returns how many it removed. cutoff
// must be well before any upload still in flight (a request lasts at most
// its timeout). A store that cannot list is left alone.
func (s *Service) SweepBlobs(ctx context.Context, cutoff time.Time) (int, error) {
	l, ok := s.store.(blob.Lister)
	if !ok {
		return 0, nil
	}
	removed := 0
	var batch []string
	flush := func() error {
		orphans, err := s.unrecorded(ctx, batch)
		batch = batch[:0]
		for _, k := range orphans {
			if err == nil {
				err = s.store.Delete(ctx, k)
			}
			if err == nil {
				removed++
			}
		}
		return err
	}
	err := l.List(ctx, func(key string, stored time.Time) error {
		if !stored.Before(cutoff) {
			return nil
		}
		if batch = append(batch, key); len(batch) == gcPage {
			return flush()
		}
		return nil
	})
	if err == nil && len(batch) > 0 {
		err = flush()
	}
	if err != nil {
		return removed, fmt.Errorf("sweep blobs: %w", err)
	}
	return removed, nil
}

// unrecorded returns the keys that have no row.
func (s *Service) unrecorded(ctx context.Context, keys []string) ([]string, error) {
	if len(keys) == 0 {
		return nil, nil
	}
	rows, err := s.db.Reader().Query(ctx, "SELECT file_key FROM files WHERE file_key IN ("+marks(len(keys))+")", anys(keys)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	known := map[string]bool{}
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			return nil, err
		}
		known[k] = true
	}
	var out []string
	for _, k := range keys {
		if !known[k] {
			out = append(out, k)
		}
	}
	return out, rows.Err()
}
