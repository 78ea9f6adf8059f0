package model

import (
	"encoding/xml"
	"sort"
	"strconv"
	"strings"
	"time"
)

// bpmnElements maps node types to the BPMN elements they are written as.
var bpmnElements = map[NodeType]string{
	Start: "bpmn:startEvent", End: "bpmn:endEvent", Approval: "bpmn:userTask",
	CC: "bpmn:sendTask", Script: "bpmn:scriptTask", Timer: "bpmn:intermediateCatchEvent",
	Exclusive: "bpmn:exclusiveGateway", Parallel: "bpmn:parallelGateway", Inclusive: "bpmn:inclusiveGateway",
}

// BPMN writes d as a BPMN 2.0 file that FromBPMN reads back to the same
// definition (see FromBPMN for the mapping; cc nodes are written as
// sendTask, script nodes as scriptTask, durations in ISO 8601, and an
// approval node's timers as boundary events with ids <node>_timeout and
// <node>_remind, to which FromBPMN renames imported ones). The
// definition's Diagram is written back when it still draws every element
// (shapes of elements that are gone are dropped); otherwise, or without
// one, a left-to-right layout is generated.
func (d *Definition) BPMN() ([]byte, error) {
	if err := checkBoundaryIDs(d); err != nil {
		return nil, err
	}
	process, diagram := "Process_1", ""
	if d.Diagram != "" {
		if out, plane, ok := fitDiagram(d.Diagram, nil, drawable(d)); ok && plane != "" {
			process, diagram = plane, out
		}
	}
	if diagram == "" {
		diagram = generatedDiagram(d, process)
	}
	w := &xmlWriter{}
	w.b.WriteString(xml.Header)
	w.open("bpmn:definitions", "xmlns:bpmn", NSBPMN, "xmlns:bpmndi", NSBPMNDI, "xmlns:dc", NSDC,
		"xmlns:di", NSDI, "xmlns:xsi", NSXSI, "xmlns:tritium", NSTritium, "id", "Definitions_1",
		"targetNamespace", "http://bpmn.io/schema/bpmn", "exporter", "Tritium", "exporterVersion", "1")
	w.open("bpmn:process", "id", process, "isExecutable", "true")
	for _, n := range d.Nodes {
		writeNode(w, d, n)
	}
	for _, n := range d.Nodes {
		writeBoundaries(w, n)
	}
	for _, f := range d.Flows {
		writeFlow(w, f)
	}
	w.close("bpmn:process")
	w.raw(diagram)
	w.close("bpmn:definitions")
	return w.b.Bytes(), nil
}

// checkBoundaryIDs: the ids boundary timers are given must not be taken.
func checkBoundaryIDs(d *Definition) error {
	for _, n := range d.Nodes {
		for _, id := range []string{timeoutID(n.ID), remindID(n.ID)} {
			if n.Timeout != nil && (d.Node(id) != nil || d.Flow(id) != nil) {
				return nodeErr(id, "与节点 %s 的超时定时器 id 冲突", "collides with the id of a timer of node %s", n.ID)
			}
		}
	}
	return nil
}

func writeNode(w *xmlWriter, d *Definition, n *Node) {
	name := bpmnElements[n.Type]
	attrs := []string{"id", n.ID, "name", n.Name}
	if n.Type.Gateway() {
		for _, f := range d.Outgoing(n.ID) {
			if f.Default {
				attrs = append(attrs, "default", f.ID)
			}
		}
	}
	w.open(name, append(attrs, settingAttrs(n)...)...)
	writeExtensions(w, n)
	for _, f := range d.Incoming(n.ID) {
		w.text("bpmn:incoming", f.ID)
	}
	for _, f := range d.Outgoing(n.ID) {
		w.text("bpmn:outgoing", f.ID)
	}
	if n.Type == Timer {
		w.open("bpmn:timerEventDefinition")
		if n.Delay != "" {
			w.text("bpmn:timeDuration", isoOrAsIs(n.Delay), "xsi:type", "bpmn:tFormalExpression")
		}
		if n.UntilField != "" {
			w.text("bpmn:timeDate", n.UntilField, "xsi:type", "bpmn:tFormalExpression")
		}
		w.close("bpmn:timerEventDefinition")
	}
	w.close(name)
}

