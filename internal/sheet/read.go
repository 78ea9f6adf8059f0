package sheet

import (
	"fmt"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/tritiumhq/tritium/internal/apperr"
	"github.com/tritiumhq/tritium/internal/form"
	"github.com/tritiumhq/tritium/internal/record"
	"github.com/tritiumhq/tritium/internal/wiretext"
)

// RowError is one cell's or row's refusal, as Excel shows it: the sheet,
// the row number and the column letter, with the field code.
type RowError struct {
	Sheet   string `json:"sheet"`
	Row     int    `json:"row"`
	Column  string `json:"column,omitempty"`
	Field   string `json:"field,omitempty"`
	Message string `json:"message"`
}

// item is one main-sheet row: the record it writes.
type item struct {
	row    int
	id     string             // ObjectId: update that record; empty: create
	key    string             // #RowKey
	cells  []string           // as read; turned into data chunk by chunk (see data)
	kids   map[int][]childRow // child table index → its rows, in sheet order
	failed bool
}

type childRow struct {
	sheet string
	row   int
	ref   string // ParentObjectId: the parent's ObjectId or row key
	index int    // child table index
	cells []string
}

// book is a workbook read into items.
type book struct {
	main    string // the main sheet's name
	items   []*item
	present []int                        // child tables whose sheet is in the book
	sheets  map[int]string               // child table index → its sheet
	codes   map[string]map[string]string // sheet → column letter by code (lower case)
	cols    map[string][]*column         // sheet → its columns, by position
	loc     *time.Location
	f       *form.Form
	// skip holds the codes of fields read-only to the importer, for an
	// update and for a create (see dropReadOnly).
	skip [2][]string
	errs []RowError
}

// letter returns the column letter of code on sheet ("" when absent).
func (b *book) letter(sheet, code string) string {
	return b.codes[sheet][strings.ToLower(code)]
}

// reader reads one workbook.
type reader struct {
	f    *form.Form
	loc  *time.Location
	file *excelize.File
	b    *book
	kids []childRow
}

// read reads every sheet of file against f.
func read(f *form.Form, loc *time.Location, file *excelize.File) (*book, error) {
	rd := &reader{f: f, loc: loc, file: file, b: &book{sheets: map[int]string{}, codes: map[string]map[string]string{}, cols: map[string][]*column{}, loc: loc, f: f}}
	for _, name := range file.GetSheetList() {
		if err := rd.sheet(name); err != nil {
			return nil, err
		}
	}
	if rd.b.main == "" {
		return nil, apperr.Field("file", "工作簿没有主表工作表: 第2行需要字段编码, 如 ObjectId (no sheet of main records: row 2 must hold the field codes, such as ObjectId; start from an export or the import template)")
	}
	rd.attach()
	return rd.b, nil
}

// sheet reads one sheet: row 2 says which table it is and which column
// holds which field.
func (rd *reader) sheet(name string) error {
	rows, err := rd.file.Rows(name)
	if err != nil {
		return badFile(err)
	}
	defer rows.Close()
	var codes []string // row 2's; none when the sheet has no row 2
	for n := 1; n <= 2; n++ {
		if codes = nil; !rows.Next() {
			break
		}
		if codes, err = rows.Columns(); err != nil {
			return badFile(err)
		}
	}
	if blank(codes) {
		return nil // not one of the form's sheets (notes, a chart): left alone
	}
	l, cols, err := rd.columns(name, codes)
	if err != nil {
		return err
	}
	for n := firstDataRow; rows.Next(); n++ {
		cells, err := rows.Columns(excelize.Options{RawCellValue: true})
		if err != nil {
			return badFile(err)
		}
		if blank(cells) {
			continue
		}
		if l.child == nil {
			rd.mainRow(name, n, cols, cells)
		} else {
			rd.childRow(name, n, l.index, cols, cells)
		}
	}
	if err := rows.Error(); err != nil {
		return badFile(err)
	}
	return nil
}

