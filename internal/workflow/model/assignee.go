package model

import (
	"strings"

	"github.com/tritiumhq/tritium/internal/form"
)

// MaxLeaderLevel is the highest leader level an assignee may name (as in
// DingTalk: up to the 20th level).
const MaxLeaderLevel = 20

// checkAssignees: an approval or cc node names at least one assignee rule,
// and each rule has exactly the settings its kind uses.
func checkAssignees(n *Node, env Env) error {
	if len(n.Assignees) == 0 {
		return nodeErr(n.ID, "没有设置审批人或抄送人", "has no assignees")
	}
	for i, a := range n.Assignees {
		if err := checkAssignee(n.ID, i+1, a, env); err != nil {
			return err
		}
	}
	return nil
}

func checkAssignee(id string, i int, a Assignee, env Env) error {
	bad := func(zh, en string, args ...any) error {
		return nodeErr(id, "的第 %[1]d 个人员设置 ("+a.Kind+") "+zh, "assignee %[1]d ("+a.Kind+"): "+en, append([]any{i}, args...)...)
	}
	if err := checkAssigneeKind(a, bad); err != nil {
		return err
	}
	for _, s := range a.IDs {
		if s == "" || s != strings.TrimSpace(s) || strings.ContainsAny(s, ",;") {
			return bad("的编号 %[2]q 无效", "has an invalid id %[2]q", s)
		}
	}
	switch a.Kind {
	case AssignLeader:
		if a.Level < 1 || a.Level > MaxLeaderLevel {
			return bad("的主管级别须在 1 到 %[2]d 之间", "needs a level from 1 to %[2]d", MaxLeaderLevel)
		}
	case AssignField:
		if t := env.Fields[a.Field]; t != form.User && t != form.Users {
			return bad("的字段 %[2]s 不是人员字段", "names %[2]q, which is not a user or users field", a.Field)
		}
	case AssignExpression:
		if _, err := env.CompileAssignee(a.Expr); err != nil {
			return bad("的表达式无效: %[2]s", "has an invalid expression: %[2]s", firstLine(err))
		}
	}
	return nil
}

// checkAssigneeKind: the kind is known and only its own settings are set.
func checkAssigneeKind(a Assignee, bad func(zh, en string, args ...any) error) error {
	var ids, level, field, expr, sub bool // what the kind uses
	switch a.Kind {
	case AssignUser, AssignRole, AssignDepartment, AssignPosition:
		if len(a.IDs) == 0 {
			return bad("需要 ids", "needs ids")
		}
		ids, sub = true, a.Kind == AssignDepartment
	case AssignChosen:
		ids = true // optional: the users the initiator may choose from
	case AssignLeader:
		level = true
	case AssignField:
		field = true
	case AssignExpression:
		expr = true
	case AssignInitiator:
	default:
		return bad("的类型未知 (user, role, department, position, initiator, leader, field, chosen, expression)", "has an unknown kind (user, role, department, position, initiator, leader, field, chosen, expression)")
	}
	switch {
	case !ids && len(a.IDs) > 0:
		return bad("不能设置 ids", "cannot have ids")
	case !level && (a.Level != 0 || a.Continuous):
		return bad("不能设置 level 或 continuous", "cannot have level or continuous")
	case !field && a.Field != "":
		return bad("不能设置 field", "cannot have field")
	case !expr && a.Expr != "":
		return bad("不能设置 expr", "cannot have expr")
	case !sub && a.IncludeSubDepartments:
		return bad("不能设置 includeSubDepartments (只用于 department)", "cannot have includeSubDepartments (department only)")
	}
	return nil
}