// settingAttrs are a node's scalar settings as tritium: attributes.
func settingAttrs(n *Node) []string {
	attrs := []string{
		"tritium:mode", string(n.Mode), "tritium:emptyPolicy", string(n.EmptyPolicy),
		"tritium:emptyUser", n.EmptyUser, "tritium:rejectPolicy", string(n.RejectPolicy),
		"tritium:hook", n.Hook,
	}
	if n.PassPercent != 0 {
		attrs = append(attrs, "tritium:passPercent", strconv.Itoa(n.PassPercent))
	}
	if x := n.External; x != nil {
		attrs = append(attrs, "tritium:externalUrl", x.URL, "tritium:externalClient", x.Client)
	}
	return append(attrs, "tritium:autoApproveSame", boolAttr(n.AutoApproveSame))
}

// writeExtensions writes assignees and field permissions (in code order,
// so that an export is the same every time).
func writeExtensions(w *xmlWriter, n *Node) {
	if len(n.Assignees) == 0 && len(n.FieldPerms) == 0 {
		return
	}
	w.open("bpmn:extensionElements")
	for _, a := range n.Assignees {
		level := ""
		if a.Level != 0 {
			level = strconv.Itoa(a.Level)
		}
		w.empty("tritium:assignee", "kind", a.Kind, "ids", strings.Join(a.IDs, ","), "level", level,
			"continuous", boolAttr(a.Continuous), "includeSubDepartments", boolAttr(a.IncludeSubDepartments), "field", a.Field, "expr", a.Expr)
	}
	codes := make([]string, 0, len(n.FieldPerms))
	for code := range n.FieldPerms {
		codes = append(codes, code)
	}
	sort.Strings(codes)
	for _, code := range codes {
		w.empty("tritium:fieldPerm", "field", code, "perm", string(n.FieldPerms[code]))
	}
	w.close("bpmn:extensionElements")
}

// boolAttr writes true as "true" and false as nothing (the default).
func boolAttr(b bool) string {
	if b {
		return "true"
	}
	return ""
}

// writeBoundaries writes an approval node's timeout and reminders as
// boundary timers (see FromBPMN).
func writeBoundaries(w *xmlWriter, n *Node) {
	t := n.Timeout
	if t == nil {
		return
	}
	if t.After != "" {
		w.open("bpmn:boundaryEvent", "id", timeoutID(n.ID), "attachedToRef", n.ID,
			"tritium:action", t.Action, "tritium:escalateTo", t.EscalateTo)
		writeTimer(w, "bpmn:timeDuration", t.After)
		w.close("bpmn:boundaryEvent")
	}
	if t.RemindAfter != "" {
		w.open("bpmn:boundaryEvent", "id", remindID(n.ID), "cancelActivity", "false", "attachedToRef", n.ID,
			"tritium:remindEvery", isoOrAsIs(t.RemindEvery))
		writeTimer(w, "bpmn:timeDuration", t.RemindAfter)
		w.close("bpmn:boundaryEvent")
	}
}

func writeTimer(w *xmlWriter, kind, duration string) {
	w.open("bpmn:timerEventDefinition")
	w.text(kind, isoOrAsIs(duration), "xsi:type", "bpmn:tFormalExpression")
	w.close("bpmn:timerEventDefinition")
}

// isoOrAsIs writes a positive Go duration in ISO 8601, the form BPMN
// tools expect, and leaves anything else (ISO already, or invalid) as it
// is for Validate to judge.
func isoOrAsIs(s string) string {
	if s == "" || strings.HasPrefix(s, "P") {
		return s
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return s
	}
	return isoDuration(d)
}

func writeFlow(w *xmlWriter, f *Flow) {
	attrs := []string{"id", f.ID, "name", f.Name, "sourceRef", f.From, "targetRef", f.To}
	if f.Condition == "" {
		w.empty("bpmn:sequenceFlow", attrs...)
		return
	}
	w.open("bpmn:sequenceFlow", attrs...)
	w.text("bpmn:conditionExpression", f.Condition, "xsi:type", "bpmn:tFormalExpression")
	w.close("bpmn:sequenceFlow")
}
