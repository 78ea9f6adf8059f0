package model

import (
	"slices"
	"strconv"
	"strings"
)

// bpmnTypes maps the BPMN elements of the subset to node types.
var bpmnTypes = map[string]NodeType{
	"startEvent": Start, "endEvent": End, "userTask": Approval, "sendTask": CC,
	"scriptTask": Script, "serviceTask": Script, "exclusiveGateway": Exclusive,
	"parallelGateway": Parallel, "inclusiveGateway": Inclusive, "intermediateCatchEvent": Timer,
}

func bpmnNode(e *xmlElement) (*Node, error) {
	id := e.attr("", "id")
	typ, ok := bpmnTypes[e.XMLName.Local]
	if !ok {
		return nil, nodeErr(id, "是不支持的 BPMN 元素 %s", "is an unsupported BPMN element %s", e.XMLName.Local)
	}
	n := &Node{ID: id, Name: e.attr("", "name"), Type: typ}
	for _, read := range []func(*xmlElement, *Node) error{readSettings, readExtensions, readEventDefinition} {
		if err := read(e, n); err != nil {
			return nil, err
		}
	}
	return n, nil
}

// readSettings reads the tritium: attributes of a node element. They are
// read whatever the node's type; Validate refuses those the type does not
// use.
func readSettings(e *xmlElement, n *Node) error {
	for _, a := range e.Attrs {
		if a.Name.Space != NSTritium {
			continue
		}
		if err := readSetting(n, a.Name.Local, a.Value); err != nil {
			return err
		}
	}
	return nil
}

func readSetting(n *Node, name, v string) error {
	var err error
	switch name {
	case "type":
		if v != string(CC) || n.Type != Approval {
			return nodeErr(n.ID, "的 tritium:type 只能是 userTask 上的 cc", "can have tritium:type only as \"cc\" on a userTask")
		}
		n.Type = CC
	case "mode":
		n.Mode = Mode(v)
	case "passPercent":
		n.PassPercent, err = strconv.Atoi(v)
	case "emptyPolicy":
		n.EmptyPolicy = EmptyPolicy(v)
	case "emptyUser":
		n.EmptyUser = v
	case "autoApproveSame":
		n.AutoApproveSame, err = strconv.ParseBool(v)
	case "rejectPolicy":
		n.RejectPolicy = RejectPolicy(v)
	case "hook":
		n.Hook = v
	case "externalUrl":
		if n.External == nil {
			n.External = &External{}
		}
		n.External.URL = v
	case "externalClient":
		if n.External == nil {
			n.External = &External{}
		}
		n.External.Client = v
	default:
		return nodeErr(n.ID, "的属性 tritium:%s 未知", "has an unknown attribute tritium:%s", name)
	}
	if err != nil {
		return nodeErr(n.ID, "的属性 tritium:%s 的值 %q 无效", "has an invalid value for tritium:%s: %q", name, v)
	}
	return nil
}

