package model

import (
	"net/url"
	"slices"
	"sort"
	"strings"

	"github.com/tritiumhq/tritium/internal/form"
)

// setting is one node setting and the node types that use it. A setting
// on another type is refused: it would be silently ignored, which hides
// mistakes in hand-written definitions.
type setting struct {
	name  string
	isSet func(n *Node) bool
	types []NodeType
}

var settings = []setting{
	{"assignees", func(n *Node) bool { return len(n.Assignees) > 0 }, []NodeType{Approval, CC}},
	{"mode", func(n *Node) bool { return n.Mode != "" }, []NodeType{Approval}},
	{"passPercent", func(n *Node) bool { return n.PassPercent != 0 }, []NodeType{Approval}},
	{"emptyPolicy", func(n *Node) bool { return n.EmptyPolicy != "" }, []NodeType{Approval}},
	{"emptyUser", func(n *Node) bool { return n.EmptyUser != "" }, []NodeType{Approval}},
	{"autoApproveSame", func(n *Node) bool { return n.AutoApproveSame }, []NodeType{Approval}},
	{"rejectPolicy", func(n *Node) bool { return n.RejectPolicy != "" }, []NodeType{Approval}},
	{"timeout", func(n *Node) bool { return n.Timeout != nil }, []NodeType{Approval}},
	{"external", func(n *Node) bool { return n.External != nil }, []NodeType{Approval}},
	{"fieldPerms", func(n *Node) bool { return len(n.FieldPerms) > 0 }, []NodeType{Start, Approval, CC}},
	{"delay", func(n *Node) bool { return n.Delay != "" }, []NodeType{Timer}},
	{"untilField", func(n *Node) bool { return n.UntilField != "" }, []NodeType{Timer}},
	{"hook", func(n *Node) bool { return n.Hook != "" }, []NodeType{Script}},
}

// checkNodes checks every node's settings.
func (d *Definition) checkNodes(env Env) error {
	for _, n := range d.Nodes {
		if err := checkNode(n, env); err != nil {
			return err
		}
	}
	return nil
}

func checkNode(n *Node, env Env) error {
	for _, s := range settings {
		if s.isSet(n) && !slices.Contains(s.types, n.Type) {
			return nodeErr(n.ID, "是%[1]s节点, 不能设置 %[2]s", "is a %[3]s node and cannot have %[2]s", typeZh[n.Type], s.name, n.Type)
		}
	}
	if err := checkFieldPerms(n, env); err != nil {
		return err
	}
	switch n.Type {
	case Approval:
		return checkApproval(n, env)
	case CC:
		return checkAssignees(n, env)
	case Timer:
		return checkTimer(n, env)
	case Script:
		if strings.TrimSpace(n.Hook) == "" {
			return nodeErr(n.ID, "需要设置 hook (要调用的脚本)", "needs a hook (the script to call)")
		}
	}
	return nil
}

var typeZh = map[NodeType]string{
	Start: "开始", Approval: "审批", CC: "抄送", Exclusive: "排他网关", Parallel: "并行网关",
	Inclusive: "包容网关", Script: "脚本", Timer: "延时", End: "结束",
}

func checkApproval(n *Node, env Env) error {
	if n.External != nil {
		return checkExternal(n)
	}
	if err := checkAssignees(n, env); err != nil {
		return err
	}
	if err := checkMode(n); err != nil {
		return err
	}
	if err := checkPolicies(n); err != nil {
		return err
	}
	if n.Timeout != nil {
		return checkTimeout(n.ID, n.Timeout)
	}
	return nil
}

func checkMode(n *Node) error {
	switch n.Mode {
	case "", ModeAny, ModeAll, ModeSequential:
		if n.PassPercent != 0 {
			return nodeErr(n.ID, "只有票签 (mode vote) 才能设置 passPercent", "can have passPercent only with mode vote")
		}
	case ModeVote:
		if n.PassPercent < 1 || n.PassPercent > 100 {
			return nodeErr(n.ID, "的通过比例 passPercent 须在 1 到 100 之间", "needs a passPercent from 1 to 100 for mode vote")
		}
	default:
		return nodeErr(n.ID, "的审批方式 %q 无效 (any, all, sequential, vote)", "has an invalid mode %q (any, all, sequential, vote)", n.Mode)
	}
	return nil
}

func checkPolicies(n *Node) error {
	switch n.EmptyPolicy {
	case "", EmptyAdmin, EmptyAutoPass, EmptyUser:
	default:
		return nodeErr(n.ID, "的审批人为空策略 %q 无效 (autoPass, admin, user)", "has an invalid emptyPolicy %q (autoPass, admin, user)", n.EmptyPolicy)
	}
	if (n.EmptyPolicy == EmptyUser) != (n.EmptyUser != "") {
		return nodeErr(n.ID, "的 emptyUser 须且仅须在 emptyPolicy 为 user 时设置", "needs emptyUser exactly when emptyPolicy is user")
	}
	switch n.RejectPolicy {
	case "", RejectEnd, RejectInitiator:
	default:
		return nodeErr(n.ID, "的驳回策略 %q 无效 (end, initiator)", "has an invalid rejectPolicy %q (end, initiator)", n.RejectPolicy)
	}
	return nil
}

