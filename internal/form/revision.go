package form

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/tritiumhq/tritium/internal/apperr"
	"github.com/tritiumhq/tritium/internal/sqldb"
)

// A form keeps every definition it has had: each Create and Update writes
// the new definition to form_revisions in the same transaction as forms, so
// the history never misses or invents a change. Delete removes the history
// with the form (its code is free for another form).

// RevisionInfo summarises one past (or the current) definition of a form.
type RevisionInfo struct {
	Revision     int64     `json:"revision"`
	Name         string    `json:"name"`
	ModifiedTime time.Time `json:"modifiedTime"`
	Fields       int       `json:"fields"`   // the form's own fields
	Children     int       `json:"children"` // child tables
}

// saveRevision records definition def (JSON) as revision rev of form code.
func saveRevision(ctx context.Context, tx *sqldb.Tx, code string, rev int64, def string) error {
	_, err := tx.ExecDirect(ctx, "INSERT INTO form_revisions (form_code, revision, definition) VALUES (?, ?, ?)", code, rev, def)
	if err != nil {
		return fmt.Errorf("save revision %d of form %s: %w", rev, code, err)
	}
	return nil
}

// Revisions lists the revisions of form code, newest first, skipping
// offset and answering at most limit, with the number there are.
func (s *Service) Revisions(ctx context.Context, code string, offset, limit int) ([]RevisionInfo, int, error) {
	f, err := s.Lookup(ctx, code)
	if err != nil {
		return nil, 0, err
	}
	out, total, err := s.revisions(ctx, f.Code, offset, limit)
	if err != nil {
		return nil, 0, fmt.Errorf("list revisions of form %s: %w", f.Code, err)
	}
	return out, total, nil
}

func (s *Service) revisions(ctx context.Context, code string, offset, limit int) ([]RevisionInfo, int, error) {
	r := s.db.Reader()
	var total int
	if err := r.QueryRow(ctx, "SELECT COUNT(*) FROM form_revisions WHERE form_code = ?", code).Scan(&total); err != nil {
		return nil, 0, err
	}
	rows, err := r.Query(ctx, "SELECT definition FROM form_revisions WHERE form_code = ? ORDER BY revision DESC LIMIT ? OFFSET ?", code, limit, offset)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	out := []RevisionInfo{}
	for rows.Next() {
		var def string
		if err := rows.Scan(&def); err != nil {
			return nil, 0, err
		}
		old, err := decode(def)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, RevisionInfo{Revision: old.Revision, Name: old.Name, ModifiedTime: old.ModifiedTime, Fields: len(old.Fields), Children: len(old.Children)})
	}
	return out, total, rows.Err()
}

// Revision returns the definition form code had at revision rev.
func (s *Service) Revision(ctx context.Context, code string, rev int64) (*Form, error) {
	f, err := s.Lookup(ctx, code)
	if err != nil {
		return nil, err
	}
	var def string
	err = s.db.Reader().QueryRow(ctx, "SELECT definition FROM form_revisions WHERE form_code = ? AND revision = ?", f.Code, rev).Scan(&def)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.New(apperr.NotFound, "表单 %s 没有第 %d 版 (form %s has no revision %d)", f.Code, rev, f.Code, rev)
	}
	if err != nil {
		return nil, fmt.Errorf("load revision %d of form %s: %w", rev, f.Code, err)
	}
	return decode(def)
}
