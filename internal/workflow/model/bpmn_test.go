package model

import (
	"bytes"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/tritiumhq/tritium/internal/apperr"
	"github.com/tritiumhq/tritium/internal/form"
)

// roundTrip checks FromBPMN → BPMN → FromBPMN on d's export, and that
// exporting again writes the same bytes.
func roundTrip(t *testing.T, d *Definition) []byte {
	t.Helper()
	out, err := d.BPMN()
	if err != nil {
		t.Fatalf("BPMN: %v", err)
	}
	again, err := FromBPMN(out)
	if err != nil {
		t.Fatalf("FromBPMN of our own export: %v\n%s", err, out)
	}
	wantEqual(t, again, d)
	if out2, _ := again.BPMN(); !bytes.Equal(out2, out) {
		t.Errorf("a second export differs from the first")
	}
	return out
}

// The fixture was written by bpmn-moddle, bpmn-js's serializer.
func TestBPMNFixture(t *testing.T) {
	src := mustRead(t, "two-level-approval.bpmn")
	d, err := FromBPMN(src)
	if err != nil {
		t.Fatal(err)
	}
	env := Env{Fields: map[string]form.Type{"F0000002": form.Decimal}}
	if err := d.Validate(env); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	manager, gm := d.Node("Activity_0q8zk1m"), d.Node("Activity_1v3ncy2")
	if manager == nil || gm == nil || len(d.Nodes) != 6 || len(d.Flows) != 6 {
		t.Fatalf("nodes %d, flows %d", len(d.Nodes), len(d.Flows))
	}
	if a := manager.Assignees; len(a) != 1 || a[0].Kind != AssignLeader || a[0].Level != 1 {
		t.Errorf("manager assignees = %+v", a)
	}
	if *manager.Timeout != (Timeout{After: "P2D", Action: TimeoutAutoApprove, RemindAfter: "PT12H", RemindEvery: "PT12H"}) {
		t.Errorf("manager timeout = %+v", manager.Timeout)
	}
	if a := gm.Assignees; len(a) != 1 || a[0].Kind != AssignRole || len(a[0].IDs) != 1 || a[0].IDs[0] != "general-manager" {
		t.Errorf("gm assignees = %+v", a)
	}
	if gm.Mode != ModeAll || gm.RejectPolicy != RejectInitiator || gm.FieldPerms["F0000002"] != PermReadonly {
		t.Errorf("gm settings = %+v", gm)
	}
	if f := d.Flow("Flow_0v2zq8k"); f.Condition != "F0000002 > 10000" || f.Name != "一万以上" || f.Default {
		t.Errorf("conditional flow = %+v", f)
	}
	if f := d.Flow("Flow_1rg6w1t"); !f.Default || f.Condition != "" {
		t.Errorf("default flow = %+v", f)
	}
	out := roundTrip(t, d)
	wantDiagramKept(t, src, out)
}

// wantDiagramKept: every shape bound and waypoint bpmn-js wrote is in the
// export, and the boundary timers' shapes point at their new ids.
func wantDiagramKept(t *testing.T, src, out []byte) {
	t.Helper()
	for _, re := range []string{`<dc:Bounds [^>]*>`, `<di:waypoint [^>]*>`, `<bpmndi:BPMNPlane [^>]*>`} {
		for _, m := range regexp.MustCompile(re).FindAll(src, -1) {
			if !bytes.Contains(out, m) {
				t.Errorf("export lost %s", m)
			}
		}
	}
	for _, s := range []string{
		`<bpmndi:BPMNShape id="Event_0h2m9tq_di" bpmnElement="Activity_0q8zk1m_timeout">`,
		`<bpmndi:BPMNShape id="Event_1c7ra4e_di" bpmnElement="Activity_0q8zk1m_remind">`,
		`<bpmn:boundaryEvent id="Activity_0q8zk1m_timeout" attachedToRef="Activity_0q8zk1m" tritium:action="autoApprove">`,
		`<bpmn:process id="Process_1" isExecutable="true">`,
	} {
		if !bytes.Contains(out, []byte(s)) {
			t.Errorf("export lacks %s", s)
		}
	}
}

