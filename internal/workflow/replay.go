package workflow

import (
	"context"

	"github.com/tritiumhq/tritium/internal/workflow/model"
)

// HistEntry is one event as the history shows it, with the node it is
// about (see eventNode) and that node's name, or its id when it has no
// name. Events about the whole instance (started, chosen, finished, a
// comment on the instance) have neither.
type HistEntry struct {
	Event
	Node     string `json:"node,omitempty"`
	NodeName string `json:"nodeName,omitempty"`
}

// eventNode is the node ev is about, given the state before it: the
// event's own node, else the node of its task (task_set), of the token it
// ends (left), or the node that sent the instance back (returned).
func eventNode(before *State, ev Event) string {
	d := ev.Data
	switch {
	case d.Node != "":
		return d.Node
	case d.Task != "" && before.Tasks[d.Task] != nil:
		return before.Tasks[d.Task].Node
	case ev.Type == EvLeft && before.Tokens[d.Token] != nil:
		return before.Tokens[d.Token].Node
	case ev.Type == EvReturned:
		return d.From
	}
	return ""
}

func histEntry(def *model.Definition, before *State, ev Event) HistEntry {
	h := HistEntry{Event: ev, Node: eventNode(before, ev)}
	if h.Node != "" {
		h.NodeName = h.Node
		if name := plainName(def, h.Node); name != "" {
			h.NodeName = name
		}
	}
	return h
}

// fold applies events to a new state in order, calling before (may be
// nil) with the state each event meets and after (may be nil) with the
// state it leaves, and returns the final state.
func fold(events []Event, before, after func(*State, Event)) (*State, error) {
	st := newState()
	for _, ev := range events {
		if before != nil {
			before(st, ev)
		}
		if err := st.apply(ev); err != nil {
			return nil, err
		}
		if after != nil {
			after(st, ev)
		}
	}
	return st, nil
}

// Replay rebuilds an instance's state from its events alone.
func (e *Engine) Replay(ctx context.Context, id string) (*State, error) {
	events, err := e.events(ctx, e.db.Reader(), id)
	if err != nil {
		return nil, err
	}
	return fold(events, nil, nil)
}
