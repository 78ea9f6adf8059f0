package model

import (
	"testing"
	"time"
)

func TestValidateAccepts(t *testing.T) {
	tests := map[string]*Definition{
		"two levels": twoLevel(),
		"parallel block": g("s:start p:parallel a:approval b:cc j:parallel e:end",
			"s>p", "p>a", "p>b", "a>j", "b>j", "j>e"),
		"inclusive block with default": g("s:start i:inclusive a:approval b:approval j:inclusive e:end",
			"s>i", `i>a|F0000006 == "采购"`, "i>b|default", "a>j", "b>j", "j>e"),
		"nested blocks": g("s:start p:parallel x:exclusive a:approval xj:exclusive b:script pj:parallel e:end",
			"s>p", "p>x", "p>b", "x>a|F0000004", "x>xj|default", "a>xj", "xj>pj", "b>pj", "pj>e"),
		"rework loop with exit": g("s:start m:exclusive a:approval x:exclusive e:end",
			"s>m", "m>a", "a>x", "x>m|F0000004", "x>e|default"),
		"parallel branches ending separately": g("s:start p:parallel a:approval b:approval e1:end e2:end",
			"s>p", "p>a", "p>b", "a>e1", "b>e2"),
		"parallel branches sharing an end": g("s:start p:parallel a:approval b:approval e:end",
			"s>p", "p>a", "p>b", "a>e", "b>e"),
		"gateway passing through": g("s:start x:exclusive e:end", "s>x", "x>e"),
		"timer until a date":      g("s:start t:timer e:end", "s>t", "t>e"),
	}
	tests["timer until a date"].Node("t").Delay, tests["timer until a date"].Node("t").UntilField = "", "F0000009"
	for name, d := range tests {
		t.Run(name, func(t *testing.T) { mustValid(t, d) })
	}
}

// TestValidateRichSettings: every setting in a valid combination.
func TestValidateRichSettings(t *testing.T) {
	d := twoLevel()
	a := d.Node("approve1")
	a.Mode, a.PassPercent = ModeVote, 60
	a.EmptyPolicy, a.EmptyUser = EmptyUser, "admin2"
	a.AutoApproveSame, a.RejectPolicy = true, RejectInitiator
	a.FieldPerms = map[string]FieldPerm{"F0000002": PermReadonly, "F0000001": PermHidden, "F0000004": PermEditable}
	a.Timeout = &Timeout{After: "P2DT4H", RemindAfter: "4h", RemindEvery: "PT2H", Action: TimeoutEscalate, EscalateTo: EscalateLeader}
	a.Assignees = []Assignee{
		{Kind: AssignUser, IDs: []string{"u1", "u2"}},
		{Kind: AssignRole, IDs: []string{"r1"}},
		{Kind: AssignDepartment, IDs: []string{"d1"}},
		{Kind: AssignInitiator},
		{Kind: AssignLeader, Level: 3, Continuous: true},
		{Kind: AssignField, Field: "F0000005"},
		{Kind: AssignField, Field: "F0000008"},
		{Kind: AssignChosen},
		{Kind: AssignChosen, IDs: []string{"u3", "u4"}},
		{Kind: AssignExpression, Expr: `F0000002 > 5000 ? "u9" : initiator.id`},
		{Kind: AssignExpression, Expr: `F0000008`},
		{Kind: AssignExpression, Expr: `["u1", "u2"]`},
		{Kind: AssignExpression, Expr: `F0000004 ? F0000008 : [F0000005]`},
	}
	d.Flow("f3").Condition = `F0000002 > 10000 && "r1" in initiator.roles && initiator.departmentId != "d9" || F0000003 > now() && len(F0000011) > 0`
	mustValid(t, d)
}

