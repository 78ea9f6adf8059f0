// Package connector is the integration hub: third-party platforms, their
// instances (credentials) and interfaces as data, the auth methods, the
// outbound HTTP client with its network policy, and the call log. Scripts
// reach it through $proxy; nothing else in Tritium dials out for a script.
package connector

import "fmt"

// CallRequest is one outbound call as a script asks for it: either a direct
// call (Args, in the interface's declared parameter order) or a chain
// ($path/$query/$header/$body, merged in the order they were given).
type CallRequest struct {
	Platform  string // platform_key
	Instance  string // instance_key; "" selects the platform's default instance
	Interface string // interface key, snake_case or its camelCase form
	Args      []any  // direct call: positional arguments (JSON-like values)
	Path      map[string]any
	Query     map[string]any
	Header    map[string]any
	Body      any  // chain: the merged $body (objects merge; anything else replaces)
	HasBody   bool // $body was called
	Caller    Caller
}

// Caller is where a call comes from, as the call log records it.
type Caller struct {
	Kind       string `json:"kind,omitempty"`   // form, flow, api (custom API), run (ad hoc), replay
	Script     string `json:"script,omitempty"` // script name
	Form       string `json:"form,omitempty"`
	ObjectID   string `json:"objectId,omitempty"`
	InstanceID string `json:"instanceId,omitempty"` // workflow instance
	Execution  string `json:"execution,omitempty"`  // script execution id
	Label      string `json:"label,omitempty"`      // the script's own `caller` option
}

// Result is what a call resolves to in a script, exactly the spec's shape:
// {code, data, message, status, headers, duration_ms}.
type Result struct {
	Code       int               `json:"code"`
	Data       any               `json:"data"`
	Message    string            `json:"message"`
	Status     int               `json:"status"`
	Headers    map[string]string `json:"headers"`
	DurationMS int64             `json:"duration_ms"`
	// CallID is the call log entry (not part of the script-visible shape).
	CallID string `json:"-"`
}

// CallError is a transport failure: timeout, DNS, refused, blocked by the
// network policy, a body over the cap. The script's Promise rejects with
// an Error carrying Error().
type CallError struct {
	Platform, Interface string
	Cause               string // words, e.g. "address 127.0.0.1 is not allowed by the network policy"
	Err                 error
	CallID              string
}

func (e *CallError) Error() string {
	return fmt.Sprintf("%s.%s: %s", e.Platform, e.Interface, e.Cause)
}

func (e *CallError) Unwrap() error { return e.Err }
