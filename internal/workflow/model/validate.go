package model

import (
	"fmt"
	"slices"
	"unicode"
	"unicode/utf8"

	"github.com/tritiumhq/tritium/internal/apperr"
)

// Validate checks that d is a process the engine can run against records
// described by env: a well-formed graph (one start, reachable nodes, an
// end reachable from everywhere, joins that close splits), valid node
// settings, and conditions and expressions that compile against env. The
// first problem found is returned as an *apperr.Error with Code Invalid
// and Field set to the offending node or flow id ("nodes" when no single
// node is to blame).
func (d *Definition) Validate(env Env) error {
	checks := []func(Env) error{
		d.checkIDs, d.checkShape, d.checkReach, d.checkNodes, d.checkFlows, d.checkJoins,
	}
	for _, check := range checks {
		if err := check(env); err != nil {
			return err
		}
	}
	return nil
}

// nodeErr names node id. zh and en are formatted with the same args (use
// explicit indexes, %[2]s, when they need them in different order).
func nodeErr(id, zh, en string, args ...any) *apperr.Error {
	return apperr.Field(id, "节点 %s %s (node %s %s)", id, fmt.Sprintf(zh, args...), id, fmt.Sprintf(en, args...))
}

func flowErr(id, zh, en string, args ...any) *apperr.Error {
	return apperr.Field(id, "连线 %s %s (flow %s %s)", id, fmt.Sprintf(zh, args...), id, fmt.Sprintf(en, args...))
}

// branchErr is flowErr for a flow whose ends exist: it names them too,
// since an approval tree's author never sees the generated flow ids.
func branchErr(f *Flow, zh, en string, args ...any) *apperr.Error {
	e := flowErr(f.ID+" ("+f.From+" → "+f.To+")", zh, en, args...)
	e.Field = f.ID
	return e
}

// checkIDs: every node and flow has a unique id (one namespace, as in
// BPMN), nodes have known types and flows join existing nodes.
func (d *Definition) checkIDs(Env) error {
	seen := map[string]bool{}
	for i, n := range d.Nodes {
		if n == nil || n.ID == "" {
			return apperr.Field("nodes", "第 %d 个节点没有 id (node #%d has no id)", i+1, i+1)
		}
		if !validID(n.ID) {
			return nodeErr(n.ID, idRuleZh, idRuleEn)
		}
		if seen[n.ID] {
			return nodeErr(n.ID, "的 id 重复", "has a duplicate id")
		}
		seen[n.ID] = true
		if !n.Type.known() {
			return nodeErr(n.ID, "的类型 %q 未知", "has an unknown type %q", n.Type)
		}
	}
	for i, f := range d.Flows {
		if f == nil || f.ID == "" {
			return apperr.Field("flows", "第 %d 条连线没有 id (flow #%d has no id)", i+1, i+1)
		}
		if !validID(f.ID) {
			return flowErr(f.ID, idRuleZh, idRuleEn)
		}
		if seen[f.ID] {
			return flowErr(f.ID, "的 id 重复", "has a duplicate id")
		}
		seen[f.ID] = true
		for _, end := range []string{f.From, f.To} {
			if d.Node(end) == nil {
				return flowErr(f.ID, "连接的节点 %q 不存在", "references the missing node %q", end)
			}
		}
	}
	return nil
}

const (
	idRuleZh = "的 id 无效: 须以字母或 _ 开头, 只含字母、数字、_、- 和 ., 最长 64 个字符"
	idRuleEn = "has an invalid id: it must start with a letter or _, contain only letters, digits, _, - and ., and be at most 64 characters"
)

// validID: ids are XML names (BPMN requires it) and travel in URLs and
// API bodies (return to node …), so they stay plain.
func validID(id string) bool {
	if id == "" || utf8.RuneCountInString(id) > 64 {
		return false
	}
	for i, r := range id {
		letter := unicode.IsLetter(r) || r == '_'
		if !letter && (i == 0 || !unicode.IsDigit(r) && r != '-' && r != '.') {
			return false
		}
	}
	return true
}

// checkShape: one start without incoming flows, at least one end, and the
// number of flows each kind of node needs.
func (d *Definition) checkShape(Env) error {
	var start *Node
	ends := 0
	for _, n := range d.Nodes {
		switch n.Type {
		case Start:
			if start != nil {
				return nodeErr(n.ID, "是第二个开始节点", "is a second start node")
			}
			start = n
		case End:
			ends++
		}
		if err := d.checkDegree(n); err != nil {
			return err
		}
	}
	if start == nil {
		return apperr.Field("nodes", "流程没有开始节点 (the process has no start node)")
	}
	if ends == 0 {
		return apperr.Field("nodes", "流程没有结束节点 (the process has no end node)")
	}
	return nil
}