// columns resolves a sheet's code row against the form's columns.
func (rd *reader) columns(name string, codes []string) (*layout, []*column, error) {
	first := ""
	if len(codes) > 0 {
		first = strings.TrimSpace(codes[0])
	}
	all := layouts(rd.f, nil)
	var l *layout
	if prefix, _, ok := strings.Cut(first, "."); ok {
		for _, cl := range all[1:] {
			if strings.EqualFold(cl.child.Code, prefix) {
				l = cl
			}
		}
	} else if first != "" {
		l = all[0]
	}
	if l == nil {
		return nil, nil, apperr.Field(name+"!A2", "%s!A2: 工作表 %s 第2行需要本表单的字段编码 (ObjectId, F0000001, 或子表的 <子表编码>.ParentObjectId), 收到 %q (sheet %s row 2: the hidden row must hold field codes of this form, or <child table code>.<field code> on a child sheet)", name, name, wiretext.Clip(first), name)
	}
	if l.child == nil && rd.b.main != "" || l.child != nil && rd.b.sheets[l.index] != "" {
		return nil, nil, apperr.Field(name, "工作表 %s 与前面的工作表是同一张表 (sheet %s holds the same table as an earlier sheet)", name, name)
	}
	byCode := map[string]*column{}
	for i := range l.cols {
		byCode[strings.ToLower(l.codeOf(l.cols[i]))] = &l.cols[i]
	}
	cols := make([]*column, len(codes))
	letters := map[string]string{}
	for i, code := range codes {
		code = strings.TrimSpace(code)
		if code == "" {
			continue
		}
		letter, _ := excelize.ColumnNumberToName(i + 1)
		c := byCode[strings.ToLower(code)]
		if c == nil {
			return nil, nil, apperr.Field(name+"!"+letter+"2", "%s!%s2: 字段编码 %s 不存在 (sheet %s column %s: unknown field code %s)", name, letter, wiretext.Clip(code), name, letter, wiretext.Clip(code))
		}
		if _, dup := letters[strings.ToLower(c.code)]; dup {
			return nil, nil, apperr.Field(name+"!"+letter+"2", "%s!%s2: 字段 %s 重复 (sheet %s column %s: field %s appears twice)", name, letter, c.code, name, letter, c.code)
		}
		letters[strings.ToLower(c.code)] = letter
		cols[i] = c
	}
	rd.b.codes[name] = letters
	rd.b.cols[name] = cols
	if l.child == nil {
		rd.b.main = name
	} else {
		if letters[strings.ToLower(form.SysParentObjectID)] == "" {
			return nil, nil, apperr.Field(name, "工作表 %s 缺少 ParentObjectId 列 (sheet %s: a child sheet needs its ParentObjectId column)", name, name)
		}
		rd.b.sheets[l.index] = name
		rd.b.present = append(rd.b.present, l.index)
	}
	return l, cols, nil
}