func checkTimeout(id string, t *Timeout) error {
	if *t == (Timeout{}) {
		return nodeErr(id, "的超时设置为空", "has an empty timeout")
	}
	for _, p := range [][2]string{{"after", t.After}, {"remindAfter", t.RemindAfter}, {"remindEvery", t.RemindEvery}} {
		if err := checkDuration(id, "timeout."+p[0], p[1]); err != nil {
			return err
		}
	}
	switch t.Action {
	case TimeoutRemind, TimeoutAutoApprove, TimeoutAutoReject, TimeoutEscalate:
	default:
		return nodeErr(id, "的超时动作 %q 无效 (autoApprove, autoReject, escalate)", "has an invalid timeout action %q (autoApprove, autoReject, escalate)", t.Action)
	}
	switch {
	case (t.Action != "") != (t.After != ""):
		return nodeErr(id, "的超时须同时设置 after 和 action", "needs both timeout.after and timeout.action, or neither")
	case (t.Action == TimeoutEscalate) != (t.EscalateTo != ""):
		return nodeErr(id, "的 escalateTo 须且仅须在超时动作为 escalate 时设置", "needs timeout.escalateTo exactly when the action is escalate")
	case t.RemindEvery != "" && t.RemindAfter == "":
		return nodeErr(id, "设置了 remindEvery, 还需要 remindAfter", "has timeout.remindEvery without remindAfter")
	}
	return nil
}

// checkDuration accepts "" (not set) or a positive duration.
func checkDuration(id, name, s string) error {
	if s == "" {
		return nil
	}
	if d, err := ParseDuration(s); err != nil || d <= 0 {
		return nodeErr(id, "的 %s 不是有效的时长: %q (如 2h30m 或 PT2H30M)", "has an invalid duration %s %q (such as 2h30m or PT2H30M)", name, s)
	}
	return nil
}

func checkTimer(n *Node, env Env) error {
	if (n.Delay == "") == (n.UntilField == "") {
		return nodeErr(n.ID, "须设置 delay 或 untilField 之一", "needs exactly one of delay and untilField")
	}
	if n.UntilField != "" {
		if t := env.Fields[n.UntilField]; t != form.Date && t != form.DateTime {
			return nodeErr(n.ID, "的 untilField %s 不是日期字段", "has untilField %s, which is not a date or datetime field", n.UntilField)
		}
	}
	return checkDuration(n.ID, "delay", n.Delay)
}

func checkFieldPerms(n *Node, env Env) error {
	codes := make([]string, 0, len(n.FieldPerms))
	for code := range n.FieldPerms {
		codes = append(codes, code)
	}
	sort.Strings(codes) // the same error every time
	for _, code := range codes {
		if _, ok := env.Fields[code]; !ok {
			return nodeErr(n.ID, "的字段权限引用了不存在的字段 %s", "has a field permission for the unknown field %s", code)
		}
		switch n.FieldPerms[code] {
		case PermEditable, PermReadonly, PermHidden:
		default:
			return nodeErr(n.ID, "的字段 %s 权限 %q 无效 (editable, readonly, hidden)", "has an invalid permission for %s: %q (editable, readonly, hidden)", code, n.FieldPerms[code])
		}
	}
	return nil
}

// checkExternal checks an external-approval node: the external system
// decides alone, so the settings about people do not apply.
func checkExternal(n *Node) error {
	x := n.External
	u, err := url.Parse(x.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
		return nodeErr(n.ID, "的 external.url 须是不含用户信息的 http(s) 地址", "needs an external.url that is an http(s) address without user info")
	}
	for _, s := range []struct {
		name string
		set  bool
	}{{"assignees", len(n.Assignees) > 0}, {"mode", n.Mode != ""}, {"passPercent", n.PassPercent != 0}, {"emptyPolicy", n.EmptyPolicy != ""},
		{"emptyUser", n.EmptyUser != ""}, {"autoApproveSame", n.AutoApproveSame}} {
		if s.set {
			return nodeErr(n.ID, "是外部审批节点, 不能设置 %[1]s", "is an external approval and cannot have %[1]s", s.name)
		}
	}
	if err := checkPolicies(n); err != nil {
		return err
	}
	if n.Timeout != nil {
		if n.Timeout.Action == TimeoutEscalate {
			return nodeErr(n.ID, "是外部审批节点, 超时不能升级 (autoApprove, autoReject)", "is an external approval: its timeout cannot escalate (autoApprove, autoReject)")
		}
		return checkTimeout(n.ID, n.Timeout)
	}
	return nil
}
