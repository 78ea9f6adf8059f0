package workflow

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/tritiumhq/tritium/internal/apperr"
	"github.com/tritiumhq/tritium/internal/sqldb"
	"github.com/tritiumhq/tritium/internal/workflow/model"
)

// Lists of GET /api/v1/tasks.
const (
	ViewTodo    = "todo"    // tasks waiting for the user
	ViewDone    = "done"    // tasks the user acted on
	ViewStarted = "started" // instances the user started
	ViewCC      = "cc"      // copies sent to the user
)

// Item is one entry of a list: a task (with its instance) or, in the
// started view, an instance.
type Item struct {
	TaskID     string     `json:"taskId,omitempty"`
	Node       string     `json:"node,omitempty"`
	NodeName   string     `json:"nodeName,omitempty"`
	Kind       string     `json:"kind,omitempty"`
	Assignee   string     `json:"assignee,omitempty"`
	TaskStatus string     `json:"taskStatus,omitempty"`
	InstanceID string     `json:"instanceId"`
	Form       string     `json:"form"`
	ObjectID   string     `json:"objectId"`
	Status     string     `json:"status"` // the instance's
	Initiator  string     `json:"initiator"`
	Created    time.Time  `json:"createdTime"`
	Acted      *time.Time `json:"actedTime,omitempty"`
}

// ListQuery selects a list's page.
type ListQuery struct {
	View      string
	Form      string
	Initiator string
	// Status keeps the entries whose instance has this status (running,
	// approved, rejected, canceled, terminated).
	Status        string
	From, To      time.Time // created within [From, To)
	Offset, Limit int
}

// List returns the user's list and the total count; with user "", the
// tenant's: every user's todo, done or cc tasks, or every started
// instance (the administrator's view; Initiator and the other filters
// narrow it, and an assignee is a user's list again).
func (e *Engine) List(ctx context.Context, user string, q ListQuery) ([]Item, int, error) {
	if q.Limit <= 0 || q.Limit > 500 {
		q.Limit = 50
	}
	var where []string
	var args []any
	add := func(cond string, v any) {
		if v == "" {
			return // a tenant-wide list: no user to select by
		}
		where = append(where, cond)
		args = append(args, v)
	}
	d := e.db.Dialect()
	prefix := "t."
	switch q.View {
	case ViewTodo, "":
		add("t.assignee = ?", user)
		where = append(where, "t.status = 'pending'", "t.kind IN ('approval', 'start')")
	case ViewDone:
		add("t.assignee = ?", user)
		where = append(where, "t.status IN ('approved', 'rejected', 'returned', 'transferred', 'resolved')", "t.kind = 'approval'")
	case ViewCC:
		add("t.assignee = ?", user)
		where = append(where, "t.kind = 'cc'")
	case ViewStarted:
		prefix = "i."
		add("i.initiator = ?", user)
	default:
		return nil, 0, apperr.Field("view", "view 需要 todo, done, started 或 cc (view must be todo, done, started or cc)")
	}
	if q.Form != "" {
		add(prefix+"form_code = ?", q.Form)
	}
	if q.Status != "" {
		if !slices.Contains([]string{Running, Approved, Rejected, Canceled, Terminated}, q.Status) {
			return nil, 0, apperr.Field("status", "status 需要 running, approved, rejected, canceled 或 terminated, 收到 %q (unknown instance status)", q.Status)
		}
		add("i.status = ?", q.Status)
	}
	if q.Initiator != "" {
		add(prefix+"initiator = ?", q.Initiator)
	}
	if !q.From.IsZero() {
		add(prefix+"created_time >= ?", d.TimeValue(q.From))
	}
	if !q.To.IsZero() {
		add(prefix+"created_time < ?", d.TimeValue(q.To))
	}
	cond := ""
	if len(where) > 0 {
		cond = " WHERE " + strings.Join(where, " AND ")
	}
	from := " FROM wf_tasks t JOIN wf_instances i ON i.id = t.instance_id"
	cols := "t.id, t.node_id, t.kind, t.assignee, t.status, i.id, i.form_code, i.object_id, i.status, i.initiator, t.created_time, t.acted_time, i.def_version"
	if q.View == ViewStarted {
		from = " FROM wf_instances i"
		cols = "'', '', '', '', '', i.id, i.form_code, i.object_id, i.status, i.initiator, i.created_time, i.finished_time, i.def_version"
	}
	r := e.db.Reader()
	var total int
	if err := r.QueryRow(ctx, "SELECT COUNT(*)"+from+cond, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count %s: %w", q.View, err)
	}
	rows, err := r.Query(ctx, "SELECT "+cols+from+cond+" ORDER BY "+prefix+"created_time DESC, "+prefix+"id LIMIT ? OFFSET ?",
		append(args, q.Limit, q.Offset)...)
	if err != nil {
		return nil, 0, fmt.Errorf("list %s: %w", q.View, err)
	}
	defer rows.Close()
	items := []Item{}
	for rows.Next() {
		var it Item
		var created, acted any
		var version int
		if err := rows.Scan(&it.TaskID, &it.Node, &it.Kind, &it.Assignee, &it.TaskStatus, &it.InstanceID, &it.Form, &it.ObjectID,
			&it.Status, &it.Initiator, &created, &acted, &version); err != nil {
			return nil, 0, err
		}
		if it.Created, err = d.ScanTime(created); err != nil {
			return nil, 0, err
		}
		if acted != nil {
			t, err := d.ScanTime(acted)
			if err != nil {
				return nil, 0, err
			}
			it.Acted = &t
		}
		it.NodeName = e.nodeName(ctx, it.Form, version, it.Node)
		items = append(items, it)
	}
	return items, total, rows.Err()
}