// Definitions without a diagram (from the tree) get a generated layout
// that draws every element, and come back the same.
func TestBPMNRoundTripFromTree(t *testing.T) {
	for name, src := range trees {
		t.Run(name, func(t *testing.T) {
			d := mustTree(t, src)
			out, err := d.BPMN()
			if err != nil {
				t.Fatal(err)
			}
			back, err := FromBPMN(out)
			if err != nil {
				t.Fatalf("FromBPMN: %v\n%s", err, out)
			}
			mustValid(t, back)
			if _, plane, ok := fitDiagram(back.Diagram, nil, drawable(back)); !ok || plane != "Process_1" {
				t.Fatalf("the generated layout does not draw every element:\n%s", out)
			}
			roundTrip(t, back)
			back.Diagram = ""
			wantEqual(t, back, isoDurations(d))
		})
	}
}

// isoDurations is d with Go durations written in ISO 8601, as BPMN does.
func isoDurations(d *Definition) *Definition {
	for _, n := range d.Nodes {
		n.Delay = isoOrAsIs(n.Delay)
		if t := n.Timeout; t != nil {
			t.After, t.RemindAfter, t.RemindEvery = isoOrAsIs(t.After), isoOrAsIs(t.RemindAfter), isoOrAsIs(t.RemindEvery)
		}
	}
	return d
}

func TestBPMNGeneratedLayout(t *testing.T) {
	d := g("s:start m:exclusive a:approval x:exclusive e:end", "s>m", "m>a", "a>x", "x>m|F0000004", "x>e|default")
	d.Node("a").Timeout = &Timeout{After: "1h", Action: TimeoutAutoReject}
	out, err := d.BPMN()
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"s", "m", "a", "x", "e", "a_timeout"} {
		if !bytes.Contains(out, []byte(`<bpmndi:BPMNShape id="`+id+`_di" bpmnElement="`+id+`"`)) {
			t.Errorf("no shape for %s", id)
		}
	}
	edges := regexp.MustCompile(`(?s)<bpmndi:BPMNEdge id="(\w+)_di".*?</bpmndi:BPMNEdge>`).FindAllSubmatch(out, -1)
	if len(edges) != len(d.Flows) {
		t.Fatalf("%d edges for %d flows", len(edges), len(d.Flows))
	}
	for _, e := range edges {
		if n := bytes.Count(e[0], []byte("<di:waypoint")); n < 2 {
			t.Errorf("edge %s has %d waypoints", e[1], n)
		}
	}
	// The loop back (x → m) goes under the diagram: its waypoints leave
	// x downwards and enter m from below.
	if !regexp.MustCompile(`(?s)id="f4_di".*?y="1[0-9]{2}" />.*?y="2[0-9]{2}" />`).Match(out) {
		t.Errorf("the loop is not drawn below:\n%s", out)
	}
}

