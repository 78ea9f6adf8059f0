package workflow

import (
	"context"
	"fmt"
	"slices"

	"github.com/tritiumhq/tritium/internal/record"
	"github.com/tritiumhq/tritium/internal/workflow/model"
)

var _ record.Participants = (*Engine)(nil)

// participantsSQL reads, in one statement, a user's tasks on a form (any
// kind and status: held, holding or cc'd, with the instance's object and
// the node the task is at) and the instances they started (no node). Both
// halves use the indexes of migration 00007.
const participantsSQL = "SELECT i.object_id, i.def_version, t.node_id FROM wf_tasks t JOIN wf_instances i ON i.id = t.instance_id" +
	" WHERE t.assignee = ? AND t.form_code = ?" +
	" UNION ALL SELECT object_id, def_version, '' FROM wf_instances WHERE initiator = ? AND form_code = ?"

// Participated implements record.Participants: the objects of form
// formCode whose instance userID started, or on which they hold, held or
// were cc'd a task (of any status), and the fields hidden from them there
// — those hidden (model.PermHidden) at every node where they have a task,
// in the process version of that task's instance; none for someone who
// started an instance of the form (the initiator filled the record in;
// their start tasks count as that).
func (e *Engine) Participated(ctx context.Context, formCode, userID string) (record.Participation, error) {
	rows, err := e.db.Reader().Query(ctx, participantsSQL, userID, formCode, userID, formCode)
	if err != nil {
		return record.Participation{}, fmt.Errorf("participation of %s in %s: %w", userID, formCode, err)
	}
	defer rows.Close()
	type node struct {
		version int
		id      string
	}
	objects := map[string]bool{}
	nodes := map[node]bool{}
	initiator := false
	for rows.Next() {
		var object, nodeID string
		var version int
		if err := rows.Scan(&object, &version, &nodeID); err != nil {
			return record.Participation{}, fmt.Errorf("participation of %s in %s: %w", userID, formCode, err)
		}
		objects[object] = true
		if nodeID == "" {
			initiator = true
		} else {
			nodes[node{version, nodeID}] = true
		}
	}
	if err := rows.Err(); err != nil {
		return record.Participation{}, fmt.Errorf("participation of %s in %s: %w", userID, formCode, err)
	}
	rows.Close()
	p := record.Participation{Objects: make([]string, 0, len(objects))}
	for id := range objects {
		p.Objects = append(p.Objects, id)
	}
	slices.Sort(p.Objects)
	if initiator || len(nodes) == 0 {
		return p, nil
	}
	var hidden []string
	first := true
	defs := map[int]*model.Definition{}
	for n := range nodes {
		def, ok := defs[n.version]
		if !ok {
			if def, err = e.permsOf(ctx, formCode, n.version); err != nil {
				return record.Participation{}, err
			}
			defs[n.version] = def
		}
		var here []string
		if nd := def.Node(n.id); nd != nil {
			for code, perm := range nd.FieldPerms {
				if perm == model.PermHidden {
					here = append(here, code)
				}
			}
		}
		if first {
			hidden, first = here, false
		} else {
			hidden = slices.DeleteFunc(hidden, func(code string) bool { return !slices.Contains(here, code) })
		}
		if len(hidden) == 0 {
			break
		}
	}
	slices.Sort(hidden)
	p.Hidden = hidden
	return p, nil
}

// permsOf is version v of form's process, for its field permissions: the
// compiled one when it can be had, else the stored one as it is (a version
// that no longer fits its form still says what its nodes hid).
func (e *Engine) permsOf(ctx context.Context, formCode string, v int) (*model.Definition, error) {
	if f, err := e.forms.Lookup(ctx, formCode); err == nil {
		if c, _, err := e.definition(ctx, e.db.Reader(), f, v); err == nil {
			return c.def, nil
		}
	}
	var raw string
	if err := e.db.Reader().QueryRow(ctx, "SELECT definition FROM wf_definitions WHERE form_code = ? AND version = ?", formCode, v).Scan(&raw); err != nil {
		return nil, fmt.Errorf("process %s v%d: %w", formCode, v, err)
	}
	return decodeDefinition(raw)
}
