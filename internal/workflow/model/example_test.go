package model_test

import (
	"fmt"
	"strings"

	"github.com/tritiumhq/tritium/internal/form"
	"github.com/tritiumhq/tritium/internal/workflow/model"
)

// The approval tree of FromTree's documentation, read, checked and shown
// as the graph the engine runs.
func ExampleFromTree() {
	d, err := model.FromTree([]byte(`
	{"type": "start", "name": "发起人", "fieldPerms": {"F0000002": "editable"},
	 "next": {"type": "approval", "id": "manager", "name": "主管审批",
	   "assignees": [{"kind": "leader", "level": 1}], "mode": "any",
	   "next": {"type": "branch", "kind": "exclusive", "name": "金额",
	     "branches": [
	       {"name": "一万以上", "condition": "F0000002 > 10000",
	        "next": {"type": "approval", "name": "总经理审批",
	          "assignees": [{"kind": "role", "ids": ["gm"]}]}},
	       {"name": "其他", "default": true}
	     ],
	     "next": {"type": "cc", "name": "抄送财务",
	       "assignees": [{"kind": "department", "ids": ["finance"]}]}}}}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	env := model.Env{Fields: map[string]form.Type{"F0000002": form.Decimal}}
	if err := d.Validate(env); err != nil {
		fmt.Println(err)
		return
	}
	for _, n := range d.Nodes {
		fmt.Println(strings.TrimSpace(fmt.Sprintf("%s %s %s", n.ID, n.Type, n.Name)))
	}
	for _, f := range d.Flows {
		cond := f.Condition
		if f.Default {
			cond = "(default)"
		}
		fmt.Println(strings.TrimSpace(fmt.Sprintf("%s: %s → %s %s", f.ID, f.From, f.To, cond)))
	}
	// Output:
	// start start 发起人
	// manager approval 主管审批
	// exclusive_1 exclusive 金额
	// approval_1 approval 总经理审批
	// exclusive_1_join exclusive
	// cc_1 cc 抄送财务
	// end end
	// flow_1: start → manager
	// flow_2: manager → exclusive_1
	// flow_3: exclusive_1 → approval_1 F0000002 > 10000
	// flow_4: approval_1 → exclusive_1_join
	// flow_5: exclusive_1 → exclusive_1_join (default)
	// flow_6: exclusive_1_join → cc_1
	// flow_7: cc_1 → end
}
