package model

import (
	"bytes"
	"cmp"
	"encoding/xml"
	"strings"

	"github.com/tritiumhq/tritium/internal/apperr"
)

// Namespaces of the BPMN subset.
const (
	NSBPMN    = "http://www.omg.org/spec/BPMN/20100524/MODEL"
	NSBPMNDI  = "http://www.omg.org/spec/BPMN/20100524/DI"
	NSDC      = "http://www.omg.org/spec/DD/20100524/DC"
	NSDI      = "http://www.omg.org/spec/DD/20100524/DI"
	NSXSI     = "http://www.w3.org/2001/XMLSchema-instance"
	NSTritium = "http://tritium.dev/schema/bpmn"
)

// xmlElement is any XML element, children in document order, attribute
// and element names with namespace URIs (not prefixes).
type xmlElement struct {
	XMLName  xml.Name
	Attrs    []xml.Attr   `xml:",any,attr"`
	Text     string       `xml:",chardata"`
	Children []xmlElement `xml:",any"`
}

func (e *xmlElement) is(local string) bool {
	return e.XMLName.Space == NSBPMN && e.XMLName.Local == local
}

// attr returns the attribute local in namespace space ("" for BPMN's own,
// unqualified attributes).
func (e *xmlElement) attr(space, local string) string {
	for _, a := range e.Attrs {
		if a.Name.Space == space && a.Name.Local == local {
			return a.Value
		}
	}
	return ""
}

func (e *xmlElement) child(local string) *xmlElement {
	for i := range e.Children {
		if e.Children[i].is(local) {
			return &e.Children[i]
		}
	}
	return nil
}

// FromBPMN reads a BPMN 2.0 file with one process. The mapping:
//
//	startEvent                          start
//	endEvent                            end
//	userTask                            approval (cc with tritium:type="cc")
//	sendTask                            cc
//	scriptTask, serviceTask             script; Hook from tritium:hook
//	exclusiveGateway, parallelGateway,
//	inclusiveGateway                    the gateway; its default attribute
//	                                    marks the default flow
//	intermediateCatchEvent with a       timer; timeDuration → Delay,
//	timerEventDefinition                timeDate (a field code) → UntilField
//	boundaryEvent with a                a timeout setting of the approval
//	timerEventDefinition                node it is attached to, see below
//	sequenceFlow                        flow; the body of its
//	                                    conditionExpression is the condition
//
// Tritium's settings live in the namespace NSTritium (prefix tritium):
// attributes tritium:mode, passPercent, emptyPolicy, emptyUser,
// autoApproveSame, rejectPolicy and type on userTask and sendTask;
// tritium:hook on script tasks; and inside bpmn:extensionElements the
// elements <tritium:assignee kind ids level continuous
// includeSubDepartments field expr/> (ids comma-separated) and
// <tritium:fieldPerm field perm/>. A tritium:
// attribute or element that is unknown, or anywhere else in the file
// (on a sequenceFlow, the process, a boundary timer's extensionElements …),
// is refused naming the element, so that no setting is dropped silently.
// Other extensions (camunda:, zeebe: …) are ignored.
//
// A boundary timer is not a path but a setting: it must have no outgoing
// flow. An interrupting one (cancelActivity absent or true) is the
// timeout: timeDuration → Timeout.After, tritium:action (autoApprove,
// autoReject or escalate) → Timeout.Action, tritium:escalateTo →
// Timeout.EscalateTo. A non-interrupting one (cancelActivity="false") is
// the reminder: timeDuration → Timeout.RemindAfter and tritium:remindEvery
// → Timeout.RemindEvery, or timeCycle "R/<duration>" for both. A
// boundary timer's own id and name are not kept.
//
// Durations are read as ParseDuration reads them; Go-style ones ("2h")
// become ISO 8601 ("PT2H"), the form BPMN() writes, so that a file and its
// export import alike.
//
// The bpmndi:BPMNDiagram is kept in Definition.Diagram when it draws
// every node and flow; shapes of elements that are not imported (lanes,
// annotations) are dropped from it. A file without a usable diagram (none,
// or one drawing pools) gets a generated layout instead, so that an export
// and a new import always agree. Artifacts (textAnnotation,
// association, group, laneSet, data objects) are ignored; any other flow
// element (subProcess, plain task, message events …) is refused.
//
// FromBPMN checks the file's shape only; call Validate before using the
// definition.
func FromBPMN(data []byte) (*Definition, error) {
	var root xmlElement
	if err := xml.NewDecoder(bytes.NewReader(data)).Decode(&root); err != nil {
		return nil, apperr.New(apperr.Malformed, "BPMN 文件不是有效的 XML (the BPMN file is not valid XML): %s", err)
	}
	if root.XMLName.Space != NSBPMN || root.XMLName.Local != "definitions" {
		return nil, apperr.New(apperr.Invalid, "不是 BPMN 2.0 文件: 根元素须为 definitions (not a BPMN 2.0 file: the root must be bpmn:definitions)")
	}
	proc, err := onlyProcess(&root)
	if err != nil {
		return nil, err
	}
	r := &bpmnReader{d: &Definition{}, boundaries: map[string]bool{}}
	if err := r.process(proc); err != nil {
		return nil, err
	}
	if err := checkTritiumUse(&root); err != nil {
		return nil, err
	}
	diagram, err := extractDiagram(data)
	if err != nil {
		return nil, apperr.New(apperr.Malformed, "BPMN 图形部分无效 (the BPMN diagram is not valid XML): %s", err)
	}
	process := proc.attr("", "id")
	if r.d.Diagram = fitImported(diagram, process, r.renamed, r.d); r.d.Diagram == "" {
		r.d.Diagram = generatedDiagram(r.d, cmp.Or(process, "Process_1"))
	}
	return r.d, nil
}

