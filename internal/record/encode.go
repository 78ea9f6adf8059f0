package record

import (
	"strconv"
	"time"

	"github.com/tritiumhq/tritium/internal/form"
)

// Encoder writes objects as JSON, system fields first, then the form's
// fields and child tables in definition order.
type Encoder struct {
	Codec  *form.Codec
	Flavor form.Flavor
	Proj   *Projection // nil: everything
}

// FormatSeqNo renders SeqNo on the wire: at least six digits.
func FormatSeqNo(n int64) string {
	s := strconv.FormatInt(n, 10)
	for len(s) < 6 {
		s = "0" + s
	}
	return s
}

// Append appends o as a JSON object.
func (e *Encoder) Append(b []byte, o *Object) []byte {
	b = append(b, '{')
	first := true
	key := func(k string) {
		if !first {
			b = append(b, ',')
		}
		first = false
		b = form.AppendString(b, k)
		b = append(b, ':')
	}
	str := func(k, v string) {
		if e.Proj.Sys(k) {
			key(k)
			b = form.AppendString(b, v)
		}
	}
	tm := func(k string, t time.Time) {
		if e.Proj.Sys(k) {
			key(k)
			b = e.Codec.AppendTime(b, t, e.Flavor)
		}
	}
	str(form.SysObjectID, o.ID)
	str(form.SysName, o.Sys.Name)
	str(form.SysCreatedBy, o.Sys.CreatedBy)
	str(form.SysOwnerID, o.Sys.OwnerID)
	str(form.SysOwnerDeptID, o.Sys.OwnerDeptID)
	tm(form.SysCreatedTime, o.Sys.CreatedTime)
	str(form.SysModifiedBy, o.Sys.ModifiedBy)
	tm(form.SysModifiedTime, o.Sys.ModifiedTime)
	str(form.SysWorkflowID, o.Sys.WorkflowInstanceID)
	if e.Proj.Sys(form.SysStatus) {
		key(form.SysStatus)
		b = strconv.AppendInt(b, o.Sys.Status, 10)
	}
	str(form.SysSeqNo, FormatSeqNo(o.Sys.SeqNo))
	if e.Flavor == form.REST {
		if e.Proj.Sys(form.SysVersion) {
			key(form.SysVersion)
			b = strconv.AppendInt(b, o.Sys.Version, 10)
		}
		if o.Sys.SourceSystem != "" {
			str(form.SysSourceSystem, o.Sys.SourceSystem)
			str(form.SysSourceCode, o.Sys.SourceCode)
		}
	}
	f := o.Form
	for i, fd := range f.Fields {
		if e.Proj.Field(i) {
			key(fd.Code)
			b = e.Codec.AppendValue(b, fd, o.Values[i], e.Flavor)
		}
	}
	for i, c := range f.Children {
		if o.Children[i] == nil || !e.Proj.Child(i) {
			continue
		}
		key(c.Code)
		b = append(b, '[')
		for j, r := range o.Children[i] {
			if j > 0 {
				b = append(b, ',')
			}
			b = e.appendRow(b, c, r)
		}
		b = append(b, ']')
	}
	return append(b, '}')
}

func (e *Encoder) appendRow(b []byte, c *form.Child, r *Row) []byte {
	b = append(b, `{"ObjectId":`...)
	b = form.AppendString(b, r.ID)
	b = append(b, `,"ParentObjectId":`...)
	b = form.AppendString(b, r.ParentID)
	for i, fd := range c.Fields {
		b = append(b, ',')
		b = form.AppendString(b, fd.Code)
		b = append(b, ':')
		b = e.Codec.AppendValue(b, fd, r.Values[i], e.Flavor)
	}
	return append(b, '}')
}