// A file in another tool's style: default namespace, other prefixes,
// camunda extensions, lanes and annotations.
const foreign = `<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI"
    xmlns:omgdc="http://www.omg.org/spec/DD/20100524/DC"
    xmlns:omgdi="http://www.omg.org/spec/DD/20100524/DI"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
    xmlns:t="http://tritium.dev/schema/bpmn" targetNamespace="http://example.com">
  <process id="leave" isExecutable="true">
    <laneSet id="lanes"><lane id="lane1"><flowNodeRef>start</flowNodeRef></lane></laneSet>
    <startEvent id="start" camunda:initiator="starter"><outgoing>s1</outgoing></startEvent>
    <userTask id="hr" name="人事" camunda:assignee="demo" t:mode="vote" t:passPercent="50" t:autoApproveSame="true">
      <extensionElements>
        <camunda:inputOutput><camunda:inputParameter name="a">b</camunda:inputParameter></camunda:inputOutput>
        <t:assignee kind="role" ids="hr, hr2"/>
        <t:assignee kind="leader" level="2" continuous="true"/>
      </extensionElements>
    </userTask>
    <boundaryEvent id="late" attachedToRef="hr" t:action="escalate" t:escalateTo="u9">
      <timerEventDefinition><timeDuration xsi:type="tFormalExpression">PT8H</timeDuration></timerEventDefinition>
    </boundaryEvent>
    <userTask id="notify" name="抄送" t:type="cc"><extensionElements><t:assignee kind="initiator"/></extensionElements></userTask>
    <serviceTask id="hook" t:hook="sync" camunda:class="x.Y"/>
    <intermediateCatchEvent id="wait"><timerEventDefinition><timeDate> F0000009 </timeDate></timerEventDefinition></intermediateCatchEvent>
    <endEvent id="end"/>
    <textAnnotation id="note"><text>请假流程</text></textAnnotation>
    <association id="assoc" sourceRef="hr" targetRef="note"/>
    <sequenceFlow id="s1" sourceRef="start" targetRef="hr"/>
    <sequenceFlow id="s2" sourceRef="hr" targetRef="notify"/>
    <sequenceFlow id="s3" sourceRef="notify" targetRef="hook"/>
    <sequenceFlow id="s4" sourceRef="hook" targetRef="wait"/>
    <sequenceFlow id="s5" sourceRef="wait" targetRef="end"/>
  </process>
  <bpmndi:BPMNDiagram id="diagram">
    <bpmndi:BPMNPlane id="plane" bpmnElement="leave">
      <bpmndi:BPMNShape id="lane1_di" bpmnElement="lane1" isHorizontal="true"><omgdc:Bounds x="0" y="0" width="900" height="200"/></bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="start_di" bpmnElement="start"><omgdc:Bounds x="50" y="80" width="36" height="36"/></bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="hr_di" bpmnElement="hr"><omgdc:Bounds x="120" y="60" width="100" height="80"/></bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="late_di" bpmnElement='late'><omgdc:Bounds x="180" y="122" width="36" height="36"/></bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="notify_di" bpmnElement="notify"><omgdc:Bounds x="260" y="60" width="100" height="80"/></bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="hook_di" bpmnElement="hook"><omgdc:Bounds x="400" y="60" width="100" height="80"/></bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="wait_di" bpmnElement="wait"><omgdc:Bounds x="540" y="80" width="36" height="36"/></bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="end_di" bpmnElement="end"><omgdc:Bounds x="620" y="80" width="36" height="36"/></bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="note_di" bpmnElement="note"><omgdc:Bounds x="300" y="0" width="100" height="30"/></bpmndi:BPMNShape>
      <bpmndi:BPMNEdge id="assoc_di" bpmnElement="assoc"><omgdi:waypoint x="170" y="60"/><omgdi:waypoint x="300" y="15"/></bpmndi:BPMNEdge>
      <bpmndi:BPMNEdge id="s1_di" bpmnElement="s1"><omgdi:waypoint x="86" y="98"/><omgdi:waypoint x="120" y="98"/></bpmndi:BPMNEdge>
      <bpmndi:BPMNEdge id="s2_di" bpmnElement="s2"><omgdi:waypoint x="220" y="98"/><omgdi:waypoint x="260" y="98"/></bpmndi:BPMNEdge>
      <bpmndi:BPMNEdge id="s3_di" bpmnElement="s3"><omgdi:waypoint x="360" y="98"/><omgdi:waypoint x="400" y="98"/></bpmndi:BPMNEdge>
      <bpmndi:BPMNEdge id="s4_di" bpmnElement="s4"><omgdi:waypoint x="500" y="98"/><omgdi:waypoint x="540" y="98"/></bpmndi:BPMNEdge>
      <bpmndi:BPMNEdge id="s5_di" bpmnElement="s5"><omgdi:waypoint x="576" y="98"/><omgdi:waypoint x="620" y="98"/></bpmndi:BPMNEdge>
    </bpmndi:BPMNPlane>
  </bpmndi:BPMNDiagram>
</definitions>`

