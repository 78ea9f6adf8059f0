package workflow

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/tritiumhq/tritium/internal/apperr"
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
	startSt  string         // the status before this run
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

// record returns the instance's object as this transaction sees it.
func (r *run) record() (*record.Object, error) {
	if r.obj == nil {
		o, err := r.e.records.LoadTx(r.ctx, r.tx, r.st.Form, r.st.Object)
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

// save writes what the run did.
func (r *run) save() error {
	if len(r.events) == 0 {
		return nil
	}
	d := r.tx.Dialect()
	state, err := json.Marshal(r.st)
	if err != nil {
		return err
	}
	var finished any
	if r.st.Status != Running {
		finished = d.TimeValue(r.now)
	}
	if r.fresh {
		_, err = r.tx.Exec(r.ctx, "INSERT INTO wf_instances (id, form_code, object_id, def_version, status, initiator, state, revision, created_time, modified_time, finished_time) VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?)",
			r.id, r.st.Form, r.st.Object, r.st.Version, r.st.Status, r.st.Initiator, string(state), d.TimeValue(r.now), d.TimeValue(r.now), finished)
	} else {
		var res interface{ RowsAffected() (int64, error) }
		res, err = r.tx.Exec(r.ctx, "UPDATE wf_instances SET status = ?, state = ?, revision = revision + 1, modified_time = ?, finished_time = ? WHERE id = ? AND revision = ?",
			r.st.Status, string(state), d.TimeValue(r.now), finished, r.id, r.revision)
		if err == nil {
			if n, _ := res.RowsAffected(); n != 1 {
				return apperr.New(apperr.Conflict, "流程实例 %s 已被其他操作修改 (the instance changed meanwhile; try again)", r.id)
			}
		}
	}
	if err != nil {
		return fmt.Errorf("save instance %s: %w", r.id, err)
	}
	if err := r.saveEvents(); err != nil {
		return err
	}
	if err := r.saveTasks(); err != nil {
		return err
	}
	if r.st.Status != r.startSt {
		if err := r.e.records.SetWorkflowState(r.ctx, r.tx, r.st.Form, r.st.Object, outcome(r.st.Status), r.id); err != nil {
			return err
		}
	}
	return r.scheduleTimers()
}

// eventBatch is how many events one INSERT writes: statements for 1…8
// rows are prepared once each, and most actions emit fewer than 8 events.
const eventBatch = 8

var eventInserts = func() [eventBatch + 1]string {
	var out [eventBatch + 1]string
	for n := 1; n <= eventBatch; n++ {
		out[n] = "INSERT INTO wf_events (instance_id, seq, type, actor, data, created_time) VALUES " +
			strings.TrimSuffix(strings.Repeat("(?, ?, ?, ?, ?, ?), ", n), ", ")
	}
	return out
}()

func (r *run) saveEvents() error {
	d := r.tx.Dialect()
	for start := 0; start < len(r.events); start += eventBatch {
		chunk := r.events[start:min(start+eventBatch, len(r.events))]
		args := make([]any, 0, 6*len(chunk))
		for _, ev := range chunk {
			data, _ := json.Marshal(ev.Data)
			args = append(args, r.id, ev.Seq, ev.Type, nilIfEmpty(ev.Actor), string(data), d.TimeValue(ev.Time))
		}
		if _, err := r.tx.Exec(r.ctx, eventInserts[len(chunk)], args...); err != nil {
			return fmt.Errorf("save events of %s: %w", r.id, err)
		}
	}
	return nil
}

func (r *run) saveTasks() error {
	d := r.tx.Dialect()
	for id := range r.touched {
		t := r.st.Tasks[id]
		var acted any
		if !t.Acted.IsZero() {
			acted = d.TimeValue(t.Acted)
		}
		created := false
		for _, ev := range r.events {
			if ev.Type == EvTask && ev.Data.Task == id {
				created = true
				break
			}
		}
		var err error
		if created {
			_, err = r.tx.Exec(r.ctx, "INSERT INTO wf_tasks (id, instance_id, node_id, kind, assignee, status, form_code, initiator, created_time, acted_time) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
				id, r.id, t.Node, t.Kind, t.Assignee, t.Status, r.st.Form, r.st.Initiator, d.TimeValue(t.Created), acted)
		} else {
			_, err = r.tx.Exec(r.ctx, "UPDATE wf_tasks SET status = ?, acted_time = ? WHERE id = ?", t.Status, acted, id)
		}
		if err != nil {
			return fmt.Errorf("save task %s: %w", id, err)
		}
	}
	return nil
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// begin prepares a run on an existing instance, locked for this
// transaction.
func (e *Engine) begin(ctx context.Context, tx *sqldb.Tx, instanceID, actor string) (*run, error) {
	var raw string
	var rev int
	err := tx.QueryRow(ctx, "SELECT state, revision FROM wf_instances WHERE id = ?"+tx.Dialect().ForUpdate(), instanceID).Scan(&raw, &rev)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.New(apperr.NotFound, "流程实例不存在: %s (instance not found)", instanceID)
	}
	if err != nil {
		return nil, fmt.Errorf("load instance %s: %w", instanceID, err)
	}
	st := newState()
	if err := json.Unmarshal([]byte(raw), st); err != nil {
		return nil, fmt.Errorf("decode instance %s: %w", instanceID, err)
	}
	if st.Tokens == nil {
		st.Tokens = map[string]*Token{}
	}
	if st.Tasks == nil {
		st.Tasks = map[string]*Task{}
	}
	f, err := e.forms.Get(st.Form)
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
