package app_test

import (
	"bytes"
	"encoding/json"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/tritiumhq/tritium/internal/sheet"
)

const (
	dealForm  = "D000077Deal"
	dealLines = "D000077Lines"
	dealPath  = "/api/v1/forms/" + dealForm + "/records"
)

// dealDef is a form with a field of every type a sheet carries, and a
// child table.
func dealDef() map[string]any {
	return map[string]any{
		"code": dealForm, "name": "交易",
		"fields": []map[string]any{
			{"code": "F0000001", "name": "名称", "type": "text", "required": true},
			{"code": "F0000002", "name": "金额", "type": "decimal", "scale": 2},
			{"code": "F0000003", "name": "日期", "type": "date"},
			{"code": "F0000004", "name": "盖章", "type": "bool"},
			{"code": "F0000005", "name": "经办人", "type": "user"},
			{"code": "F0000006", "name": "类型", "type": "select", "options": []string{"采购", "销售"}},
			{"code": "F0000007", "name": "数量", "type": "number"},
			{"code": "F0000008", "name": "标签", "type": "multiselect", "options": []string{"紧急", "大客户", "海外"}},
			{"code": "F0000009", "name": "时间", "type": "datetime"},
			{"code": "F0000010", "name": "部门", "type": "department"},
			{"code": "F0000011", "name": "参与人", "type": "users"},
			{"code": "F0000012", "name": "附件", "type": "attachment"},
		},
		"children": []map[string]any{{"code": dealLines, "name": "明细", "fields": []map[string]any{
			{"code": "F0000021", "name": "物料", "type": "text"},
			{"code": "F0000022", "name": "单价", "type": "decimal", "scale": 4},
		}}},
	}
}

// export downloads an export (or template) and opens it.
func (s *server) export(path string, hdr ...string) *excelize.File {
	s.t.Helper()
	resp, body := s.get(path, false, hdr...)
	if resp.StatusCode != 200 {
		s.t.Fatalf("GET %s: HTTP %d: %s", path, resp.StatusCode, body)
	}
	if ct := resp.Header.Get("Content-Type"); ct != sheet.ContentType {
		s.t.Fatalf("GET %s: Content-Type %q", path, ct)
	}
	if cd := resp.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment; filename=") || !strings.Contains(cd, "filename*=UTF-8''") {
		s.t.Fatalf("GET %s: Content-Disposition %q", path, cd)
	}
	return openBook(s.t, body)
}