func (e *Engine) nodeName(ctx context.Context, formCode string, version int, node string) string {
	if node == "" {
		return ""
	}
	if def := e.defOf(ctx, formCode, version); def != nil {
		if n := def.Node(node); n != nil {
			return n.Name
		}
	}
	return ""
}

// defOf is version of form's process, or nil when it cannot be had (names
// are then left out).
func (e *Engine) defOf(ctx context.Context, formCode string, version int) *model.Definition {
	f, err := e.forms.Get(formCode)
	if err != nil {
		return nil
	}
	c, _, err := e.definition(ctx, e.db.Reader(), f, version)
	if err != nil {
		return nil
	}
	return c.def
}

// InstanceView is an instance with its tasks, positions and history.
type InstanceView struct {
	ID        string      `json:"id"`
	Form      string      `json:"form"`
	ObjectID  string      `json:"objectId"`
	Version   int         `json:"version"`
	Status    string      `json:"status"`
	Initiator string      `json:"initiator"`
	Positions []Position  `json:"positions"`
	Tasks     []*Task     `json:"tasks"`
	History   []HistEntry `json:"history"`
	// Actions: the instance actions the reading user may take now (set
	// when read as a user).
	Actions []string `json:"actions,omitempty"`
}

// Position is where a token stands.
type Position struct {
	Node     string `json:"node"`
	NodeName string `json:"nodeName,omitempty"`
	Token    string `json:"token"`
}

// Instance returns an instance's detail.
func (e *Engine) Instance(ctx context.Context, id string) (InstanceView, error) {
	v, _, err := e.instance(ctx, id)
	return v, err
}

// instance returns an instance's detail and its stored state.
func (e *Engine) instance(ctx context.Context, id string) (InstanceView, *State, error) {
	st, err := e.storedState(ctx, e.db.Reader(), id)
	if err != nil {
		return InstanceView{}, nil, err
	}
	events, err := e.events(ctx, e.db.Reader(), id)
	if err != nil {
		return InstanceView{}, nil, err
	}
	def := e.defOf(ctx, st.Form, st.Version)
	v := InstanceView{ID: id, Form: st.Form, ObjectID: st.Object, Version: st.Version, Status: st.Status, Initiator: st.Initiator,
		Positions: positions(def, st), Tasks: []*Task{}}
	r := &run{st: st}
	v.Tasks = r.sortedTasks()
	_, err = fold(events, func(before *State, ev Event) {
		v.History = append(v.History, histEntry(def, before, ev))
	}, nil)
	if err != nil {
		return InstanceView{}, nil, fmt.Errorf("history of %s: %w", id, err)
	}
	return v, st, nil
}

// positions lists where st's tokens stand, in token order.
func positions(def *model.Definition, st *State) []Position {
	out := []Position{}
	for _, tok := range sortedKeys(st.Tokens) {
		n := st.Tokens[tok].Node
		out = append(out, Position{Node: n, NodeName: plainName(def, n), Token: tok})
	}
	return out
}

func plainName(def *model.Definition, node string) string {
	if def == nil {
		return ""
	}
	if n := def.Node(node); n != nil {
		return n.Name
	}
	return ""
}

// TaskView is a task with its instance's identity.
type TaskView struct {
	*Task
	InstanceID string `json:"instanceId"`
	Form       string `json:"form"`
	ObjectID   string `json:"objectId"`
	NodeName   string `json:"nodeName,omitempty"`
	Status     string `json:"instanceStatus"`
	// Set when read or acted on as a user: the task actions they may take
	// now, the nodes a return may go to, and the node's field permissions
	// with the permission of the fields it does not name.
	Actions     []string                   `json:"actions,omitempty"`
	ReturnTo    []NodeRef                  `json:"returnTo,omitempty"`
	FieldPerms  map[string]model.FieldPerm `json:"fieldPerms,omitempty"`
	DefaultPerm model.FieldPerm            `json:"defaultPerm,omitempty"`
}

