package workflow

import (
	"context"
	"fmt"

	"github.com/tritiumhq/tritium/internal/workflow/model"
)

// HistEntry is one event as the history shows it, with the node it is
// about (see eventNode) and that node's name, or its id when it has no
// name. Events about the whole instance (started, chosen, deleted,
// finished, a comment on the instance) have neither.
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

// ReplayView is an instance's history step by step: its state after each
// event, rebuilt from the event log alone (a console steps through how an
// approval went with it).
type ReplayView struct {
	ID       string       `json:"id"`
	Form     string       `json:"form"`
	ObjectID string       `json:"objectId"`
	Version  int          `json:"version"`
	Steps    []ReplayStep `json:"steps"`
}

// ReplayStep is the instance as it stood after one event: its status, the
// Status its object had then (nil once the object was deleted), where it
// waited and the tasks still open.
type ReplayStep struct {
	Event        HistEntry  `json:"event"`
	Status       string     `json:"status"`
	RecordStatus *int64     `json:"recordStatus"`
	Positions    []Position `json:"positions"`
	OpenTasks    []Task     `json:"openTasks"`
}

// ReplaySteps rebuilds instance id from its events, one step per event.
func (e *Engine) ReplaySteps(ctx context.Context, id string) (ReplayView, error) {
	events, err := e.events(ctx, e.db.Reader(), id)
	if err != nil {
		return ReplayView{}, err
	}
	if len(events) == 0 || events[0].Type != EvStarted {
		// no such instance (or one without history: report it as stored)
		if _, err := e.storedState(ctx, e.db.Reader(), id); err != nil {
			return ReplayView{}, err
		}
		return ReplayView{}, fmt.Errorf("instance %s has no started event", id)
	}
	first := events[0].Data
	def := e.defOf(ctx, first.Form, first.Version)
	v := ReplayView{ID: id, Form: first.Form, ObjectID: first.Object, Version: first.Version, Steps: make([]ReplayStep, 0, len(events))}
	var entry HistEntry
	_, err = fold(events, func(before *State, ev Event) {
		entry = histEntry(def, before, ev)
	}, func(st *State, _ Event) {
		step := ReplayStep{Event: entry, Status: st.Status, Positions: positions(def, st), OpenTasks: []Task{}}
		if !st.ObjectDeleted {
			rs := outcome(st.Status)
			step.RecordStatus = &rs
		}
		for _, t := range (&run{st: st}).sortedTasks() {
			if t.Open() {
				step.OpenTasks = append(step.OpenTasks, *t)
			}
		}
		v.Steps = append(v.Steps, step)
	})
	if err != nil {
		return ReplayView{}, fmt.Errorf("replay %s: %w", id, err)
	}
	return v, nil
}