func openBook(t testing.TB, b []byte) *excelize.File {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("open workbook: %v", err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func bookBytes(t testing.TB, f *excelize.File) []byte {
	t.Helper()
	buf, err := f.WriteToBuffer()
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// importBook posts a workbook and returns the status and the answer.
func (s *server) importBook(code, query string, b []byte, hdr ...string) (int, map[string]any) {
	s.t.Helper()
	status, out := s.do("POST", "/api/v1/forms/"+code+"/records:import"+query, b, append([]string{"Content-Type", sheet.ContentType}, hdr...)...)
	return status, decode(s.t, out)
}

// mustImport imports and fails unless the answer is 200.
func (s *server) mustImport(code, query string, b []byte, hdr ...string) map[string]any {
	s.t.Helper()
	status, m := s.importBook(code, query, b, hdr...)
	if status != 200 {
		s.t.Fatalf("import %s: HTTP %d: %v", query, status, m)
	}
	return m
}

// sheetRows reads a sheet's rows as raw cell text.
func sheetRows(t testing.TB, f *excelize.File, name string) [][]string {
	t.Helper()
	rows, err := f.GetRows(name, excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatalf("rows of %s: %v", name, err)
	}
	return rows
}

// cellOf is the cell name of code's column (from the code row) in row n.
func cellOf(t testing.TB, f *excelize.File, name, code string, n int) string {
	t.Helper()
	rows := sheetRows(t, f, name)
	i := slices.Index(rows[1], code)
	if i < 0 {
		t.Fatalf("sheet %s has no column %s: %v", name, code, rows[1])
	}
	c, _ := excelize.CoordinatesToCellName(i+1, n)
	return c
}

// rowOf is the row number holding id in column A (ObjectId).
func rowOf(t testing.TB, f *excelize.File, name, id string) int {
	t.Helper()
	for i, r := range sheetRows(t, f, name) {
		if len(r) > 0 && r[0] == id {
			return i + 1
		}
	}
	t.Fatalf("sheet %s has no row for %s", name, id)
	return 0
}

func set(t testing.TB, f *excelize.File, name, cell string, v any) {
	t.Helper()
	if err := f.SetCellValue(name, cell, v); err != nil {
		t.Fatal(err)
	}
}

func num(m map[string]any, k string) int {
	n, _ := m[k].(json.Number).Int64()
	return int(n)
}

func TestExcelRoundTrip(t *testing.T) {
	forEachServer(t, func(t *testing.T, s *server) {
		s.mustCreateForm(dealDef())
		d1 := s.mustJSON("POST", "/api/v1/departments", map[string]any{"name": "一部"}, 201)["id"].(string)
		d2 := s.mustJSON("POST", "/api/v1/departments", map[string]any{"name": "二部"}, 201)["id"].(string)
		u1 := s.mustJSON("POST", "/api/v1/users", map[string]any{"name": "甲", "loginName": "jia", "departmentId": d1}, 201)["id"].(string)
		u2 := s.mustJSON("POST", "/api/v1/users", map[string]any{"name": "乙", "loginName": "yi", "departmentId": d2}, 201)["id"].(string)
		mk := func(name string, qty int, lines ...string) string {
			var rows []map[string]any
			for _, l := range lines {
				rows = append(rows, map[string]any{"F0000021": l, "F0000022": "1.5"})
			}
			return s.mustJSON("POST", dealPath, map[string]any{"F0000001": name, "F0000002": "10.10", "F0000003": "2026-01-02", "F0000004": true,
				"F0000005": u1, "F0000006": "采购", "F0000007": qty, "F0000008": []string{"大客户"}, "F0000009": "2026-01-02T03:04:05Z",
				"F0000010": d1, "F0000011": []string{u1}, dealLines: rows}, 201)["ObjectId"].(string)
		}
		r1, r2, r3 := mk("R1", 3, "a", "b"), mk("R2", 1), mk("R3", 2, "c")

		f := s.export(dealPath + ":export?sort=F0000007")
		if got := f.GetSheetList(); !slices.Equal(got, []string{"交易", "明细"}) {
			t.Fatalf("sheets %v", got)
		}
		main := sheetRows(t, f, "交易")
		if main[0][2] != "名称" || main[1][0] != "ObjectId" || main[1][1] != sheet.RowKey || main[1][2] != "F0000001" {
			t.Fatalf("header rows %v / %v", main[0], main[1])
		}
		if vis, _ := f.GetRowVisible("交易", 2); vis {
			t.Fatal("the code row is visible")
		}
		if len(main) != 5 || main[2][0] != r2 || main[3][0] != r3 || main[4][0] != r1 {
			t.Fatalf("rows not in the sort's order: %v", main[2:])
		}
		kids := sheetRows(t, f, "明细")
		if kids[1][0] != dealLines+".ParentObjectId" || len(kids) != 5 || kids[2][0] != r3 || kids[3][0] != r1 || kids[3][2] != "a" {
			t.Fatalf("child sheet %v", kids)
		}
		if filtered := sheetRows(t, s.export(dealPath+":export?sort=-F0000007&filter="+url.QueryEscape("F0000007 >= 2")), "交易"); len(filtered) != 4 || filtered[2][0] != r1 || filtered[3][0] != r3 {
			t.Fatalf("filtered export %v", filtered)
		}
		original := bookBytes(t, f)

		// Edit as a person would: new values of every type, a child row
		// changed, one added, one removed, and a new record with a line.
		n1 := rowOf(t, f, "交易", r1)
		set(t, f, "交易", cellOf(t, f, "交易", "F0000001", n1), "改名")
		set(t, f, "交易", cellOf(t, f, "交易", "F0000002", n1), 1234.56)
		set(t, f, "交易", cellOf(t, f, "交易", "F0000003", n1), time.Date(2026, 3, 4, 0, 0, 0, 0, time.UTC))
		set(t, f, "交易", cellOf(t, f, "交易", "F0000004", n1), false)
		set(t, f, "交易", cellOf(t, f, "交易", "F0000005", n1), u2)
		set(t, f, "交易", cellOf(t, f, "交易", "F0000006", n1), "销售")
		set(t, f, "交易", cellOf(t, f, "交易", "F0000007", n1), 7)
		set(t, f, "交易", cellOf(t, f, "交易", "F0000008", n1), "紧急;海外")
		set(t, f, "交易", cellOf(t, f, "交易", "F0000009", n1), time.Date(2026, 5, 6, 7, 8, 9, 0, time.UTC))
		set(t, f, "交易", cellOf(t, f, "交易", "F0000010", n1), d2)
		set(t, f, "交易", cellOf(t, f, "交易", "F0000011", n1), u1+";"+u2)
		set(t, f, "明细", "D4", 9.8765)                // r1's line a
		if err := f.RemoveRow("明细", 3); err != nil { // r3's line c
			t.Fatal(err)
		}
		set(t, f, "明细", "A5", r2)
		set(t, f, "明细", "C5", "新行")
		set(t, f, "交易", "B6", "n1")
		set(t, f, "交易", cellOf(t, f, "交易", "F0000001", 6), "新交易")
		set(t, f, "明细", "A6", "n1")
		set(t, f, "明细", "C6", "新物料")
		res := s.mustImport(dealForm, "", bookBytes(t, f))
		if num(res, "total") != 4 || num(res, "created") != 1 || num(res, "updated") != 3 || num(res, "failed") != 0 || res["written"] != true {
			t.Fatalf("import: %v", res)
		}

		got := s.mustJSON("GET", dealPath+"/"+r1, nil, 200)
		loc := s.App.Records.Codec().Loc
		wantTime := time.Date(2026, 5, 6, 7, 8, 9, 0, loc)
		at, _ := time.Parse(time.RFC3339, got["F0000009"].(string))
		for k, want := range map[string]any{"F0000001": "改名", "F0000002": "1234.56", "F0000003": "2026-03-04", "F0000004": false,
			"F0000005": u2, "F0000006": "销售", "F0000007": json.Number("7"), "F0000010": d2} {
			if got[k] != want {
				t.Errorf("%s = %v, want %v", k, got[k], want)
			}
		}
		if !at.Equal(wantTime) || jsonString(got["F0000008"]) != `["紧急","海外"]` || jsonString(got["F0000011"]) != jsonString([]string{u1, u2}) {
			t.Errorf("datetime %v (want %v), lists %v %v", got["F0000009"], wantTime, got["F0000008"], got["F0000011"])
		}
		lines := got[dealLines].([]any)
		if len(lines) != 2 || lines[0].(map[string]any)["F0000022"] != "9.8765" || lines[1].(map[string]any)["F0000021"] != "b" {
			t.Errorf("r1 lines %v", lines)
		}
		if l := s.mustJSON("GET", dealPath+"/"+r2, nil, 200)[dealLines].([]any); len(l) != 1 || l[0].(map[string]any)["F0000021"] != "新行" {
			t.Errorf("r2 lines %v, want the added row", l)
		}
		if l := s.mustJSON("GET", dealPath+"/"+r3, nil, 200)[dealLines].([]any); len(l) != 0 {
			t.Errorf("r3 lines %v, want the removed row gone", l)
		}
		fresh := s.mustJSON("GET", dealPath+"?filter="+url.QueryEscape(`F0000001 = "新交易"`), nil, 200)["items"].([]any)
		if len(fresh) != 1 || len(fresh[0].(map[string]any)[dealLines].([]any)) != 1 {
			t.Fatalf("new record %v", fresh)
		}

		// The first export carries the versions it read: imported again,
		// every changed record is a version conflict, and atomic mode
		// writes nothing.
		res = s.mustImport(dealForm, "", original)
		if num(res, "failed") != 3 || res["written"] != false || num(res, "created") != 0 {
			t.Fatalf("stale import: %v", res)
		}
		if s.mustJSON("GET", dealPath+"/"+r1, nil, 200)["F0000001"] != "改名" {
			t.Fatal("a stale import changed a record")
		}
	})
}

func TestExcelTemplate(t *testing.T) {
	forEachServer(t, func(t *testing.T, s *server) {
		s.mustCreateForm(dealDef())
		f := s.export(dealPath + ":import-template")
		if got := f.GetSheetList(); !slices.Equal(got, []string{"交易", "明细"}) {
			t.Fatalf("sheets %v", got)
		}
		rows := sheetRows(t, f, "交易")
		if len(rows) != 2 || rows[1][2] != "F0000001" || !slices.Contains(rows[1], "version") {
			t.Fatalf("template rows %v", rows)
		}
		dvs, err := f.GetDataValidations("交易")
		if err != nil {
			t.Fatal(err)
		}
		col := strings.TrimRight(cellOf(t, f, "交易", "F0000006", 3), "0123456789")
		if len(dvs) != 1 || !strings.HasPrefix(dvs[0].Sqref, col+"3:") || !strings.Contains(dvs[0].Formula1, "采购") {
			t.Fatalf("data validations %+v, want a list on column %s", dvs, col)
		}
		comments, err := f.GetComments("交易")
		if err != nil {
			t.Fatal(err)
		}
		if len(comments) != 1 || comments[0].Cell != "C1" {
			t.Fatalf("notes %+v, want one on the required field's header C1", comments)
		}
		// The template, filled in, imports.
		set(t, f, "交易", "C3", "模板行")
		set(t, f, "明细", "A3", "k")
		set(t, f, "交易", "B3", "k")
		set(t, f, "明细", "C3", "行")
		if res := s.mustImport(dealForm, "?mode=rows", bookBytes(t, f)); num(res, "created") != 1 {
			t.Fatalf("import of the template: %v", res)
		}
		if status, _ := s.do("GET", "/api/v1/forms/D000077Nope/records:import-template", nil); status != 404 {
			t.Fatalf("template of an unknown form: %d", status)
		}
	})
}
