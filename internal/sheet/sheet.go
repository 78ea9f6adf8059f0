// Package sheet maps a form's records to Excel workbooks and back: export
// (streamed, page by page), an empty import template, and import with a
// dry run, all through the record service's public API, so a sheet is
// held to the same validation and permissions as any other write.
//
// The layout (docs/excel.md): the first sheet holds the main records, one
// more sheet each child table. Row 1 is the header a person reads (the
// fields' display names); row 2, hidden, holds the codes import goes by:
// field codes on the main sheet, "<child code>.<field code>" on a child
// sheet. Data starts at row 3. The main sheet's ObjectId column names the
// record a row updates (empty: a new record) and its #RowKey column lets
// child rows name a new parent; a child sheet's ParentObjectId column
// holds the parent's ObjectId or row key.
package sheet

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/tritiumhq/tritium/internal/form"
	"github.com/tritiumhq/tritium/internal/record"
	"github.com/tritiumhq/tritium/internal/sqldb"
)

// ContentType is the media type of an .xlsx workbook.
const ContentType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

// RowKey is the code of the main sheet's row-key column.
const RowKey = "#RowKey"

// firstDataRow is the first row below the header and code rows.
const firstDataRow = 3

// Service exports and imports records as workbooks.
type Service struct {
	db      *sqldb.DB
	records *record.Service
	// maxUnzip bounds the unpacked size of an uploaded workbook.
	maxUnzip int64
}

// Config holds the service's collaborators.
type Config struct {
	DB      *sqldb.DB
	Records *record.Service
	// MaxUnzip bounds the unpacked size of an uploaded workbook (default
	// 1 GiB): a small zip can unpack to far more.
	MaxUnzip int64
}

// New returns a sheet service.
func New(cfg Config) *Service {
	if cfg.MaxUnzip <= 0 {
		cfg.MaxUnzip = 1 << 30
	}
	return &Service{db: cfg.DB, records: cfg.Records, maxUnzip: cfg.MaxUnzip}
}

// column is one column of a sheet.
type column struct {
	code  string      // as in the code row, without a child sheet's prefix
	name  string      // the header
	fd    *form.Field // nil for #RowKey and ParentObjectId
	write bool        // import sends it
}

// layout is one sheet's columns.
type layout struct {
	name  string
	child *form.Child // nil: the main sheet
	index int         // the child's index in the form
	cols  []column
}

// codeOf is a column's code as the code row holds it.
func (l *layout) codeOf(c column) string {
	if l.child != nil {
		return l.child.Code + "." + c.code
	}
	return c.code
}

// sysColumns are the main sheet's system columns after the fields, with
// their headers; the writable ones are imported.
var sysColumns = []struct {
	code, name string
	write      bool
}{
	{form.SysName, "名称 (Name)", false},
	{form.SysStatus, "状态 (Status)", false},
	{form.SysOwnerID, "拥有者 (OwnerId)", true},
	{form.SysOwnerDeptID, "所属部门 (OwnerDeptId)", true},
	{form.SysCreatedBy, "创建人 (CreatedBy)", false},
	{form.SysCreatedTime, "创建时间 (CreatedTime)", false},
	{form.SysModifiedBy, "修改人 (ModifiedBy)", false},
	{form.SysModifiedTime, "修改时间 (ModifiedTime)", false},
	{form.SysSeqNo, "流水号 (SeqNo)", false},
	{form.SysVersion, "版本 (version)", true},
}

// layouts returns the sheets of f for projection p: the main one, then
// one per child table p includes.
func layouts(f *form.Form, p *record.Projection) []*layout {
	main := &layout{name: sheetName(f.Name, f.Code, nil), index: -1}
	main.cols = append(main.cols,
		column{code: form.SysObjectID, name: "ObjectId", fd: f.Field(form.SysObjectID), write: true},
		column{code: RowKey, name: "行键 (Row key)", write: true})
	for i, fd := range f.Fields {
		if p.Field(i) {
			main.cols = append(main.cols, column{code: fd.Code, name: fd.Name, fd: fd, write: writable(fd)})
		}
	}
	for _, sc := range sysColumns {
		if p.Sys(sc.code) {
			main.cols = append(main.cols, column{code: sc.code, name: sc.name, fd: f.Field(sc.code), write: sc.write})
		}
	}
	out := []*layout{main}
	used := []string{main.name}
	for i, c := range f.Children {
		if !p.Child(i) {
			continue
		}
		l := &layout{name: sheetName(c.Name, c.Code, used), child: c, index: i}
		used = append(used, l.name)
		l.cols = append(l.cols,
			column{code: form.SysParentObjectID, name: "父对象 (ParentObjectId)", write: true},
			column{code: form.SysObjectID, name: "行编号 (ObjectId)", fd: c.Field(form.SysObjectID), write: true})
		for _, fd := range c.Fields {
			l.cols = append(l.cols, column{code: fd.Code, name: fd.Name, fd: fd, write: writable(fd)})
		}
		out = append(out, l)
	}
	return out
}

// writable reports whether import sends a field's cells: attachments
// (file keys are uploaded, not typed) and serials (generated) are not.
func writable(fd *form.Field) bool {
	return fd.Type != form.Attachment && fd.Type != form.Serial
}

// sheetName makes a valid sheet name, unique among used: at most 31
// characters, none of : \ / ? * [ ].
func sheetName(name, code string, used []string) string {
	n := strings.Map(func(r rune) rune {
		if strings.ContainsRune(`:\/?*[]`, r) || r < ' ' {
			return '_'
		}
		return r
	}, strings.TrimSpace(name))
	n = strings.Trim(n, "'")
	if n == "" {
		n = code
	}
	n = clipRunes(n, 31)
	base := n
	for i := 2; taken(used, n); i++ {
		suffix := "(" + strconv.Itoa(i) + ")"
		n = clipRunes(base, 31-utf8.RuneCountInString(suffix)) + suffix
	}
	return n
}

func taken(used []string, n string) bool {
	for _, u := range used {
		if strings.EqualFold(u, n) {
			return true
		}
	}
	return false
}

func clipRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}
