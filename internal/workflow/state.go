package workflow

import (
	"fmt"
	"slices"
	"time"
)

// Instance statuses.
const (
	Running    = "running"
	Approved   = "approved"
	Rejected   = "rejected"
	Canceled   = "canceled"
	Terminated = "terminated"
)

// Task kinds.
const (
	KindStart    = "start"    // the initiator submits (or resubmits) the object
	KindApproval = "approval" // approve or reject
	KindCC       = "cc"       // for information (抄送)
)

// Task statuses.
const (
	TaskPending     = "pending"     // the assignee's turn
	TaskWaiting     = "waiting"     // not yet: a sequential turn, added signers first, a delegate
	TaskApproved    = "approved"    // done: approved (or, at a start node, submitted)
	TaskRejected    = "rejected"    // done: rejected
	TaskReturned    = "returned"    // done: sent back to an earlier node
	TaskTransferred = "transferred" // handed to someone else, who got a task of their own
	TaskDelegated   = "delegated"   // waiting for the delegate's answer
	TaskResolved    = "resolved"    // a delegate's answer
	TaskCanceled    = "canceled"    // no longer needed (the node was decided, the instance ended)
	TaskUnread      = "unread"      // a cc not yet read
	TaskRead        = "read"        // a cc read
)

// Where signers are added, relative to the one who adds them.
const (
	PositionBefore = "before" // they approve first, then the adder decides
	PositionAfter  = "after"  // they approve after the adder approved
)

// Return strategies: where a returned-to node goes once approved again.
const (
	StrategyRerun = "rerun" // on along the process, through every node again
	StrategyBack  = "back"  // straight back to the node that returned
)

// Event types: the instance's history, and the only input of its state.
const (
	EvStarted  = "started"  // Form, Object, Version, Initiator, Chosen
	EvEntered  = "entered"  // Token arrives at Node (from From); a new Token starts to exist
	EvLeft     = "left"     // Token ends (at an end, a join, or the instance's end)
	EvArrived  = "arrived"  // Token waits at join Node
	EvJoined   = "joined"   // join Node fired: its waiting tokens merge into Token
	EvSplit    = "split"    // split Node started Expect branches for join To
	EvTask     = "task"     // Task created (Node, Token, Kind, Assignee, Status, Order, AddedBy, Position, DelegatedFrom)
	EvTaskSet  = "task_set" // Task's Status (and Comment) changed
	EvDecided  = "decided"  // approval Node decided Result for Token
	EvReturned = "returned" // Token sent back from From to To (Strategy)
	EvFinished = "finished" // the instance ended with Result
	EvComment  = "comment"  // Comment (on Task)
	EvUrged    = "urged"    // someone urged Task
	EvTimer    = "timer"    // a timer of Node fired (Kind: remind, timeout, delay)
	EvChosen   = "chosen"   // the initiator chose approvers (Chosen: node → users)
	EvDeleted  = "deleted"  // Actor deleted the instance's Object
	// A script task Node's script: done (values written, the token moves
	// on), failed (Comment: the error; the token waits), retried by an admin.
	EvScriptDone   = "script_done"
	EvScriptFailed = "script_failed"
	EvScriptRetry  = "script_retry"
)

// Event is one fact of an instance's history.
type Event struct {
	Seq   int       `json:"seq"`
	Type  string    `json:"type"`
	Actor string    `json:"actor,omitempty"`
	Time  time.Time `json:"time"`
	Data  EventData `json:"data"`
}

