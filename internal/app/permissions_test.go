package app_test

import (
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
)

// permWorld is the organisation of the permission suite: two employees in
// different departments, a manager above both, and an approver outside
// both.
//
//	总部 HQ (manager 王经理)
//	├── 销售部 Sales: 张三
//	└── 采购部 Purchasing: 李四
//	财务部 Finance: 赵审批 (approver)
type permWorld struct {
	s                      *server
	zhang, li, wang, zhao  string
	hq, sales, purch, fin  string
	staff, managers        string            // roles
	ids                    map[string]string // contract name → ObjectId
	grantStaff, grantMgr   string
	grantFin               string
	expenses               map[string]string // expense name → ObjectId
	expenseInst            map[string]string // expense name → instance
	expenseTask            string            // 赵审批's task on E1
	contractForm, expForm  string
	contractPath, expPath  string
	fieldCost, fieldAmount string
}

const (
	permContract = "D000009Contract"
	permExpense  = "D000009Expense"
)

func newPermWorld(t *testing.T, s *server) *permWorld {
	w := &permWorld{s: s, ids: map[string]string{}, expenses: map[string]string{}, expenseInst: map[string]string{},
		contractPath: "/api/v1/forms/" + permContract + "/records", expPath: "/api/v1/forms/" + permExpense + "/records"}
	dept := func(name, parent string) string {
		return s.mustJSON("POST", "/api/v1/departments", map[string]any{"name": name, "parentId": parent}, 201)["id"].(string)
	}
	user := func(name, login, dept string) string {
		return s.mustJSON("POST", "/api/v1/users", map[string]any{"name": name, "loginName": login, "email": login + "@example.com", "departmentId": dept}, 201)["id"].(string)
	}
	w.hq = dept("总部", "")
	w.sales, w.purch, w.fin = dept("销售部", w.hq), dept("采购部", w.hq), dept("财务部", "")
	w.zhang, w.li = user("张三", "zhangsan", w.sales), user("李四", "lisi", w.purch)
	w.wang, w.zhao = user("王经理", "wang", w.hq), user("赵审批", "zhao", w.fin)
	s.mustJSON("PATCH", "/api/v1/departments/"+w.hq, map[string]any{"managerId": w.wang}, 200)
	w.staff = s.mustJSON("POST", "/api/v1/roles", map[string]any{"name": "员工", "memberIds": []string{w.zhang, w.li}}, 201)["id"].(string)
	w.managers = s.mustJSON("POST", "/api/v1/roles", map[string]any{"name": "经理", "memberIds": []string{w.wang}}, 201)["id"].(string)

	fields := []map[string]any{
		{"code": "F0000001", "name": "名称", "type": "text", "required": true},
		{"code": "F0000002", "name": "金额", "type": "decimal", "scale": 2},
		{"code": "F0000003", "name": "成本", "type": "decimal", "scale": 2},
		{"code": "F0000004", "name": "备注", "type": "text"},
	}
	s.mustCreateForm(map[string]any{"code": permContract, "name": "合同", "fields": fields,
		"children": []map[string]any{{"code": "D000009Lines", "name": "明细", "fields": []map[string]any{
			{"code": "F0000011", "name": "物料", "type": "text"}, {"code": "F0000012", "name": "单价", "type": "decimal", "scale": 2}}}}})
	s.mustCreateForm(map[string]any{"code": permExpense, "name": "报销", "workflow": true, "fields": fields})
	w.putGrants(permContract, 200, []map[string]any{
		{"id": "staff-own", "principal": map[string]any{"kind": "role", "id": w.staff}, "actions": []string{"view", "create", "edit", "delete", "submit"}, "scope": "own", "readOnly": []string{"F0000004"}},
		{"id": "managers-tree", "principal": map[string]any{"kind": "role", "id": w.managers}, "actions": []string{"view", "edit", "export"}, "scope": "departmentTree"},
		{"id": "finance-big", "principal": map[string]any{"kind": "department", "id": w.fin}, "actions": []string{"view"}, "scope": "custom", "rule": "F0000002 >= 10000", "hidden": []string{"F0000003", "D000009Lines"}},
	})
	w.putGrants(permExpense, 200, []map[string]any{
		{"id": "staff-own", "principal": map[string]any{"kind": "role", "id": w.staff}, "actions": []string{"view", "create", "submit"}, "scope": "own"},
	})
	// Contracts, created by engine credentials for their owners.
	for _, c := range []struct {
		name, owner, amount string
	}{{"C1", w.zhang, "5000"}, {"C2", w.zhang, "20000"}, {"C3", w.li, "8000"}, {"C4", w.li, "30000"}, {"C5", w.wang, "50000"}} {
		o := s.mustJSON("POST", w.contractPath+"?submit=true", map[string]any{"F0000001": c.name, "F0000002": c.amount, "F0000003": "1.00", "F0000004": "n",
			"OwnerId": c.owner, "D000009Lines": []map[string]any{{"F0000011": c.name + "-line", "F0000012": "1"}}}, 201)
		w.ids[c.name] = o["ObjectId"].(string)
	}
	// Expenses: a process whose one approval is 赵审批's, hiding the cost.
	s.mustJSON("PUT", "/api/v1/forms/"+permExpense+"/workflow",
		tree(approval("fin", userRule(w.zhao), `"fieldPerms":{"F0000003":"hidden"}`)), 200)
	for _, e := range []struct {
		name, owner string
		submit      bool
	}{{"E1", w.zhang, true}, {"E2", w.li, true}, {"E3", w.li, false}} {
		o := s.mustJSON("POST", fmt.Sprintf("%s?submit=%t", w.expPath, e.submit), map[string]any{"F0000001": e.name, "F0000002": "100", "F0000003": "7"}, 201, as(e.owner)...)
		w.expenses[e.name] = o["ObjectId"].(string)
		w.expenseInst[e.name], _ = o["WorkflowInstanceId"].(string)
	}
	return w
}