// Task returns one task.
func (e *Engine) Task(ctx context.Context, id string) (TaskView, error) {
	v, _, err := e.task(ctx, id)
	return v, err
}

// task returns one task and its instance's stored state.
func (e *Engine) task(ctx context.Context, id string) (TaskView, *State, error) {
	var instanceID string
	err := e.db.Reader().QueryRow(ctx, "SELECT instance_id FROM wf_tasks WHERE id = ?", id).Scan(&instanceID)
	if errors.Is(err, sql.ErrNoRows) {
		return TaskView{}, nil, apperr.New(apperr.NotFound, "任务不存在: %s (task not found)", id)
	}
	if err != nil {
		return TaskView{}, nil, err
	}
	st, err := e.storedState(ctx, e.db.Reader(), instanceID)
	if err != nil {
		return TaskView{}, nil, err
	}
	t := st.Tasks[id]
	return TaskView{Task: t, InstanceID: instanceID, Form: st.Form, ObjectID: st.Object, Status: st.Status,
		NodeName: e.nodeName(ctx, st.Form, st.Version, t.Node)}, st, nil
}

// view describes task t of the run's instance.
func (r *run) view(t *Task) TaskView {
	v := TaskView{Task: t, InstanceID: r.id, Form: r.st.Form, ObjectID: r.st.Object, Status: r.st.Status}
	if n := r.c.def.Node(t.Node); n != nil {
		v.NodeName = n.Name
	}
	return v
}

func (e *Engine) storedState(ctx context.Context, q sqldb.Querier, id string) (*State, error) {
	var raw string
	err := q.QueryRow(ctx, "SELECT state FROM wf_instances WHERE id = ?", id).Scan(&raw)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.New(apperr.NotFound, "流程实例不存在: %s (instance not found)", id)
	}
	if err != nil {
		return nil, fmt.Errorf("load instance %s: %w", id, err)
	}
	st := newState()
	if err := json.Unmarshal([]byte(raw), st); err != nil {
		return nil, fmt.Errorf("decode instance %s: %w", id, err)
	}
	return st, nil
}

func (e *Engine) events(ctx context.Context, q sqldb.Querier, id string) ([]Event, error) {
	rows, err := q.Query(ctx, "SELECT events FROM wf_events WHERE instance_id = ? ORDER BY seq", id)
	if err != nil {
		return nil, fmt.Errorf("events of %s: %w", id, err)
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		var data string
		if err := rows.Scan(&data); err != nil {
			return nil, fmt.Errorf("events of %s: %w", id, err)
		}
		var evs []Event
		if err := json.Unmarshal([]byte(data), &evs); err != nil {
			return nil, fmt.Errorf("decode events of %s: %w", id, err)
		}
		out = append(out, evs...)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("events of %s: %w", id, err)
	}
	return out, nil
}

// Stored returns the state stored with an instance.
func (e *Engine) Stored(ctx context.Context, id string) (*State, error) {
	return e.storedState(ctx, e.db.Reader(), id)
}

// OpenTasks returns the instance's tasks that wait for someone, in
// creation order: who has to act now. Only ID, Node, Kind, Assignee,
// Status and Created are set.
func (e *Engine) OpenTasks(ctx context.Context, instanceID string) ([]*Task, error) {
	// The task projection answers this without decoding the state.
	d := e.db.Dialect()
	rows, err := e.db.Reader().Query(ctx, "SELECT id, node_id, kind, assignee, status, created_time FROM wf_tasks WHERE instance_id = ? AND status IN (?, ?, ?) ORDER BY created_time, id",
		instanceID, TaskPending, TaskWaiting, TaskDelegated)
	if err != nil {
		return nil, fmt.Errorf("open tasks of %s: %w", instanceID, err)
	}
	defer rows.Close()
	var out []*Task
	for rows.Next() {
		t := &Task{}
		var created any
		if err := rows.Scan(&t.ID, &t.Node, &t.Kind, &t.Assignee, &t.Status, &created); err != nil {
			return nil, fmt.Errorf("open tasks of %s: %w", instanceID, err)
		}
		if t.Created, err = d.ScanTime(created); err != nil {
			return nil, fmt.Errorf("open tasks of %s: %w", instanceID, err)
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("open tasks of %s: %w", instanceID, err)
	}
	if len(out) == 0 {
		// Tell "no open tasks" from "no such instance".
		if _, err := e.storedState(ctx, e.db.Reader(), instanceID); err != nil {
			return nil, err
		}
	}
	return out, nil
}
