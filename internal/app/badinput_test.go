package app_test

import (
	"fmt"
	"strings"
	"testing"
)

// TestBadInput sends every kind of bad request and checks that each gets a
// clear error naming the problem, in the API's own envelope, and that a
// follow-up read shows nothing changed.
func TestBadInput(t *testing.T) {
	forEachServer(t, func(t *testing.T, s *server) {
		s.mustCreateForm(contractForm())
		seed := s.ok(map[string]any{"ActionName": "CreateBizObject", "SchemaCode": "D000001Contract", "IsSubmit": true,
			"BizObject": jsonString(map[string]any{"F0000001": "原始", "F0000002": "10.00", "F0000007": 1,
				"D000001Lines": []map[string]any{{"F0000011": "行"}}})})
		id := seed["BizObjectId"].(string)
		state := func() string {
			bo := s.ok(map[string]any{"ActionName": "LoadBizObject", "SchemaCode": "D000001Contract", "BizObjectId": id})["BizObject"]
			n := s.ok(map[string]any{"ActionName": "LoadBizObjects", "SchemaCode": "D000001Contract", "Filter": `{"RequireCount":true}`})["TotalCount"]
			return fmt.Sprint(n, bo)
		}
		before := state()

		create := func(obj any) map[string]any {
			return map[string]any{"ActionName": "CreateBizObject", "SchemaCode": "D000001Contract", "IsSubmit": true, "BizObject": obj}
		}
		update := func(obj any) map[string]any {
			return map[string]any{"ActionName": "UpdateBizObject", "SchemaCode": "D000001Contract", "BizObjectId": id, "BizObject": jsonString(obj)}
		}
		list := func(matcher any) map[string]any {
			return map[string]any{"ActionName": "LoadBizObjects", "SchemaCode": "D000001Contract",
				"Filter": jsonString(map[string]any{"RequireCount": true, "Matcher": matcher})}
		}
		item := func(name string, op, value any) map[string]any {
			return map[string]any{"Type": "Item", "Name": name, "Operator": op, "Value": value}
		}
		long := strings.Repeat("长", 201)
		cases := []struct {
			name string
			body any
			want string
		}{
			{"malformed JSON", `{"ActionName":"CreateBizObject",`, "请求格式错误"},
			{"body not an object", `[1,2]`, "请求格式错误: 请求体需要 JSON 对象, 收到数组 (the body must be a JSON object, not an array)"},
			{"BizObject not JSON", create("{not json"), "BizObject格式错误"},
			{"BizObject an array", create("[1]"), "BizObject格式错误"},
			{"missing BizObject", map[string]any{"ActionName": "CreateBizObject", "SchemaCode": "D000001Contract"}, "BizObject"},
			{"missing SchemaCode", map[string]any{"ActionName": "LoadBizObject", "BizObjectId": id}, "SchemaCode"},
			{"unknown form", map[string]any{"ActionName": "LoadBizObject", "SchemaCode": "D404", "BizObjectId": id}, "表单不存在: D404"},
			{"unknown field", create(jsonString(map[string]any{"F0000001": "x", "F9999": 1})), "字段不存在: F9999"},
			{"unknown child field", create(jsonString(map[string]any{"F0000001": "x", "D000001Lines": []map[string]any{{"F404": 1}}})), "F404"},
			{"unknown action", map[string]any{"ActionName": "DropEverything", "SchemaCode": "D000001Contract"}, "未知的 ActionName: DropEverything"},
			{"custom action without script", map[string]any{"ActionName": "SelectUser", "Controller": "MyApiController", "AppCode": "D001"}, "MyApiController.SelectUser"},
			{"missing ActionName", map[string]any{"SchemaCode": "D000001Contract"}, "ActionName"},
			{"text gets an object", create(jsonString(map[string]any{"F0000001": map[string]any{"a": 1}})), "字段F0000001: 需要文本"},
			{"text too long", create(jsonString(map[string]any{"F0000001": long})), "字段F0000001: 长度超过 200"},
			{"decimal not a number", create(jsonString(map[string]any{"F0000001": "x", "F0000002": "abc"})), `字段F0000002: 需要数字, 收到 "abc"`},
			{"decimal too many digits", create(jsonString(map[string]any{"F0000001": "x", "F0000002": "1.234"})), "字段F0000002: 小数位数超过 2"},
			{"decimal too large", create(jsonString(map[string]any{"F0000001": "x", "F0000002": "1e30"})), "字段F0000002: 数值超出范围"},
			{"number not a number", create(jsonString(map[string]any{"F0000001": "x", "F0000007": "十二"})), "字段F0000007: 需要数字"},
			{"bool not a bool", create(jsonString(map[string]any{"F0000001": "x", "F0000004": "maybe"})), "字段F0000004: 需要布尔值"},
			{"date not a date", create(jsonString(map[string]any{"F0000001": "x", "F0000003": "2025-13-45"})), "字段F0000003: 需要日期"},
			{"datetime not a datetime", create(jsonString(map[string]any{"F0000001": "x", "F0000009": "yesterday"})), "字段F0000009: 需要日期时间"},
			{"select unknown option", create(jsonString(map[string]any{"F0000001": "x", "F0000006": "租赁"})), `字段F0000006: 选项 "租赁" 不存在`},
			{"multiselect unknown option", create(jsonString(map[string]any{"F0000001": "x", "F0000008": []string{"紧急", "慢"}})), `选项 "慢" 不存在`},
			{"user does not exist", create(jsonString(map[string]any{"F0000001": "x", "F0000005": "no-such-user"})), "字段F0000005: 用户不存在: no-such-user"},
			{"owner does not exist", create(jsonString(map[string]any{"F0000001": "x", "OwnerId": "ghost"})), "OwnerId: 用户不存在: ghost"},
			{"attachment file does not exist", create(jsonString(map[string]any{"F0000001": "x", "F0000010": []string{"nokey"}})), "字段F0000010: 文件不存在: nokey"},
			{"required missing on submit", create(jsonString(map[string]any{"F0000002": "1"})), "字段F0000001(合同名称) 必填"},
			{"IsSubmit not a bool", map[string]any{"ActionName": "CreateBizObject", "SchemaCode": "D000001Contract", "IsSubmit": "perhaps", "BizObject": "{}"}, "IsSubmit"},
			{"update unknown id", map[string]any{"ActionName": "UpdateBizObject", "SchemaCode": "D000001Contract", "BizObjectId": "nope", "BizObject": "{}"}, "业务对象不存在: nope"},
			{"update unknown field", update(map[string]any{"F0000001": "改了", "Bogus": 1}), "字段不存在: Bogus"},
			{"update clears required", update(map[string]any{"F0000001": ""}), "必填"},
			{"update bad child row", update(map[string]any{"D000001Lines": []any{"not an object"}}), "子表D000001Lines 第1行"},
			{"batch with one bad item", map[string]any{"ActionName": "CreateBizObjects", "SchemaCode": "D000001Contract", "IsSubmit": true,
				"BizObjectArray": []any{map[string]any{"F0000001": "好"}, map[string]any{"F0000001": "坏", "F0000007": "x"}}}, "第2个对象"},
			{"batch over 500", map[string]any{"ActionName": "CreateBizObjects", "SchemaCode": "D000001Contract", "BizObjectArray": make([]any, 501)}, "500"},
			{"filter not JSON", map[string]any{"ActionName": "LoadBizObjects", "SchemaCode": "D000001Contract", "Filter": "{oops"}, "Filter格式错误"},
			{"filter unknown field", list(item("Nope", 2, 1)), "Nope"},
			{"filter unknown operator", list(item("F0000007", 9, 1)), "9"},
			{"filter bad value", list(item("F0000007", 0, "abc")), "F0000007"},
			{"filter unknown group type", list(map[string]any{"Type": "Xor", "Matchers": []any{}}), "Xor"},
			{"ReturnItems unknown field", map[string]any{"ActionName": "LoadBizObjects", "SchemaCode": "D000001Contract", "Filter": `{"ReturnItems":["F404"]}`}, "F404"},
			{"sort by unknown field", map[string]any{"ActionName": "LoadBizObjects", "SchemaCode": "D000001Contract", "Filter": `{"SortByCollection":[{"ItemName":"F404"}]}`}, "F404"},
			{"SQL in a field name", list(item(`F0000001" = 1; DROP TABLE f_d000001contract; --`, 2, 1)), "字段不存在"},
			{"SQL in a BizObject key", create(jsonString(map[string]any{"F0000001": "x", `F0000001" TEXT); DROP TABLE f_d000001contract; --`: 1})), "字段不存在"},
			{"SQL in the schema code", map[string]any{"ActionName": "LoadBizObject", "SchemaCode": `D000001Contract"; DROP TABLE f_d000001contract; --`, "BizObjectId": id}, "表单不存在"},
			// Refused text names the field, in every shape BizObject comes.
			{"invalid UTF-8 in a BizObject object", "{\"ActionName\":\"CreateBizObject\",\"SchemaCode\":\"D000001Contract\",\"BizObject\":{\"F0000001\":\"bad\xff\xfeutf\"}}", "BizObject.F0000001 is not valid UTF-8"},
			{"invalid UTF-8 in a BizObject string", "{\"ActionName\":\"CreateBizObject\",\"SchemaCode\":\"D000001Contract\",\"BizObject\":\"{\\\"F0000001\\\":\\\"\xc0\xaf\\\"}\"}", "BizObject.F0000001 is not valid UTF-8"},
			{"CESU in an update", "{\"ActionName\":\"UpdateBizObject\",\"SchemaCode\":\"D000001Contract\",\"BizObjectId\":\"" + id + "\",\"BizObject\":{\"F0000001\":\"\xed\xa0\x80\"}}", "F0000001 is not valid UTF-8"},
			{"truncated UTF-8 in a batch", "{\"ActionName\":\"CreateBizObjects\",\"SchemaCode\":\"D000001Contract\",\"BizObjectArray\":[{\"F0000001\":\"\xe4\xb8\"}]}", "BizObjectArray[0].F0000001 is not valid UTF-8"},
			{"lone surrogate inside a BizObject string", create(`{"F0000001":"\ud800"}`), "F0000001 contains an unpaired UTF-16 surrogate"},
			{"NUL inside a BizObject string", create(`{"F0000001":"a\u0000"}`), "F0000001 contains a NUL"},
			{"NUL in BizObjectId", map[string]any{"ActionName": "LoadBizObject", "SchemaCode": "D000001Contract", "BizObjectId": "K\x00"}, "BizObjectId contains a NUL"},
			{"NUL in a file key", create(jsonString(map[string]any{"F0000001": "x", "F0000010": []string{"k\x00"}})), "F0000010[0] contains a NUL"},
			{"NUL in a matcher value", list(item("F0000001", 2, "a\x00")), "contains a NUL"},
			{"NUL in SchemaCode", map[string]any{"ActionName": "LoadBizObject", "SchemaCode": "D\x00", "BizObjectId": id}, "SchemaCode contains a NUL"},
			// Wrong types are named with what they must be, never a Go type.
			{"body a string", `"x"`, "the body must be a JSON object, not a string"},
			{"body a number", `123`, "the body must be a JSON object, not a number"},
			{"body null", `null`, "the body must be a JSON object, not null"},
			{"SchemaCode an object", map[string]any{"ActionName": "LoadBizObject", "SchemaCode": map[string]any{"a": 1}, "BizObjectId": id}, "SchemaCode must be a string, not an object"},
			{"ActionName an object", map[string]any{"ActionName": map[string]any{}, "SchemaCode": "D000001Contract"}, "ActionName must be a string, not an object"},
			{"BizObjectId an object", map[string]any{"ActionName": "LoadBizObject", "SchemaCode": "D000001Contract", "BizObjectId": map[string]any{}}, "BizObjectId must be a string, not an object"},
			{"Controller an array", map[string]any{"ActionName": "X", "Controller": []int{1}}, "Controller must be a string, not an array"},
			{"BizObject a number", create(12), "BizObject must be a JSON object, not a number"},
			{"BizObjectArray item a number", map[string]any{"ActionName": "CreateBizObjects", "SchemaCode": "D000001Contract", "BizObjectArray": []any{map[string]any{"F0000001": "a"}, 5}}, "BizObjectArray[1] must be a JSON object"},
			{"Filter an array", map[string]any{"ActionName": "LoadBizObjects", "SchemaCode": "D000001Contract", "Filter": "[1]"}, "the Filter must be a JSON object, not an array"},
			{"ObjectId an object", create(jsonString(map[string]any{"F0000001": "x", "ObjectId": map[string]any{"a": 1}})), "ObjectId must be a string, not an object"},
			{"ObjectId an array", create(jsonString(map[string]any{"F0000001": "x", "ObjectId": []string{"K-0009"}})), "ObjectId must be a string, not an array"},
			{"ObjectId true", create(jsonString(map[string]any{"F0000001": "x", "ObjectId": true})), "ObjectId must be a string"},
			{"ObjectId an object on update", update(map[string]any{"ObjectId": map[string]any{"a": 1}}), "ObjectId must be a string"},
			// Messages name the field and say it in English too.
			{"child attachment file does not exist", create(jsonString(map[string]any{"F0000001": "x", "D000001Lines": []map[string]any{{"F0000013": []string{"nokey"}}}})), "F0000013: 文件不存在: nokey"},
			{"IsSubmit perhaps", map[string]any{"ActionName": "CreateBizObject", "SchemaCode": "D000001Contract", "IsSubmit": "perhaps", "BizObject": "{}"}, "(IsSubmit must be true or false)"},
			{"FromRowNum negative", map[string]any{"ActionName": "LoadBizObjects", "SchemaCode": "D000001Contract", "Filter": `{"FromRowNum":-1}`}, "(FromRowNum must be a non-negative integer)"},
			{"Matcher syntax error", map[string]any{"ActionName": "LoadBizObjects", "SchemaCode": "D000001Contract", "Filter": `{"Matcher":"{x"}`}, "(the Matcher is not valid JSON: syntax error at byte 2)"},
			{"RequireCount maybe", map[string]any{"ActionName": "LoadBizObjects", "SchemaCode": "D000001Contract", "Filter": `{"RequireCount":"maybe"}`}, "(RequireCount must be true or false)"},
			{"SQL in a sort item", map[string]any{"ActionName": "LoadBizObjects", "SchemaCode": "D000001Contract", "Filter": `{"SortByCollection":[{"ItemName":"CreatedTime; DROP TABLE x"}]}`}, "字段不存在"},
		}
		parent := s.t
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				s.t = t
				defer func() { s.t = parent }()
				s.fails(c.body, c.want)
				if after := state(); after != before {
					t.Fatalf("state changed:\nbefore %s\nafter  %s", before, after)
				}
			})
		}

		// Values that look like SQL are only ever data.
		rd := s.ok(list(item("F0000001", 2, "' OR '1'='1")))
		if rd["TotalCount"].(interface{ String() string }).String() != "0" {
			t.Fatalf("injection in a value matched rows: %v", rd)
		}
		rd = s.ok(list(item("F0000001", 8, "%")))
		if rd["TotalCount"].(interface{ String() string }).String() != "0" {
			t.Fatalf("LIKE wildcard in a value matched rows: %v", rd)
		}

		// Credentials: wrong, missing, wrong case of a right secret.
		for _, h := range [][]string{{"EngineSecret", "wrong"}, {"EngineCode", ""}, {"EngineSecret", ""}, {"EngineSecret", strings.ToUpper(testSecret)}} {
			env := s.invoke(map[string]any{"ActionName": "LoadBizObject", "SchemaCode": "D000001Contract", "BizObjectId": id}, h...)
			if env.Successful || !strings.Contains(*env.ErrorMessage, "EngineCode或EngineSecret错误") {
				t.Fatalf("credentials %v: %+v", h, env)
			}
			if status, _ := s.do("GET", "/api/v1/forms", nil, h...); status != 401 {
				t.Fatalf("REST with credentials %v: %d, want 401", h, status)
			}
		}

		// A body over the limit is not an Invoke at all: 413.
		big := `{"ActionName":"CreateBizObject","SchemaCode":"D000001Contract","BizObject":"` + strings.Repeat("x", 11<<20) + `"}`
		if status, out := s.do("POST", "/OpenApi/Invoke", big); status != 413 || !strings.Contains(string(out), "payload_too_large") {
			t.Fatalf("oversized body: %d %.200s", status, out)
		}
		if status, _ := s.do("POST", "/api/v1/forms/D000001Contract/records", big); status != 413 {
			t.Fatalf("oversized REST body: %d", status)
		}
		// The wrong method on Invoke is a 405.
		if status, _ := s.do("GET", "/OpenApi/Invoke", nil); status != 405 {
			t.Fatalf("GET Invoke: %d, want 405", status)
		}
		if after := state(); after != before {
			t.Fatalf("state changed:\nbefore %s\nafter  %s", before, after)
		}
	})
}