func (w *permWorld) putGrants(code string, want int, grants []map[string]any, hdr ...string) map[string]any {
	return w.s.mustJSON("PUT", "/api/v1/forms/"+code+"/permissions", map[string]any{"grants": grants}, want, hdr...)
}

// names lists the record names user sees in the form's list (with the
// total the list reports), sorted.
func (w *permWorld) names(path, user, query string) ([]string, int) {
	w.s.t.Helper()
	if !strings.Contains(query, "limit=") {
		query += "&limit=500"
	}
	out := w.s.mustJSON("GET", path+"?"+strings.TrimPrefix(query, "&"), nil, 200, as(user)...)
	var names []string
	for _, it := range out["items"].([]any) {
		names = append(names, it.(map[string]any)["F0000001"].(string))
	}
	slices.Sort(names)
	n, _ := out["total"].(json.Number)
	total, _ := n.Int64()
	return names, int(total)
}

func TestPermissions(t *testing.T) {
	forEachServer(t, func(t *testing.T, s *server) {
		w := newPermWorld(t, s)
		t.Run("rest lists", func(t *testing.T) { w.restLists(t) })
		t.Run("fields", func(t *testing.T) { w.fields(t) })
		t.Run("writes", func(t *testing.T) { w.writes(t) })
		t.Run("h3yun", func(t *testing.T) { w.h3yun(t) })
		t.Run("db", func(t *testing.T) { w.scriptDB(t) })
		t.Run("drafts", func(t *testing.T) { w.drafts(t) })
		t.Run("participants", func(t *testing.T) { w.participants(t) })
		t.Run("explain", func(t *testing.T) { w.explain(t) })
		t.Run("management", func(t *testing.T) { w.management(t) })
	})
}

// seen is what each person sees of the contracts: the rules, spelled out.
func (w *permWorld) seen() map[string][]string {
	return map[string][]string{
		w.zhang: {"C1", "C2"},                   // own
		w.li:    {"C3", "C4"},                   // own
		w.wang:  {"C1", "C2", "C3", "C4", "C5"}, // his department tree
		w.zhao:  {"C2", "C4", "C5"},             // amount ≥ 10000
	}
}

