package model

import (
	"encoding/xml"
	"slices"
	"strconv"
	"strings"
)

// A generated layout is simple on purpose: nodes in columns by their
// longest distance from the start, branches in rows below the path they
// leave, flows as orthogonal lines, loops drawn back underneath. It exists
// so that bpmn-js can open a definition that never had a diagram; people
// tidy it in the modeler.

// Layout measures, in BPMN diagram units (bpmn-js's defaults).
const (
	columnPitch = 160
	rowPitch    = 130
	originX     = 170 // centre of the first column
	originY     = 120 // centre of the first row
	eventSize   = 36
	gatewaySize = 50
	taskWidth   = 100
	taskHeight  = 80
)

// box is a shape's bounds.
type box struct{ x, y, w, h int }

func (b box) cx() int { return b.x + b.w/2 }
func (b box) cy() int { return b.y + b.h/2 }

func sizeOf(t NodeType) (w, h int) {
	switch {
	case t == Start || t == End || t == Timer:
		return eventSize, eventSize
	case t.Gateway():
		return gatewaySize, gatewaySize
	}
	return taskWidth, taskHeight
}

// layout is a generated placement: every node in a column and a row.
type layout struct {
	col, row map[string]int
	taken    map[[2]int]bool // column, row
	box      map[string]box
	back     map[*Flow]bool // flows that close loops
	bottom   int            // lowest edge of any shape
}

// place gives every node a column (one more than its furthest
// predecessor's) and a row (its highest predecessor's, or the next free
// one below: the first branch of a split stays on the split's row, the
// others go below, and the join comes back up). Flows that close loops do
// not push their target to a later column.
func place(d *Definition) *layout {
	l := &layout{col: map[string]int{}, row: map[string]int{}, taken: map[[2]int]bool{}, box: map[string]box{}, back: map[*Flow]bool{}}
	for _, id := range layoutOrder(d) {
		want := -1
		for _, f := range d.Incoming(id) {
			if _, placed := l.row[f.From]; !placed {
				l.back[f] = true // from a node placed later: it closes a loop
				continue
			}
			l.col[id] = max(l.col[id], l.col[f.From]+1)
			if want < 0 || l.row[f.From] < want {
				want = l.row[f.From]
			}
		}
		r := max(want, 0)
		for l.taken[[2]int{l.col[id], r}] {
			r++
		}
		l.row[id], l.taken[[2]int{l.col[id], r}] = r, true
	}
	for _, n := range d.Nodes {
		w, h := sizeOf(n.Type)
		cx, cy := originX+l.col[n.ID]*columnPitch, originY+l.row[n.ID]*rowPitch
		l.box[n.ID] = box{cx - w/2, cy - h/2, w, h}
		l.bottom = max(l.bottom, cy+h/2)
	}
	return l
}

// clear reports whether no shape stands on row between columns from and
// to (both excluded).
func (l *layout) clear(row, from, to int) bool {
	for c := from + 1; c < to; c++ {
		if l.taken[[2]int{c, row}] {
			return false
		}
	}
	return true
}

// layoutOrder lists the nodes reachable from the start in reverse
// postorder (every node after the nodes that lead to it, loops aside),
// then the others. The walk takes a split's flows last to first, so that
// the first branch comes first and gets the split's row.
func layoutOrder(d *Definition) []string {
	var order []string
	if s := d.Start(); s != nil {
		g := d.graph()
		for _, next := range g.succ {
			slices.Reverse(next)
		}
		post := g.postorder(s.ID)
		for i := len(post) - 1; i >= 0; i-- {
			order = append(order, post[i])
		}
	}
	seen := map[string]bool{}
	for _, id := range order {
		seen[id] = true
	}
	for _, n := range d.Nodes {
		if !seen[n.ID] {
			order = append(order, n.ID)
		}
	}
	return order
}

// ourNS are the prefixes a generated diagram uses.
var ourNS = map[string]string{"bpmndi": NSBPMNDI, "dc": NSDC, "di": NSDI}

