package model

import "github.com/tritiumhq/tritium/internal/apperr"

// checkTritiumUse refuses tritium: attributes and elements where Tritium
// reads none, so that a setting put in the wrong place is not dropped
// silently either. Tritium reads its attributes on the flow nodes of the
// process (tasks, events, gateways; boundary timers) and its elements in
// the extensionElements of a flow node; what is unknown there is refused
// while reading the node. Other tools' extensions are not looked at.
func checkTritiumUse(root *xmlElement) error {
	return checkTritiumIn(root, nil)
}

// checkTritiumIn checks e, whose ancestors are up (nearest last).
func checkTritiumIn(e *xmlElement, up []*xmlElement) error {
	var parent, grand *xmlElement
	if n := len(up); n > 1 {
		parent, grand = up[n-1], up[n-2]
	}
	if e.XMLName.Space == NSTritium && !(parent != nil && parent.is("extensionElements") && flowNode(grand, up[:len(up)-2])) {
		return misplaced(e, up, "扩展元素 tritium:"+e.XMLName.Local, "extension element tritium:"+e.XMLName.Local)
	}
	if e.XMLName.Space != NSTritium && !flowNode(e, up) && !boundary(e, up) {
		for _, a := range e.Attrs {
			if a.Name.Space == NSTritium {
				return misplaced(e, up, "属性 tritium:"+a.Name.Local, "attribute tritium:"+a.Name.Local)
			}
		}
	}
	up = append(up, e)
	for i := range e.Children {
		if err := checkTritiumIn(&e.Children[i], up); err != nil {
			return err
		}
	}
	return nil
}

// flowNode reports whether e (with ancestors up) is a flow node of the
// process that becomes a node: its tritium: attributes and extension
// elements are read.
func flowNode(e *xmlElement, up []*xmlElement) bool {
	if e == nil || len(up) == 0 || !up[len(up)-1].is("process") || e.XMLName.Space != NSBPMN {
		return false
	}
	_, ok := bpmnTypes[e.XMLName.Local]
	return ok
}

// boundary reports whether e is a boundary event of the process: its
// tritium: attributes are read (its extension elements are not).
func boundary(e *xmlElement, up []*xmlElement) bool {
	return len(up) > 0 && up[len(up)-1].is("process") && e.is("boundaryEvent")
}

// misplaced names the nearest element with an id around e.
func misplaced(e *xmlElement, up []*xmlElement, zh, en string) error {
	chain := append(append([]*xmlElement{}, up...), e)
	for i := len(chain) - 1; i >= 0; i-- {
		x := chain[i]
		id := x.attr("", "id")
		if id == "" {
			continue
		}
		switch {
		case x.is("sequenceFlow"):
			return flowErr(id, "的%[1]s 不会被读取: Tritium 只在任务、事件和网关上读取它的设置", "has the %[2]s, which Tritium does not read here: its settings go on tasks, events and gateways", zh, en)
		case boundary(x, chain[:i]):
			return nodeErr(id, "的%[1]s 不会被读取: 边界定时器只读取属性 tritium:action, tritium:escalateTo 和 tritium:remindEvery", "has the %[2]s, which Tritium does not read: a boundary timer takes only the attributes tritium:action, tritium:escalateTo and tritium:remindEvery", zh, en)
		case flowNode(x, chain[:i]):
			return nodeErr(id, "的%[1]s 不会被读取, 请放在节点本身或它的 extensionElements 中", "has the %[2]s where Tritium does not read it; put it on the node itself or in its extensionElements", zh, en)
		}
		return apperr.Field(id, "BPMN 元素 %s (%s) 的%s 不会被读取: Tritium 只在任务、事件和网关上读取它的设置 (BPMN element %s (%s) has the %s, which Tritium does not read: its settings go on tasks, events and gateways)",
			id, x.XMLName.Local, zh, id, x.XMLName.Local, en)
	}
	return apperr.New(apperr.Invalid, "BPMN 文件的 %s 元素有%s, 它不会被读取 (the BPMN file's %s element has the %s, which Tritium does not read)", e.XMLName.Local, zh, e.XMLName.Local, en)
}