func blank(cells []string) bool {
	for _, c := range cells {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

func (rd *reader) mainRow(sheet string, n int, cols []*column, cells []string) {
	it := &item{row: n, cells: cells, kids: map[int][]childRow{}}
	for i, c := range cols {
		if c != nil && i < len(cells) {
			switch c.code {
			case form.SysObjectID:
				it.id = strings.TrimSpace(cells[i])
			case RowKey:
				it.key = strings.TrimSpace(cells[i])
			}
		}
	}
	rd.b.items = append(rd.b.items, it)
}

func (rd *reader) childRow(sheet string, n, index int, cols []*column, cells []string) {
	cr := childRow{sheet: sheet, row: n, index: index, cells: cells}
	for i, c := range cols {
		if c != nil && c.code == form.SysParentObjectID && i < len(cells) {
			cr.ref = strings.TrimSpace(cells[i])
		}
	}
	rd.kids = append(rd.kids, cr)
}

// data is the record data of it's row and child rows, as the record
// service takes it: every writable column (an empty cell clears the
// field; an empty owner or version says nothing), each child table whose
// sheet is in the book, and nothing the importer may not change.
func (b *book) data(it *item) record.Data {
	d := record.Data{}
	for i, c := range b.cols[b.main] {
		if c == nil || !c.write || c.code == form.SysObjectID || c.code == RowKey {
			continue
		}
		raw := cell(it.cells, i)
		if c.fd.System() && raw == "" {
			continue
		}
		d[c.code] = value(b.loc, c.fd, raw)
	}
	for _, ci := range b.present {
		rows := make([]any, len(it.kids[ci]))
		for j, cr := range it.kids[ci] {
			row := map[string]any{}
			for i, c := range b.cols[cr.sheet] {
				if c == nil || !c.write || c.code == form.SysParentObjectID {
					continue
				}
				raw := cell(cr.cells, i)
				if c.code == form.SysObjectID {
					if raw != "" {
						row[form.SysObjectID] = raw
					}
					continue
				}
				row[c.code] = value(b.loc, c.fd, raw)
			}
			rows[j] = row
		}
		d[b.f.Children[ci].Code] = rows
	}
	skip := b.skip[0]
	if it.id == "" {
		skip = b.skip[1]
	}
	for _, code := range skip {
		for k := range d {
			if strings.EqualFold(k, code) {
				delete(d, k)
			}
		}
	}
	return d
}

func cell(cells []string, i int) string {
	if i < len(cells) {
		return strings.TrimSpace(cells[i])
	}
	return ""
}

// attach gives each child row to its parent (by row key, else ObjectId),
// and each parent the rows of every child sheet present (none: the
// table is emptied, as the sheet says).
func (rd *reader) attach() {
	b := rd.b
	byKey, byID := map[string]*item{}, map[string]*item{}
	for _, it := range b.items {
		if it.key != "" {
			if byKey[it.key] != nil {
				rd.fail(it, b.main, it.row, RowKey, "行键 %s 重复 (row key %s is used by an earlier row)", it.key, it.key)
			}
			byKey[it.key] = it
		}
		if it.id != "" {
			if byID[it.id] != nil {
				rd.fail(it, b.main, it.row, form.SysObjectID, "ObjectId %s 重复 (ObjectId %s is on an earlier row)", it.id, it.id)
			}
			byID[it.id] = it
		}
	}
	for _, cr := range rd.kids {
		p := byKey[cr.ref]
		if p == nil {
			p = byID[cr.ref]
		}
		if p == nil {
			b.errs = append(b.errs, RowError{Sheet: cr.sheet, Row: cr.row, Column: b.letter(cr.sheet, form.SysParentObjectID), Field: form.SysParentObjectID,
				Message: fmt.Sprintf("主表中没有 ObjectId 或行键为 %q 的行 (no row of sheet %s has this ObjectId or row key)", wiretext.Clip(cr.ref), b.main)})
			continue
		}
		p.kids[cr.index] = append(p.kids[cr.index], cr)
	}
}

func (rd *reader) fail(it *item, sheet string, row int, code, format string, args ...any) {
	it.failed = true
	rd.b.errs = append(rd.b.errs, RowError{Sheet: sheet, Row: row, Column: rd.b.letter(sheet, code), Field: code, Message: fmt.Sprintf(format, args...)})
}

// badFile is the error of a workbook excelize cannot read.
func badFile(err error) error {
	e := apperr.Wrap(apperr.Invalid, err, "文件不是可读的 .xlsx 工作簿 (the file is not a readable .xlsx workbook)")
	if strings.Contains(err.Error(), "unzip size") {
		e = apperr.Wrap(apperr.TooLarge, err, "工作簿解压后过大 (the workbook unpacks to more than the server accepts)")
	}
	e.Field = "file"
	return e
}
