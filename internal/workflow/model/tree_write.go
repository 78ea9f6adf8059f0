package model

import (
	"bytes"
	"encoding/json"

	"github.com/tritiumhq/tritium/internal/apperr"
)

// Tree writes d as an approval tree (see FromTree). Only block-structured
// graphs have a tree: every split is closed by one join of its kind that
// all its branches reach, with no loops and no other merges. A graph
// imported from BPMN may be valid without being one (branches that end
// separately, a rework loop); Tree then fails naming the node where the
// tree cannot follow. Flow ids, and names of flows other than branches,
// are not part of the tree.
func (d *Definition) Tree() ([]byte, error) {
	start := d.Start()
	if start == nil {
		return nil, apperr.Field("nodes", "流程没有开始节点 (the process has no start node)")
	}
	w := &treeWriter{d: d, seen: map[string]bool{}}
	root, stop, err := w.chain(start.ID)
	if err != nil {
		return nil, err
	}
	if stop != "" {
		return nil, notTree(stop, "是没有对应分支的汇聚", "is a join without a split")
	}
	if err := w.complete(); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // conditions use < and >
	enc.SetIndent("", "  ")
	if err := enc.Encode(root); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// treeWriter walks a graph into a tree.
type treeWriter struct {
	d     *Definition
	seen  map[string]bool // nodes converted
	flows int             // flows converted
}

func notTree(id, zh, en string, args ...any) error {
	return nodeErr(id, zh+", 流程不是块结构, 无法转为审批树", en+"; the process is not block-structured and has no approval tree", args...)
}

// chain converts the node id and the nodes after it, up to the end of the
// process (stop "") or up to a join (stop is its id; the join belongs to
// the branch node that opened it).
func (w *treeWriter) chain(id string) (t *treeNode, stop string, err error) {
	n := w.d.Node(id)
	switch {
	case n == nil:
		return nil, "", apperr.Field(id, "节点 %s 不存在 (node %s does not exist)", id, id)
	case w.d.IsJoin(n):
		return nil, id, nil
	case w.seen[id]:
		return nil, "", notTree(id, "处在循环中", "is in a loop")
	case len(w.d.Incoming(id)) > 1:
		return nil, "", notTree(id, "有多条进入的连线", "has several incoming flows")
	}
	w.seen[id] = true
	if n.Type.Gateway() {
		return w.branch(n)
	}
	t = &treeNode{Node: *n}
	if n.Type == End {
		return t, "", nil
	}
	out := w.d.Outgoing(id)
	if len(out) != 1 {
		return nil, "", nodeErr(id, "需要恰好一条流出的连线", "needs exactly one outgoing flow")
	}
	w.flows++
	t.Next, stop, err = w.chain(out[0].To)
	return t, stop, err
}

// branch converts a split gateway, its branches and its join into one
// branch node, then goes on after the join.
func (w *treeWriter) branch(split *Node) (*treeNode, string, error) {
	out := w.d.Outgoing(split.ID)
	if len(out) < 2 {
		return nil, "", notTree(split.ID, "是不分支的网关", "is a gateway that does not split")
	}
	t := &treeNode{Node: Node{ID: split.ID, Name: split.Name, Type: BranchType}, Kind: split.Type}
	for _, f := range out {
		w.flows++
		next, stop, err := w.chain(f.To)
		if err != nil {
			return nil, "", err
		}
		if stop == "" || t.JoinID != "" && stop != t.JoinID {
			return nil, "", notTree(split.ID, "的分支没有在同一个汇聚网关会合", "has branches that do not meet at one join")
		}
		t.JoinID = stop
		t.Branches = append(t.Branches, &treeBranch{Name: f.Name, Condition: f.Condition, Default: f.Default, Next: next})
	}
	join := w.d.Node(t.JoinID)
	if err := w.checkJoin(split, join); err != nil {
		return nil, "", err
	}
	w.seen[join.ID] = true
	w.flows++
	next, stop, err := w.chain(w.d.Outgoing(join.ID)[0].To)
	t.Next = next
	return t, stop, err
}

// checkJoin: the join closes exactly this split: same kind, every flow
// into it comes from one of the split's branches, and it does not split.
func (w *treeWriter) checkJoin(split, join *Node) error {
	switch {
	case join.Type != split.Type:
		return notTree(join.ID, "的类型与分支 %s 不同", "closes split %s of another kind", split.ID)
	case w.seen[join.ID] || len(w.d.Incoming(join.ID)) != len(w.d.Outgoing(split.ID)):
		return notTree(join.ID, "还汇合了分支 %s 以外的连线", "also merges flows from outside split %s", split.ID)
	case len(w.d.Outgoing(join.ID)) != 1:
		return notTree(join.ID, "汇聚后又分支", "splits again")
	}
	return nil
}

// complete: the tree holds every node and flow, so nothing was lost.
func (w *treeWriter) complete() error {
	for _, n := range w.d.Nodes {
		if !w.seen[n.ID] {
			return notTree(n.ID, "不在从开始节点出发的审批树中", "is not in the tree grown from the start")
		}
	}
	if w.flows != len(w.d.Flows) {
		return apperr.Field("flows", "有 %d 条连线不在审批树中 (%d flows are not part of the approval tree)", len(w.d.Flows)-w.flows, len(w.d.Flows)-w.flows)
	}
	return nil
}
