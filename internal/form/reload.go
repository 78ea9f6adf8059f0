package form

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
)

// Other nodes change forms at any time, and this node hears of it only at
// its next Refresh. Lookup and Reload close that gap for the services that
// work on a form's tables: a form created elsewhere is found at once, and
// an operation that failed on a form changed or deleted elsewhere can run
// again with the current definition.

// Lookup is Get, except that a form this node has not seen yet (created
// on another node since the last Refresh) is read from the database.
func (s *Service) Lookup(ctx context.Context, code string) (*Form, error) {
	f, err := s.Get(code)
	if err == nil || !ValidCode(code) {
		return f, err
	}
	var def string
	err = s.db.Reader().QueryRow(ctx, "SELECT f.definition FROM form_schemas s JOIN forms f ON f.code = s.form_code WHERE s.code_lower = ?",
		strings.ToLower(code)).Scan(&def)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound(code)
	}
	if err != nil {
		return nil, fmt.Errorf("look up form %q: %w", code, err)
	}
	if f, err = decode(def); err != nil {
		return nil, err
	}
	if !strings.EqualFold(f.Code, code) { // the code of one of its child tables
		return nil, notFound(code)
	}
	s.put(f)
	return s.Get(f.Code)
}

// Reload is for an operation on form code that failed after running with
// revision rev of its definition. When the stored revision is another —
// the form was changed or deleted meanwhile, so the operation's SQL may
// have named a column or table that is gone, or sent a value its column no
// longer takes — the snapshot is brought up to date and Reload reports
// true: run the operation again with the definition Lookup now returns (a
// deleted form is not found).
func (s *Service) Reload(ctx context.Context, code string, rev int64) (bool, error) {
	var cur int64
	var def string
	err := s.db.Reader().QueryRow(ctx, "SELECT revision, definition FROM forms WHERE code = ?", code).Scan(&cur, &def)
	if errors.Is(err, sql.ErrNoRows) {
		if _, known := s.Get(code); known == nil {
			s.drop(code)
			s.db.ResetStatements()
		}
		return true, nil
	}
	if err != nil {
		return false, fmt.Errorf("reload form %q: %w", code, err)
	}
	if cur == rev {
		return false, nil
	}
	if have, err := s.Get(code); err == nil && have.Revision >= cur {
		return true, nil // another call (or Refresh) already has it
	}
	f, err := decode(def)
	if err != nil {
		return false, err
	}
	s.put(f)
	// Prepared statements may hold plans for the old table shape.
	s.db.ResetStatements()
	return true, nil
}
