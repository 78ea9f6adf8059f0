package app_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// TestH3YunLifecycle is the integrator's path: define a form with a child
// table through REST, then create, load, update, filter, page, count and
// remove objects through /OpenApi/Invoke only.
func TestH3YunLifecycle(t *testing.T) {
	forEachServer(t, func(t *testing.T, s *server) {
		s.mustCreateForm(contractForm())

		// CreateBizObject: BizObject as a JSON string, IsSubmit as "true".
		obj := map[string]any{
			"F0000001": "采购合同", "F0000002": "1234.5", "F0000003": "2025/02/17", "F0000004": "true",
			"F0000006": "采购", "F0000007": "12", "F0000008": "紧急;海外", "F0000009": "2025-02-17 19:10:07",
			"D000001Lines": []map[string]any{{"F0000011": "钢材", "F0000012": 3.1415}, {"F0000011": "水泥", "F0000012": "2"}},
		}
		rd := s.ok(map[string]any{"ActionName": "CreateBizObject", "SchemaCode": "D000001Contract", "BizObject": jsonString(obj), "IsSubmit": "true"})
		id, _ := rd["BizObjectId"].(string)
		if id == "" || rd["WorkflowInstanceId"] != "" {
			t.Fatalf("create: %v", rd)
		}

		// LoadBizObject: every system field, H3Yun formats, exact decimals.
		bo := s.ok(map[string]any{"ActionName": "LoadBizObject", "SchemaCode": "D000001Contract", "BizObjectId": id})["BizObject"].(map[string]any)
		for _, k := range []string{"ObjectId", "Name", "CreatedBy", "OwnerId", "OwnerDeptId", "CreatedTime", "ModifiedBy", "ModifiedTime", "WorkflowInstanceId", "Status", "SeqNo"} {
			if _, ok := bo[k]; !ok {
				t.Errorf("system field %s missing", k)
			}
		}
		want := map[string]any{
			"ObjectId": id, "Name": "采购合同", "Status": json.Number("1"), "F0000001": "采购合同",
			"F0000002": json.Number("1234.50"), "F0000003": "2025/02/17 00:00:00", "F0000004": true,
			"F0000006": "采购", "F0000007": json.Number("12"), "F0000009": "2025/02/17 19:10:07", "SeqNo": "000001",
		}
		for k, v := range want {
			if fmt.Sprint(bo[k]) != fmt.Sprint(v) {
				t.Errorf("%s = %#v, want %#v", k, bo[k], v)
			}
		}
		if tags := fmt.Sprint(bo["F0000008"]); tags != "[紧急 海外]" {
			t.Errorf("multiselect = %s", tags)
		}
		lines := bo["D000001Lines"].([]any)
		if len(lines) != 2 || lines[0].(map[string]any)["F0000012"] != json.Number("3.1415") || lines[1].(map[string]any)["ParentObjectId"] != id {
			t.Fatalf("child rows: %v", lines)
		}
		keepRow := lines[0].(map[string]any)["ObjectId"].(string)

		// UpdateBizObject: partial; the child table is replaced row-wise.
		upd := map[string]any{"F0000007": 30, "D000001Lines": []map[string]any{{"ObjectId": keepRow, "F0000011": "螺纹钢"}, {"F0000011": "砂石"}}}
		if rd := s.ok(map[string]any{"ActionName": "UpdateBizObject", "SchemaCode": "D000001Contract", "BizObjectId": id, "BizObject": jsonString(upd)}); len(rd) != 0 {
			t.Fatalf("update ReturnData = %v, want {}", rd)
		}
		bo = s.ok(map[string]any{"ActionName": "LoadBizObject", "SchemaCode": "D000001Contract", "BizObjectId": id})["BizObject"].(map[string]any)
		if bo["F0000007"] != json.Number("30") || bo["F0000001"] != "采购合同" {
			t.Fatalf("after update: %v", bo)
		}
		lines = bo["D000001Lines"].([]any)
		first := lines[0].(map[string]any)
		if len(lines) != 2 || first["ObjectId"] != keepRow || first["F0000011"] != "螺纹钢" || first["F0000012"] != json.Number("3.1415") {
			t.Fatalf("rows after update: %v", lines)
		}

		// CreateBizObjects: 30 more, elements as strings and objects.
		var arr []any
		for i := range 30 {
			o := map[string]any{"F0000001": fmt.Sprintf("合同%02d", i), "F0000007": i, "F0000006": []string{"采购", "销售"}[i%2]}
			if i%2 == 0 {
				arr = append(arr, jsonString(o))
			} else {
				arr = append(arr, o)
			}
		}
		ids := s.ok(map[string]any{"ActionName": "CreateBizObjects", "SchemaCode": "D000001Contract", "BizObjectArray": arr, "IsSubmit": true})["BizObjectIdArray"].([]any)
		if len(ids) != 30 {
			t.Fatalf("batch ids: %d", len(ids))
		}

		// LoadBizObjects: filter, sort, page, count, projection.
		filter := map[string]any{
			"FromRowNum": 0, "ToRowNum": 5, "RequireCount": true,
			"ReturnItems":      []string{"F0000001", "F0000007"},
			"SortByCollection": []map[string]any{{"ItemName": "F0000007", "Direction": "Descending"}},
			"Matcher": map[string]any{"Type": "And", "Matchers": []any{
				map[string]any{"Type": "Item", "Name": "F0000006", "Operator": 2, "Value": "销售"},
				map[string]any{"Type": "Item", "Name": "F0000007", "Operator": 1, "Value": "10"},
				map[string]any{"Type": "And", "Matchers": []any{}},
			}},
		}
		rd = s.ok(map[string]any{"ActionName": "LoadBizObjects", "SchemaCode": "D000001Contract", "Filter": jsonString(filter)})
		if rd["TotalCount"] != json.Number("10") { // odd i in 11..29
			t.Fatalf("TotalCount = %v, want 10", rd["TotalCount"])
		}
		page := rd["BizObjectArray"].([]any)
		if len(page) != 5 {
			t.Fatalf("page size %d", len(page))
		}
		p0 := page[0].(map[string]any)
		if p0["F0000007"] != json.Number("29") || len(p0) != 3 { // ObjectId + the two items
			t.Fatalf("first of page: %v", p0)
		}
		// Second page, Filter as an object rather than a string.
		filter["FromRowNum"], filter["ToRowNum"] = 5, 10
		rd = s.ok(map[string]any{"ActionName": "LoadBizObjects", "SchemaCode": "D000001Contract", "Filter": filter})
		if got := rd["BizObjectArray"].([]any)[0].(map[string]any)["F0000007"]; got != json.Number("19") {
			t.Fatalf("second page starts at %v, want 19", got)
		}
		// Without RequireCount, TotalCount is the page's count.
		filter["RequireCount"] = false
		rd = s.ok(map[string]any{"ActionName": "LoadBizObjects", "SchemaCode": "D000001Contract", "Filter": filter})
		if rd["TotalCount"] != json.Number("5") {
			t.Fatalf("TotalCount without RequireCount = %v, want 5", rd["TotalCount"])
		}

		// RemoveBizObject takes the child rows with it.
		s.ok(map[string]any{"ActionName": "RemoveBizObject", "SchemaCode": "D000001Contract", "BizObjectId": id})
		s.fails(map[string]any{"ActionName": "LoadBizObject", "SchemaCode": "D000001Contract", "BizObjectId": id}, "业务对象不存在")
		s.fails(map[string]any{"ActionName": "RemoveBizObject", "SchemaCode": "D000001Contract", "BizObjectId": id}, "业务对象不存在")
		var rows int
		s.App.DB.Reader().QueryRow(t.Context(), "SELECT COUNT(*) FROM f_d000001lines WHERE parentobjectid = ?", id).Scan(&rows)
		if rows != 0 {
			t.Fatalf("%d child rows left after remove", rows)
		}
		rd = s.ok(map[string]any{"ActionName": "LoadBizObjects", "SchemaCode": "D000001Contract", "Filter": `{"FromRowNum":0,"ToRowNum":100,"RequireCount":true}`})
		if rd["TotalCount"] != json.Number("30") {
			t.Fatalf("count after remove = %v", rd["TotalCount"])
		}
	})
}

