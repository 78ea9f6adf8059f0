package model

import (
	"encoding/json"
	"fmt"

	"github.com/tritiumhq/tritium/internal/apperr"
)

// BranchType is the tree-only node type of a branch node, which becomes a
// split and a join gateway in the graph.
const BranchType NodeType = "branch"

// treeNode is one node of the approval tree: a graph node's settings plus
// the tree's own structure.
type treeNode struct {
	Node
	Kind     NodeType      `json:"kind,omitempty"`   // branch: exclusive, parallel or inclusive
	JoinID   string        `json:"joinId,omitempty"` // branch: id of the join gateway
	Branches []*treeBranch `json:"branches,omitempty"`
	Next     *treeNode     `json:"next,omitempty"`
}

// treeBranch is one way through a branch node; its name, condition and
// default flag belong to the flow that enters it.
type treeBranch struct {
	Name      string    `json:"name,omitempty"`
	Condition string    `json:"condition,omitempty"`
	Default   bool      `json:"default,omitempty"`
	Next      *treeNode `json:"next,omitempty"`
}

// FromTree reads an approval tree, the compact JSON the console edits
// (DingTalk/Feishu style). The tree is a chain of nodes, each pointing to
// the one after it with "next", that starts with the start node and ends
// at an implicit end node:
//
//	{"type": "start", "name": "发起人", "fieldPerms": {"F0000002": "editable"},
//	 "next": {"type": "approval", "id": "manager", "name": "主管审批",
//	   "assignees": [{"kind": "leader", "level": 1}], "mode": "any",
//	   "next": {"type": "branch", "kind": "exclusive", "name": "金额",
//	     "branches": [
//	       {"name": "一万以上", "condition": "F0000002 > 10000",
//	        "next": {"type": "approval", "name": "总经理审批",
//	          "assignees": [{"kind": "role", "ids": ["gm"]}]}},
//	       {"name": "其他", "default": true}
//	     ],
//	     "next": {"type": "cc", "name": "抄送财务",
//	       "assignees": [{"kind": "department", "ids": ["finance"]}]}}}}
//
// A node has a "type" (start, approval, cc, script, timer, branch, end),
// an optional "id" (missing ids are generated, stable and readable:
// approval_1, cc_1 …), an optional "name", the settings of its type with
// the names and values of the Definition's JSON (assignees, mode,
// passPercent, emptyPolicy, emptyUser, autoApproveSame, rejectPolicy,
// fieldPerms, timeout, delay, untilField, hook) and "next".
//
// A branch node has a "kind": exclusive (the first branch whose condition
// holds, else the default one), parallel (all branches) or inclusive
// (every branch whose condition holds, else the default one). Each of its
// at least two "branches" has an optional "name", a "condition" (an
// expr-lang expression over the record's fields and the initiator) or
// "default": true, and an optional "next": the chain of nodes on that
// branch, which may be empty. The branches meet again before the branch
// node's own "next". In the graph a branch node is a split gateway with
// the branch node's id and a join gateway with id "joinId" (default: the
// id followed by "_join").
//
// The chain may end with an explicit {"type": "end"} to give the end node
// an id or name; ends appear nowhere else. Unknown keys and values of the
// wrong JSON type are refused naming the node (Invalid), so misspelt
// settings do not vanish. Flow ids are generated (flow_1 …).
//
// FromTree checks the tree's shape only; call Validate before using the
// definition.
func FromTree(data []byte) (*Definition, error) {
	root, err := decodeTree(data)
	if err != nil {
		return nil, err
	}
	if root.Type != Start {
		return nil, apperr.Field("type", "审批树须以开始节点开头 (the approval tree must begin with a start node)")
	}
	b := &treeBuilder{d: &Definition{}, used: map[string]bool{}, count: map[string]int{}}
	b.reserve(root)
	last, err := b.chain(root, Flow{}, true)
	if err != nil {
		return nil, err
	}
	if b.d.Node(last).Type != End {
		end := &Node{ID: b.id("", "end", "end"), Type: End}
		b.d.Nodes = append(b.d.Nodes, end)
		b.link(Flow{From: last}, end.ID)
	}
	return b.d, nil
}

func decodeTree(data []byte) (*treeNode, error) {
	raw, err := oneObject(data, "审批树", "the approval tree")
	if err != nil {
		return nil, err
	}
	if err := checkDocument(raw, treeNodeType, "审批树", "the approval tree"); err != nil {
		return nil, err
	}
	var root treeNode
	if err := json.Unmarshal(raw, &root); err != nil {
		return nil, apperr.Wrap(apperr.Malformed, err, "审批树格式错误 (invalid approval tree)")
	}
	return &root, nil
}

// treeBuilder turns a tree into a graph.
type treeBuilder struct {
	d     *Definition
	used  map[string]bool // every id given or generated so far
	count map[string]int  // last number generated per prefix
}

// reserve marks the ids written in the tree as used before any id is
// generated, so generated ids never take one a later node asks for.
func (b *treeBuilder) reserve(t *treeNode) {
	for ; t != nil; t = t.Next {
		for _, id := range []string{t.ID, t.JoinID} {
			if id != "" {
				b.used[id] = true
			}
		}
		for _, br := range t.Branches {
			if br != nil {
				b.reserve(br.Next)
			}
		}
	}
}

