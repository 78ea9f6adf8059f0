package workflow

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/google/uuid"
	"github.com/tritiumhq/tritium/internal/apperr"
	"github.com/tritiumhq/tritium/internal/feed"
	"github.com/tritiumhq/tritium/internal/form"
	"github.com/tritiumhq/tritium/internal/org"
	"github.com/tritiumhq/tritium/internal/record"
	"github.com/tritiumhq/tritium/internal/sqldb"
	"github.com/tritiumhq/tritium/internal/workflow/model"
)

// run is one change to one instance, inside one write transaction: the
// engine's decisions become events, each folded into the state at once;
// save then writes the events, the state, the touched tasks and the
// record's Status.
type run struct {
	e        *Engine
	ctx      context.Context
	tx       *sqldb.Tx      // nil in a simulation
	q        sqldb.Querier  // tx, or the reader in a simulation
	vals     map[string]any // record values given to a simulation
	id       string         // instance id
	fresh    bool           // the instance is new in this run
	revision int
	f        *form.Form
	c        *compiled
	st       *State
	events   []Event
	touched  map[string]bool // tasks created or changed
	now      time.Time
	actor    string
	obj      *record.Object // the record, loaded when needed
	who      *org.Profile   // the initiator, loaded when needed
	timers   []timer        // jobs to enqueue on save
	// scriptRuns are script task nodes' jobs to enqueue on save.
	scriptRuns []scriptRun
	// externals are external-approval requests to send on save.
	externals []*Task
	startSt   string // the status before this run
}

// notOurs is the error of a step that needs the instance's object when it
// was deleted (or carries another instance: data from before deletes
// ended their instances).
func (r *run) notOurs() error {
	return apperr.Wrap(apperr.Conflict, record.ErrNotInstanceObject,
		"流程实例 %s 的对象 %s 已被删除, 只能终止或撤销 (the instance's object was deleted: the instance can only be terminated or canceled)", r.id, r.st.Object)
}

// emit records a fact and folds it into the state.
func (r *run) emit(typ string, d EventData) error {
	ev := Event{Seq: r.st.Seq + 1, Type: typ, Actor: r.actor, Time: r.now, Data: d}
	if err := r.st.apply(ev); err != nil {
		return fmt.Errorf("instance %s: %w", r.id, err)
	}
	r.events = append(r.events, ev)
	switch typ {
	case EvTask, EvTaskSet:
		r.touched[d.Task] = true
	}
	return nil
}

// newToken names a token after the event about to create it, so replays
// name it the same.
func (r *run) newToken() string { return "t" + strconv.Itoa(r.st.Seq+1) }

func newID() string {
	if u, err := uuid.NewV7(); err == nil {
		return u.String()
	}
	return uuid.NewString()
}

// record returns the instance's object as this transaction sees it, only
// if it is still the object the instance started on.
func (r *run) record() (*record.Object, error) {
	if r.obj == nil {
		if r.st.ObjectDeleted {
			return nil, r.notOurs()
		}
		o, err := r.e.records.LoadTx(r.ctx, r.tx, r.st.Form, r.st.Object)
		if apperr.Is(err, apperr.NotFound) || err == nil && o.Sys.WorkflowInstanceID != r.id {
			return nil, r.notOurs()
		}
		if err != nil {
			return nil, err
		}
		r.obj = o
	}
	return r.obj, nil
}

// initiator returns the initiator's profile (an empty one for a user who
// no longer exists: rules about them then match nothing).
func (r *run) initiator() (*org.Profile, error) {
	if r.who == nil {
		p, _, err := r.e.dir.UserProfile(r.ctx, r.q, r.st.Initiator)
		if err != nil {
			return nil, err
		}
		if p.ID == "" {
			p.ID = r.st.Initiator
		}
		r.who = &p
	}
	return r.who, nil
}

// values are the record's values by field code.
func (r *run) values() (map[string]any, error) {
	if r.vals != nil {
		return r.vals, nil
	}
	o, err := r.record()
	if err != nil {
		return nil, err
	}
	return recordValues(o), nil
}

// vars is the environment conditions and expressions run in.
func (r *run) vars() (map[string]any, error) {
	vals, err := r.values()
	if err != nil {
		return nil, err
	}
	p, err := r.initiator()
	if err != nil {
		return nil, err
	}
	return r.c.env.Vars(vals, model.Initiator{ID: p.ID, DepartmentID: p.DepartmentID, Roles: p.Roles, Title: p.Title},
		r.e.forms.Codec().Loc), nil
}