func TestBPMNForeignTool(t *testing.T) {
	d, err := FromBPMN([]byte(foreign))
	if err != nil {
		t.Fatal(err)
	}
	mustValid(t, d)
	hr := d.Node("hr")
	want := []Assignee{{Kind: AssignRole, IDs: []string{"hr", "hr2"}}, {Kind: AssignLeader, Level: 2, Continuous: true}}
	if !reflect.DeepEqual(hr.Assignees, want) {
		t.Errorf("hr assignees = %+v", hr.Assignees)
	}
	if hr.Mode != ModeVote || hr.PassPercent != 50 || !hr.AutoApproveSame {
		t.Errorf("hr = %+v", hr)
	}
	if *hr.Timeout != (Timeout{After: "PT8H", Action: TimeoutEscalate, EscalateTo: "u9"}) {
		t.Errorf("hr timeout = %+v", hr.Timeout)
	}
	if d.Node("notify").Type != CC || d.Node("hook").Hook != "sync" || d.Node("wait").UntilField != "F0000009" {
		t.Errorf("notify, hook, wait = %+v %+v %+v", d.Node("notify"), d.Node("hook"), d.Node("wait"))
	}
	for _, s := range []string{`xmlns:omgdc="http://www.omg.org/spec/DD/20100524/DC"`, `bpmnElement='hr_timeout'`, `<omgdc:Bounds x="120" y="60"`} {
		if !strings.Contains(d.Diagram, s) {
			t.Errorf("diagram lacks %s:\n%s", s, d.Diagram)
		}
	}
	for _, s := range []string{"lane1", "note", "assoc"} {
		if strings.Contains(d.Diagram, `"`+s+`"`) {
			t.Errorf("diagram keeps the shape of %s, which is not exported", s)
		}
	}
	out := roundTrip(t, d)
	for _, s := range []string{`<bpmn:process id="leave"`, `<bpmn:sendTask id="notify" name="抄送">`, `<bpmn:scriptTask id="hook" tritium:hook="sync">`} {
		if !bytes.Contains(out, []byte(s)) {
			t.Errorf("export lacks %s", s)
		}
	}
}

// A diagram that no longer draws everything is replaced by a generated
// layout; one that draws more loses the extra shapes.
func TestBPMNDiagramFollowsEdits(t *testing.T) {
	d, err := FromBPMN(mustRead(t, "two-level-approval.bpmn"))
	if err != nil {
		t.Fatal(err)
	}
	d.Node("Activity_0q8zk1m").Timeout = nil
	out, err := d.BPMN()
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(out, []byte("Event_0h2m9tq_di")) || !bytes.Contains(out, []byte(`<dc:Bounds x="383" y="65"`)) {
		t.Errorf("removing the timeout should drop its shapes and keep the rest:\n%s", out)
	}
	again, err := FromBPMN(out)
	if err != nil {
		t.Fatal(err)
	}
	roundTrip(t, again)

	d.Nodes = append(d.Nodes, &Node{ID: "notify", Type: CC, Assignees: []Assignee{{Kind: AssignInitiator}}})
	d.Flow("Flow_13b0ur5").To = "notify"
	d.Flows = append(d.Flows, &Flow{ID: "Flow_new", From: "notify", To: "Event_1kf7p0h"})
	mustValid(t, d)
	out, err = d.BPMN()
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(out, []byte(`<dc:Bounds x="383" y="65"`)) || !bytes.Contains(out, []byte(`bpmnElement="notify"`)) {
		t.Errorf("a new node should bring a generated layout:\n%s", out)
	}
}

// bpmnDoc wraps process content in a BPMN document.
func bpmnDoc(process string) []byte {
	return []byte(`<?xml version="1.0"?><bpmn:definitions xmlns:bpmn="` + NSBPMN + `" xmlns:tritium="` + NSTritium +
		`" xmlns:xsi="` + NSXSI + `"><bpmn:process id="P">` + process + `</bpmn:process></bpmn:definitions>`)
}

// minimal is a valid process body around one approval task "a".
const minimal = `<bpmn:startEvent id="s"/><bpmn:endEvent id="e"/>
	<bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="a"/><bpmn:sequenceFlow id="f2" sourceRef="a" targetRef="e"/>`