func (w *permWorld) restLists(t *testing.T) {
	for user, want := range w.seen() {
		got, total := w.names(w.contractPath, user, "")
		if !slices.Equal(got, want) || total != len(want) {
			t.Errorf("user %s sees %v (total %d), want %v", user, got, total, want)
		}
		// The caller's filter is AND-ed with the rule; counts and paging
		// obey it.
		got, total = w.names(w.contractPath, user, "&filter="+url.QueryEscape("F0000002 < 25000")+"&limit=1&sort=F0000001")
		var under []string
		for _, n := range want {
			if n == "C1" || n == "C2" || n == "C3" {
				under = append(under, n)
			}
		}
		if total != len(under) || (len(under) > 0 && (len(got) != 1 || got[0] != under[0])) {
			t.Errorf("user %s, amount < 25000, first page of 1: %v total %d, want %v", user, got, total, under)
		}
		// One by one: what is out of view is not found.
		for name, id := range w.ids {
			status, _ := w.s.do("GET", w.contractPath+"/"+id, nil, as(user)...)
			if visible := slices.Contains(want, name); (status == 200) != visible || (!visible && status != 404) {
				t.Errorf("user %s GET %s: HTTP %d, visible %v", user, name, status, visible)
			}
		}
	}
	// Engine credentials bypass the rules.
	if got, _ := w.names(w.contractPath, "", ""); len(got) != 5 {
		t.Errorf("engine credentials see %v, want all 5", got)
	}
}

func (w *permWorld) fields(t *testing.T) {
	s := w.s
	o := s.mustJSON("GET", w.contractPath+"/"+w.ids["C2"], nil, 200, as(w.zhao)...)
	if _, ok := o["F0000003"]; ok {
		t.Errorf("赵审批 sees the hidden cost: %v", o)
	}
	if _, lines := o["D000009Lines"]; o["F0000002"] != "20000.00" || lines {
		t.Errorf("赵审批 should see the amount but not the hidden child table: %v", o)
	}
	if o := s.mustJSON("GET", w.contractPath+"/"+w.ids["C2"], nil, 200, as(w.wang)...); o["F0000003"] != "1.00" || len(o["D000009Lines"].([]any)) != 1 {
		t.Errorf("王经理 sees every field and the child rows, got %v", o)
	}
	list := s.mustJSON("GET", w.contractPath, nil, 200, as(w.zhao)...)
	for _, it := range list["items"].([]any) {
		m := it.(map[string]any)
		_, cost := m["F0000003"]
		_, lines := m["D000009Lines"]
		if cost || lines || m["F0000001"] == nil {
			t.Errorf("list as 赵审批: %v", m)
		}
	}
	// A hidden field or child table cannot be filtered, sorted or asked
	// for: it is unknown.
	for _, q := range []string{"filter=" + url.QueryEscape("F0000003 > 0"), "sort=-F0000003", "fields=F0000001,F0000003", "fields=F0000001,D000009Lines"} {
		field := "F0000003"
		if strings.Contains(q, "Lines") {
			field = "D000009Lines"
		}
		status, body := s.do("GET", w.contractPath+"?"+q, nil, as(w.zhao)...)
		if status != 422 || !strings.Contains(string(body), field) {
			t.Errorf("%s as 赵审批: HTTP %d %s, want 422 naming %s", q, status, body, field)
		}
		if status, _ := s.do("GET", w.contractPath+"?"+q, nil, as(w.wang)...); status != 200 {
			t.Errorf("%s as 王经理: HTTP %d, want 200", q, status)
		}
	}
}

