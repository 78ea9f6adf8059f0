// Package model is the process definition of the workflow engine: a graph
// of nodes and flows, its two interchangeable formats (the compact approval
// tree the console edits, and a BPMN 2.0 subset for standard modelers) and
// its validation.
//
// A Definition is plain data: it says what the process looks like, never
// where an instance is. The engine reads it through Node, Outgoing, Incoming,
// Start and MatchingSplit, and must only run definitions that passed
// Validate.
package model

// Definition is a process: nodes joined by directed flows.
type Definition struct {
	Nodes []*Node `json:"nodes"`
	Flows []*Flow `json:"flows"`
	// Diagram is the bpmndi:BPMNDiagram element of an imported BPMN file,
	// kept verbatim (with the namespace declarations it needs) so that an
	// export shows the layout the modeler drew. Empty when the definition
	// did not come from BPMN; an export then lays the graph out itself.
	Diagram string `json:"diagram,omitempty"`
}

// NodeType is what a node does.
type NodeType string

const (
	Start     NodeType = "start"
	Approval  NodeType = "approval"  // user task: people approve or reject
	CC        NodeType = "cc"        // notify people (抄送); never waits
	Exclusive NodeType = "exclusive" // split: the first matching flow; join: any arrival passes
	Parallel  NodeType = "parallel"  // split: every flow; join: waits for all
	Inclusive NodeType = "inclusive" // split: every matching flow; join: waits for those
	Script    NodeType = "script"    // calls a server-side hook
	Timer     NodeType = "timer"     // waits a duration or until a date field
	End       NodeType = "end"
)

// Gateway reports whether t splits or joins flows.
func (t NodeType) Gateway() bool { return t == Exclusive || t == Parallel || t == Inclusive }

func (t NodeType) known() bool {
	switch t {
	case Start, Approval, CC, Exclusive, Parallel, Inclusive, Script, Timer, End:
		return true
	}
	return false
}

// Mode is how several approvers of one approval node decide.
type Mode string

const (
	ModeAny        Mode = "any"        // 或签: the first approval or rejection decides
	ModeAll        Mode = "all"        // 会签: all must approve; one rejection rejects
	ModeSequential Mode = "sequential" // 依次: one after another, in order
	ModeVote       Mode = "vote"       // 票签: passes when PassPercent of them approve
)

// EmptyPolicy is what an approval node does when its assignees resolve to
// nobody.
type EmptyPolicy string

const (
	EmptyAdmin    EmptyPolicy = "admin"    // hand the task to the administrator
	EmptyAutoPass EmptyPolicy = "autoPass" // pass the node without a task
	EmptyUser     EmptyPolicy = "user"     // hand the task to Node.EmptyUser
)

// RejectPolicy is what a rejection at an approval node does.
type RejectPolicy string

const (
	RejectEnd       RejectPolicy = "end"       // the instance ends rejected
	RejectInitiator RejectPolicy = "initiator" // back to the start node
)

// FieldPerm is what a node's handler may do with one field of the record.
type FieldPerm string

const (
	PermEditable FieldPerm = "editable"
	PermReadonly FieldPerm = "readonly"
	PermHidden   FieldPerm = "hidden"
)

// Node is one step of the process. Which settings apply depends on Type;
// Validate rejects settings on a node type that does not use them.
type Node struct {
	ID   string   `json:"id"`
	Name string   `json:"name,omitempty"`
	Type NodeType `json:"type"`

	// Approval and cc: who. The union of all entries, in order.
	Assignees []Assignee `json:"assignees,omitempty"`
	// Approval: how several approvers decide; "" is ModeAny.
	Mode Mode `json:"mode,omitempty"`
	// Approval with ModeVote: the percentage of approvers needed, 1–100.
	PassPercent int `json:"passPercent,omitempty"`
	// Approval: what to do when nobody is resolved; "" is EmptyAdmin,
	// because silently passing an approval is the riskier mistake.
	EmptyPolicy EmptyPolicy `json:"emptyPolicy,omitempty"`
	EmptyUser   string      `json:"emptyUser,omitempty"` // the user for EmptyUser
	// Approval: approve automatically when an assignee already approved
	// the previous approval node.
	AutoApproveSame bool `json:"autoApproveSame,omitempty"`
	// Approval: what a rejection does; "" is RejectEnd.
	RejectPolicy RejectPolicy `json:"rejectPolicy,omitempty"`
	// Start, approval and cc: field code → permission for the node's
	// handler. A field not listed keeps the default: the initiator edits
	// at the start node, everyone else reads.
	FieldPerms map[string]FieldPerm `json:"fieldPerms,omitempty"`
	// Approval: reminders and the timeout action.
	Timeout *Timeout `json:"timeout,omitempty"`
	// Approval: the decision is handed to an external system (外部审批)
	// instead of people: no assignees; a signed request goes out on
	// entering and the system's callback approves or rejects.
	External *External `json:"external,omitempty"`

	// Timer: exactly one of Delay (a duration, see ParseDuration) and
	// UntilField (a date or datetime field of the record).
	Delay      string `json:"delay,omitempty"`
	UntilField string `json:"untilField,omitempty"`

	// Script: the name of the hook to call.
	Hook string `json:"hook,omitempty"`
}