func TestValidateRejects(t *testing.T) {
	tests := []struct {
		name   string
		def    func() *Definition
		field  string // the node or flow the error must name
		substr string // part of the English message
	}{
		// External approval.
		{"external with assignees", func() *Definition {
			d := twoLevel()
			d.Node("approve1").External = &External{URL: "https://erp.example.com/a"}
			return d
		}, "approve1", "cannot have assignees"},
		{"external without a URL", func() *Definition {
			d := twoLevel()
			n := d.Node("approve1")
			n.Assignees, n.External = nil, &External{}
			return d
		}, "approve1", "external.url"},
		{"external with user info", func() *Definition {
			d := twoLevel()
			n := d.Node("approve1")
			n.Assignees, n.External = nil, &External{URL: "https://u:p@erp.example.com/"}
			return d
		}, "approve1", "external.url"},
		{"external escalating", func() *Definition {
			d := twoLevel()
			n := d.Node("approve1")
			n.Assignees, n.External = nil, &External{URL: "https://erp.example.com/"}
			n.Timeout = &Timeout{After: "1h", Action: TimeoutEscalate, EscalateTo: EscalateLeader}
			return d
		}, "approve1", "cannot escalate"},
		{"external on a cc", func() *Definition {
			d := twoLevel()
			n := d.Node("approve2")
			n.Type, n.External = CC, &External{URL: "https://x/"}
			return d
		}, "approve2", "cannot have external"},
		// Graph.
		{"nil node", func() *Definition { d := twoLevel(); d.Nodes[2] = nil; return d }, "nodes", "node #3 has no id"},
		{"bad id", func() *Definition { d := twoLevel(); d.Node("end").ID = "1end"; return d }, "1end", "invalid id"},
		{"id with space", func() *Definition { d := twoLevel(); d.Flow("f2").ID = "f 2"; return d }, "f 2", "invalid id"},
		{"duplicate node id", func() *Definition {
			d := twoLevel()
			d.Nodes = append(d.Nodes, &Node{ID: "approve2", Type: End})
			return d
		}, "approve2", "duplicate id"},
		{"flow id taken by a node", func() *Definition { d := twoLevel(); d.Flow("f6").ID = "join"; return d }, "join", "duplicate id"},
		{"unknown type", func() *Definition { d := twoLevel(); d.Node("approve2").Type = "branch"; return d }, "approve2", `unknown type "branch"`},
		{"flow to a missing node", func() *Definition { d := twoLevel(); d.Flow("f5").To = "ghost"; return d }, "f5", `missing node "ghost"`},
		{"no start", func() *Definition {
			return g("a:approval e:end", "a>e")
		}, "nodes", "no start node"},
		{"two starts", func() *Definition {
			return g("s:start s2:start e:end", "s>e", "s2>e")
		}, "s2", "second start"},
		{"start with incoming flow", func() *Definition {
			return g("s:start a:approval x:exclusive e:end", "s>a", "a>x", "x>s|F0000004", "x>e|default")
		}, "s", "cannot have incoming flows"},
		{"no end", func() *Definition {
			return g("s:start a:approval", "s>a", "a>a")
		}, "nodes", "no end node"},
		{"end with outgoing flow", func() *Definition {
			return g("s:start e:end a:approval e2:end", "s>e", "e>a", "a>e2")
		}, "e", "cannot have outgoing flows"},
		{"approval with two outgoing flows", func() *Definition {
			return g("s:start a:approval b:approval e:end", "s>a", "a>b", "a>e", "b>e")
		}, "a", "exactly one outgoing flow, has 2"},
		{"cc with no outgoing flow", func() *Definition {
			return g("s:start p:parallel c:cc e:end", "s>p", "p>c", "p>e")
		}, "c", "exactly one outgoing flow, has 0"},
		{"start with two outgoing flows", func() *Definition {
			return g("s:start a:approval x:exclusive e:end", "s>a", "a>e", "s>x", "x>e")
		}, "s", "exactly one outgoing flow, has 2"},
		{"dead-end gateway", func() *Definition {
			return g("s:start x:exclusive e:end", "s>e")
		}, "x", "has no outgoing flow"},
		{"unreachable node", func() *Definition {
			return g("s:start approve1:approval approve2:approval e:end", "s>approve1", "approve1>e", "approve2>e")
		}, "approve2", "is unreachable from the start"},
		{"loop without exit", func() *Definition {
			return g("s:start a:approval x:exclusive b:approval c:approval e:end",
				"s>a", "a>x", "x>e|F0000004", "x>b|default", "b>c", "c>b")
		}, "b", "cannot reach an end"},
		{"parallel join without split", func() *Definition {
			return g("s:start x:exclusive a:approval b:approval j:parallel e:end",
				"s>x", "x>a|F0000004", "x>b|default", "a>j", "b>j", "j>e")
		}, "j", "parallel join without a matching parallel split"},
		{"parallel join closing a loop", func() *Definition {
			return g("s:start j:parallel a:approval x:exclusive e:end", "s>j", "j>a", "a>x", "x>j|F0000004", "x>e|default")
		}, "j", "parallel join without a matching parallel split"},
		{"inclusive join closing a parallel split", func() *Definition {
			return g("s:start p:parallel a:approval b:approval j:inclusive e:end",
				"s>p", "p>a", "p>b", "a>j", "b>j", "j>e")
		}, "j", "inclusive join without a matching inclusive split"},
		{"exclusive gateway merging parallel branches", func() *Definition {
			return g("s:start p:parallel a:approval b:approval m:exclusive e:end",
				"s>p", "p>a", "p>b", "a>m", "b>m", "m>e")
		}, "m", "merges the branches of parallel split p without waiting"},
		{"task merging inclusive branches", func() *Definition {
			return g("s:start i:inclusive a:approval b:approval c:approval e:end",
				"s>i", "i>a|F0000004", "i>b|default", "a>c", "b>c", "c>e")
		}, "c", "merges the branches of inclusive split i"},

		// Flows.
		{"split flow without condition", func() *Definition { d := twoLevel(); d.Flow("f3").Condition = ""; return d }, "f3", "needs a condition"},
		{"two default flows", func() *Definition {
			d := twoLevel()
			d.Flow("f3").Condition, d.Flow("f3").Default = "", true
			return d
		}, "split", "has 2 default flows"},
		{"default flow with a condition", func() *Definition { d := twoLevel(); d.Flow("f4").Condition = "F0000004"; return d }, "f4", "default flow and cannot have a condition"},
		{"condition after a task", func() *Definition { d := twoLevel(); d.Flow("f2").Condition = "F0000004"; return d }, "f2", "does not leave an exclusive or inclusive split"},
		{"condition on a parallel split", func() *Definition {
			return g("s:start p:parallel a:approval b:approval j:parallel e:end",
				"s>p", "p>a|F0000004", "p>b", "a>j", "b>j", "j>e")
		}, "f2", "does not leave an exclusive or inclusive split"},
		{"default after a task", func() *Definition { d := twoLevel(); d.Flow("f6").Default = true; return d }, "f6", "cannot have a condition or be the default"},
		{"condition on an unknown field", func() *Definition { d := twoLevel(); d.Flow("f3").Condition = "F0000099 > 1"; return d }, "f3", "flow f3 (split → approve2) has an invalid condition: unknown name F0000099"},
		{"condition not bool", func() *Definition { d := twoLevel(); d.Flow("f3").Condition = "F0000002 + 1"; return d }, "f3", "expected bool"},
		{"condition comparing a number with text", func() *Definition { d := twoLevel(); d.Flow("f3").Condition = `F0000002 > "x"`; return d }, "f3", "mismatched types float64 and string"},
		{"condition on an unknown initiator attribute", func() *Definition { d := twoLevel(); d.Flow("f3").Condition = `initiator.salary > 1`; return d }, "f3", "has no field salary"},
		{"condition syntax error", func() *Definition { d := twoLevel(); d.Flow("f3").Condition = `F0000002 >`; return d }, "f3", "invalid condition"},

		// Settings on the wrong node type.
		{"mode on cc", func() *Definition {
			d := g("s:start c:cc e:end", "s>c", "c>e")
			d.Node("c").Mode = ModeAll
			return d
		}, "c", "cc node and cannot have mode"},
		{"hook on approval", func() *Definition { d := twoLevel(); d.Node("approve1").Hook = "x"; return d }, "approve1", "cannot have hook"},
		{"assignees on a gateway", func() *Definition {
			d := twoLevel()
			d.Node("split").Assignees = []Assignee{{Kind: AssignInitiator}}
			return d
		}, "split", "exclusive node and cannot have assignees"},
		{"field permissions on the end", func() *Definition {
			d := twoLevel()
			d.Node("end").FieldPerms = map[string]FieldPerm{"F0000001": PermHidden}
			return d
		}, "end", "cannot have fieldPerms"},
		{"timeout on cc", func() *Definition {
			d := g("s:start c:cc e:end", "s>c", "c>e")
			d.Node("c").Timeout = &Timeout{After: "1h", Action: TimeoutAutoApprove}
			return d
		}, "c", "cannot have timeout"},
		{"delay on approval", func() *Definition { d := twoLevel(); d.Node("approve2").Delay = "1h"; return d }, "approve2", "cannot have delay"},

		// Approval settings.
		{"approval without assignees", func() *Definition { d := twoLevel(); d.Node("approve2").Assignees = nil; return d }, "approve2", "has no assignees"},
		{"cc without assignees", func() *Definition {
			d := g("s:start c:cc e:end", "s>c", "c>e")
			d.Node("c").Assignees = []Assignee{}
			return d
		}, "c", "has no assignees"},
		{"unknown mode", func() *Definition { d := twoLevel(); d.Node("approve2").Mode = "majority"; return d }, "approve2", `invalid mode "majority"`},
		{"vote without passPercent", func() *Definition { d := twoLevel(); d.Node("approve2").Mode = ModeVote; return d }, "approve2", "passPercent from 1 to 100"},
		{"vote over 100 percent", func() *Definition {
			d := twoLevel()
			d.Node("approve2").Mode, d.Node("approve2").PassPercent = ModeVote, 101
			return d
		}, "approve2", "passPercent from 1 to 100"},
		{"passPercent without vote", func() *Definition {
			d := twoLevel()
			d.Node("approve2").Mode, d.Node("approve2").PassPercent = ModeAll, 50
			return d
		}, "approve2", "passPercent only with mode vote"},
		{"unknown empty policy", func() *Definition { d := twoLevel(); d.Node("approve2").EmptyPolicy = "skip"; return d }, "approve2", `invalid emptyPolicy "skip"`},
		{"empty policy user without user", func() *Definition { d := twoLevel(); d.Node("approve2").EmptyPolicy = EmptyUser; return d }, "approve2", "needs emptyUser exactly when emptyPolicy is user"},
		{"empty user without policy user", func() *Definition {
			d := twoLevel()
			d.Node("approve2").EmptyPolicy, d.Node("approve2").EmptyUser = EmptyAdmin, "u1"
			return d
		}, "approve2", "needs emptyUser exactly when emptyPolicy is user"},
		{"unknown reject policy", func() *Definition { d := twoLevel(); d.Node("approve2").RejectPolicy = "previous"; return d }, "approve2", `invalid rejectPolicy "previous"`},

		// Timeouts.
		{"empty timeout", func() *Definition { d := twoLevel(); d.Node("approve2").Timeout = &Timeout{}; return d }, "approve2", "empty timeout"},
		{"timeout after unparsable", func() *Definition {
			d := twoLevel()
			d.Node("approve2").Timeout = &Timeout{After: "two days", Action: TimeoutAutoReject}
			return d
		}, "approve2", `invalid duration timeout.after "two days"`},
		{"timeout in years", func() *Definition {
			d := twoLevel()
			d.Node("approve2").Timeout = &Timeout{After: "P1Y", Action: TimeoutAutoReject}
			return d
		}, "approve2", `invalid duration timeout.after "P1Y"`},
		{"negative reminder", func() *Definition {
			d := twoLevel()
			d.Node("approve2").Timeout = &Timeout{RemindAfter: "-1h"}
			return d
		}, "approve2", `invalid duration timeout.remindAfter "-1h"`},
		{"zero repeat", func() *Definition {
			d := twoLevel()
			d.Node("approve2").Timeout = &Timeout{RemindAfter: "1h", RemindEvery: "PT0S"}
			return d
		}, "approve2", `invalid duration timeout.remindEvery "PT0S"`},
		{"unknown timeout action", func() *Definition {
			d := twoLevel()
			d.Node("approve2").Timeout = &Timeout{After: "1h", Action: "delete"}
			return d
		}, "approve2", `invalid timeout action "delete"`},
		{"timeout action without after", func() *Definition {
			d := twoLevel()
			d.Node("approve2").Timeout = &Timeout{Action: TimeoutAutoApprove, RemindAfter: "1h"}
			return d
		}, "approve2", "needs both timeout.after and timeout.action"},
		{"timeout after without action", func() *Definition {
			d := twoLevel()
			d.Node("approve2").Timeout = &Timeout{After: "1h"}
			return d
		}, "approve2", "needs both timeout.after and timeout.action"},
		{"escalate to nobody", func() *Definition {
			d := twoLevel()
			d.Node("approve2").Timeout = &Timeout{After: "1h", Action: TimeoutEscalate}
			return d
		}, "approve2", "escalateTo exactly when the action is escalate"},
		{"escalateTo without escalate", func() *Definition {
			d := twoLevel()
			d.Node("approve2").Timeout = &Timeout{After: "1h", Action: TimeoutAutoReject, EscalateTo: "u1"}
			return d
		}, "approve2", "escalateTo exactly when the action is escalate"},
		{"repeat without first reminder", func() *Definition {
			d := twoLevel()
			d.Node("approve2").Timeout = &Timeout{RemindEvery: "1h"}
			return d
		}, "approve2", "remindEvery without remindAfter"},

		// Assignees.
		{"unknown assignee kind", func() *Definition { d := twoLevel(); d.Node("approve2").Assignees[0].Kind = "manager"; return d }, "approve2", "assignee 1 (manager): has an unknown kind"},
		{"sub-departments of a role", func() *Definition {
			d := twoLevel()
			d.Node("approve2").Assignees = []Assignee{{Kind: AssignRole, IDs: []string{"r1"}, IncludeSubDepartments: true}}
			return d
		}, "approve2", "assignee 1 (role): cannot have includeSubDepartments"},
		{"users without ids", func() *Definition {
			d := twoLevel()
			d.Node("approve2").Assignees = []Assignee{{Kind: AssignInitiator}, {Kind: AssignUser}}
			return d
		}, "approve2", "assignee 2 (user): needs ids"},
		{"empty id", func() *Definition {
			d := twoLevel()
			d.Node("approve2").Assignees[0].IDs = []string{"r1", ""}
			return d
		}, "approve2", `invalid id ""`},
		{"id with a comma", func() *Definition { d := twoLevel(); d.Node("approve2").Assignees[0].IDs = []string{"r1,r2"}; return d }, "approve2", `invalid id "r1,r2"`},
		{"leader level 0", func() *Definition { d := twoLevel(); d.Node("approve1").Assignees[0].Level = 0; return d }, "approve1", "level from 1 to 20"},
		{"leader level 21", func() *Definition { d := twoLevel(); d.Node("approve1").Assignees[0].Level = 21; return d }, "approve1", "level from 1 to 20"},
		{"level on a role", func() *Definition { d := twoLevel(); d.Node("approve2").Assignees[0].Level = 1; return d }, "approve2", "cannot have level"},
		{"ids on a leader", func() *Definition { d := twoLevel(); d.Node("approve1").Assignees[0].IDs = []string{"u1"}; return d }, "approve1", "cannot have ids"},
		{"expr on a field", func() *Definition {
			d := twoLevel()
			d.Node("approve2").Assignees = []Assignee{{Kind: AssignField, Field: "F0000005", Expr: "x"}}
			return d
		}, "approve2", "cannot have expr"},
		{"field on an initiator", func() *Definition {
			d := twoLevel()
			d.Node("approve2").Assignees = []Assignee{{Kind: AssignInitiator, Field: "F0000005"}}
			return d
		}, "approve2", "cannot have field"},
		{"unknown user field", func() *Definition {
			d := twoLevel()
			d.Node("approve2").Assignees = []Assignee{{Kind: AssignField, Field: "F0000099"}}
			return d
		}, "approve2", `names "F0000099", which is not a user or users field`},
		{"text field as assignee", func() *Definition {
			d := twoLevel()
			d.Node("approve2").Assignees = []Assignee{{Kind: AssignField, Field: "F0000001"}}
			return d
		}, "approve2", `names "F0000001", which is not a user or users field`},
		{"expression not compiling", func() *Definition {
			d := twoLevel()
			d.Node("approve2").Assignees = []Assignee{{Kind: AssignExpression, Expr: "F0000099"}}
			return d
		}, "approve2", "invalid expression: unknown name F0000099"},
		{"expression returning bool", func() *Definition {
			d := twoLevel()
			d.Node("approve2").Assignees = []Assignee{{Kind: AssignExpression, Expr: "F0000004"}}
			return d
		}, "approve2", "returns bool, not a user id"},
		{"expression returning numbers", func() *Definition {
			d := twoLevel()
			d.Node("approve2").Assignees = []Assignee{{Kind: AssignExpression, Expr: "[F0000002]"}}
			return d
		}, "approve2", "returns float64, not a user id"},
		{"expression returning nested lists", func() *Definition {
			d := twoLevel()
			d.Node("approve2").Assignees = []Assignee{{Kind: AssignExpression, Expr: `F0000004 ? "u1" : [F0000008]`}}
			return d
		}, "approve2", "not a user id or a list of user ids"},

		// Field permissions.
		{"permission for an unknown field", func() *Definition {
			d := twoLevel()
			d.Node("start").FieldPerms = map[string]FieldPerm{"F0000001": PermEditable, "F0000099": PermHidden}
			return d
		}, "start", "unknown field F0000099"},
		{"unknown permission", func() *Definition {
			d := twoLevel()
			d.Node("approve2").FieldPerms = map[string]FieldPerm{"F0000001": "write"}
			return d
		}, "approve2", `invalid permission for F0000001: "write"`},

		// Timers and scripts.
		{"timer without delay or field", func() *Definition {
			d := g("s:start t:timer e:end", "s>t", "t>e")
			d.Node("t").Delay = ""
			return d
		}, "t", "exactly one of delay and untilField"},
		{"timer with both", func() *Definition {
			d := g("s:start t:timer e:end", "s>t", "t>e")
			d.Node("t").UntilField = "F0000003"
			return d
		}, "t", "exactly one of delay and untilField"},
		{"timer delay unparsable", func() *Definition {
			d := g("s:start t:timer e:end", "s>t", "t>e")
			d.Node("t").Delay = "tomorrow"
			return d
		}, "t", `invalid duration delay "tomorrow"`},
		{"timer until a text field", func() *Definition {
			d := g("s:start t:timer e:end", "s>t", "t>e")
			d.Node("t").Delay, d.Node("t").UntilField = "", "F0000001"
			return d
		}, "t", "untilField F0000001, which is not a date or datetime field"},
		{"timer until an unknown field", func() *Definition {
			d := g("s:start t:timer e:end", "s>t", "t>e")
			d.Node("t").Delay, d.Node("t").UntilField = "", "F0000099"
			return d
		}, "t", "untilField F0000099"},
		{"script without hook", func() *Definition {
			d := g("s:start h:script e:end", "s>h", "h>e")
			d.Node("h").Hook = " "
			return d
		}, "h", "needs a hook"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantInvalid(t, tt.def().Validate(testEnv), tt.field, tt.substr)
		})
	}
}