// readExtensions reads <tritium:assignee> and <tritium:fieldPerm> from
// bpmn:extensionElements, ignoring other tools' extensions.
func readExtensions(e *xmlElement, n *Node) error {
	ext := e.child("extensionElements")
	if ext == nil {
		return nil
	}
	for i := range ext.Children {
		x := &ext.Children[i]
		if x.XMLName.Space != NSTritium {
			continue
		}
		var err error
		switch x.XMLName.Local {
		case "assignee":
			err = readAssignee(x, n)
		case "fieldPerm":
			err = readFieldPerm(x, n)
		default:
			err = nodeErr(n.ID, "的扩展元素 tritium:%s 未知", "has an unknown extension element tritium:%s", x.XMLName.Local)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func readAssignee(x *xmlElement, n *Node) error {
	var a Assignee
	for _, at := range x.Attrs {
		v := at.Value
		var err error
		switch at.Name.Local {
		case "kind":
			a.Kind = v
		case "ids":
			for _, id := range strings.Split(v, ",") {
				a.IDs = append(a.IDs, strings.TrimSpace(id))
			}
		case "level":
			a.Level, err = strconv.Atoi(v)
		case "continuous":
			a.Continuous, err = strconv.ParseBool(v)
		case "includeSubDepartments":
			a.IncludeSubDepartments, err = strconv.ParseBool(v)
		case "field":
			a.Field = v
		case "expr":
			a.Expr = v
		default:
			return nodeErr(n.ID, "的 tritium:assignee 属性 %s 未知", "has a tritium:assignee with an unknown attribute %s", at.Name.Local)
		}
		if err != nil || at.Name.Space != "" {
			return nodeErr(n.ID, "的 tritium:assignee 属性 %s 无效", "has a tritium:assignee with an invalid attribute %s", at.Name.Local)
		}
	}
	n.Assignees = append(n.Assignees, a)
	return nil
}

func readFieldPerm(x *xmlElement, n *Node) error {
	for _, at := range x.Attrs {
		if at.Name.Space != "" || at.Name.Local != "field" && at.Name.Local != "perm" {
			return nodeErr(n.ID, "的 tritium:fieldPerm 属性 %s 未知", "has a tritium:fieldPerm with an unknown attribute %s", at.Name.Local)
		}
	}
	field, perm := x.attr("", "field"), x.attr("", "perm")
	if _, dup := n.FieldPerms[field]; dup || field == "" {
		return nodeErr(n.ID, "的 tritium:fieldPerm 字段 %q 缺失或重复", "has a tritium:fieldPerm whose field %q is missing or repeated", field)
	}
	if n.FieldPerms == nil {
		n.FieldPerms = map[string]FieldPerm{}
	}
	n.FieldPerms[field] = FieldPerm(perm)
	return nil
}

// eventDefinitions returns the *EventDefinition children of e.
func eventDefinitions(e *xmlElement) []*xmlElement {
	var defs []*xmlElement
	for i := range e.Children {
		c := &e.Children[i]
		if c.XMLName.Space == NSBPMN && strings.HasSuffix(c.XMLName.Local, "EventDefinition") {
			defs = append(defs, c)
		}
	}
	return defs
}

// readEventDefinition: only timer catch events have one (a delay), and
// tasks are not multi-instance (approval modes replace that).
func readEventDefinition(e *xmlElement, n *Node) error {
	if e.child("multiInstanceLoopCharacteristics") != nil || e.child("standardLoopCharacteristics") != nil {
		return nodeErr(n.ID, "不支持 BPMN 多实例或循环, 多人审批请用 tritium:mode", "cannot be multi-instance or a loop in BPMN; use tritium:mode for several approvers")
	}
	defs := eventDefinitions(e)
	if n.Type != Timer {
		if len(defs) > 0 {
			return nodeErr(n.ID, "不支持事件定义 %s", "cannot have the event definition %s", defs[0].XMLName.Local)
		}
		return nil
	}
	if len(defs) != 1 || defs[0].XMLName.Local != "timerEventDefinition" {
		return nodeErr(n.ID, "只支持定时中间事件", "must be a timer: only timer catch events are supported")
	}
	if c := defs[0].child("timeDuration"); c != nil {
		n.Delay = isoOrAsIs(strings.TrimSpace(c.Text))
	}
	if c := defs[0].child("timeDate"); c != nil {
		n.UntilField = strings.TrimSpace(c.Text)
	}
	if defs[0].child("timeCycle") != nil {
		return nodeErr(n.ID, "的定时器不支持 timeCycle", "has a timeCycle timer, which a delay cannot have")
	}
	return nil
}

// Ids the boundary timers of an approval node get on export.
func timeoutID(node string) string { return node + "_timeout" }
func remindID(node string) string  { return node + "_remind" }

// applyBoundaries turns the boundary timers into the Timeout settings of
// the approval nodes they are attached to.
func (r *bpmnReader) applyBoundaries() error {
	r.renamed = map[string]string{}
	for _, e := range r.pending {
		id := e.attr("", "id")
		n := r.d.Node(e.attr("", "attachedToRef"))
		if n == nil || n.Type != Approval {
			return nodeErr(id, "须附着在审批节点 (userTask) 上", "must be attached to an approval node (a userTask)")
		}
		defs := eventDefinitions(e)
		if len(defs) != 1 || defs[0].XMLName.Local != "timerEventDefinition" {
			return nodeErr(id, "只支持定时边界事件", "must be a timer: only timer boundary events are supported")
		}
		if n.Timeout == nil {
			n.Timeout = &Timeout{}
		}
		read, canonical := readTimeout, timeoutID(n.ID)
		if e.attr("", "cancelActivity") == "false" {
			read, canonical = readReminder, remindID(n.ID)
		}
		if err := read(id, e, defs[0], n.Timeout); err != nil {
			return err
		}
		r.renamed[id] = canonical
	}
	return nil
}

// readTimeout reads an interrupting boundary timer: the timeout action.
func readTimeout(id string, e, def *xmlElement, t *Timeout) error {
	d := def.child("timeDuration")
	switch {
	case t.After != "":
		return nodeErr(id, "是同一节点的第二个超时定时器", "is a second interrupting timer on the same node")
	case d == nil:
		return nodeErr(id, "需要 timeDuration", "needs a timeDuration")
	case e.attr(NSTritium, "action") == "":
		return nodeErr(id, "需要 tritium:action (autoApprove, autoReject, escalate)", "needs tritium:action (autoApprove, autoReject or escalate)")
	}
	t.After = isoOrAsIs(strings.TrimSpace(d.Text))
	t.Action = e.attr(NSTritium, "action")
	t.EscalateTo = e.attr(NSTritium, "escalateTo")
	return onlyAttrs(id, e, "action", "escalateTo")
}

// readReminder reads a non-interrupting boundary timer: the reminders.
func readReminder(id string, e, def *xmlElement, t *Timeout) error {
	if t.RemindAfter != "" {
		return nodeErr(id, "是同一节点的第二个提醒定时器", "is a second non-interrupting timer on the same node")
	}
	t.RemindEvery = isoOrAsIs(e.attr(NSTritium, "remindEvery"))
	d, c := def.child("timeDuration"), def.child("timeCycle")
	switch {
	case d != nil:
		t.RemindAfter = isoOrAsIs(strings.TrimSpace(d.Text))
	case c == nil:
		return nodeErr(id, "需要 timeDuration 或 timeCycle", "needs a timeDuration or a timeCycle")
	case t.RemindEvery != "":
		return nodeErr(id, "不能同时设置 timeCycle 和 tritium:remindEvery", "cannot have both a timeCycle and tritium:remindEvery")
	default:
		every, ok := strings.CutPrefix(strings.TrimSpace(c.Text), "R/")
		if !ok || every == "" || strings.Contains(every, "/") {
			return nodeErr(id, "的 timeCycle 须为 R/<时长>", "needs a timeCycle of the form R/<duration>")
		}
		t.RemindAfter, t.RemindEvery = isoOrAsIs(every), isoOrAsIs(every)
	}
	return onlyAttrs(id, e, "remindEvery")
}

// onlyAttrs refuses tritium: attributes of e other than names.
func onlyAttrs(id string, e *xmlElement, names ...string) error {
	for _, a := range e.Attrs {
		if a.Name.Space == NSTritium && !slices.Contains(names, a.Name.Local) {
			return nodeErr(id, "不能设置 tritium:%s", "cannot have tritium:%s", a.Name.Local)
		}
	}
	return nil
}