func (w *permWorld) writes(t *testing.T) {
	s := w.s
	c1, c3 := w.contractPath+"/"+w.ids["C1"], w.contractPath+"/"+w.ids["C3"]
	cases := []struct {
		user, method, path string
		body               any
		want               int
		says               string
	}{
		{w.zhang, "PATCH", c1, map[string]any{"F0000001": "C1"}, 200, ""},
		{w.zhang, "PATCH", c1, map[string]any{"F0000004": "x"}, 422, "F0000004"}, // read-only for staff
		{w.zhang, "PATCH", c3, map[string]any{"F0000001": "C3"}, 404, ""},        // 李四's: not even seen
		{w.zhang, "DELETE", c3, nil, 404, ""},
		{w.wang, "PATCH", c1, map[string]any{"F0000004": "ok"}, 200, ""}, // managers edit their tree
		{w.wang, "DELETE", c1, nil, 403, ""},                             // seen, but no delete grant
		{w.zhao, "PATCH", w.contractPath + "/" + w.ids["C2"], map[string]any{"F0000001": "C2"}, 403, ""},
		{w.zhao, "PATCH", c1, map[string]any{"F0000001": "C1"}, 404, ""},
		{w.zhao, "POST", w.contractPath, map[string]any{"F0000001": "Z"}, 403, ""}, // no create grant
	}
	for _, c := range cases {
		status, body := s.do(c.method, c.path, c.body, as(c.user)...)
		if status != c.want || !strings.Contains(string(body), c.says) {
			t.Errorf("%s %s as %s: HTTP %d %s, want %d naming %q", c.method, c.path, c.user, status, body, c.want, c.says)
		}
	}
	if o := s.mustJSON("GET", c1, nil, 200); o["F0000004"] != "ok" || o["F0000001"] != "C1" {
		t.Errorf("after the writes C1 is %v", o)
	}
	// 张三 creates as himself: his record, shown to him.
	o := s.mustJSON("POST", w.contractPath, map[string]any{"F0000001": "C6", "F0000002": "1"}, 201, as(w.zhang)...)
	if o["CreatedBy"] != w.zhang || o["OwnerId"] != w.zhang || o["OwnerDeptId"] != w.sales {
		t.Errorf("created as 张三: %v", o)
	}
	w.ids["C6"] = o["ObjectId"].(string)
	if got, _ := w.names(w.contractPath, w.li, ""); slices.Contains(got, "C6") {
		t.Errorf("李四 sees 张三's new record: %v", got)
	}
	s.mustJSON("DELETE", w.contractPath+"/"+w.ids["C6"], nil, 204, as(w.zhang)...)
	delete(w.ids, "C6")
	// A batch is checked item by item, all or nothing.
	before, _ := w.names(w.contractPath, "", "")
	for _, c := range []struct {
		user  string
		items []map[string]any
		want  int
		says  string
	}{
		{w.zhao, []map[string]any{{"F0000001": "B1"}}, 403, ""},
		{w.zhang, []map[string]any{{"F0000001": "B1"}, {"F0000001": "B2", "F0000004": "x"}}, 422, "F0000004"},
	} {
		status, body := s.do("POST", w.contractPath+":batch", map[string]any{"items": c.items}, as(c.user)...)
		if status != c.want || !strings.Contains(string(body), c.says) {
			t.Errorf("batch as %s: HTTP %d %s, want %d naming %q", c.user, status, body, c.want, c.says)
		}
	}
	if after, _ := w.names(w.contractPath, "", ""); !slices.Equal(before, after) {
		t.Errorf("refused batches wrote: %v → %v", before, after)
	}
	// A replay of sourceSystem+sourceCode never reveals an object the
	// caller may not see.
	erp := s.mustJSON("POST", w.contractPath, map[string]any{"F0000001": "ERP", "OwnerId": w.li, "sourceSystem": "ERP", "sourceCode": "X1"}, 201)
	status, body := s.do("POST", w.contractPath, map[string]any{"F0000001": "again", "sourceSystem": "ERP", "sourceCode": "X1"}, as(w.zhang)...)
	if status != 409 || strings.Contains(string(body), erp["ObjectId"].(string)) {
		t.Errorf("张三 replaying 李四's pair: HTTP %d %s, want 409 without the id", status, body)
	}
	if o := s.mustJSON("POST", w.contractPath, map[string]any{"F0000001": "again", "sourceSystem": "ERP", "sourceCode": "X1"}, 200, as(w.li)...); o["ObjectId"] != erp["ObjectId"] || o["F0000001"] != "ERP" {
		t.Errorf("李四's replay: %v", o)
	}
	s.mustJSON("DELETE", w.contractPath+"/"+erp["ObjectId"].(string), nil, 204)
}