// EventData holds an event's facts; which fields are set depends on the
// type (see the Ev constants).
type EventData struct {
	Form          string              `json:"form,omitempty"`
	Object        string              `json:"object,omitempty"`
	Version       int                 `json:"version,omitempty"`
	Initiator     string              `json:"initiator,omitempty"`
	Chosen        map[string][]string `json:"chosen,omitempty"`
	Node          string              `json:"node,omitempty"`
	From          string              `json:"from,omitempty"`
	To            string              `json:"to,omitempty"`
	Token         string              `json:"token,omitempty"`
	Task          string              `json:"task,omitempty"`
	Kind          string              `json:"kind,omitempty"`
	Assignee      string              `json:"assignee,omitempty"`
	Status        string              `json:"status,omitempty"`
	Order         int                 `json:"order,omitempty"`
	AddedBy       string              `json:"addedBy,omitempty"`
	Position      string              `json:"position,omitempty"`
	DelegatedFrom string              `json:"delegatedFrom,omitempty"`
	Result        string              `json:"result,omitempty"`
	Strategy      string              `json:"strategy,omitempty"`
	Comment       string              `json:"comment,omitempty"`
	Expect        int                 `json:"expect,omitempty"`
	// External: the task is an external system's (an external-approval
	// node), not a person's; By names who decided there.
	External bool   `json:"external,omitempty"`
	By       string `json:"by,omitempty"`
}

// State is an instance's state: the fold of its events (see apply), stored
// with the instance so an action need not replay.
type State struct {
	Status    string              `json:"status"`
	Form      string              `json:"form"`
	Object    string              `json:"object"`
	Version   int                 `json:"version"`
	Initiator string              `json:"initiator"`
	Chosen    map[string][]string `json:"chosen,omitempty"`
	Seq       int                 `json:"seq"`
	Tokens    map[string]*Token   `json:"tokens"`
	Tasks     map[string]*Task    `json:"tasks"`
	// Joins: join node → the tokens waiting there.
	Joins map[string][]string `json:"joins,omitempty"`
	// Expect: join node → how many branches its split started.
	Expect map[string]int `json:"expect,omitempty"`
	// Approvers: approval node → who approved it last time it was decided.
	Approvers map[string][]string `json:"approvers,omitempty"`
	// Path: nodes entered, in order (return and withdraw targets).
	Path []string `json:"path,omitempty"`
	// LastApproval: the approval node decided most recently.
	LastApproval string `json:"lastApproval,omitempty"`
	// ObjectDeleted: the object was deleted; nothing writes to it since.
	ObjectDeleted bool `json:"objectDeleted,omitempty"`
}

// Token is a position in the process.
type Token struct {
	Node string `json:"node"`
	// Visit is the seq of the event that brought the token to Node: tasks
	// of earlier visits do not count there.
	Visit int `json:"visit"`
	// ReturnTo: after this node, go back to that node (return with the
	// "back" strategy) instead of following the flows.
	ReturnTo string `json:"returnTo,omitempty"`
	// ScriptFailed: the script of the script task node it waits at failed;
	// an admin may retry it.
	ScriptFailed bool `json:"scriptFailed,omitempty"`
}

// Task is one person's part at a node.
type Task struct {
	ID            string `json:"id"`
	Seq           int    `json:"seq"` // the event that created it: creation order
	Node          string `json:"node"`
	Token         string `json:"token"`
	Visit         int    `json:"visit"`
	Kind          string `json:"kind"`
	Assignee      string `json:"assignee"`
	Status        string `json:"status"`
	Order         int    `json:"order,omitempty"`
	AddedBy       string `json:"addedBy,omitempty"`
	Position      string `json:"position,omitempty"`
	DelegatedFrom string `json:"delegatedFrom,omitempty"`
	Comment       string `json:"comment,omitempty"`
	// External: the decision belongs to an external system (Assignee is
	// empty); By is the approver it named in its callback.
	External bool      `json:"external,omitempty"`
	By       string    `json:"by,omitempty"`
	Created  time.Time `json:"created"`
	Acted    time.Time `json:"acted,omitzero"`
}

// Open reports whether the task still waits for someone.
func (t *Task) Open() bool {
	return t.Status == TaskPending || t.Status == TaskWaiting || t.Status == TaskDelegated
}

func newState() *State {
	return &State{Tokens: map[string]*Token{}, Tasks: map[string]*Task{}}
}

