package access

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/tritiumhq/tritium/internal/apperr"
	"github.com/tritiumhq/tritium/internal/sqldb"
)

// Store keeps every form's grants in memory; other nodes' changes are seen
// within a second (one revision read per second at most, on use). It must
// not be read inside a write transaction (see fresh).
type Store struct {
	db    *sqldb.DB
	rev   *sqldb.Revision
	mu    sync.RWMutex
	forms map[string][]Grant // form code (lower case) → grants; present = set
}

// NewStore loads every grant.
func NewStore(ctx context.Context, db *sqldb.DB) (*Store, error) {
	st := &Store{db: db, rev: sqldb.NewRevision("access_revision", time.Second)}
	if err := st.reload(ctx); err != nil {
		return nil, err
	}
	return st, nil
}

// Grants returns a form's grants, and whether they were ever set (when
// not, Defaults apply).
func (st *Store) Grants(ctx context.Context, formCode string) ([]Grant, bool) {
	st.fresh(ctx)
	st.mu.RLock()
	defer st.mu.RUnlock()
	gs, ok := st.forms[strings.ToLower(formCode)]
	return gs, ok
}

// Put replaces a form's grants, all or nothing; check validates each one
// against the form and the organisation first. Grants without an id get
// one.
func (st *Store) Put(ctx context.Context, by, formCode string, grants []Grant, check func(i int, g *Grant) error) ([]Grant, error) {
	out := make([]Grant, len(grants))
	seen := map[string]bool{}
	for i, g := range grants {
		g.Form = formCode
		if err := g.normalize(); err != nil {
			return nil, itemErr(i, err)
		}
		if g.ID == "" {
			g.ID = uuid.NewString()
		}
		if seen[g.ID] {
			return nil, apperr.Field("grants", "第%d个授权的 id 重复: %s (grant %d repeats id %s)", i+1, g.ID, i+1, g.ID)
		}
		seen[g.ID] = true
		if check != nil {
			if err := check(i, &g); err != nil {
				return nil, itemErr(i, err)
			}
		}
		out[i] = g
	}
	now := time.Now().UTC()
	err := st.db.Write(ctx, func(tx *sqldb.Tx) error {
		d := tx.Dialect()
		if _, err := tx.Exec(ctx, "DELETE FROM access_grants WHERE form_code = ?", formCode); err != nil {
			return err
		}
		for i, g := range out {
			def, err := json.Marshal(g)
			if err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, "INSERT INTO access_grants (id, form_code, position, definition, modified_by, modified_time) VALUES (?, ?, ?, ?, ?, ?)",
				g.ID, formCode, i, string(def), by, d.TimeValue(now)); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, "DELETE FROM access_forms WHERE form_code = ?", formCode); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "INSERT INTO access_forms (form_code, modified_time) VALUES (?, ?)", formCode, d.TimeValue(now)); err != nil {
			return err
		}
		return st.rev.Bump(ctx, tx)
	})
	if err != nil {
		return nil, fmt.Errorf("save the grants of %s: %w", formCode, err)
	}
	return out, st.reload(ctx)
}

// Reset removes a form's grants: the defaults apply again.
func (st *Store) Reset(ctx context.Context, formCode string) error {
	err := st.db.Write(ctx, func(tx *sqldb.Tx) error {
		for _, q := range []string{"DELETE FROM access_grants WHERE form_code = ?", "DELETE FROM access_forms WHERE form_code = ?"} {
			if _, err := tx.Exec(ctx, q, formCode); err != nil {
				return err
			}
		}
		return st.rev.Bump(ctx, tx)
	})
	if err != nil {
		return fmt.Errorf("reset the grants of %s: %w", formCode, err)
	}
	return st.reload(ctx)
}

func itemErr(i int, err error) error {
	if e := apperr.As(err); e != nil {
		field := fmt.Sprintf("grants[%d]", i)
		if e.Field != "" {
			field += "." + e.Field
		}
		return &apperr.Error{Code: e.Code, Field: field, Message: fmt.Sprintf("第%d个授权: %s (grant %d)", i+1, e.Message, i+1), Err: e.Err}
	}
	return fmt.Errorf("grant %d: %w", i+1, err)
}

// fresh reloads when another node changed grants (one read a second at
// most): never inside a write transaction (see sqldb.Revision.Stale).
func (st *Store) fresh(ctx context.Context) {
	if st.rev.Stale(ctx, st.db.Reader()) {
		_ = st.reload(ctx)
	}
}

func (st *Store) reload(ctx context.Context) error {
	q := st.db.Reader()
	rev, err := st.rev.Read(ctx, q)
	if err != nil {
		return fmt.Errorf("load grants: %w", err)
	}
	forms := map[string][]Grant{}
	rows, err := q.Query(ctx, "SELECT form_code FROM access_forms")
	if err != nil {
		return fmt.Errorf("load grants: %w", err)
	}
	for rows.Next() {
		var code string
		if err := rows.Scan(&code); err != nil {
			rows.Close()
			return fmt.Errorf("load grants: %w", err)
		}
		forms[strings.ToLower(code)] = []Grant{}
	}
	rows.Close()
	if rows, err = q.Query(ctx, "SELECT form_code, definition FROM access_grants ORDER BY form_code, position"); err != nil {
		return fmt.Errorf("load grants: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var code, def string
		if err := rows.Scan(&code, &def); err != nil {
			return fmt.Errorf("load grants: %w", err)
		}
		var g Grant
		if err := json.Unmarshal([]byte(def), &g); err != nil {
			return fmt.Errorf("load grants of %s: %w", code, err)
		}
		forms[strings.ToLower(code)] = append(forms[strings.ToLower(code)], g)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("load grants: %w", err)
	}
	st.mu.Lock()
	st.forms = forms
	st.mu.Unlock()
	st.rev.Loaded(rev)
	return nil
}