// The example message, in full: Chinese first, English after.
func TestValidateMessage(t *testing.T) {
	d := g("s:start approve1:approval approve2:approval e:end", "s>approve1", "approve1>e", "approve2>e")
	err := d.Validate(testEnv)
	if err == nil || err.Error() != "节点 approve2 无法到达 (node approve2 is unreachable from the start)" {
		t.Fatalf("err = %v", err)
	}
}

func TestParseDuration(t *testing.T) {
	good := map[string]time.Duration{
		"2h30m": 150 * time.Minute, "PT2H": 2 * time.Hour, "PT2H30M": 150 * time.Minute,
		"P1D": 24 * time.Hour, "P1DT12H": 36 * time.Hour, "P2W": 14 * 24 * time.Hour,
		"PT0.5S": 500 * time.Millisecond, "PT0.000000001S": time.Nanosecond, "P0.5W": 84 * time.Hour, "PT1,5H": 90 * time.Minute, "PT90M": 90 * time.Minute,
	}
	for s, want := range good {
		if got, err := ParseDuration(s); err != nil || got != want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v", s, got, err, want)
		}
	}
	for _, s := range []string{"", "P", "PT", "P1Y", "P1M", "PT1H2H", "PT2M1H", "P1H", "PTH", "P1DT", "P1.2.3D", "P99999999999999999D", "2 hours"} {
		if d, err := ParseDuration(s); err == nil {
			t.Errorf("ParseDuration(%q) = %v, want an error", s, d)
		}
	}
	for d, want := range map[time.Duration]string{
		150 * time.Minute: "PT2H30M", 48 * time.Hour: "PT48H", 1500 * time.Millisecond: "PT1.5S", 0: "PT0S",
		time.Nanosecond: "PT0.000000001S", time.Hour + time.Second + time.Millisecond: "PT1H1.001S",
	} {
		if got := isoDuration(d); got != want {
			t.Errorf("isoDuration(%v) = %q, want %q", d, got, want)
		}
	}
}