func onlyProcess(root *xmlElement) (*xmlElement, error) {
	var proc *xmlElement
	for i := range root.Children {
		if root.Children[i].is("process") {
			if proc != nil {
				return nil, apperr.New(apperr.Invalid, "BPMN 文件只能包含一个流程 (the BPMN file must contain exactly one process)")
			}
			proc = &root.Children[i]
		}
	}
	if proc == nil {
		return nil, apperr.New(apperr.Invalid, "BPMN 文件不包含流程 (the BPMN file contains no process)")
	}
	return proc, nil
}

// bpmnReader builds a definition from a process element.
type bpmnReader struct {
	d          *Definition
	pending    []*xmlElement     // boundary events, applied once every node is known
	boundaries map[string]bool   // their ids
	renamed    map[string]string // boundary id → the id export will give it
}

// ignored are process children that do not take part in the flow.
var ignored = map[string]bool{
	"laneSet": true, "textAnnotation": true, "association": true, "group": true,
	"documentation": true, "extensionElements": true, "dataObject": true,
	"dataObjectReference": true, "dataStoreReference": true, "property": true,
	"ioSpecification": true, "category": true,
}

func (r *bpmnReader) process(proc *xmlElement) error {
	var flows []*xmlElement
	for i := range proc.Children {
		e := &proc.Children[i]
		switch {
		case e.XMLName.Space != NSBPMN || ignored[e.XMLName.Local]:
		case e.is("sequenceFlow"):
			flows = append(flows, e)
		case e.is("boundaryEvent"):
			r.pending = append(r.pending, e)
			r.boundaries[e.attr("", "id")] = true
		default:
			n, err := bpmnNode(e)
			if err != nil {
				return err
			}
			r.d.Nodes = append(r.d.Nodes, n)
		}
	}
	for _, e := range flows {
		if err := r.flow(e); err != nil {
			return err
		}
	}
	if err := r.defaults(proc); err != nil {
		return err
	}
	return r.applyBoundaries()
}

func (r *bpmnReader) flow(e *xmlElement) error {
	f := &Flow{ID: e.attr("", "id"), From: e.attr("", "sourceRef"), To: e.attr("", "targetRef"), Name: e.attr("", "name")}
	if r.boundaries[f.From] {
		return nodeErr(f.From, "是边界定时器, 不能有流出的连线; 超时动作请用 tritium:action 设置",
			"is a boundary timer and cannot have outgoing flows; set the timeout action with tritium:action")
	}
	if c := e.child("conditionExpression"); c != nil {
		f.Condition = strings.TrimSpace(c.Text)
	}
	r.d.Flows = append(r.d.Flows, f)
	return nil
}

// defaults marks the flows named by gateways' default attributes.
func (r *bpmnReader) defaults(proc *xmlElement) error {
	for _, e := range proc.Children {
		id := e.attr("", "default")
		if id == "" || e.XMLName.Space != NSBPMN {
			continue
		}
		f := r.d.Flow(id)
		if f == nil || f.From != e.attr("", "id") {
			return nodeErr(e.attr("", "id"), "的默认连线 %s 不是它流出的连线", "names %s as its default flow, which does not leave it", id)
		}
		f.Default = true
	}
	return nil
}
