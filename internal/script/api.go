// Package script runs sandboxed JavaScript and TypeScript: compile on save
// (esbuild to the syntax goja runs, with a source map), a pool of warm goja
// runtimes each on a goja_nodejs event loop, wall-clock limits that stop
// runaway code, and the globals scripts are written against ($proxy, $form,
// $user, $flow, $db, $log, $crypto, $env, console).
package script

import (
	"context"
	"time"

	"github.com/tritiumhq/tritium/internal/connector"
)

// Lang is a script's source language.
type Lang string

const (
	JS Lang = "js"
	TS Lang = "ts"
)

// Proxy is what $proxy calls (the connector service).
type Proxy interface {
	Call(ctx context.Context, req connector.CallRequest) (*connector.Result, error)
}

// DB is what $db reaches: the record service acting as the execution's
// user, with the same validation and permissions as the APIs. Values are
// JSON-like (what the REST API reads and writes).
type DB interface {
	Query(ctx context.Context, u User, form string, q DBQuery) (DBPage, error)
	Get(ctx context.Context, u User, form, id string) (map[string]any, error)
	Create(ctx context.Context, u User, form string, data map[string]any, submit bool) (string, error)
	Update(ctx context.Context, u User, form, id string, data map[string]any) error
}

// DBQuery is $db.query's options.
type DBQuery struct {
	Filter string   // the REST filter language
	Sort   string   // REST sort, e.g. "-CreatedTime"
	Fields []string // nil: all
	Limit  int
	Offset int
}

// DBPage is $db.query's answer.
type DBPage struct {
	Items []map[string]any `json:"items"`
	Total int64            `json:"total"`
}

// Env is what $env reads: admin-set values by name; secrets decrypted.
type Env interface {
	Lookup(ctx context.Context, name string) (string, bool, error)
}

// User is $user: the acting user.
type User struct {
	ID           string `json:"id"`
	Name         string `json:"name,omitempty"`
	DepartmentID string `json:"departmentId,omitempty"`
}

// Flow is $flow: the workflow context of a flow hook.
type Flow struct {
	InstanceID string `json:"instanceId"`
	Node       string `json:"node,omitempty"`
	NodeName   string `json:"nodeName,omitempty"`
	Action     string `json:"action,omitempty"`
	Comment    string `json:"comment,omitempty"`
	Status     string `json:"status,omitempty"`
}

// Input is one execution's context.
type Input struct {
	Hook     string        // e.g. beforeSave, onApprove, or the custom action name
	Timeout  time.Duration // 0: the engine's default (5 s); capped at MaxTimeout
	FormCode string
	ObjectID string
	// Form is the current record as JSON-like values ($form and form, the
	// same object); nil leaves both undefined. The script may change it;
	// Output.Form is the result.
	Form  map[string]any
	User  User
	Flow  *Flow          // nil outside flow hooks
	Args  any            // custom API argument ($args), or draft input
	Event map[string]any // $event: {id, hook, form, objectId, ...}; id is the idempotency key
	// Caller is stamped on every $proxy call the execution makes.
	Caller connector.Caller
}

// LogLine is one line of console/$log output.
type LogLine struct {
	Level   string    `json:"level"` // log, info, warn, error
	Message string    `json:"message"`
	Time    time.Time `json:"time"`
}

// CallRef is an outbound call the execution made.
type CallRef struct {
	ID         string `json:"id,omitempty"`
	Platform   string `json:"platform"`
	Interface  string `json:"interface"`
	Code       int    `json:"code,omitempty"`
	Error      string `json:"error,omitempty"`
	DurationMS int64  `json:"duration_ms"`
}

// Error is a script failure: a throw, a syntax error, a broken limit. Line
// and Column are in the author's source (mapped back through the source
// map), 1-based; 0 when unknown.
type Error struct {
	Script  string `json:"script"`
	Line    int    `json:"line,omitempty"`
	Column  int    `json:"column,omitempty"`
	Message string `json:"message"`
	Kind    string `json:"kind"` // thrown, syntax, timeout, limit, internal
	Stack   string `json:"stack,omitempty"`
}

func (e *Error) Error() string {
	if e.Line > 0 {
		return e.Script + ":" + itoa(e.Line) + ":" + itoa(e.Column) + ": " + e.Message
	}
	return e.Script + ": " + e.Message
}

func itoa(n int) string {
	var b [20]byte
	i := len(b)
	for n >= 10 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	i--
	b[i] = byte('0' + n)
	return string(b[i:])
}

// Output is one execution's outcome.
type Output struct {
	Value    any            // the script's return value (after awaiting), JSON-like
	Form     map[string]any // $form after the script; nil when Input.Form was nil
	Changed  []string       // top-level $form keys the script set or deleted
	Console  []LogLine      // bounded
	Calls    []CallRef
	Duration time.Duration
	Err      *Error // nil on success
}
