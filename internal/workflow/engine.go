// Package workflow is the approval engine. An instance is event-sourced:
// every change appends events (the history, and the feed later webhooks
// read), folds them into the instance's state, refreshes the task list
// that is projected from the state, and updates the record's Status — all
// in the write transaction of the action that caused it, with the record
// change when there is one.
package workflow

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/expr-lang/expr/vm"
	"github.com/tritiumhq/tritium/internal/apperr"
	"github.com/tritiumhq/tritium/internal/form"
	"github.com/tritiumhq/tritium/internal/job"
	"github.com/tritiumhq/tritium/internal/org"
	"github.com/tritiumhq/tritium/internal/record"
	"github.com/tritiumhq/tritium/internal/sqldb"
	"github.com/tritiumhq/tritium/internal/workflow/model"
)

// Directory answers who is who, inside the caller's transaction.
type Directory interface {
	UserProfile(ctx context.Context, q sqldb.Querier, userID string) (org.Profile, bool, error)
	RoleMembers(ctx context.Context, q sqldb.Querier, roleIDs []string) ([]string, error)
	// PositionMembers: the enabled holders of the positions.
	PositionMembers(ctx context.Context, q sqldb.Querier, positionIDs []string) ([]string, error)
	// DepartmentMembers: direct members, or with sub also those of every
	// department below.
	DepartmentMembers(ctx context.Context, q sqldb.Querier, deptIDs []string, sub bool) ([]string, error)
	Leaders(ctx context.Context, q sqldb.Querier, userID string, levels int) ([]string, error)
}

// Config holds the engine's collaborators.
type Config struct {
	DB      *sqldb.DB
	Forms   *form.Service
	Records *record.Service
	Org     Directory
	Jobs    *job.Queue // nil: timers are not scheduled (tools, some tests)
	Admin   string     // the administrator's user id
	Logger  *slog.Logger
	// Now is the clock (tests move it); default time.Now.
	Now func() time.Time
	// Observer, when set, is told about instances that started or ended,
	// once their transaction has committed.
	Observer Observer
}

// Observer counts instances (metrics).
type Observer interface {
	InstanceStarted()
	InstanceFinished(result string)
}

// Engine runs approval processes.
type Engine struct {
	db      *sqldb.DB
	forms   *form.Service
	records *record.Service
	dir     Directory
	jobs    *job.Queue
	admin   string
	log     *slog.Logger
	now     func() time.Time
	obs     Observer
	scripts Scripts
	// requests sends external-approval requests; publicURL starts their
	// callback addresses.
	requests  Requests
	publicURL atomic.Pointer[string]

	defs    sync.Map // defKey → *compiled
	current sync.Map // form code → currentVersion
}

type defKey struct {
	form    string
	version int
}

type currentVersion struct {
	version int
	read    time.Time
}

// compiled is a definition with its programs, ready to run.
type compiled struct {
	def     *model.Definition
	env     model.Env
	conds   map[string]*vm.Program   // flow id → condition
	assign  map[string][]*vm.Program // node id → its assignee expressions, in order
	joinFor map[string]string        // split id → the join that closes it
}

// New returns an engine and registers its timer handlers with cfg.Jobs.
func New(cfg Config) *Engine {
	e := &Engine{db: cfg.DB, forms: cfg.Forms, records: cfg.Records, dir: cfg.Org, jobs: cfg.Jobs,
		admin: cfg.Admin, log: cfg.Logger, now: cfg.Now, obs: cfg.Observer}
	if e.log == nil {
		e.log = slog.New(slog.DiscardHandler)
	}
	if e.now == nil {
		e.now = time.Now
	}
	if e.jobs != nil {
		e.jobs.Handle(timerJob, e.fireTimer)
	}
	return e
}