// recordValues maps field codes (system fields included) to values.
func recordValues(o *record.Object) map[string]any {
	m := map[string]any{
		form.SysObjectID: o.ID, form.SysName: o.Sys.Name, form.SysStatus: o.Sys.Status,
		form.SysCreatedBy: o.Sys.CreatedBy, form.SysOwnerID: o.Sys.OwnerID, form.SysOwnerDeptID: o.Sys.OwnerDeptID,
		form.SysCreatedTime: o.Sys.CreatedTime, form.SysModifiedBy: o.Sys.ModifiedBy, form.SysModifiedTime: o.Sys.ModifiedTime,
		form.SysSeqNo: o.Sys.SeqNo,
	}
	for i, fd := range o.Form.Fields {
		m[fd.Code] = o.Values[i]
	}
	return m
}

// outcome is the record Status an instance status stands for.
func outcome(status string) int64 {
	switch status {
	case Approved:
		return form.StatusEffective
	case Rejected, Canceled, Terminated:
		return form.StatusCanceled
	}
	return form.StatusRunning
}

// save writes what the run did: the instance, its new events and the
// touched tasks in one batch (one round trip on PostgreSQL), then the
// record's Status when the outcome changed, and the timers.
func (r *run) save() error {
	if len(r.events) == 0 {
		return nil
	}
	d := r.tx.Dialect()
	state, err := json.Marshal(r.st)
	if err != nil {
		return fmt.Errorf("encode instance %s: %w", r.id, err)
	}
	events, err := json.Marshal(r.events)
	if err != nil {
		return fmt.Errorf("encode events of %s: %w", r.id, err)
	}
	var finished any
	if r.st.Status != Running {
		finished = d.TimeValue(r.now)
	}
	var b sqldb.Batch
	if r.fresh {
		b.Queue("INSERT INTO wf_instances (id, form_code, object_id, def_version, status, initiator, state, revision, created_time, modified_time, finished_time) VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?)",
			r.id, r.st.Form, r.st.Object, r.st.Version, r.st.Status, r.st.Initiator, string(state), d.TimeValue(r.now), d.TimeValue(r.now), finished)
	} else {
		b.Queue("UPDATE wf_instances SET status = ?, state = ?, revision = revision + 1, modified_time = ?, finished_time = ? WHERE id = ? AND revision = ?",
			r.st.Status, string(state), d.TimeValue(r.now), finished, r.id, r.revision)
	}
	// The events of one run are one row (see the migration).
	b.Queue("INSERT INTO wf_events (instance_id, seq, events, created_time) VALUES (?, ?, ?, ?)",
		r.id, r.events[0].Seq, string(events), d.TimeValue(r.now))
	feed.Queue(&b, d, r.feedEvents()...)
	r.queueTasks(&b)
	n, err := r.tx.ExecBatch(r.ctx, &b)
	if err != nil {
		return fmt.Errorf("save instance %s: %w", r.id, err)
	}
	if n[0] != 1 {
		return apperr.New(apperr.Conflict, "流程实例 %s 已被其他操作修改 (the instance changed meanwhile; try again)", r.id)
	}
	r.observe()
	if r.st.Status != r.startSt && !r.st.ObjectDeleted {
		err := r.e.records.SetWorkflowState(r.ctx, r.tx, r.st.Form, r.st.Object, outcome(r.st.Status), r.id)
		switch {
		case errors.Is(err, record.ErrNotInstanceObject) && (r.st.Status == Canceled || r.st.Status == Terminated):
			// An instance whose object is gone may still be ended; it has
			// no object to keep in agreement.
		case errors.Is(err, record.ErrNotInstanceObject):
			return r.notOurs()
		case err != nil:
			return err
		}
	}
	if err := r.scheduleScripts(); err != nil {
		return err
	}
	if err := r.sendExternals(); err != nil {
		return err
	}
	return r.scheduleTimers()
}

// observe counts the instance's start and end once the transaction
// commits (a write that is rolled back or run again counts nothing).
func (r *run) observe() {
	obs := r.e.obs
	if obs == nil {
		return
	}
	for _, ev := range r.events {
		switch ev.Type {
		case EvStarted:
			r.tx.OnCommit(obs.InstanceStarted)
		case EvFinished:
			result := ev.Data.Result
			r.tx.OnCommit(func() { obs.InstanceFinished(result) })
		}
	}
}

