package app_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/tritiumhq/tritium/internal/filter"
	"github.com/tritiumhq/tritium/internal/record"
	"github.com/tritiumhq/tritium/internal/sheet"
)

// badBook is a template with one good row and rows each refused for
// another reason, plus child rows: one whose parent is not on the main
// sheet, one with a value its column does not take.
func badBook(t *testing.T, s *server) []byte {
	f := s.export(dealPath + ":import-template")
	rows := [][]any{
		{nil, nil, "好"},
		{nil, nil, "数量错", nil, nil, nil, nil, nil, "abc"}, // F0000007 (column I) is a number
		{nil, nil, "选项错", nil, nil, nil, nil, "其他"},       // F0000006 (column H): not an option
		{"nope", nil, "不存在"},                              // an ObjectId that names no record
		{nil, "k7", "坏明细"},
	}
	for i, r := range rows {
		if err := f.SetSheetRow("交易", fmt.Sprintf("A%d", i+3), &r); err != nil {
			t.Fatal(err)
		}
	}
	for i, r := range [][]any{{"zzz", nil, "孤行"}, {"k7", nil, "行", "x"}} {
		if err := f.SetSheetRow("明细", fmt.Sprintf("A%d", i+3), &r); err != nil {
			t.Fatal(err)
		}
	}
	return bookBytes(t, f)
}

// errorsAt lists an import answer's errors as "sheet!column row: field".
func errorsAt(res map[string]any) []string {
	var out []string
	for _, e := range res["errors"].([]any) {
		m := e.(map[string]any)
		col, _ := m["column"].(string)
		field, _ := m["field"].(string)
		out = append(out, fmt.Sprintf("%s!%s%s: %s", m["sheet"], col, m["row"], field))
	}
	slices.Sort(out)
	return out
}

func TestExcelImportModes(t *testing.T) {
	forEachServer(t, func(t *testing.T, s *server) {
		s.mustCreateForm(dealDef())
		b := badBook(t, s)
		count := func() int {
			return num(s.mustJSON("GET", dealPath+"?limit=1", nil, 200), "total")
		}
		// "nope" is found missing by the write, which names no field.
		want := []string{"交易!6: ", "交易!H5: F0000006", "交易!I4: F0000007", "明细!A3: ParentObjectId", "明细!D4: " + dealLines + ".F0000022"}
		for _, q := range []string{"?dryRun=true", "?dryRun=true&mode=rows", "", "?mode=atomic"} {
			res := s.mustImport(dealForm, q, b)
			if got := errorsAt(res); !slices.Equal(got, want) {
				t.Fatalf("%s: errors %v, want %v", q, got, want)
			}
			if num(res, "total") != 5 || num(res, "failed") != 4 || num(res, "created") != 1 || res["written"] != false {
				t.Fatalf("%s: %v", q, res)
			}
			for _, e := range res["errors"].([]any) {
				s.checkMessage("import error", e.(map[string]any)["message"].(string))
			}
			if n := count(); n != 0 {
				t.Fatalf("%s wrote %d records", q, n)
			}
		}
		res := s.mustImport(dealForm, "?mode=rows", b)
		if num(res, "created") != 1 || num(res, "failed") != 4 || res["written"] != true || count() != 1 {
			t.Fatalf("rows mode: %v (records: %d)", res, count())
		}
		if s.mustJSON("GET", dealPath, nil, 200)["items"].([]any)[0].(map[string]any)["F0000001"] != "好" {
			t.Fatal("rows mode wrote the wrong row")
		}
	})
}