func (w *permWorld) h3yun(t *testing.T) {
	s := w.s
	for user, want := range w.seen() {
		env := s.invoke(map[string]any{"ActionName": "LoadBizObjects", "SchemaCode": permContract,
			"Filter": jsonString(map[string]any{"FromRowNum": 0, "ToRowNum": 500, "RequireCount": true, "ReturnItems": []string{}, "SortByCollection": []any{}, "Matcher": map[string]any{"Type": "And", "Matchers": []any{}}})}, as(user)...)
		if !env.Successful {
			t.Fatalf("LoadBizObjects as %s: %s", user, *env.ErrorMessage)
		}
		var got []string
		for _, it := range env.ReturnData["BizObjectArray"].([]any) {
			m := it.(map[string]any)
			got = append(got, m["F0000001"].(string))
			if _, ok := m["F0000003"]; ok == (user == w.zhao) {
				t.Errorf("H3Yun as %s: cost shown %v", user, ok)
			}
		}
		slices.Sort(got)
		if !slices.Equal(got, want) || fmt.Sprint(env.ReturnData["TotalCount"]) != fmt.Sprint(len(want)) {
			t.Errorf("H3Yun LoadBizObjects as %s: %v (total %v), want %v", user, got, env.ReturnData["TotalCount"], want)
		}
		for name, id := range w.ids {
			env := s.invoke(map[string]any{"ActionName": "LoadBizObject", "SchemaCode": permContract, "BizObjectId": id}, as(user)...)
			if env.Successful != slices.Contains(want, name) {
				t.Errorf("H3Yun LoadBizObject %s as %s: %v %v", name, user, env.Successful, env.ErrorMessage)
			}
		}
	}
	// ReturnItems, a Matcher or a sort naming a hidden field fail, naming it.
	for _, f := range []map[string]any{
		{"FromRowNum": 0, "ToRowNum": 10, "ReturnItems": []string{"F0000001", "F0000003"}},
		{"FromRowNum": 0, "ToRowNum": 10, "Matcher": map[string]any{"Type": "Item", "Name": "F0000003", "Operator": 2, "Value": "0"}},
		{"FromRowNum": 0, "ToRowNum": 10, "SortByCollection": []any{map[string]any{"ItemName": "F0000003", "Direction": "Descending"}}},
	} {
		env := s.invoke(map[string]any{"ActionName": "LoadBizObjects", "SchemaCode": permContract, "Filter": jsonString(f)}, as(w.zhao)...)
		if env.Successful || !strings.Contains(*env.ErrorMessage, "F0000003") {
			t.Errorf("H3Yun %v as 赵审批: %v %v, want a failure naming F0000003", f, env.Successful, env.ErrorMessage)
		}
		if env := s.invoke(map[string]any{"ActionName": "LoadBizObjects", "SchemaCode": permContract, "Filter": jsonString(f)}, as(w.wang)...); !env.Successful {
			t.Errorf("H3Yun %v as 王经理: %s", f, *env.ErrorMessage)
		}
	}
	env := s.invoke(map[string]any{"ActionName": "UpdateBizObject", "SchemaCode": permContract, "BizObjectId": w.ids["C3"], "BizObject": `{"F0000001":"x"}`}, as(w.zhang)...)
	if env.Successful {
		t.Errorf("H3Yun UpdateBizObject of 李四's record as 张三 succeeded")
	}
}

// scriptDB: a custom API's $db acts as the caller.
func (w *permWorld) scriptDB(t *testing.T) {
	s := w.s
	src := `const page = await $db.query("` + permContract + `", {sort: "F0000001", limit: 100});
return { names: page.items.map(o => o.F0000001), total: page.total, cost: page.items.some(o => "F0000003" in o) };`
	s.mustJSON("PUT", "/api/v1/scripts/api/perm/visible", map[string]any{"source": src}, 200)
	for user, want := range w.seen() {
		out := s.mustJSON("POST", "/api/v1/custom/perm/visible", map[string]any{}, 200, as(user)...)["data"].(map[string]any)
		var got []string
		for _, n := range out["names"].([]any) {
			got = append(got, n.(string))
		}
		if !slices.Equal(got, want) || fmt.Sprint(out["total"]) != fmt.Sprint(len(want)) || out["cost"] != (user != w.zhao) {
			t.Errorf("$db as %s: %v, want %v", user, out, want)
		}
	}
	if out := s.mustJSON("POST", "/api/v1/custom/perm/visible", map[string]any{}, 200)["data"].(map[string]any); fmt.Sprint(out["total"]) != "5" {
		t.Errorf("$db for engine credentials: %v", out)
	}
}