// apply folds one event into the state. It is the only writer of State:
// replaying an instance's events through it rebuilds the stored state.
func (s *State) apply(e Event) error {
	if e.Seq != s.Seq+1 {
		return fmt.Errorf("event %d after %d", e.Seq, s.Seq)
	}
	s.Seq = e.Seq
	d := e.Data
	switch e.Type {
	case EvStarted:
		s.Status, s.Form, s.Object, s.Version, s.Initiator, s.Chosen = Running, d.Form, d.Object, d.Version, d.Initiator, d.Chosen
	case EvEntered:
		t := s.Tokens[d.Token]
		if t == nil {
			t = &Token{}
			s.Tokens[d.Token] = t
		}
		t.Node, t.Visit = d.Node, e.Seq
		if t.ReturnTo == d.Node {
			t.ReturnTo = "" // back where it was returned from
		}
		s.Path = append(s.Path, d.Node)
	case EvLeft:
		delete(s.Tokens, d.Token)
	case EvArrived:
		if s.Joins == nil {
			s.Joins = map[string][]string{}
		}
		s.Joins[d.Node] = append(s.Joins[d.Node], d.Token)
		delete(s.Tokens, d.Token)
	case EvJoined:
		delete(s.Joins, d.Node)
		delete(s.Expect, d.Node)
		s.Tokens[d.Token] = &Token{Node: d.Node, Visit: e.Seq}
		s.Path = append(s.Path, d.Node)
	case EvSplit:
		if s.Expect == nil {
			s.Expect = map[string]int{}
		}
		s.Expect[d.To] = d.Expect
		delete(s.Joins, d.To)
	case EvTask:
		visit := 0
		if t := s.Tokens[d.Token]; t != nil {
			visit = t.Visit
		}
		s.Tasks[d.Task] = &Task{ID: d.Task, Seq: e.Seq, Node: d.Node, Token: d.Token, Visit: visit, Kind: d.Kind, Assignee: d.Assignee,
			Status: d.Status, Order: d.Order, AddedBy: d.AddedBy, Position: d.Position, DelegatedFrom: d.DelegatedFrom, External: d.External, Created: e.Time}
	case EvTaskSet:
		t := s.Tasks[d.Task]
		if t == nil {
			return fmt.Errorf("event %d: no task %s", e.Seq, d.Task)
		}
		t.Status = d.Status
		if d.Comment != "" {
			t.Comment = d.Comment
		}
		if d.By != "" {
			t.By = d.By
		}
		if !t.Open() {
			t.Acted = e.Time
		}
	case EvDecided:
		if d.Result == Approved {
			if s.Approvers == nil {
				s.Approvers = map[string][]string{}
			}
			var who []string
			for _, t := range s.Tasks {
				if t.Node == d.Node && t.Token == d.Token && t.Visit == s.visitOf(d.Token) && t.Status == TaskApproved {
					who = append(who, t.Assignee)
				}
			}
			s.Approvers[d.Node] = sortedCopy(who)
		}
		s.LastApproval = d.Node
	case EvReturned:
		if t := s.Tokens[d.Token]; t != nil && d.Strategy == StrategyBack {
			t.ReturnTo = d.From
		}
	case EvFinished:
		s.Status = d.Result
		s.Tokens = map[string]*Token{}
		s.Joins = nil
	case EvChosen:
		s.Chosen = d.Chosen
	case EvDeleted:
		s.ObjectDeleted = true
	case EvScriptFailed:
		if t := s.Tokens[d.Token]; t != nil {
			t.ScriptFailed = true
		}
	case EvScriptRetry, EvScriptDone:
		if t := s.Tokens[d.Token]; t != nil {
			t.ScriptFailed = false
		}
	case EvComment, EvUrged, EvTimer:
		// history only
	default:
		return fmt.Errorf("event %d: unknown type %q", e.Seq, e.Type)
	}
	return nil
}

func sortedCopy(s []string) []string {
	out := append([]string(nil), s...)
	slices.Sort(out)
	return out
}

func (s *State) visitOf(token string) int {
	if t := s.Tokens[token]; t != nil {
		return t.Visit
	}
	return -1
}