func TestExcelBadFiles(t *testing.T) {
	forEachServer(t, func(t *testing.T, s *server) {
		s.mustCreateForm(dealDef())
		refuse := func(what string, status int, field string, b []byte, q string, hdr ...string) {
			t.Helper()
			got, res := s.importBook(dealForm, q, b, hdr...)
			e, _ := res["error"].(map[string]any)
			if got != status || e == nil || e["field"] != field {
				t.Fatalf("%s: HTTP %d %v, want %d naming %q", what, got, res, status, field)
			}
		}
		refuse("not a workbook", 422, "file", []byte("hello, not a zip"), "")
		refuse("empty body", 422, "file", nil, "")
		refuse("bad mode", 422, "mode", []byte("x"), "?mode=some")
		refuse("bad dryRun", 422, "dryRun", []byte("x"), "?dryRun=maybe")

		f := s.export(dealPath + ":import-template")
		set(t, f, "交易", "D2", "F0009999")
		refuse("unknown column", 422, "交易!D2", bookBytes(t, f), "")
		set(t, f, "交易", "D2", "F0000001")
		refuse("a column twice", 422, "交易!D2", bookBytes(t, f), "")

		blank := excelize.NewFile()
		set(t, blank, "Sheet1", "A1", "名称")
		refuse("no code row", 422, "file", bookBytes(t, blank), "")
		set(t, blank, "Sheet1", "A2", "D000077Nope.ParentObjectId")
		refuse("a sheet of an unknown child table", 422, "Sheet1!A2", bookBytes(t, blank), "")

		if status, _ := s.importBook("D000077Nope", "", []byte("x")); status != 404 {
			t.Fatalf("import into an unknown form: %d", status)
		}
		// A multipart upload with the workbook in its part file.
		g := s.export(dealPath + ":import-template")
		set(t, g, "交易", "C3", "表单上传")
		body, ct := multipartBody(t, part{name: "file", filename: "交易.xlsx", body: bookBytes(t, g)})
		if status, out := s.do("POST", dealPath+":import", body, "Content-Type", ct); status != 200 || !strings.Contains(string(out), `"created":1`) {
			t.Fatalf("multipart import: %d %s", status, out)
		}
		if status, out := s.do("GET", dealPath+":export?filter=F0009999%20%3D%201", nil); status != 422 || !strings.Contains(string(out), "F0009999") {
			t.Fatalf("export with a bad filter: %d %s", status, out)
		}
	})
}

func TestExcelPermissions(t *testing.T) {
	forEachServer(t, func(t *testing.T, s *server) {
		w := newPermWorld(t, s)
		exportPath := "/api/v1/forms/" + permContract + "/records:export?sort=F0000001"
		if status, out := s.do("GET", exportPath, nil, as(w.zhang)...); status != 403 {
			t.Fatalf("export without an export grant: %d %s", status, out)
		}
		w.putGrants(permContract, 200, []map[string]any{
			{"id": "staff-own", "principal": map[string]any{"kind": "role", "id": w.staff}, "actions": []string{"view", "create", "edit", "import"}, "scope": "own", "readOnly": []string{"F0000004"}},
			{"id": "staff-export", "principal": map[string]any{"kind": "role", "id": w.staff}, "actions": []string{"export"}, "scope": "all", "hidden": []string{"F0000003"}},
			{"id": "finance-big", "principal": map[string]any{"kind": "department", "id": w.fin}, "actions": []string{"view", "export"}, "scope": "custom", "rule": "F0000002 >= 10000", "hidden": []string{"F0000003", "D000009Lines"}},
		})
		names := func(f *excelize.File) ([]string, []string) {
			rows := sheetRows(t, f, "合同")
			var out []string
			for _, r := range rows[2:] {
				out = append(out, r[2])
			}
			return out, rows[1]
		}
		f := s.export(exportPath, as(w.zhang)...)
		got, codes := names(f)
		if !slices.Equal(got, []string{"C1", "C2"}) || slices.Contains(codes, "F0000003") || !slices.Contains(codes, "F0000004") {
			t.Fatalf("张三 exports %v with columns %v", got, codes)
		}
		if kids := sheetRows(t, f, "明细"); len(kids) != 4 {
			t.Fatalf("张三's child sheet %v", kids)
		}
		g := s.export(exportPath, as(w.zhao)...)
		got, codes = names(g)
		if !slices.Equal(got, []string{"C2", "C4", "C5"}) || slices.Contains(codes, "F0000003") || len(g.GetSheetList()) != 1 {
			t.Fatalf("赵审批 exports %v with columns %v and sheets %v", got, codes, g.GetSheetList())
		}
		// 张三's export comes back edited: the read-only column is left
		// out, not refused.
		set(t, f, "合同", cellOf(t, f, "合同", "F0000001", 3), "C1改")
		set(t, f, "合同", cellOf(t, f, "合同", "F0000004", 3), "改不了")
		res := s.mustImport(permContract, "", bookBytes(t, f), as(w.zhang)...)
		if num(res, "updated") != 2 || num(res, "failed") != 0 {
			t.Fatalf("张三's import: %v", res)
		}
		c1 := s.mustJSON("GET", w.contractPath+"/"+w.ids["C1"], nil, 200)
		if c1["F0000001"] != "C1改" || c1["F0000004"] != "n" || c1["F0000003"] != "1.00" {
			t.Fatalf("C1 after 张三's import: %v", c1)
		}
		// 赵审批 may not import, and 李四 may not touch 张三's records.
		if status, _ := s.importBook(permContract, "", bookBytes(t, g), as(w.zhao)...); status != 403 {
			t.Fatalf("import without an import grant: %d", status)
		}
		res = s.mustImport(permContract, "?dryRun=true", bookBytes(t, f), as(w.li)...)
		if num(res, "failed") != 2 {
			t.Fatalf("李四 importing 张三's records: %v", res)
		}
	})
}