// drafts: an onLoad run over a stored object as a user needs the object in
// their view and answers without their hidden fields.
func (w *permWorld) drafts(t *testing.T) {
	s := w.s
	s.mustJSON("PUT", "/api/v1/scripts/form/"+permContract+"/onLoad", map[string]any{"source": `$form.F0000004 = "cost " + $form.F0000003; console.log($form.F0000003);`}, 200)
	path := "/api/v1/forms/" + permContract + "/scripts/onLoad:run"
	d := s.mustJSON("POST", path, map[string]any{"objectId": w.ids["C2"], "values": map[string]any{}}, 200, as(w.zhao)...)
	vals := d["values"].(map[string]any)
	if _, ok := vals["F0000003"]; ok || vals["F0000001"] != "C2" || d["console"] != nil && len(d["console"].([]any)) > 0 {
		t.Errorf("onLoad as 赵审批 shows what he may not see: %v", d)
	}
	if status, _ := s.do("POST", path, map[string]any{"objectId": w.ids["C1"], "values": map[string]any{}}, as(w.zhao)...); status != 404 {
		t.Errorf("onLoad over a record out of view: HTTP %d, want 404", status)
	}
	if d := s.mustJSON("POST", path, map[string]any{"objectId": w.ids["C1"], "values": map[string]any{}}, 200, as(w.wang)...); d["values"].(map[string]any)["F0000003"] != "1.00" {
		t.Errorf("onLoad as 王经理: %v", d)
	}
	s.mustJSON("DELETE", "/api/v1/scripts/form/"+permContract+"/onLoad", nil, 204)
}

// participants: an approver sees what they approve, with the node's field
// permissions; initiators see their own instances.
func (w *permWorld) participants(t *testing.T) {
	s := w.s
	want := map[string][]string{w.zhang: {"E1"}, w.li: {"E2", "E3"}, w.zhao: {"E1", "E2"}, w.wang: nil}
	check := func(when string) {
		for user, names := range want {
			got, total := w.names(w.expPath, user, "")
			if !slices.Equal(got, names) || total != len(names) {
				t.Errorf("%s: user %s sees expenses %v (total %d), want %v", when, user, got, total, names)
			}
		}
	}
	check("submitted")
	o := s.mustJSON("GET", w.expPath+"/"+w.expenses["E1"], nil, 200, as(w.zhao)...)
	if _, ok := o["F0000003"]; ok {
		t.Errorf("the approver sees a field his node hides: %v", o)
	}
	if o := s.mustJSON("GET", w.expPath+"/"+w.expenses["E1"], nil, 200, as(w.zhang)...); o["F0000003"] != "7.00" {
		t.Errorf("the initiator sees all of his record: %v", o)
	}
	if status, _ := s.do("GET", "/api/v1/instances/"+w.expenseInst["E1"], nil, as(w.zhao)...); status != 200 {
		t.Errorf("the approver's instance: HTTP %d", status)
	}
	for _, u := range []string{w.zhao, w.wang, w.zhang} {
		if status, _ := s.do("GET", "/api/v1/instances/"+w.expenseInst["E3"], nil, as(u)...); status != 404 {
			t.Errorf("李四's unsubmitted instance as %s: HTTP %d, want 404", u, status)
		}
	}
	w.expenseTask = s.oneTodo(w.zhao, w.expenseInst["E1"])
	s.mustAct(w.zhao, w.expenseTask, "approve", nil)
	check("approved") // held a task: still sees it
	// Explain tells the approvals apart from the grants.
	e := s.mustJSON("GET", "/api/v1/forms/"+permExpense+"/permissions/explain?user="+w.zhao, nil, 200)
	for _, a := range e["actions"].([]any) {
		if m := a.(map[string]any); m["action"] == "view" {
			p, _ := m["participation"].(map[string]any)
			if m["allowed"] != false || m["filter"] != "false" || p == nil || fmt.Sprint(p["objects"]) != "2" || fmt.Sprint(p["hidden"]) != "[F0000003]" {
				t.Errorf("explain the approver's view: %v", m)
			}
		}
	}
}