// TestH3YunLeniency covers what real clients send: lower-case path,
// single quotes, charset in Content-Type, numbers and booleans as strings,
// whitespace around OwnerId, malformed leaves.
func TestH3YunLeniency(t *testing.T) {
	forEachServer(t, func(t *testing.T, s *server) {
		s.mustCreateForm(contractForm())
		admin := s.App.Admin.UserID
		body := `{'ActionName':'CreateBizObject','SchemaCode':'D000001Contract','IsSubmit':'false',` +
			`'BizObject':'{"F0000001":"单引号","F0000007":"7","OwnerId":" ` + admin + `"}'}`
		status, out := s.do("POST", "/openapi/invoke", body, "Content-Type", "application/json; charset=utf-8", "enginecode", testCode)
		if status != 200 || !strings.Contains(string(out), `"Successful":true`) {
			t.Fatalf("lenient create: %d %s", status, out)
		}
		id := decode(t, out)["ReturnData"].(map[string]any)["BizObjectId"].(string)
		bo := s.ok(map[string]any{"ActionName": "loadbizobject", "SchemaCode": "D000001Contract", "BizObjectId": id})["BizObject"].(map[string]any)
		if bo["Status"] != json.Number("0") || bo["OwnerId"] != admin || bo["F0000007"] != json.Number("7") {
			t.Fatalf("draft with trimmed owner: %v", bo)
		}
		// Envelope keys in the documented order.
		if !strings.HasPrefix(string(out), `{"Successful":true,"ErrorMessage":null,"Logined":false,"ReturnData":{`) || !strings.HasSuffix(string(out), `,"DataType":0}`) {
			t.Fatalf("envelope order: %s", out)
		}
		// Operator as a string, a leaf without Type/Name ignored, "in" as a ;-string.
		f := `{"FromRowNum":"0","ToRowNum":"10","RequireCount":"true","SortByCollection":"[]","Matcher":{"Type":"and","Matchers":[{"Type":"Item","Name":"F0000007","Operator":"6","Value":"7;8"},{}]}}`
		rd := s.ok(map[string]any{"ActionName": "LoadBizObjects", "SchemaCode": "D000001Contract", "Filter": f})
		if rd["TotalCount"] != json.Number("1") {
			t.Fatalf("lenient filter: %v", rd)
		}
		// Single quotes inside values that hold JSON: a child table and a Matcher.
		rd = s.ok(map[string]any{"ActionName": "CreateBizObject", "SchemaCode": "D000001Contract",
			"BizObject": `{"F0000001":"子表","D000001Lines":"[{'F0000011':'单引号行'}]"}`})
		bo = s.ok(map[string]any{"ActionName": "LoadBizObject", "SchemaCode": "D000001Contract", "BizObjectId": rd["BizObjectId"]})["BizObject"].(map[string]any)
		if rows := bo["D000001Lines"].([]any); len(rows) != 1 || rows[0].(map[string]any)["F0000011"] != "单引号行" {
			t.Fatalf("child rows from a single-quoted string: %v", bo["D000001Lines"])
		}
		rd = s.ok(map[string]any{"ActionName": "LoadBizObjects", "SchemaCode": "D000001Contract",
			"Filter": map[string]any{"RequireCount": true, "Matcher": `{'Type':'Item','Name':'F0000001','Operator':2,'Value':'子表'}`}})
		if rd["TotalCount"] != json.Number("1") {
			t.Fatalf("single-quoted Matcher string: %v", rd)
		}
	})
}

