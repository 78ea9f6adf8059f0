// Package hook keeps the scripts authors save — per form, per process and
// per custom-API controller, with every version — and runs them where they
// belong: form events around the record service's writes, workflow nodes,
// and custom API actions. It records every execution. No script runs while
// a database write transaction is open (SQLite has one writer, and a slow
// $proxy call must not hold it): before-write hooks run before the write,
// after-commit hooks run as jobs.
package hook

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/tritiumhq/tritium/internal/apperr"
	"github.com/tritiumhq/tritium/internal/script"
	"github.com/tritiumhq/tritium/internal/sqldb"
)

// Scopes.
const (
	ScopeForm = "form" // target: form code; name: a form hook
	ScopeFlow = "flow" // target: the process's form code; name: a flow hook
	ScopeAPI  = "api"  // target: controller; name: action
	// ScopeAuth: target: a platform whose auth method is script; name:
	// "sign". It returns the headers and query parameters to add.
	ScopeAuth = "auth"
)

// Form hooks.
const (
	OnLoad      = "onLoad"
	OnChange    = "onChange"
	OnValidate  = "onValidate"
	BeforeSave  = "beforeSave"
	AfterSave   = "afterSave"
	AfterDelete = "afterDelete"
)

// FormHooks are the names a form script may have.
var FormHooks = []string{OnLoad, OnChange, OnValidate, BeforeSave, AfterSave, AfterDelete}

// FlowEvents are the node events a flow script may run at: named alone
// ("onApprove", every node) or after a node id ("approve1.onApprove").
var FlowEvents = []string{"onEnter", "onLeave", "onApprove", "onReject"}

// publicActions are the H3Yun actions /OpenApi/Invoke answers itself.
var publicActions = []string{"LoadBizObject", "LoadBizObjects", "CreateBizObject", "CreateBizObjects", "UpdateBizObject", "RemoveBizObject"}

// Script is one saved script.
type Script struct {
	Scope        string    `json:"scope"`
	Target       string    `json:"target"`
	Name         string    `json:"name"`
	Version      int       `json:"version"`
	Lang         string    `json:"lang"`
	Source       string    `json:"source"`
	TimeoutMS    int       `json:"timeoutMs"`
	Enabled      bool      `json:"enabled"`
	ModifiedBy   string    `json:"modifiedBy,omitempty"`
	ModifiedTime time.Time `json:"modifiedTime"`
}

// Key identifies a script.
type Key struct{ Scope, Target, Name string }

func (k Key) String() string { return k.Scope + "/" + k.Target + "/" + k.Name }

// entry is a cached script with its compiled program.
type entry struct {
	s    Script
	prog *script.Program
}

// Store saves scripts and keeps them compiled in memory. Other nodes'
// changes are seen within a second (one revision read per second at most,
// on use).
type Store struct {
	db    *sqldb.DB
	rev   *sqldb.Revision
	mu    sync.RWMutex
	m     map[Key]*entry
	byTgt map[string]bool // scope+"/"+target → has scripts (the hot path's check)
}

// NewStore loads every script.
func NewStore(ctx context.Context, db *sqldb.DB) (*Store, error) {
	st := &Store{db: db, rev: sqldb.NewRevision("script_revision", time.Second)}
	if err := st.reload(ctx); err != nil {
		return nil, err
	}
	return st, nil
}

var (
	namePattern   = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,63}$`)
	targetPattern = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_.-]{0,127}$`)
)

// Check validates k's parts.
func (k Key) Check() error {
	switch k.Scope {
	case ScopeForm, ScopeFlow, ScopeAPI, ScopeAuth:
	default:
		return apperr.Field("scope", "scope 必须是 form、flow、api 或 auth, 收到 %q (scope must be form, flow, api or auth)", k.Scope)
	}
	if !targetPattern.MatchString(k.Target) {
		return apperr.Field("target", "target 无效: %q (target must be a form code or controller name: letters, digits, _ . -)", k.Target)
	}
	switch k.Scope {
	case ScopeForm:
		if !slices.Contains(FormHooks, k.Name) {
			return apperr.Field("name", "表单脚本名必须是 %s 之一, 收到 %q (a form script's name is one of its hooks)", strings.Join(FormHooks, ", "), k.Name)
		}
	case ScopeFlow:
		node, ev, dotted := strings.Cut(k.Name, ".")
		if dotted && (!namePattern.MatchString(node) || !slices.Contains(FlowEvents, ev)) {
			return apperr.Field("name", "流程脚本名 %q 无效: 节点事件写作 节点ID.%s (a node hook is nodeId.event, event one of %s)", k.Name, FlowEvents[0], strings.Join(FlowEvents, ", "))
		}
		if !dotted && !namePattern.MatchString(k.Name) {
			return apperr.Field("name", "流程脚本名无效: %q (letters, digits and _; a script task node names it in its hook)", k.Name)
		}
	case ScopeAuth:
		if k.Name != "sign" {
			return apperr.Field("name", "鉴权脚本名必须是 sign, 收到 %q (an auth script is named sign)", k.Name)
		}
	case ScopeAPI:
		if !namePattern.MatchString(k.Name) {
			return apperr.Field("name", "接口动作名无效: %q (an action name is letters, digits and _)", k.Name)
		}
		for _, pub := range publicActions {
			if strings.EqualFold(k.Name, pub) {
				return apperr.Field("name", "自定义接口不能使用公开动作名 %s (a custom action may not reuse a public action name)", pub)
			}
		}
	}
	return nil
}