// generatedDiagram lays d out as a bpmndi:BPMNDiagram element that
// declares its own namespaces, like a diagram kept from an import, so that
// it survives FromBPMN unchanged.
func generatedDiagram(d *Definition, process string) string {
	w := &xmlWriter{depth: 1} // indented as inside bpmn:definitions
	writeLayout(w, d, process)
	frag, err := withNamespaces(strings.TrimSpace(w.b.String()), xml.Name{Space: "bpmndi", Local: "BPMNDiagram"}, ourNS)
	if err != nil {
		panic("model: generated diagram is not XML: " + err.Error()) // a bug here, not bad input
	}
	return frag
}

// writeLayout writes a generated bpmndi:BPMNDiagram.
func writeLayout(w *xmlWriter, d *Definition, process string) {
	l := place(d)
	w.open("bpmndi:BPMNDiagram", "id", "BPMNDiagram_1")
	w.open("bpmndi:BPMNPlane", "id", "BPMNPlane_1", "bpmnElement", process)
	for _, n := range d.Nodes {
		marker := ""
		if n.Type == Exclusive {
			marker = "true" // bpmn-js draws the X only when asked
		}
		writeShape(w, n.ID, l.box[n.ID], marker)
		writeBoundaryShapes(w, n, l.box[n.ID])
	}
	drawn := map[[2]string]int{} // flows so far between the same two nodes
	for _, f := range d.Flows {
		pair := [2]string{f.From, f.To}
		writeEdge(w, f.ID, l.route(f, drawn[pair]))
		drawn[pair]++
	}
	w.close("bpmndi:BPMNPlane")
	w.close("bpmndi:BPMNDiagram")
}

func writeShape(w *xmlWriter, id string, b box, marker string) {
	w.open("bpmndi:BPMNShape", "id", id+"_di", "bpmnElement", id, "isMarkerVisible", marker)
	w.empty("dc:Bounds", "x", itoa(b.x), "y", itoa(b.y), "width", itoa(b.w), "height", itoa(b.h))
	w.close("bpmndi:BPMNShape")
}

// writeBoundaryShapes puts the timers on the lower edge of their task.
func writeBoundaryShapes(w *xmlWriter, n *Node, task box) {
	t := n.Timeout
	if t == nil {
		return
	}
	y := task.y + task.h - eventSize/2
	if t.RemindAfter != "" {
		writeShape(w, remindID(n.ID), box{task.x + 2, y, eventSize, eventSize}, "")
	}
	if t.After != "" {
		writeShape(w, timeoutID(n.ID), box{task.x + task.w - eventSize - 2, y, eventSize, eventSize}, "")
	}
}

// route draws f as bpmn-js users draw by hand: straight along a row;
// into a lower row down from the source's bottom, then along that row;
// into a higher row (a join) along the source's row, then up into the
// target's bottom. A flow that would cross shapes on its row, or repeats
// an earlier flow between the same nodes (the nth time), passes under
// the row; a loop goes below the whole diagram and back up.
func (l *layout) route(f *Flow, repeat int) [][2]int {
	a, b := l.box[f.From], l.box[f.To]
	under := func(y int) [][2]int {
		return [][2]int{{a.cx(), a.y + a.h}, {a.cx(), y}, {b.cx(), y}, {b.cx(), b.y + b.h}}
	}
	x1, x2 := a.x+a.w, b.x
	switch {
	case l.back[f]:
		return under(l.bottom + 40)
	case a.cy() == b.cy() && (repeat > 0 || !l.clear(l.row[f.From], l.col[f.From], l.col[f.To])):
		return under(a.cy() + max(repeat, 1)*rowPitch/2)
	case a.cy() == b.cy():
		return [][2]int{{x1, a.cy()}, {x2, b.cy()}}
	case a.cy() < b.cy():
		return [][2]int{{a.cx(), a.y + a.h}, {a.cx(), b.cy()}, {x2, b.cy()}}
	}
	return [][2]int{{x1, a.cy()}, {b.cx(), a.cy()}, {b.cx(), b.y + b.h}}
}

func writeEdge(w *xmlWriter, id string, points [][2]int) {
	w.open("bpmndi:BPMNEdge", "id", id+"_di", "bpmnElement", id)
	for _, p := range points {
		w.empty("di:waypoint", "x", itoa(p[0]), "y", itoa(p[1]))
	}
	w.close("bpmndi:BPMNEdge")
}

func itoa(i int) string { return strconv.Itoa(i) }