// TestH3YunPageClamp: a span over 500 returns 500 rows, never more.
func TestH3YunPageClamp(t *testing.T) {
	forEachServer(t, func(t *testing.T, s *server) {
		s.mustCreateForm(map[string]any{"code": "Many", "fields": []map[string]any{{"code": "N", "type": "number"}}})
		for b := range 2 {
			var arr []any
			for i := range 300 {
				arr = append(arr, map[string]any{"N": b*300 + i})
			}
			s.ok(map[string]any{"ActionName": "CreateBizObjects", "SchemaCode": "Many", "BizObjectArray": arr})
		}
		for _, f := range []string{`{"FromRowNum":0,"ToRowNum":10000,"RequireCount":true}`, `{"RequireCount":true}`, ``} {
			rd := s.ok(map[string]any{"ActionName": "LoadBizObjects", "SchemaCode": "Many", "Filter": f})
			if n := len(rd["BizObjectArray"].([]any)); n != 500 {
				t.Fatalf("filter %q: %d rows, want 500", f, n)
			}
		}
		rd := s.ok(map[string]any{"ActionName": "LoadBizObjects", "SchemaCode": "Many", "Filter": `{"FromRowNum":550,"ToRowNum":2000,"RequireCount":true}`})
		if n := len(rd["BizObjectArray"].([]any)); n != 50 || rd["TotalCount"] != json.Number("600") {
			t.Fatalf("tail page: %d rows, total %v", n, rd["TotalCount"])
		}
		rd = s.ok(map[string]any{"ActionName": "LoadBizObjects", "SchemaCode": "Many", "Filter": `{"FromRowNum":5,"ToRowNum":5,"RequireCount":true}`})
		if n := len(rd["BizObjectArray"].([]any)); n != 0 || rd["TotalCount"] != json.Number("600") {
			t.Fatalf("empty span: %d rows, total %v", n, rd["TotalCount"])
		}
	})
}
