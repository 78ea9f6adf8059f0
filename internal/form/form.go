// Package form holds form definitions (the schema of a kind of business
// object), their field types and values, and the tables that store them.
package form

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"time"
)

// Type is a field type, as written in a form definition.
type Type string

const (
	Text        Type = "text"
	Textarea    Type = "textarea"
	Number      Type = "number"
	Decimal     Type = "decimal"
	Bool        Type = "bool"
	Date        Type = "date"
	DateTime    Type = "datetime"
	Select      Type = "select"
	MultiSelect Type = "multiselect"
	User        Type = "user"
	Users       Type = "users"
	Department  Type = "department"
	Attachment  Type = "attachment"
	Relation    Type = "relation"
	Serial      Type = "serial"

	// Integer is used by system fields only (Status, SeqNo, version).
	Integer Type = "integer"
)

// Types lists the field types a definition may use.
var Types = []Type{Text, Textarea, Number, Decimal, Bool, Date, DateTime, Select,
	MultiSelect, User, Users, Department, Attachment, Relation, Serial}

// Defaults from spec/forms.md.
const (
	DefaultMaxLength = 200
	TextareaMax      = 1 << 20
	DefaultScale     = 2
	DefaultPrecision = 18
	MaxPrecision     = 28
	MaxScale         = 8
	MaxCodeLen       = 64
)

// Form is a form definition. Fields and Children are in display order.
type Form struct {
	Code     string   `json:"code"`
	Name     string   `json:"name"`
	Workflow bool     `json:"workflow"`
	Fields   []*Field `json:"fields"`
	Children []*Child `json:"children,omitempty"`
	// Indexes are composite indexes, each a list of field codes: the way
	// to make a filter on several fields fast on a large form.
	Indexes      [][]string `json:"indexes,omitempty"`
	Revision     int64      `json:"revision"`
	CreatedTime  time.Time  `json:"createdTime"`
	ModifiedTime time.Time  `json:"modifiedTime"`

	table string
	index map[string]*Field // lower-case code → field, system fields included
	child map[string]*Child // lower-case code → child table
}

// Child is a child table (sub-form): rows that belong to one object.
type Child struct {
	Code       string   `json:"code"`
	Name       string   `json:"name"`
	Fields     []*Field `json:"fields"`
	RenameFrom string   `json:"renameFrom,omitempty"` // on PUT: the code it had

	table string
	index map[string]*Field
}

// Field is one field of a form or child table.
type Field struct {
	Code      string   `json:"code"`
	Name      string   `json:"name"`
	Type      Type     `json:"type"`
	Required  bool     `json:"required,omitempty"`
	Indexed   bool     `json:"indexed,omitempty"`
	MaxLength int      `json:"maxLength,omitempty"` // text, textarea
	Precision int      `json:"precision,omitempty"` // decimal
	Scale     *int     `json:"scale,omitempty"`     // decimal; default 2
	Decimals  *int     `json:"decimals,omitempty"`  // number: display only
	Min       *float64 `json:"min,omitempty"`       // number, decimal
	Max       *float64 `json:"max,omitempty"`       // number, decimal
	Options   []string `json:"options,omitempty"`   // select, multiselect
	// ValueSet, instead of Options, names a value set (值集, kept by the
	// org service) whose enabled value codes the field takes.
	ValueSet string `json:"valueSet,omitempty"` // select, multiselect
	Form     string `json:"form,omitempty"`     // relation: the target form
	Pattern  string `json:"pattern,omitempty"`  // serial
	// RenameFrom, on PUT, is the code the field had: its column is renamed
	// and its data kept. It is not stored.
	RenameFrom string `json:"renameFrom,omitempty"`

	column string
	system bool
	pos    int // index in its form's or child's Fields
}

// Pos is the field's index in its form's (or child table's) Fields.
func (f *Field) Pos() int { return f.pos }

// Column is the field's column name.
func (f *Field) Column() string { return f.column }

// System reports whether f is a system field (read-only to clients).
func (f *Field) System() bool { return f.system }

// ScaleOr returns the decimal scale.
func (f *Field) ScaleOr() int {
	if f.Scale == nil {
		return DefaultScale
	}
	return *f.Scale
}

// Multi reports whether the field holds a list.
func (f *Field) Multi() bool {
	return f.Type == MultiSelect || f.Type == Users || f.Type == Attachment
}

// Textual reports whether the field stores text (contains, starts-with …
// compare it directly).
func (f *Field) Textual() bool {
	switch f.Type {
	case Text, Textarea, Select, User, Department, Relation, Serial:
		return true
	}
	return false
}

// Table is the form's table name.
func (f *Form) Table() string { return f.table }

// Table is the child table's table name.
func (c *Child) Table() string { return c.table }

// Field finds a field or system field by code, case-insensitively.
func (f *Form) Field(code string) *Field { return lookup(f.index, code) }

// Child finds a child table by code, case-insensitively.
func (f *Form) Child(code string) *Child {
	if c, ok := f.child[code]; ok {
		return c
	}
	return f.child[strings.ToLower(code)]
}

// Field finds a child field or child system field by code.
func (c *Child) Field(code string) *Field { return lookup(c.index, code) }

func lookup(m map[string]*Field, code string) *Field {
	if f, ok := m[code]; ok {
		return f
	}
	return m[strings.ToLower(code)]
}