func (w *permWorld) explain(t *testing.T) {
	s := w.s
	for user, want := range w.seen() {
		e := s.mustJSON("GET", "/api/v1/forms/"+permContract+"/permissions/explain?user="+user, nil, 200)
		var view map[string]any
		for _, a := range e["actions"].([]any) {
			if m := a.(map[string]any); m["action"] == "view" {
				view = m
			}
		}
		if view["allowed"] != true {
			t.Errorf("explain %s: view not allowed: %v", user, view)
		}
		// The explained filter selects what the user saw.
		got, _ := w.names(w.contractPath, "", "&filter="+url.QueryEscape(view["filter"].(string)))
		if !slices.Equal(got, want) {
			t.Errorf("explain %s: filter %q selects %v, the user saw %v", user, view["filter"], got, want)
		}
		hidden := fmt.Sprint(view["hidden"])
		if (user == w.zhao) != (hidden == "[D000009Lines F0000003]") {
			t.Errorf("explain %s: hidden %s", user, hidden)
		}
		for name, id := range w.ids {
			e := s.mustJSON("GET", "/api/v1/forms/"+permContract+"/permissions/explain?user="+user+"&object="+id, nil, 200)
			for _, a := range e["actions"].([]any) {
				if m := a.(map[string]any); m["action"] == "view" && m["object"] != slices.Contains(want, name) {
					t.Errorf("explain %s object %s: view %v", user, name, m["object"])
				}
			}
		}
	}
	e := s.mustJSON("GET", "/api/v1/forms/"+permContract+"/permissions/explain?user=zhao&userIdType=LOGINNAME", nil, 200)
	var grants []string
	for _, a := range e["actions"].([]any) {
		m := a.(map[string]any)
		if m["action"] == "view" {
			for _, g := range m["grants"].([]any) {
				grants = append(grants, g.(map[string]any)["id"].(string))
			}
		}
		if m["action"] == "edit" && m["allowed"] != false {
			t.Errorf("赵审批 may not edit: %v", m)
		}
	}
	if fmt.Sprint(grants) != "[finance-big]" {
		t.Errorf("赵审批's view comes from %v, want [finance-big]", grants)
	}
	if status, body := s.do("GET", "/api/v1/forms/"+permContract+"/permissions/explain?user=nobody", nil); status != 422 || !strings.Contains(string(body), "user") {
		t.Errorf("explain an unknown user: HTTP %d %s", status, body)
	}
}

