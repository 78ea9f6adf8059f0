package workflow

import (
	"fmt"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/vm"
	"github.com/tritiumhq/tritium/internal/apperr"
	"github.com/tritiumhq/tritium/internal/workflow/model"
)

// resolve turns a node's assignee rules into people, in rule order, each
// person once.
func (r *run) resolve(n *model.Node) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	add := func(ids ...string) {
		for _, id := range ids {
			if id != "" && !seen[id] {
				seen[id] = true
				out = append(out, id)
			}
		}
	}
	exprs := r.c.assign[n.ID]
	for _, a := range n.Assignees {
		ids, err := r.resolveOne(n, a, &exprs)
		if err != nil {
			return nil, err
		}
		add(ids...)
	}
	return out, nil
}

func (r *run) resolveOne(n *model.Node, a model.Assignee, exprs *[]*vm.Program) ([]string, error) {
	ctx, q, dir := r.ctx, r.q, r.e.dir
	switch a.Kind {
	case model.AssignUser:
		return a.IDs, nil
	case model.AssignRole:
		return dir.RoleMembers(ctx, q, a.IDs)
	case model.AssignPosition:
		return dir.PositionMembers(ctx, q, a.IDs)
	case model.AssignDepartment:
		return dir.DepartmentMembers(ctx, q, a.IDs, a.IncludeSubDepartments)
	case model.AssignInitiator:
		return []string{r.st.Initiator}, nil
	case model.AssignLeader:
		leaders, err := dir.Leaders(ctx, q, r.st.Initiator, a.Level)
		if err != nil || a.Continuous {
			return leaders, err
		}
		if len(leaders) < a.Level {
			return nil, nil // no leader that high: the empty policy decides
		}
		return leaders[a.Level-1:], nil
	case model.AssignField:
		vals, err := r.values()
		if err != nil {
			return nil, err
		}
		return idsOf(vals[a.Field]), nil
	case model.AssignChosen:
		chosen := r.st.Chosen[n.ID]
		if len(a.IDs) == 0 {
			return chosen, nil
		}
		var ok []string
		for _, id := range chosen {
			if contains(a.IDs, id) {
				ok = append(ok, id)
			}
		}
		return ok, nil
	case model.AssignExpression:
		if len(*exprs) == 0 {
			return nil, fmt.Errorf("node %s: expression not compiled", n.ID)
		}
		p := (*exprs)[0]
		*exprs = (*exprs)[1:]
		vars, err := r.vars()
		if err != nil {
			return nil, err
		}
		v, err := expr.Run(p, vars)
		if err != nil {
			return nil, apperr.Field(n.ID, "节点 %s 的审批人表达式无法计算: %v (the assignee expression failed)", n.ID, err)
		}
		ids := idsOf(v)
		if ids == nil && v != nil {
			return nil, apperr.Field(n.ID, "节点 %s 的审批人表达式返回 %T, 需要用户编号 (the assignee expression must return user ids)", n.ID, v)
		}
		return ids, nil
	}
	return nil, fmt.Errorf("node %s: unknown assignee kind %q", n.ID, a.Kind)
}

// idsOf reads a user id or a list of them.
func idsOf(v any) []string {
	switch x := v.(type) {
	case string:
		if x == "" {
			return []string{}
		}
		return []string{x}
	case []string:
		return x
	case []any:
		out := make([]string, 0, len(x))
		for _, it := range x {
			s, ok := it.(string)
			if !ok {
				return nil
			}
			out = append(out, s)
		}
		return out
	}
	return nil
}