// TestRecordWalk holds the keyset walk to the list's order, over pages
// that end inside runs of equal and unset sort values, both ways.
func TestRecordWalk(t *testing.T) {
	forEachServer(t, func(t *testing.T, s *server) {
		s.mustCreateForm(dealDef())
		var items []map[string]any
		for i := range 61 {
			it := map[string]any{"F0000001": fmt.Sprintf("R%02d", i%9)}
			if i%4 != 0 {
				it["F0000007"] = i % 5
				it["F0000002"] = fmt.Sprintf("%d.5", i%3)
			}
			if i%7 == 0 {
				it["F0000001"] = "R00"
			}
			items = append(items, it)
		}
		s.mustJSON("POST", dealPath+":batch", map[string]any{"items": items}, 201)
		ctx := context.Background()
		node, err := filter.Parse("F0000001 != \"R03\"")
		if err != nil {
			t.Fatal(err)
		}
		for _, sort := range []string{"", "F0000007", "-F0000007", "F0000002,-F0000001", "-Name,F0000007", "-ObjectId", "OwnerId,-CreatedTime"} {
			sorts, err := filter.ParseSort(sort)
			if err != nil {
				t.Fatal(err)
			}
			page, err := s.App.Records.List(ctx, dealForm, record.Query{Filter: node, Sort: sorts, Limit: 500})
			if err != nil {
				t.Fatal(err)
			}
			var want, got []string
			for _, o := range page.Objects {
				want = append(want, o.ID)
			}
			pages := 0
			err = s.App.Records.Walk(ctx, dealForm, record.Query{Filter: node, Sort: sorts, Limit: 4, Fields: []string{"F0000001"}}, func(p *record.Page) error {
				pages++
				for _, o := range p.Objects {
					got = append(got, o.ID)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if len(want) < 50 || !slices.Equal(got, want) || pages < 12 {
				t.Fatalf("sort %q: walk (%d pages) %v, list %v", sort, pages, got, want)
			}
		}
	})
}

// TestExcelOpenAPI: the document gives the Excel routes their binary
// media types.
func TestExcelOpenAPI(t *testing.T) {
	s := startServer(t, storeConfig(t, "sqlite"))
	doc := s.mustJSON("GET", "/api/v1/openapi.json", nil, 200)
	paths := doc["paths"].(map[string]any)
	op := func(path, method string) map[string]any {
		p, _ := paths["/api/v1/forms/{code}/records"+path].(map[string]any)
		o, _ := p[method].(map[string]any)
		if o == nil {
			t.Fatalf("no %s %s in the document", method, path)
		}
		return o
	}
	for _, path := range []string{":export", ":import-template"} {
		ok := op(path, "get")["responses"].(map[string]any)["200"].(map[string]any)
		if _, has := ok["content"].(map[string]any)[sheet.ContentType]; !has {
			t.Errorf("GET %s: 200 content %v", path, ok["content"])
		}
		if _, has := ok["headers"].(map[string]any)["Content-Disposition"]; !has {
			t.Errorf("GET %s: no Content-Disposition header", path)
		}
	}
	imp := op(":import", "post")
	body := imp["requestBody"].(map[string]any)["content"].(map[string]any)
	if body[sheet.ContentType] == nil || body["multipart/form-data"] == nil {
		t.Errorf("POST :import body %v", body)
	}
	for _, st := range []string{"200", "403", "404", "413", "422"} {
		if imp["responses"].(map[string]any)[st] == nil {
			t.Errorf("POST :import does not declare %s", st)
		}
	}
}

// TestExcelWorkflowImport: on a workflow form an import makes drafts
// (their approval waits at the start node), and ?submit=true starts the
// approval past it, as POST …/records?submit=true does.
func TestExcelWorkflowImport(t *testing.T) {
	forEachServer(t, func(t *testing.T, s *server) {
		p := s.org()
		s.mustCreateForm(expenseForm())
		s.process(tree(approval("a", userRule(p.a))))
		path := "/api/v1/forms/D000002Expense/records"
		f := s.export(path + ":import-template")
		set(t, f, "报销", "C3", "差旅")
		set(t, f, "报销", "D3", 120)
		b := bookBytes(t, f)
		for _, c := range []struct {
			query string
			tasks int
		}{{"", 0}, {"?submit=true", 1}} {
			res := s.mustImport("D000002Expense", c.query, b)
			if num(res, "created") != 1 {
				t.Fatalf("import%s: %v", c.query, res)
			}
			tasks := s.mustJSON("GET", "/api/v1/tasks?state=todo", nil, 200, as(p.a)...)
			if n := len(tasks["items"].([]any)); n != c.tasks {
				t.Fatalf("after import%s: approver A has %d tasks, want %d", c.query, n, c.tasks)
			}
		}
	})
}