// management: grants are the administrator's; bad grants are refused and
// change nothing.
func (w *permWorld) management(t *testing.T) {
	s := w.s
	before := s.mustJSON("GET", "/api/v1/forms/"+permContract+"/permissions", nil, 200)
	bad := []struct {
		grant map[string]any
		says  string
	}{
		{map[string]any{"principal": map[string]any{"kind": "role", "id": "no-such-role"}, "actions": []string{"view"}, "scope": "all"}, "no-such-role"},
		{map[string]any{"principal": map[string]any{"kind": "user", "id": "no-such-user"}, "actions": []string{"view"}, "scope": "all"}, "no-such-user"},
		{map[string]any{"principal": map[string]any{"kind": "everyone"}, "actions": []string{"view"}, "scope": "custom", "rule": "F0000099 = 1"}, "F0000099"},
		{map[string]any{"principal": map[string]any{"kind": "everyone"}, "actions": []string{"view"}, "scope": "custom", "rule": "OwnerId = @user.boss"}, "user.boss"},
		{map[string]any{"principal": map[string]any{"kind": "everyone"}, "actions": []string{"view"}, "scope": "all", "hidden": []string{"F0000099"}}, "F0000099"},
		{map[string]any{"principal": map[string]any{"kind": "everyone"}, "actions": []string{"fly"}, "scope": "all"}, "fly"},
	}
	for _, b := range bad {
		status, body := s.do("PUT", "/api/v1/forms/"+permContract+"/permissions", map[string]any{"grants": []any{b.grant}})
		if status != 422 || !strings.Contains(string(body), b.says) {
			t.Errorf("grant %v: HTTP %d %s, want 422 naming %s", b.grant, status, body, b.says)
		}
	}
	// A user cannot widen their own grants, nor join a role.
	status, _ := s.do("PUT", "/api/v1/forms/"+permContract+"/permissions", map[string]any{"grants": []any{
		map[string]any{"principal": map[string]any{"kind": "user", "id": w.zhang}, "actions": []string{"view"}, "scope": "all"}}}, as(w.zhang)...)
	if status != 403 {
		t.Errorf("张三 setting grants: HTTP %d, want 403", status)
	}
	if status, _ := s.do("PATCH", "/api/v1/roles/"+w.managers, map[string]any{"memberIds": []string{w.wang, w.zhang}}, as(w.zhang)...); status != 403 {
		t.Errorf("张三 joining the managers: HTTP %d, want 403", status)
	}
	if status, _ := s.do("GET", "/api/v1/forms/"+permContract+"/permissions/explain?user="+w.li, nil, as(w.zhang)...); status != 403 {
		t.Errorf("张三 explaining 李四: HTTP %d, want 403", status)
	}
	after := s.mustJSON("GET", "/api/v1/forms/"+permContract+"/permissions", nil, 200)
	if jsonString(before) != jsonString(after) {
		t.Errorf("refused changes changed the grants:\n%v\n%v", before, after)
	}
	if got, _ := w.names(w.contractPath, w.zhang, ""); len(got) != 2 {
		t.Errorf("张三 after the refusals sees %v", got)
	}
	// An org change is seen at once: 李四 moves to 财务部.
	s.mustJSON("PATCH", "/api/v1/users/"+w.li, map[string]any{"departmentId": w.fin}, 200)
	if got, _ := w.names(w.contractPath, w.li, ""); !slices.Equal(got, []string{"C2", "C3", "C4", "C5"}) {
		t.Errorf("李四 in 财务部 sees %v, want own and the big ones", got)
	}
	// No grants at all: users see nothing; DELETE restores the defaults.
	w.putGrants(permContract, 200, []map[string]any{})
	if got, total := w.names(w.contractPath, w.wang, ""); len(got) != 0 || total != 0 {
		t.Errorf("with no grants 王经理 sees %v (total %d)", got, total)
	}
	if d := s.mustJSON("DELETE", "/api/v1/forms/"+permContract+"/permissions", nil, 200); d["defaults"] != true {
		t.Errorf("after DELETE: %v", d)
	}
}

// TestPermissionsOnAnotherNode: grants and the organisation are cached on
// every node; a change made through node A holds on node B within a
// second or so (its revision checks), in both directions of access.
func TestPermissionsOnAnotherNode(t *testing.T) {
	a, b := twoNodes(t)
	w := newPermWorld(t, a)
	seen := func(user string, want []string) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for {
			got, _ := (&permWorld{s: b}).names(w.contractPath, user, "")
			if slices.Equal(got, want) {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("node B: user %s sees %v, want %v", user, got, want)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	seen(w.zhao, []string{"C2", "C4", "C5"})
	// A grant change on A: finance now sees everything.
	gs := a.mustJSON("GET", "/api/v1/forms/"+permContract+"/permissions", nil, 200)["grants"].([]any)
	for _, g := range gs {
		m := g.(map[string]any)
		delete(m, "expands")
		if m["id"] == "finance-big" {
			m["scope"], m["rule"] = "all", nil
			delete(m, "rule")
		}
	}
	a.mustJSON("PUT", "/api/v1/forms/"+permContract+"/permissions", map[string]any{"grants": gs}, 200)
	seen(w.zhao, []string{"C1", "C2", "C3", "C4", "C5"})
	// An org change on A: 赵审批 leaves finance, and with it the grant.
	a.mustJSON("PATCH", "/api/v1/users/"+w.zhao, map[string]any{"departmentId": w.sales}, 200)
	seen(w.zhao, nil)
}
