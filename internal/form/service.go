package form

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tritiumhq/tritium/internal/apperr"
	"github.com/tritiumhq/tritium/internal/sqldb"
)

// Service stores form definitions and keeps their tables in step. Reads are
// served from an in-memory snapshot; other nodes' changes arrive through
// Refresh (called by Watch).
type Service struct {
	db    *sqldb.DB
	codec *Codec
	log   *slog.Logger
	snap  atomic.Pointer[snapshot]
	mu    sync.Mutex // serialises snapshot replacement
	sets  ValueSets  // nil until SetValueSets
}

type snapshot struct {
	forms map[string]*Form // lower-case code → form
	kids  map[string]*Form // lower-case child code → owning form
}

// NewService loads every definition.
func NewService(ctx context.Context, db *sqldb.DB, codec *Codec, log *slog.Logger) (*Service, error) {
	s := &Service{db: db, codec: codec, log: log}
	s.snap.Store(&snapshot{forms: map[string]*Form{}, kids: map[string]*Form{}})
	if err := s.Refresh(ctx); err != nil {
		return nil, err
	}
	if err := s.upgradeIndexes(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

// Codec returns the value codec shared with the services that use forms.
func (s *Service) Codec() *Codec { return s.codec }

// ErrNotFound is returned for an unknown form code.
func notFound(code string) error {
	return apperr.New(apperr.NotFound, "表单不存在: %s (form not found)", code)
}

// Get returns the form with code (case-insensitive). The result is shared
// and must not be modified.
func (s *Service) Get(code string) (*Form, error) {
	sn := s.snap.Load()
	if f, ok := sn.forms[code]; ok {
		return f, nil
	}
	if f, ok := sn.forms[strings.ToLower(code)]; ok {
		return f, nil
	}
	return nil, notFound(code)
}

// GetChild returns the form that owns the child table with code.
func (s *Service) GetChild(code string) (*Form, *Child, error) {
	sn := s.snap.Load()
	f, ok := sn.kids[strings.ToLower(code)]
	if !ok {
		return nil, nil, apperr.New(apperr.NotFound, "子表不存在: %s (child table not found)", code)
	}
	return f, f.Child(code), nil
}

// List returns every form, ordered by code.
func (s *Service) List() []*Form {
	sn := s.snap.Load()
	out := make([]*Form, 0, len(sn.forms))
	for _, f := range sn.forms {
		out = append(out, f)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Code < out[j].Code })
	return out
}

// Create stores a new definition and creates its tables.
func (s *Service) Create(ctx context.Context, f *Form) (*Form, error) {
	if err := f.Validate(); err != nil {
		return nil, err
	}
	if path := renameIn(f); path != "" {
		return nil, apperr.Field(path, "新建表单不能使用 renameFrom (renameFrom applies to updates only)")
	}
	if err := s.checkRelations(f); err != nil {
		return nil, err
	}
	clearRenames(f)
	now := sqldb.Now()
	f.Revision, f.CreatedTime, f.ModifiedTime = 1, now, now
	err := s.db.WriteAlone(ctx, func(tx *sqldb.Tx) error {
		if err := s.registerCodes(ctx, tx, f); err != nil {
			return err
		}
		if err := s.saveValueSetRefs(ctx, tx, f); err != nil {
			return err
		}
		for _, q := range createStatements(tx.Dialect(), f) {
			if _, err := tx.ExecDirect(ctx, q); err != nil {
				return fmt.Errorf("create tables of %s: %s: %w", f.Code, q, err)
			}
		}
		def, err := json.Marshal(f)
		if err != nil {
			return err
		}
		d := tx.Dialect()
		_, err = tx.ExecDirect(ctx, "INSERT INTO forms (code, definition, revision, created_time, modified_time) VALUES (?, ?, ?, ?, ?)",
			f.Code, string(def), f.Revision, d.TimeValue(now), d.TimeValue(now))
		if err != nil {
			return fmt.Errorf("save form %s: %w", f.Code, err)
		}
		if err := saveRevision(ctx, tx, f.Code, f.Revision, string(def)); err != nil {
			return err
		}
		tx.OnCommit(func() { s.put(f) })
		return nil
	})
	if err != nil {
		return nil, err
	}
	return f, nil
}

// Update replaces the definition of form code and alters its tables. A
// change the stored data cannot take fails and changes nothing.
func (s *Service) Update(ctx context.Context, code string, nw *Form) (*Form, error) {
	cur, err := s.Lookup(ctx, code)
	if err != nil {
		return nil, err
	}
	if nw.Code == "" {
		nw.Code = cur.Code
	}
	if !strings.EqualFold(nw.Code, cur.Code) {
		return nil, apperr.Field("code", "不能修改表单编码 %s (the form code cannot change)", cur.Code)
	}
	nw.Code = cur.Code
	if err := nw.Validate(); err != nil {
		return nil, err
	}
	if err := s.checkRelations(nw); err != nil {
		return nil, err
	}
	err = s.db.WriteAlone(ctx, func(tx *sqldb.Tx) error {
		old, err := s.load(ctx, tx, cur.Code, true)
		if err != nil {
			return err
		}
		a := &alterer{ctx: ctx, tx: tx, d: tx.Dialect(), codec: s.codec}
		if err := a.alterForm(old, nw); err != nil {
			return err
		}
		clearRenames(nw)
		if _, err := tx.ExecDirect(ctx, "DELETE FROM form_schemas WHERE form_code = ?", old.Code); err != nil {
			return err
		}
		if err := s.registerCodes(ctx, tx, nw); err != nil {
			return err
		}
		if err := s.saveValueSetRefs(ctx, tx, nw); err != nil {
			return err
		}
		now := sqldb.Now()
		nw.Revision, nw.CreatedTime, nw.ModifiedTime = old.Revision+1, old.CreatedTime, now
		def, err := json.Marshal(nw)
		if err != nil {
			return err
		}
		_, err = tx.ExecDirect(ctx, "UPDATE forms SET definition = ?, revision = ?, modified_time = ? WHERE code = ?",
			string(def), nw.Revision, tx.Dialect().TimeValue(now), old.Code)
		if err != nil {
			return fmt.Errorf("save form %s: %w", nw.Code, err)
		}
		if err := saveRevision(ctx, tx, nw.Code, nw.Revision, string(def)); err != nil {
			return err
		}
		tx.OnCommit(func() { s.put(nw) })
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.db.ResetStatements()
	// The indexes were rebuilt: give the planner their statistics now.
	if err := s.db.Analyze(ctx, nw.Table()); err != nil {
		s.log.Warn("analyze after form change", "form", nw.Code, "err", err)
	}
	return nw, nil
}

// Delete drops a form, its tables and its data. A form that another form's
// relation field points at cannot be deleted.
func (s *Service) Delete(ctx context.Context, code string) error {
	cur, err := s.Lookup(ctx, code)
	if err != nil {
		return err
	}
	for _, other := range s.List() {
		if other == cur {
			continue
		}
		for _, fd := range allFields(other) {
			if fd.Type == Relation && strings.EqualFold(fd.Form, cur.Code) {
				return apperr.New(apperr.Conflict, "表单 %s 的字段 %s 关联了 %s, 不能删除 (form %s field %s refers to it)", other.Code, fd.Code, cur.Code, other.Code, fd.Code)
			}
		}
	}
	err = s.db.WriteAlone(ctx, func(tx *sqldb.Tx) error {
		old, err := s.load(ctx, tx, cur.Code, true)
		if err != nil {
			return err
		}
		for _, q := range dropStatements(tx.Dialect(), old) {
			if _, err := tx.ExecDirect(ctx, q); err != nil {
				return fmt.Errorf("drop tables of %s: %w", old.Code, err)
			}
		}
		for _, q := range []string{"DELETE FROM form_schemas WHERE form_code = ?", "DELETE FROM form_value_sets WHERE form_code = ?",
			"DELETE FROM form_revisions WHERE form_code = ?", "DELETE FROM forms WHERE code = ?"} {
			if _, err := tx.ExecDirect(ctx, q, old.Code); err != nil {
				return fmt.Errorf("delete form %s: %w", old.Code, err)
			}
		}
		tx.OnCommit(func() { s.drop(old.Code) })
		return nil
	})
	if err != nil {
		return err
	}
	s.db.ResetStatements()
	return nil
}

func allFields(f *Form) []*Field {
	out := append([]*Field{}, f.Fields...)
	for _, c := range f.Children {
		out = append(out, c.Fields...)
	}
	return out
}

func (s *Service) checkRelations(f *Form) error {
	for _, fd := range allFields(f) {
		if fd.Type != Relation || strings.EqualFold(fd.Form, f.Code) {
			continue
		}
		if _, err := s.Get(fd.Form); err != nil {
			return apperr.Field(fd.Code, "字段%s: 关联的表单 %s 不存在 (related form not found)", fd.Code, fd.Form)
		}
	}
	return nil
}

// renameIn returns the path of the first renameFrom in f, or "".
func renameIn(f *Form) string {
	for i, fd := range f.Fields {
		if fd.RenameFrom != "" {
			return fmt.Sprintf("fields[%d].renameFrom", i)
		}
	}
	for i, c := range f.Children {
		if c.RenameFrom != "" {
			return fmt.Sprintf("children[%d].renameFrom", i)
		}
		for j, fd := range c.Fields {
			if fd.RenameFrom != "" {
				return fmt.Sprintf("children[%d].fields[%d].renameFrom", i, j)
			}
		}
	}
	return ""
}

func clearRenames(f *Form) {
	for _, fd := range f.Fields {
		fd.RenameFrom = ""
	}
	for _, c := range f.Children {
		c.RenameFrom = ""
		for _, fd := range c.Fields {
			fd.RenameFrom = ""
		}
	}
}

// registerCodes claims the form's and its children's codes, which share one
// namespace (they are all schema codes to H3Yun clients).
func (s *Service) registerCodes(ctx context.Context, tx *sqldb.Tx, f *Form) error {
	codes := []string{f.Code}
	for _, c := range f.Children {
		codes = append(codes, c.Code)
	}
	for i, c := range codes {
		var owner string
		err := tx.QueryRow(ctx, "SELECT form_code FROM form_schemas WHERE code_lower = ?", strings.ToLower(c)).Scan(&owner)
		if err == nil {
			field := "code"
			if i > 0 {
				field = fmt.Sprintf("children[%d].code", i-1)
			}
			return &apperr.Error{Code: apperr.Conflict, Field: field, Message: fmt.Sprintf("编码 %s 已被表单 %s 使用 (code already used by form %s)", c, owner, owner)}
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("check code %s: %w", c, err)
		}
		if _, err := tx.ExecDirect(ctx, "INSERT INTO form_schemas (code_lower, form_code) VALUES (?, ?)", strings.ToLower(c), f.Code); err != nil {
			if tx.Dialect().IsUniqueViolation(err) {
				return apperr.New(apperr.Conflict, "编码 %s 已被使用 (code already used)", c)
			}
			return fmt.Errorf("register code %s: %w", c, err)
		}
	}
	return nil
}

// load reads one definition from the database (locking its row for update
// on PostgreSQL when lock is set).
func (s *Service) load(ctx context.Context, q sqldb.Querier, code string, lock bool) (*Form, error) {
	query := "SELECT definition FROM forms WHERE code = ?"
	if lock {
		query += q.Dialect().ForUpdate()
	}
	var def string
	if err := q.QueryRow(ctx, query, code).Scan(&def); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, notFound(code)
		}
		return nil, fmt.Errorf("load form %q: %w", code, err)
	}
	return decode(def)
}

func decode(def string) (*Form, error) {
	var f Form
	if err := json.Unmarshal([]byte(def), &f); err != nil {
		return nil, fmt.Errorf("decode form definition: %w", err)
	}
	f.prepare()
	return &f, nil
}

// Refresh brings the snapshot up to date with the database.
func (s *Service) Refresh(ctx context.Context) error {
	_, err := s.Refreshed(ctx)
	return err
}

// Refreshed is Refresh, reporting whether any form was added, changed or
// removed.
func (s *Service) Refreshed(ctx context.Context) (bool, error) {
	rows, err := s.db.Reader().Query(ctx, "SELECT code, revision FROM forms")
	if err != nil {
		return false, fmt.Errorf("list forms: %w", err)
	}
	revs := map[string]int64{}
	for rows.Next() {
		var code string
		var rev int64
		if err := rows.Scan(&code, &rev); err != nil {
			rows.Close()
			return false, fmt.Errorf("list forms: %w", err)
		}
		revs[code] = rev
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return false, fmt.Errorf("list forms: %w", err)
	}
	sn := s.snap.Load()
	changed, seen := false, false // seen: any form added, changed or removed
	for code, rev := range revs {
		cur, known := sn.forms[strings.ToLower(code)]
		if known && cur.Revision == rev {
			continue
		}
		f, err := s.load(ctx, s.db.Reader(), code, false)
		if err != nil {
			return false, err
		}
		s.put(f)
		changed = changed || known // a new form has no cached statements
		seen = true
	}
	for _, f := range s.List() {
		if _, ok := revs[f.Code]; !ok {
			s.drop(f.Code)
			changed, seen = true, true
		}
	}
	if changed {
		s.db.ResetStatements()
	}
	return seen, nil
}

// Watch calls Refresh every interval until ctx ends, so changes made on
// other nodes are seen within one interval.
func (s *Service) Watch(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := s.Refresh(ctx); err != nil && ctx.Err() == nil {
				s.log.Warn("refresh forms", "err", err)
			}
		}
	}
}