func TestMatchingSplit(t *testing.T) {
	d := g("s:start p:parallel x:exclusive a:approval xj:exclusive b:approval pj:parallel e:end",
		"s>p", "p>x", "p>b", "x>a|F0000004", "x>xj|default", "a>xj", "xj>pj", "b>pj", "pj>e")
	mustValid(t, d)
	if s := d.MatchingSplit("pj"); s == nil || s.ID != "p" {
		t.Errorf("MatchingSplit(pj) = %v, want p", s)
	}
	for _, id := range []string{"xj", "a", "p", "ghost"} {
		if s := d.MatchingSplit(id); s != nil {
			t.Errorf("MatchingSplit(%s) = %v, want nil", id, s.ID)
		}
	}
}

func TestHelpers(t *testing.T) {
	d := twoLevel()
	if d.Start().ID != "start" || d.Node("approve2").Type != Approval || d.Node("nope") != nil {
		t.Fatal("Start or Node")
	}
	if out := d.Outgoing("split"); len(out) != 2 || out[0].ID != "f3" || out[1].ID != "f4" {
		t.Errorf("Outgoing(split) = %v", out)
	}
	if in := d.Incoming("join"); len(in) != 2 || in[0].ID != "f4" || in[1].ID != "f5" {
		t.Errorf("Incoming(join) = %v", in)
	}
	if !d.IsSplit(d.Node("split")) || d.IsJoin(d.Node("split")) || !d.IsJoin(d.Node("join")) || d.IsSplit(d.Node("join")) {
		t.Error("IsSplit / IsJoin")
	}
	n := d.Node("approve1")
	if n.ApprovalMode() != ModeAny || n.OnEmpty() != EmptyAdmin || n.OnReject() != RejectEnd {
		t.Error("defaults")
	}
}