func (d *Definition) checkDegree(n *Node) error {
	in, out := len(d.Incoming(n.ID)), len(d.Outgoing(n.ID))
	switch {
	case n.Type == Start && in > 0:
		return nodeErr(n.ID, "是开始节点, 不能有进入的连线", "is the start and cannot have incoming flows")
	case n.Type == End && out > 0:
		return nodeErr(n.ID, "是结束节点, 不能有流出的连线", "is an end and cannot have outgoing flows")
	case n.Type.Gateway() && out == 0:
		return nodeErr(n.ID, "没有流出的连线", "has no outgoing flow")
	case n.Type != End && !n.Type.Gateway() && out != 1:
		return nodeErr(n.ID, "需要恰好一条流出的连线, 现有 %d 条", "needs exactly one outgoing flow, has %d", out)
	}
	return nil
}

// checkReach: every node is reachable from the start, and some end is
// reachable from every node (a loop without exit would never finish).
func (d *Definition) checkReach(Env) error {
	g := d.graph()
	fromStart := reach([]string{d.Start().ID}, g.succ)
	var ends []string
	for _, n := range d.Nodes {
		if n.Type == End {
			ends = append(ends, n.ID)
		}
	}
	toEnd := reach(ends, g.pred)
	for _, n := range d.Nodes {
		if !fromStart[n.ID] {
			return nodeErr(n.ID, "无法到达", "is unreachable from the start")
		}
		if !toEnd[n.ID] {
			return nodeErr(n.ID, "无法到达结束节点 (没有出口的循环?)", "cannot reach an end (a loop without exit?)")
		}
	}
	return nil
}

// checkFlows: conditions and defaults appear only on the flows of an
// exclusive or inclusive split, where every flow but one optional default
// needs a condition, and every condition compiles to a bool.
func (d *Definition) checkFlows(env Env) error {
	for _, f := range d.Flows {
		src := d.Node(f.From)
		conditional := (src.Type == Exclusive || src.Type == Inclusive) && d.IsSplit(src)
		switch {
		case !conditional && (f.Condition != "" || f.Default):
			return branchErr(f, "不是排他或包容分支的连线, 不能设置条件或默认", "does not leave an exclusive or inclusive split and cannot have a condition or be the default")
		case f.Default && f.Condition != "":
			return branchErr(f, "是默认连线, 不能设置条件", "is the default flow and cannot have a condition")
		case conditional && !f.Default && f.Condition == "":
			return branchErr(f, "需要条件 (或设为默认连线)", "needs a condition (or must be the default flow)")
		}
		if f.Condition != "" {
			if _, err := env.CompileCondition(f.Condition); err != nil {
				return branchErr(f, "的条件无效: %s", "has an invalid condition: %s", firstLine(err))
			}
		}
	}
	return d.checkDefaults()
}

func (d *Definition) checkDefaults() error {
	for _, n := range d.Nodes {
		defaults := 0
		for _, f := range d.Outgoing(n.ID) {
			if f.Default {
				defaults++
			}
		}
		if defaults > 1 {
			return nodeErr(n.ID, "有 %d 条默认连线, 最多一条", "has %d default flows, at most one is allowed", defaults)
		}
	}
	return nil
}

// checkJoins: a parallel or inclusive join must close a split of its own
// kind, found as its immediate dominator (in a block-structured process,
// the split that opened the block). Other nodes where flows meet merge
// without waiting, so they must not close a parallel or inclusive split:
// the branches would run the rest of the process twice.
func (d *Definition) checkJoins(Env) error {
	idom := d.graph().idoms(d.Start().ID)
	for _, n := range d.Nodes {
		if len(d.Incoming(n.ID)) < 2 || n.Type == End {
			continue
		}
		split := d.Node(idom[n.ID])
		closesSplit := split != nil && d.IsSplit(split)
		waits := n.Type == Parallel || n.Type == Inclusive
		switch {
		case waits && (!closesSplit || split.Type != n.Type):
			return nodeErr(n.ID, "是%[1]s汇聚, 但没有对应的%[1]s分支", "is a %[2]s join without a matching %[2]s split", kindZh[n.Type], n.Type)
		case !waits && closesSplit && slices.Contains([]NodeType{Parallel, Inclusive}, split.Type):
			return nodeErr(n.ID, "汇合了%[1]s分支 %[2]s 却不等待它们 (请使用%[1]s汇聚)", "merges the branches of %[3]s split %[2]s without waiting for them (use a %[3]s join)", kindZh[split.Type], split.ID, split.Type)
		}
	}
	return nil
}

var kindZh = map[NodeType]string{Exclusive: "排他", Parallel: "并行", Inclusive: "包容"}