// id returns given if set, else preferred if free, else prefix_n.
func (b *treeBuilder) id(given, preferred, prefix string) string {
	if given != "" {
		return given
	}
	if preferred != "" && !b.used[preferred] {
		b.used[preferred] = true
		return preferred
	}
	for {
		b.count[prefix]++
		id := fmt.Sprintf("%s_%d", prefix, b.count[prefix])
		if !b.used[id] {
			b.used[id] = true
			return id
		}
	}
}

// link adds a flow like tmpl to node to.
func (b *treeBuilder) link(tmpl Flow, to string) {
	f := tmpl
	f.ID, f.To = b.id("", "", "flow"), to
	b.d.Flows = append(b.d.Flows, &f)
}

// chain adds t and the nodes after it, the first linked by a flow like in
// (unless t is the root), and returns the id of the last node added.
func (b *treeBuilder) chain(t *treeNode, in Flow, main bool) (string, error) {
	prev := in.From
	for ; t != nil; t = t.Next {
		if err := checkTreeNode(t, prev, main); err != nil {
			return "", err
		}
		typ := t.Type
		if typ == BranchType {
			typ = t.Kind
		}
		first := b.add(t.Node, typ)
		if prev != "" {
			b.link(in, first)
		}
		last := first
		if t.Type == BranchType {
			var err error
			if last, err = b.branch(t, first); err != nil {
				return "", err
			}
		}
		in, prev = Flow{From: last}, last
	}
	return prev, nil
}

// add appends a copy of n with type typ and a settled id.
func (b *treeBuilder) add(n Node, typ NodeType) string {
	n.Type = typ
	n.ID = b.id(n.ID, defaultID[typ], string(typ))
	normalize(&n)
	b.d.Nodes = append(b.d.Nodes, &n)
	return n.ID
}

var defaultID = map[NodeType]string{Start: "start", End: "end"}

// normalize makes empty lists and maps nil, so that a definition read
// from JSON equals one built in Go or read back from its own output.
func normalize(n *Node) {
	if len(n.Assignees) == 0 {
		n.Assignees = nil
	}
	for i := range n.Assignees {
		if len(n.Assignees[i].IDs) == 0 {
			n.Assignees[i].IDs = nil
		}
	}
	if len(n.FieldPerms) == 0 {
		n.FieldPerms = nil
	}
}

// branch adds the branches of a branch node whose split gateway is split,
// and its join, and returns the join's id.
func (b *treeBuilder) branch(t *treeNode, split string) (string, error) {
	join := b.id(t.JoinID, split+"_join", string(t.Kind)+"_join")
	for _, br := range t.Branches {
		in := Flow{From: split, Name: br.Name, Condition: br.Condition, Default: br.Default}
		last, err := b.chain(br.Next, in, false)
		if err != nil {
			return "", err
		}
		if last == split { // an empty branch: the flow carries the branch
			b.link(in, join)
		} else {
			b.link(Flow{From: last}, join)
		}
	}
	b.d.Nodes = append(b.d.Nodes, &Node{ID: join, Type: t.Kind})
	return join, nil
}

// checkTreeNode checks what the graph cannot show: where a node may stand
// in the tree and that tree-only keys are used on branch nodes only.
func checkTreeNode(t *treeNode, prev string, main bool) error {
	isBranch := t.Type == BranchType
	switch {
	case t.Type == Start && prev != "":
		return treeErr(t, "开始节点只能是审批树的第一个节点", "the start node can only be the first node of the tree")
	case t.Type == End && (!main || t.Next != nil):
		return treeErr(t, "结束节点只能是主流程的最后一个节点", "an end node can only be the last node of the main chain")
	case isBranch && t.Kind != Exclusive && t.Kind != Parallel && t.Kind != Inclusive:
		return treeErr(t, "的分支类型 %q 无效 (exclusive, parallel, inclusive)", "has an invalid branch kind %q (exclusive, parallel, inclusive)", t.Kind)
	case isBranch && len(t.Branches) < 2:
		return treeErr(t, "至少需要两个分支", "needs at least two branches")
	case !isBranch && (t.Kind != "" || t.JoinID != "" || t.Branches != nil):
		return treeErr(t, "不是分支节点, 不能设置 kind, joinId 或 branches", "is not a branch node and cannot have kind, joinId or branches")
	case t.Type == Exclusive || t.Type == Parallel || t.Type == Inclusive:
		return treeErr(t, "的类型 %q 须写成 branch 节点", "has type %q; write a branch node", t.Type)
	case !isBranch && !t.Type.known():
		return treeErr(t, "的类型 %q 未知", "has an unknown type %q", t.Type)
	}
	for _, br := range t.Branches {
		if br == nil {
			return treeErr(t, "有空的分支", "has an empty (null) branch")
		}
	}
	return nil
}

func treeErr(t *treeNode, zh, en string, args ...any) error {
	label := t.ID
	if label == "" {
		label = "(" + string(t.Type) + ")"
	}
	return nodeErr(label, zh, en, args...)
}