// Put saves s as the next version of its script, after compiling it: a
// syntax or type error is refused with its line and column.
func (st *Store) Put(ctx context.Context, by string, s Script) (Script, error) {
	k := Key{s.Scope, s.Target, s.Name}
	if err := k.Check(); err != nil {
		return Script{}, err
	}
	if s.Lang == "" {
		s.Lang = string(script.JS)
	}
	if s.Lang != string(script.JS) && s.Lang != string(script.TS) {
		return Script{}, apperr.Field("lang", "lang 必须是 js 或 ts, 收到 %q (lang must be js or ts)", s.Lang)
	}
	if s.TimeoutMS == 0 {
		s.TimeoutMS = int(script.DefaultTimeout / time.Millisecond)
	}
	if s.TimeoutMS < 0 || s.TimeoutMS > int(script.MaxTimeout/time.Millisecond) {
		return Script{}, apperr.Field("timeoutMs", "timeoutMs 必须在 1 到 %d 之间, 收到 %d (timeoutMs must be 1..%d)", script.MaxTimeout/time.Millisecond, s.TimeoutMS, script.MaxTimeout/time.Millisecond)
	}
	if _, err := compile(k, s.Lang, s.Source); err != nil {
		return Script{}, err
	}
	now := time.Now().UTC().Truncate(time.Millisecond)
	s.ModifiedBy, s.ModifiedTime = by, now
	err := st.db.Write(ctx, func(tx *sqldb.Tx) error {
		d := tx.Dialect()
		var cur int
		err := tx.QueryRow(ctx, "SELECT COALESCE(MAX(version), 0) FROM script_versions WHERE scope = ? AND target = ? AND name = ?", k.Scope, k.Target, k.Name).Scan(&cur)
		if err != nil {
			return err
		}
		s.Version = cur + 1
		if _, err := tx.Exec(ctx, `INSERT INTO script_versions (scope, target, name, version, lang, source, timeout_ms, created_by, created_time)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, k.Scope, k.Target, k.Name, s.Version, s.Lang, s.Source, s.TimeoutMS, by, d.TimeValue(now)); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "DELETE FROM scripts WHERE scope = ? AND target = ? AND name = ?", k.Scope, k.Target, k.Name); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO scripts (scope, target, name, version, lang, source, timeout_ms, enabled, modified_by, modified_time)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, k.Scope, k.Target, k.Name, s.Version, s.Lang, s.Source, s.TimeoutMS, boolInt(s.Enabled), by, d.TimeValue(now)); err != nil {
			return err
		}
		return st.rev.Bump(ctx, tx)
	})
	if err != nil {
		return Script{}, fmt.Errorf("save script %s: %w", k, err)
	}
	return s, st.reload(ctx)
}

// compile turns source into a program; a syntax error names its place.
func compile(k Key, lang, source string) (*script.Program, error) {
	p, err := script.Compile(k.String(), script.Lang(lang), source)
	if err == nil {
		return p, nil
	}
	var se *script.Error
	if errors.As(err, &se) && se.Line > 0 {
		return nil, apperr.Field("source", "脚本第 %d 行第 %d 列有错误: %s (script error at line %d, column %d)", se.Line, se.Column, se.Message, se.Line, se.Column)
	}
	if errors.As(err, &se) {
		return nil, apperr.Field("source", "脚本无法编译: %s (the script does not compile)", se.Message)
	}
	return nil, fmt.Errorf("compile %s: %w", k, err)
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// Delete removes a script (its versions stay, for the record).
func (st *Store) Delete(ctx context.Context, k Key) error {
	err := st.db.Write(ctx, func(tx *sqldb.Tx) error {
		res, err := tx.Exec(ctx, "DELETE FROM scripts WHERE scope = ? AND target = ? AND name = ?", k.Scope, k.Target, k.Name)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return notFound(k)
		}
		return st.rev.Bump(ctx, tx)
	})
	if err != nil {
		return err
	}
	return st.reload(ctx)
}

func notFound(k Key) error {
	return apperr.New(apperr.NotFound, "没有这个脚本: %s (no such script)", k)
}

// Get returns the current version of a script.
func (st *Store) Get(ctx context.Context, k Key) (Script, error) {
	st.fresh(ctx)
	st.mu.RLock()
	e := st.m[k]
	st.mu.RUnlock()
	if e == nil {
		return Script{}, notFound(k)
	}
	return e.s, nil
}

// List returns the current scripts, of scope and target when set.
func (st *Store) List(ctx context.Context, scope, target string) []Script {
	st.fresh(ctx)
	st.mu.RLock()
	out := make([]Script, 0, len(st.m))
	for k, e := range st.m {
		if (scope == "" || k.Scope == scope) && (target == "" || k.Target == target) {
			out = append(out, e.s)
		}
	}
	st.mu.RUnlock()
	slices.SortFunc(out, func(a, b Script) int {
		return strings.Compare(a.Scope+"/"+a.Target+"/"+a.Name, b.Scope+"/"+b.Target+"/"+b.Name)
	})
	return out
}

// Versions lists a script's saved versions, newest first.
func (st *Store) Versions(ctx context.Context, k Key) ([]Script, error) {
	rows, err := st.db.Reader().Query(ctx, `SELECT version, lang, source, timeout_ms, COALESCE(created_by, ''), created_time
		FROM script_versions WHERE scope = ? AND target = ? AND name = ? ORDER BY version DESC`, k.Scope, k.Target, k.Name)
	if err != nil {
		return nil, fmt.Errorf("list versions of %s: %w", k, err)
	}
	defer rows.Close()
	var out []Script
	d := st.db.Dialect()
	for rows.Next() {
		s := Script{Scope: k.Scope, Target: k.Target, Name: k.Name}
		var t any
		if err := rows.Scan(&s.Version, &s.Lang, &s.Source, &s.TimeoutMS, &s.ModifiedBy, &t); err != nil {
			return nil, err
		}
		if s.ModifiedTime, err = d.ScanTime(t); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, notFound(k)
	}
	return out, nil
}

// program returns the enabled script's program, or nil.
func (st *Store) program(ctx context.Context, k Key) (*entry, bool) {
	st.fresh(ctx)
	return st.cached(k)
}

// cached is program without looking for other nodes' changes: for use
// inside a write transaction, which must not wait for another connection
// (a full pool of such transactions would wait for each other forever).
func (st *Store) cached(k Key) (*entry, bool) {
	st.mu.RLock()
	e := st.m[k]
	st.mu.RUnlock()
	if e == nil || !e.s.Enabled {
		return nil, false
	}
	return e, true
}

// has reports whether any script exists for scope and target: the check a
// write without scripts pays.
func (st *Store) has(ctx context.Context, scope, target string) bool {
	st.fresh(ctx)
	return st.hasCached(scope, target)
}

// hasCached is has without looking for other nodes' changes (see cached).
func (st *Store) hasCached(scope, target string) bool {
	st.mu.RLock()
	ok := st.byTgt[scope+"/"+target]
	st.mu.RUnlock()
	return ok
}

// fresh reloads when another node changed scripts (one read a second at
// most): never inside a write transaction (see sqldb.Revision.Stale).
func (st *Store) fresh(ctx context.Context) {
	if st.rev.Stale(ctx, st.db.Reader()) {
		_ = st.reload(ctx)
	}
}

// reload reads every current script and compiles it.
func (st *Store) reload(ctx context.Context) error {
	q := st.db.Reader()
	rev, err := st.rev.Read(ctx, q)
	if err != nil {
		return fmt.Errorf("load scripts: %w", err)
	}
	rows, err := q.Query(ctx, `SELECT scope, target, name, version, lang, source, timeout_ms, enabled, COALESCE(modified_by, ''), modified_time FROM scripts`)
	if err != nil {
		return fmt.Errorf("load scripts: %w", err)
	}
	defer rows.Close()
	m := map[Key]*entry{}
	by := map[string]bool{}
	d := st.db.Dialect()
	st.mu.RLock()
	old := st.m
	st.mu.RUnlock()
	for rows.Next() {
		var s Script
		var en int
		var t any
		if err := rows.Scan(&s.Scope, &s.Target, &s.Name, &s.Version, &s.Lang, &s.Source, &s.TimeoutMS, &en, &s.ModifiedBy, &t); err != nil {
			return fmt.Errorf("load scripts: %w", err)
		}
		s.Enabled = en != 0
		if s.ModifiedTime, err = d.ScanTime(t); err != nil {
			return err
		}
		k := Key{s.Scope, s.Target, s.Name}
		e := &entry{s: s}
		if o := old[k]; o != nil && o.s.Version == s.Version && o.prog != nil {
			e.prog = o.prog
		} else if e.prog, err = compile(k, s.Lang, s.Source); err != nil {
			e.prog = nil // saved by another build that compiled it; runs fail with the reason
		}
		m[k] = e
		by[s.Scope+"/"+s.Target] = true
	}
	if err := rows.Err(); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("load scripts: %w", err)
	}
	st.mu.Lock()
	st.m, st.byTgt = m, by
	st.mu.Unlock()
	st.rev.Loaded(rev)
	return nil
}