func (s *Service) put(f *Form) {
	s.mu.Lock()
	defer s.mu.Unlock()
	old := s.snap.Load()
	if cur, ok := old.forms[strings.ToLower(f.Code)]; ok && cur.Revision > f.Revision {
		return
	}
	nx := old.clone()
	nx.remove(f.Code)
	nx.forms[strings.ToLower(f.Code)] = f
	for _, c := range f.Children {
		nx.kids[strings.ToLower(c.Code)] = f
	}
	s.snap.Store(nx)
}

func (s *Service) drop(code string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	nx := s.snap.Load().clone()
	nx.remove(code)
	s.snap.Store(nx)
}

func (sn *snapshot) clone() *snapshot {
	nx := &snapshot{forms: make(map[string]*Form, len(sn.forms)+1), kids: make(map[string]*Form, len(sn.kids)+1)}
	for k, v := range sn.forms {
		nx.forms[k] = v
	}
	for k, v := range sn.kids {
		nx.kids[k] = v
	}
	return nx
}

func (sn *snapshot) remove(code string) {
	lc := strings.ToLower(code)
	if f, ok := sn.forms[lc]; ok {
		for _, c := range f.Children {
			delete(sn.kids, strings.ToLower(c.Code))
		}
		delete(sn.forms, lc)
	}
}