// write is db.Write for an action on an instance. Another node may have
// changed the instance's form since this node last refreshed its
// definitions, so the action's SQL may not fit the form's tables any more;
// when it fails and the definitions have changed meanwhile, it runs once
// more with the current ones (it rolled back, so that is safe).
func (e *Engine) write(ctx context.Context, fn func(tx *sqldb.Tx) error) error {
	err := e.db.Write(ctx, fn)
	if err == nil || ctx.Err() != nil {
		return err
	}
	if changed, rerr := e.forms.Refreshed(ctx); rerr != nil || !changed {
		return err
	}
	return e.db.Write(ctx, fn)
}

func (e *Engine) clock() time.Time { return e.now().UTC().Truncate(time.Microsecond) }

// compile checks a definition against its form and prepares its programs.
func compile(f *form.Form, def *model.Definition) (*compiled, error) {
	env := model.EnvOf(f)
	if err := def.Validate(env); err != nil {
		return nil, err
	}
	c := &compiled{def: def, env: env, conds: map[string]*vm.Program{}, assign: map[string][]*vm.Program{}, joinFor: map[string]string{}}
	for _, fl := range def.Flows {
		if fl.Condition == "" {
			continue
		}
		p, err := env.CompileCondition(fl.Condition)
		if err != nil {
			return nil, apperr.Field(fl.ID, "条件无效: %v (invalid condition)", err)
		}
		c.conds[fl.ID] = p
	}
	for _, n := range def.Nodes {
		for _, a := range n.Assignees {
			if a.Kind != model.AssignExpression {
				continue
			}
			p, err := env.CompileAssignee(a.Expr)
			if err != nil {
				return nil, apperr.Field(n.ID, "审批人表达式无效: %v (invalid assignee expression)", err)
			}
			c.assign[n.ID] = append(c.assign[n.ID], p)
		}
		if s := def.MatchingSplit(n.ID); s != nil {
			c.joinFor[s.ID] = n.ID
		}
	}
	return c, nil
}

// definition returns version v of form's process (0: the current one).
func (e *Engine) definition(ctx context.Context, q sqldb.Querier, f *form.Form, v int) (*compiled, int, error) {
	if v == 0 {
		var err error
		if v, err = e.currentVersion(ctx, q, f.Code); err != nil {
			return nil, 0, err
		}
	}
	k := defKey{f.Code, v}
	if c, ok := e.defs.Load(k); ok {
		return c.(*compiled), v, nil
	}
	var raw string
	err := q.QueryRow(ctx, "SELECT definition FROM wf_definitions WHERE form_code = ? AND version = ?", f.Code, v).Scan(&raw)
	if err != nil {
		return nil, 0, fmt.Errorf("load process %s v%d: %w", f.Code, v, err)
	}
	def, err := decodeDefinition(raw)
	if err != nil {
		return nil, 0, err
	}
	c, err := compile(f, def)
	if err != nil {
		// The form changed since this version was stored (a field its
		// conditions use is gone): running instances cannot go on.
		return nil, 0, apperr.Wrap(apperr.Conflict, err, "流程 %s 第%d版与表单不再一致: %s (the process no longer fits its form)", f.Code, v, apperr.As(err).Message)
	}
	e.defs.Store(k, c)
	return c, v, nil
}

// currentVersion is the newest version of form's process, cached briefly
// (another node's new version is seen within 2 seconds).
func (e *Engine) currentVersion(ctx context.Context, q sqldb.Querier, formCode string) (int, error) {
	if cv, ok := e.current.Load(formCode); ok && time.Since(cv.(currentVersion).read) < 2*time.Second {
		return cv.(currentVersion).version, nil
	}
	var v int
	if err := q.QueryRow(ctx, "SELECT COALESCE(MAX(version), 0) FROM wf_definitions WHERE form_code = ?", formCode).Scan(&v); err != nil {
		return 0, fmt.Errorf("process version of %s: %w", formCode, err)
	}
	if v == 0 {
		return 0, apperr.New(apperr.Conflict, "表单 %s 还没有流程定义 (the form has no process yet: PUT /api/v1/forms/%s/workflow)", formCode, formCode)
	}
	e.current.Store(formCode, currentVersion{v, time.Now()})
	return v, nil
}