func TestFromBPMNRejects(t *testing.T) {
	task := `<bpmn:userTask id="a"><bpmn:extensionElements><tritium:assignee kind="initiator"/></bpmn:extensionElements></bpmn:userTask>`
	timer := func(attrs, def string) string {
		return task + `<bpmn:boundaryEvent id="b" attachedToRef="a" ` + attrs + `><bpmn:timerEventDefinition>` + def + `</bpmn:timerEventDefinition></bpmn:boundaryEvent>`
	}
	tests := []struct {
		name  string
		doc   []byte
		code  apperr.Code
		field string
		subst string
	}{
		{"not XML", []byte("<bpmn:definitions"), apperr.Malformed, "", "not valid XML"},
		{"not BPMN", []byte(`<definitions xmlns="urn:other"/>`), apperr.Invalid, "", "not a BPMN 2.0 file"},
		{"no process", []byte(`<definitions xmlns="` + NSBPMN + `"/>`), apperr.Invalid, "", "contains no process"},
		{"two processes", []byte(`<definitions xmlns="` + NSBPMN + `"><process id="a"/><process id="b"/></definitions>`), apperr.Invalid, "", "exactly one process"},
		{"sub-process", bpmnDoc(minimal + `<bpmn:subProcess id="a"/>`), apperr.Invalid, "a", "unsupported BPMN element subProcess"},
		{"plain task", bpmnDoc(minimal + `<bpmn:task id="a"/>`), apperr.Invalid, "a", "unsupported BPMN element task"},
		{"message start", bpmnDoc(`<bpmn:startEvent id="s"><bpmn:messageEventDefinition/></bpmn:startEvent>`), apperr.Invalid, "s", "cannot have the event definition messageEventDefinition"},
		{"signal catch", bpmnDoc(`<bpmn:intermediateCatchEvent id="w"><bpmn:signalEventDefinition/></bpmn:intermediateCatchEvent>`), apperr.Invalid, "w", "only timer catch events"},
		{"cycle delay", bpmnDoc(`<bpmn:intermediateCatchEvent id="w"><bpmn:timerEventDefinition><bpmn:timeCycle>R/PT1H</bpmn:timeCycle></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>`), apperr.Invalid, "w", "timeCycle"},
		{"multi-instance", bpmnDoc(`<bpmn:userTask id="a"><bpmn:multiInstanceLoopCharacteristics/></bpmn:userTask>`), apperr.Invalid, "a", "multi-instance"},
		{"unknown tritium attribute", bpmnDoc(`<bpmn:userTask id="a" tritium:approvers="x"/>`), apperr.Invalid, "a", "unknown attribute tritium:approvers"},
		{"bad passPercent", bpmnDoc(`<bpmn:userTask id="a" tritium:passPercent="half"/>`), apperr.Invalid, "a", `invalid value for tritium:passPercent: "half"`},
		{"cc type on a script", bpmnDoc(`<bpmn:scriptTask id="a" tritium:type="cc"/>`), apperr.Invalid, "a", `tritium:type only as "cc" on a userTask`},
		{"unknown extension", bpmnDoc(`<bpmn:userTask id="a"><bpmn:extensionElements><tritium:approver/></bpmn:extensionElements></bpmn:userTask>`), apperr.Invalid, "a", "unknown extension element tritium:approver"},
		{"tritium attribute on a flow", bpmnDoc(task + `<bpmn:startEvent id="s"/><bpmn:endEvent id="e"/><bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="a" tritium:condition="F1 > 1"/><bpmn:sequenceFlow id="f2" sourceRef="a" targetRef="e"/>`),
			apperr.Invalid, "f1", "flow f1 has the attribute tritium:condition, which Tritium does not read here"},
		{"tritium element on a flow", bpmnDoc(task + `<bpmn:startEvent id="s"/><bpmn:endEvent id="e"/><bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="a"><bpmn:extensionElements><tritium:assignee kind="initiator"/></bpmn:extensionElements></bpmn:sequenceFlow><bpmn:sequenceFlow id="f2" sourceRef="a" targetRef="e"/>`),
			apperr.Invalid, "f1", "extension element tritium:assignee"},
		{"tritium attribute on the process", []byte(`<bpmn:definitions xmlns:bpmn="` + NSBPMN + `" xmlns:tritium="` + NSTritium + `"><bpmn:process id="P" tritium:mode="all">` + minimal + task + `</bpmn:process></bpmn:definitions>`),
			apperr.Invalid, "P", "BPMN element P (process) has the attribute tritium:mode"},
		{"tritium attribute on the root", []byte(`<bpmn:definitions xmlns:bpmn="` + NSBPMN + `" xmlns:tritium="` + NSTritium + `" tritium:version="2"><bpmn:process id="P">` + minimal + task + `</bpmn:process></bpmn:definitions>`),
			apperr.Invalid, "", "definitions element has the attribute tritium:version"},
		{"tritium element outside extensionElements", bpmnDoc(minimal + `<bpmn:userTask id="a"><tritium:assignee kind="initiator"/></bpmn:userTask>`),
			apperr.Invalid, "a", "node a has the extension element tritium:assignee where Tritium does not read it"},
		{"tritium element inside another", bpmnDoc(minimal + `<bpmn:userTask id="a"><bpmn:extensionElements><tritium:assignee kind="user"><tritium:id>u1</tritium:id></tritium:assignee></bpmn:extensionElements></bpmn:userTask>`),
			apperr.Invalid, "a", "extension element tritium:id"},
		{"tritium attribute on a timer definition", bpmnDoc(`<bpmn:intermediateCatchEvent id="w"><bpmn:timerEventDefinition tritium:every="PT1H"><bpmn:timeDuration>PT1H</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>`),
			apperr.Invalid, "w", "attribute tritium:every"},
		{"tritium element on a boundary timer", bpmnDoc(minimal + task + `<bpmn:boundaryEvent id="b" attachedToRef="a" tritium:action="escalate"><bpmn:extensionElements><tritium:escalateTo>u1</tritium:escalateTo></bpmn:extensionElements>` +
			`<bpmn:timerEventDefinition><bpmn:timeDuration>PT1H</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:boundaryEvent>`),
			apperr.Invalid, "b", "a boundary timer takes only the attributes"},
		{"unknown field permission attribute", bpmnDoc(`<bpmn:userTask id="a"><bpmn:extensionElements><tritium:fieldPerm field="F1" perm="hidden" role="x"/></bpmn:extensionElements></bpmn:userTask>`), apperr.Invalid, "a", "tritium:fieldPerm with an unknown attribute role"},
		{"bad assignee level", bpmnDoc(`<bpmn:userTask id="a"><bpmn:extensionElements><tritium:assignee kind="leader" level="x"/></bpmn:extensionElements></bpmn:userTask>`), apperr.Invalid, "a", "invalid attribute level"},
		{"repeated field permission", bpmnDoc(`<bpmn:userTask id="a"><bpmn:extensionElements><tritium:fieldPerm field="F1" perm="hidden"/><tritium:fieldPerm field="F1" perm="readonly"/></bpmn:extensionElements></bpmn:userTask>`), apperr.Invalid, "a", "missing or repeated"},
		{"default not leaving the gateway", bpmnDoc(minimal + task + `<bpmn:exclusiveGateway id="x" default="f1"/>`), apperr.Invalid, "x", "names f1 as its default flow"},
		{"boundary with a path", bpmnDoc(minimal + timer(`tritium:action="autoReject"`, `<bpmn:timeDuration>PT1H</bpmn:timeDuration>`) +
			`<bpmn:sequenceFlow id="f3" sourceRef="b" targetRef="e"/>`), apperr.Invalid, "b", "cannot have outgoing flows"},
		{"boundary on a gateway", bpmnDoc(`<bpmn:exclusiveGateway id="x"/><bpmn:boundaryEvent id="b" attachedToRef="x"><bpmn:timerEventDefinition/></bpmn:boundaryEvent>`), apperr.Invalid, "b", "attached to an approval node"},
		{"error boundary", bpmnDoc(task + `<bpmn:boundaryEvent id="b" attachedToRef="a"><bpmn:errorEventDefinition/></bpmn:boundaryEvent>`), apperr.Invalid, "b", "only timer boundary events"},
		{"timeout without action", bpmnDoc(timer(``, `<bpmn:timeDuration>PT1H</bpmn:timeDuration>`)), apperr.Invalid, "b", "needs tritium:action"},
		{"timeout at a date", bpmnDoc(timer(`tritium:action="autoApprove"`, `<bpmn:timeDate>2030-01-01</bpmn:timeDate>`)), apperr.Invalid, "b", "needs a timeDuration"},
		{"timeout with remindEvery", bpmnDoc(timer(`tritium:action="autoApprove" tritium:remindEvery="PT1H"`, `<bpmn:timeDuration>PT1H</bpmn:timeDuration>`)), apperr.Invalid, "b", "cannot have tritium:remindEvery"},
		{"reminder with action", bpmnDoc(timer(`cancelActivity="false" tritium:action="autoApprove"`, `<bpmn:timeDuration>PT1H</bpmn:timeDuration>`)), apperr.Invalid, "b", "cannot have tritium:action"},
		{"reminder cycle with a count", bpmnDoc(timer(`cancelActivity="false"`, `<bpmn:timeCycle>R3/PT1H</bpmn:timeCycle>`)), apperr.Invalid, "b", "R/<duration>"},
		{"reminder cycle and remindEvery", bpmnDoc(timer(`cancelActivity="false" tritium:remindEvery="PT1H"`, `<bpmn:timeCycle>R/PT1H</bpmn:timeCycle>`)), apperr.Invalid, "b", "both a timeCycle and tritium:remindEvery"},
		{"two timeouts", bpmnDoc(timer(`tritium:action="autoApprove"`, `<bpmn:timeDuration>PT1H</bpmn:timeDuration>`) +
			`<bpmn:boundaryEvent id="b2" attachedToRef="a" tritium:action="autoReject"><bpmn:timerEventDefinition><bpmn:timeDuration>PT2H</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:boundaryEvent>`),
			apperr.Invalid, "b2", "second interrupting timer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := FromBPMN(tt.doc)
			e := apperr.As(err)
			if e == nil || e.Code != tt.code || e.Field != tt.field || !strings.Contains(e.Message, tt.subst) {
				t.Fatalf("err = %v (%#v), want %s naming %q containing %q", err, e, tt.code, tt.field, tt.subst)
			}
		})
	}
}