// queueTasks writes the task projection of the tasks the run touched.
func (r *run) queueTasks(b *sqldb.Batch) {
	d := r.tx.Dialect()
	created := map[string]bool{}
	for _, ev := range r.events {
		if ev.Type == EvTask {
			created[ev.Data.Task] = true
		}
	}
	for id := range r.touched {
		t := r.st.Tasks[id]
		var acted any
		if !t.Acted.IsZero() {
			acted = d.TimeValue(t.Acted)
		}
		if created[id] {
			b.Queue("INSERT INTO wf_tasks (id, instance_id, node_id, kind, assignee, status, form_code, initiator, created_time, acted_time) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
				id, r.id, t.Node, t.Kind, t.Assignee, t.Status, r.st.Form, r.st.Initiator, d.TimeValue(t.Created), acted)
		} else {
			b.Queue("UPDATE wf_tasks SET status = ?, acted_time = ? WHERE id = ?", t.Status, acted, id)
		}
	}
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// snapshot is an instance's state decoded before its write transaction,
// on a reader: decoding is most of what loading an instance costs, and on
// SQLite every write waits for the one writer, so it is done outside
// (measured on SQLite: ~12 % more instances/s with 64 clients; on
// PostgreSQL, where transactions decode in parallel, no difference). The
// transaction uses it once, and only if the revision it locks matches.
type snapshot struct {
	id  string
	rev int
	st  *State
}

// take hands over the snapshot's state if it is instance id at revision
// rev, once: a write function may run twice and must then decode afresh.
func (s *snapshot) take(id string, rev int) *State {
	if s == nil || s.st == nil || s.id != id || s.rev != rev {
		return nil
	}
	st := s.st
	s.st = nil
	return st
}

// snapshotOf decodes instance id's state on a reader. Any failure returns
// nil: the transaction then loads it itself and reports what is wrong.
func (e *Engine) snapshotOf(ctx context.Context, id string) *snapshot {
	return e.readSnapshot(ctx, "SELECT id, state, revision FROM wf_instances WHERE id = ?", id)
}

// snapshotOfTask is snapshotOf for the instance of task id.
func (e *Engine) snapshotOfTask(ctx context.Context, id string) *snapshot {
	return e.readSnapshot(ctx, "SELECT i.id, i.state, i.revision FROM wf_tasks t JOIN wf_instances i ON i.id = t.instance_id WHERE t.id = ?", id)
}

func (e *Engine) readSnapshot(ctx context.Context, query, id string) *snapshot {
	var s snapshot
	var raw string
	if err := e.db.Reader().QueryRow(ctx, query, id).Scan(&s.id, &raw, &s.rev); err != nil {
		return nil
	}
	st, err := decodeState(raw)
	if err != nil {
		return nil
	}
	s.st = st
	return &s
}

func decodeState(raw string) (*State, error) {
	st := newState()
	if err := json.Unmarshal([]byte(raw), st); err != nil {
		return nil, err
	}
	if st.Tokens == nil {
		st.Tokens = map[string]*Token{}
	}
	if st.Tasks == nil {
		st.Tasks = map[string]*Task{}
	}
	return st, nil
}

// begin prepares a run on an existing instance, locked for this
// transaction; snap (may be nil) saves decoding its state.
func (e *Engine) begin(ctx context.Context, tx *sqldb.Tx, instanceID, actor string, snap *snapshot) (*run, error) {
	var rev int
	err := tx.QueryRow(ctx, "SELECT revision FROM wf_instances WHERE id = ?"+tx.Dialect().ForUpdate(), instanceID).Scan(&rev)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.New(apperr.NotFound, "流程实例不存在: %s (instance not found)", instanceID)
	}
	if err != nil {
		return nil, fmt.Errorf("load instance %s: %w", instanceID, err)
	}
	return e.resume(ctx, tx, instanceID, rev, actor, snap)
}

// lockOf narrows a FOR UPDATE on a join to one table's rows (PostgreSQL;
// SQLite's single writer needs no row locks).
func lockOf(tx *sqldb.Tx, table string) string {
	if tx.Dialect().ForUpdate() == "" {
		return ""
	}
	return " OF " + table
}

// resume prepares a run on an instance locked in tx at revision rev,
// taking its state from snap when that is current, else loading it.
func (e *Engine) resume(ctx context.Context, tx *sqldb.Tx, instanceID string, rev int, actor string, snap *snapshot) (*run, error) {
	st := snap.take(instanceID, rev)
	if st == nil {
		var raw string
		if err := tx.QueryRow(ctx, "SELECT state FROM wf_instances WHERE id = ?", instanceID).Scan(&raw); err != nil {
			return nil, fmt.Errorf("load instance %s: %w", instanceID, err)
		}
		var err error
		if st, err = decodeState(raw); err != nil {
			return nil, fmt.Errorf("decode instance %s: %w", instanceID, err)
		}
	}
	f, err := e.forms.Lookup(ctx, st.Form)
	if err != nil {
		return nil, err
	}
	c, _, err := e.definition(ctx, tx, f, st.Version)
	if err != nil {
		return nil, err
	}
	return &run{e: e, ctx: ctx, tx: tx, q: tx, id: instanceID, revision: rev, f: f, c: c, st: st,
		touched: map[string]bool{}, now: e.clock(), actor: actor, startSt: st.Status}, nil
}