// ApprovalMode is n's mode with the default applied.
func (n *Node) ApprovalMode() Mode {
	if n.Mode == "" {
		return ModeAny
	}
	return n.Mode
}

// OnEmpty is n's empty-approver policy with the default applied.
func (n *Node) OnEmpty() EmptyPolicy {
	if n.EmptyPolicy == "" {
		return EmptyAdmin
	}
	return n.EmptyPolicy
}

// OnReject is n's reject policy with the default applied.
func (n *Node) OnReject() RejectPolicy {
	if n.RejectPolicy == "" {
		return RejectEnd
	}
	return n.RejectPolicy
}

// Assignee kinds.
const (
	AssignUser       = "user"       // IDs are user ids
	AssignRole       = "role"       // IDs are role ids
	AssignDepartment = "department" // IDs are department ids (with IncludeSubDepartments, and those below)
	AssignPosition   = "position"   // IDs are position ids: their holders
	AssignInitiator  = "initiator"  // the person who submitted
	AssignLeader     = "leader"     // the initiator's leader at Level (and below, if Continuous)
	AssignField      = "field"      // the user(s) in a user/users field of the record
	AssignChosen     = "chosen"     // picked by the initiator at submit; IDs, if set, limit the choice
	AssignExpression = "expression" // Expr returns a user id or a list of ids
)

// Assignee is one rule that resolves to people.
type Assignee struct {
	Kind string   `json:"kind"`
	IDs  []string `json:"ids,omitempty"`
	// Leader: 1 is the direct leader, n the n-th level up.
	Level int `json:"level,omitempty"`
	// Leader: every level from 1 up to Level (continuous multi-level).
	Continuous bool `json:"continuous,omitempty"`
	// Department: also the members of every department below those in
	// IDs, not only their direct members.
	IncludeSubDepartments bool   `json:"includeSubDepartments,omitempty"`
	Field                 string `json:"field,omitempty"`
	Expr                  string `json:"expr,omitempty"`
}

// Timeout actions.
const (
	TimeoutRemind      = "" // remind only
	TimeoutAutoApprove = "autoApprove"
	TimeoutAutoReject  = "autoReject"
	TimeoutEscalate    = "escalate"
)

// EscalateLeader as Timeout.EscalateTo escalates to the assignee's leader.
const EscalateLeader = "leader"

// Timeout holds an approval node's reminders and its timeout action. All
// durations count from the moment the node's tasks are created.
type Timeout struct {
	After       string `json:"after,omitempty"`       // until Action; required with an Action
	RemindAfter string `json:"remindAfter,omitempty"` // first reminder
	RemindEvery string `json:"remindEvery,omitempty"` // repeat reminders; "" = once
	Action      string `json:"action,omitempty"`      // TimeoutAutoApprove, TimeoutAutoReject or TimeoutEscalate
	EscalateTo  string `json:"escalateTo,omitempty"`  // EscalateLeader or a user id
}

// External is where an external-approval node sends its request.
type External struct {
	// URL receives the signed request (POST, JSON).
	URL string `json:"url"`
	// Client is the OAuth client whose secret signs the request; empty:
	// the engine secret signs it.
	Client string `json:"client,omitempty"`
}

// Flow is a directed edge between two nodes.
type Flow struct {
	ID   string `json:"id"`
	From string `json:"from"`
	To   string `json:"to"`
	Name string `json:"name,omitempty"`
	// Condition is an expr-lang expression returning bool; empty means
	// unconditional. Only flows leaving an exclusive or inclusive split
	// have one.
	Condition string `json:"condition,omitempty"`
	// Default is taken when no other flow of the split matches.
	Default bool `json:"default,omitempty"`
}

// Node returns the node with id, or nil.
func (d *Definition) Node(id string) *Node {
	for _, n := range d.Nodes {
		if n != nil && n.ID == id {
			return n
		}
	}
	return nil
}

// Flow returns the flow with id, or nil.
func (d *Definition) Flow(id string) *Flow {
	for _, f := range d.Flows {
		if f != nil && f.ID == id {
			return f
		}
	}
	return nil
}

// Outgoing returns the flows leaving node id, in definition order (the
// order an exclusive split tries its conditions in).
func (d *Definition) Outgoing(id string) []*Flow {
	var out []*Flow
	for _, f := range d.Flows {
		if f != nil && f.From == id {
			out = append(out, f)
		}
	}
	return out
}

// Incoming returns the flows entering node id, in definition order.
func (d *Definition) Incoming(id string) []*Flow {
	var in []*Flow
	for _, f := range d.Flows {
		if f != nil && f.To == id {
			in = append(in, f)
		}
	}
	return in
}

// Start returns the start node, or nil.
func (d *Definition) Start() *Node {
	for _, n := range d.Nodes {
		if n != nil && n.Type == Start {
			return n
		}
	}
	return nil
}

// IsSplit reports whether n is a gateway that splits (more than one
// outgoing flow).
func (d *Definition) IsSplit(n *Node) bool {
	return n.Type.Gateway() && len(d.Outgoing(n.ID)) > 1
}

// IsJoin reports whether n is a gateway that joins (more than one incoming
// flow). A gateway may be both a join and a split.
func (d *Definition) IsJoin(n *Node) bool {
	return n.Type.Gateway() && len(d.Incoming(n.ID)) > 1
}