// A diagram that draws a collaboration (pools) is not kept, since the
// export has no collaboration for it to draw, and neither is one that
// misses elements: both are replaced by a generated layout.
func TestFromBPMNReplacesUnusableDiagram(t *testing.T) {
	for name, doc := range map[string]string{
		"pool":         strings.Replace(foreign, `bpmnElement="leave"`, `bpmnElement="collab"`, 1),
		"missing edge": strings.Replace(foreign, `bpmnElement="s5"`, `bpmnElement="s6"`, 1),
		"none":         foreign[:strings.Index(foreign, "<bpmndi:BPMNDiagram")] + "</definitions>",
	} {
		t.Run(name, func(t *testing.T) {
			d, err := FromBPMN([]byte(doc))
			if err != nil {
				t.Fatal(err)
			}
			if d.Diagram != generatedDiagram(d, "leave") {
				t.Errorf("kept an unusable diagram:\n%s", d.Diagram)
			}
			roundTrip(t, d)
		})
	}
}

func TestBPMNBoundaryIDCollision(t *testing.T) {
	d := twoLevel()
	d.Node("approve1").Timeout = &Timeout{After: "1h", Action: TimeoutAutoApprove}
	d.Node("approve2").ID = "approve1_timeout"
	_, err := d.BPMN()
	wantInvalid(t, err, "approve1_timeout", "collides with the id of a timer of node approve1")
}

// The bpmnjs-resaved fixtures are our exports (of the two-level fixture
// and of trees["every kind of node"]) opened in the bpmn-js 18.31.1
// Modeler and saved again with saveXML: what a console user who opens and
// saves a process gives back. They import to the same definitions, with
// the diagram kept.
func TestBPMNResavedByBPMNJS(t *testing.T) {
	original, err := FromBPMN(mustRead(t, "two-level-approval.bpmn"))
	if err != nil {
		t.Fatal(err)
	}
	for file, want := range map[string]*Definition{
		"two-level-approval.bpmnjs-resaved.bpmn": original,
		"every-node-type.bpmnjs-resaved.bpmn":    isoDurations(mustTree(t, trees["every kind of node"])),
	} {
		t.Run(file, func(t *testing.T) {
			src := mustRead(t, file)
			d, err := FromBPMN(src)
			if err != nil {
				t.Fatal(err)
			}
			mustValid(t, d)
			// bpmn-js keeps the exporter attribute but writes the
			// diagram in its own order.
			if out := roundTrip(t, d); bytes.Equal(out, src) {
				t.Fatalf("%s is our own export, not bpmn-js's", file)
			}
			d.Diagram, want.Diagram = "", ""
			wantEqual(t, d, want)
		})
	}
}