// FirstText is the first text field, whose value is the default Name.
func (f *Form) FirstText() *Field {
	for _, fd := range f.Fields {
		if fd.Type == Text {
			return fd
		}
	}
	return nil
}

// System field codes, as they appear on the wire.
const (
	SysObjectID       = "ObjectId"
	SysName           = "Name"
	SysStatus         = "Status"
	SysCreatedBy      = "CreatedBy"
	SysOwnerID        = "OwnerId"
	SysOwnerDeptID    = "OwnerDeptId"
	SysCreatedTime    = "CreatedTime"
	SysModifiedBy     = "ModifiedBy"
	SysModifiedTime   = "ModifiedTime"
	SysWorkflowID     = "WorkflowInstanceId"
	SysSeqNo          = "SeqNo"
	SysVersion        = "version"
	SysSourceSystem   = "sourceSystem"
	SysSourceCode     = "sourceCode"
	SysParentObjectID = "ParentObjectId"
)

// Status values, as on the H3Yun wire.
const (
	StatusDraft     = 0
	StatusEffective = 1
	StatusRunning   = 2
	StatusCanceled  = 3
)

// systemFields are the columns every form table has, in wire order.
var systemFields = []*Field{
	{Code: SysObjectID, Type: Text},
	{Code: SysName, Type: Text, MaxLength: 200},
	{Code: SysCreatedBy, Type: User},
	{Code: SysOwnerID, Type: User},
	{Code: SysOwnerDeptID, Type: Department},
	{Code: SysCreatedTime, Type: DateTime},
	{Code: SysModifiedBy, Type: User},
	{Code: SysModifiedTime, Type: DateTime},
	{Code: SysWorkflowID, Type: Text},
	{Code: SysStatus, Type: Integer},
	{Code: SysSeqNo, Type: Integer},
	{Code: SysVersion, Type: Integer},
	{Code: SysSourceSystem, Type: Text},
	{Code: SysSourceCode, Type: Text},
}

// childSystemFields are the columns every child table has.
var childSystemFields = []*Field{
	{Code: SysObjectID, Type: Text},
	{Code: SysParentObjectID, Type: Text},
	{Code: "sortKey", Type: Integer},
}

// SystemFields returns the system fields of a form, in wire order.
func SystemFields() []*Field { return sysFields }

var sysFields, childSysFields = prepareSystem(systemFields), prepareSystem(childSystemFields)

func prepareSystem(fs []*Field) []*Field {
	for _, f := range fs {
		f.column = strings.ToLower(f.Code)
		f.system = true
	}
	return fs
}

// reserved holds every system field code in lower case: no field may use one.
var reserved = func() map[string]bool {
	m := map[string]bool{}
	for _, f := range append(append([]*Field{}, systemFields...), childSystemFields...) {
		m[strings.ToLower(f.Code)] = true
	}
	return m
}()

// IsReserved reports whether code collides with a system field name.
func IsReserved(code string) bool { return reserved[strings.ToLower(code)] }

// identifier derives a SQL identifier from a code: lower case (so psql users
// can type it unquoted), shortened with a hash to fit PostgreSQL's 63 bytes.
func identifier(prefix, code string) string {
	id := prefix + strings.ToLower(code)
	if len(id) <= 60 {
		return id
	}
	h := sha256.Sum256([]byte(strings.ToLower(code)))
	return id[:50] + "_" + hex.EncodeToString(h[:4])
}

// TableName is the table that stores the form or child table with code.
func TableName(code string) string { return identifier("f_", code) }

// IndexName names an index on table's columns.
func IndexName(table string, cols ...string) string {
	return identifier("ix_", table+"_"+strings.Join(cols, "_"))
}

// SequenceName names the SeqNo counter of a form table.
func SequenceName(table string) string { return identifier("seq_", table) }

// prepare derives table and column names and the lookup indexes. It is
// called on every definition after Validate, and on load.
func (f *Form) prepare() {
	f.table = TableName(f.Code)
	f.index = indexFields(sysFields, f.Fields)
	f.child = map[string]*Child{}
	for _, c := range f.Children {
		c.table = TableName(c.Code)
		c.index = indexFields(childSysFields, c.Fields)
		f.child[strings.ToLower(c.Code)] = c
		f.child[c.Code] = c
	}
}

// indexFields prepares fields and maps both exact and lower-case codes of
// them and of the system fields to the field.
func indexFields(system, fields []*Field) map[string]*Field {
	m := make(map[string]*Field, 2*(len(system)+len(fields)))
	for _, s := range system {
		m[strings.ToLower(s.Code)] = s
		m[s.Code] = s
	}
	for i, fd := range fields {
		fd.prepare()
		fd.pos = i
		m[strings.ToLower(fd.Code)] = fd
		m[fd.Code] = fd
	}
	return m
}

func (fd *Field) prepare() {
	fd.column = identifier("", fd.Code)
	switch fd.Type {
	case Text:
		if fd.MaxLength == 0 {
			fd.MaxLength = DefaultMaxLength
		}
	case Textarea:
		if fd.MaxLength == 0 {
			fd.MaxLength = TextareaMax
		}
	case Decimal:
		if fd.Scale == nil {
			s := DefaultScale
			fd.Scale = &s
		}
		if fd.Precision == 0 {
			fd.Precision = DefaultPrecision
		}
	}
}
