package record

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/tritiumhq/tritium/internal/apperr"
	"github.com/tritiumhq/tritium/internal/form"
	"github.com/tritiumhq/tritium/internal/lenientjson"
	"github.com/tritiumhq/tritium/internal/wiretext"
)

// Data is an object as a client sent it: JSON decoded with UseNumber.
type Data = map[string]any

// fieldVal is one coerced value to write.
type fieldVal struct {
	fd *form.Field
	v  any
}

// changes is a validated write: what to set, per column.
type changes struct {
	id       string     // ObjectId given by the client
	version  int64      // "version" given by the client (update: expected version)
	sys      []fieldVal // settable system fields
	set      []fieldVal // form fields, in form order
	children []childChange
	kept     []kept // disabled value-set values, taken when the object holds them (keep)
}

type childChange struct {
	child *form.Child
	rows  []rowChange
}

type rowChange struct {
	id   string
	set  []fieldVal
	kept []kept // disabled value-set values, taken when the row holds them (keep)
}

// get returns the value given for a system field code.
func (c *changes) get(code string) (any, bool) {
	for _, fv := range c.sys {
		if fv.fd.Code == code {
			return fv.v, true
		}
	}
	return nil, false
}

var idRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$`)

// readOnly system fields are accepted and ignored, so a client can send
// back an object it loaded.
var readOnly = map[string]bool{
	form.SysStatus: true, form.SysCreatedTime: true, form.SysModifiedTime: true,
	form.SysModifiedBy: true, form.SysWorkflowID: true, form.SysSeqNo: true,
}

// parse validates data against f. create selects the create rules
// (ObjectId and CreatedBy may be given).
func (s *Service) parse(ctx context.Context, f *form.Form, data Data, create bool) (*changes, error) {
	c := &changes{}
	// Sorted keys make the first error deterministic.
	keys := make([]string, 0, len(data))
	for k := range data {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v := data[k]
		if ch := f.Child(k); ch != nil {
			cc, err := s.parseChild(ctx, ch, v)
			for _, r := range cc.rows {
				for _, k := range r.kept {
					if err == nil {
						err = c.keep(create, k)
					}
				}
			}
			if err != nil {
				return nil, err
			}
			c.children = append(c.children, cc)
			continue
		}
		fd := f.Field(k)
		if fd == nil {
			return nil, apperr.Field(k, "字段不存在: %s (unknown field %s in form %s)", k, k, f.Code)
		}
		if fd.Type == form.Serial {
			continue // generated; read-only like the system fields
		}
		if !fd.System() {
			val, off, err := s.coerce(ctx, fd, v)
			if err == nil && len(off) > 0 {
				err = c.keep(create, kept{fd: fd, codes: off, err: disabledErr(fd, off[0])})
			}
			if err != nil {
				return nil, err
			}
			c.set = append(c.set, fieldVal{fd, val})
			continue
		}
		if err := s.parseSystem(c, fd, v, create); err != nil {
			return nil, err
		}
	}
	// Form order keeps generated SQL stable, so statements are reused.
	sort.Slice(c.set, func(i, j int) bool { return c.set[i].fd.Pos() < c.set[j].fd.Pos() })
	return c, nil
}

func (s *Service) parseSystem(c *changes, fd *form.Field, v any, create bool) error {
	switch fd.Code {
	case form.SysObjectID:
		id, err := objectID(fd.Code, v)
		if err != nil {
			return err
		}
		c.id = id
	case form.SysVersion:
		n, err := s.codec.Coerce(fd, v)
		if err != nil {
			return err
		}
		if n != nil {
			c.version = n.(int64)
		}
	case form.SysCreatedBy:
		if !create {
			return nil
		}
		fallthrough
	case form.SysName, form.SysOwnerID, form.SysOwnerDeptID, form.SysSourceSystem, form.SysSourceCode:
		val, err := s.codec.Coerce(fd, v)
		if err != nil {
			return err
		}
		c.sys = append(c.sys, fieldVal{fd, val})
	default:
		if !readOnly[fd.Code] {
			return apperr.Field(fd.Code, "字段 %s 不能写入 (read-only)", fd.Code)
		}
	}
	return nil
}

// objectID reads an ObjectId as given: a string, or a number read as its
// text (as ids are documented); empty or null is none. Anything else is
// refused, never dropped for a generated id.
func objectID(field string, v any) (string, error) {
	var id string
	switch x := v.(type) {
	case nil:
		return "", nil
	case string:
		id = strings.TrimSpace(x)
	case json.Number:
		id = x.String()
	default:
		zh, en := wiretext.Describe(v)
		return "", apperr.Field(field, "ObjectId 需要字符串, 收到%s (ObjectId must be a string, not %s)", zh, en)
	}
	if id != "" && !idRE.MatchString(id) {
		return "", apperr.Field(field, "ObjectId 无效: %q (letters, digits and _.:- only, at most 64)", wiretext.Clip(id))
	}
	return id, nil
}

func (s *Service) parseChild(ctx context.Context, ch *form.Child, v any) (childChange, error) {
	cc := childChange{child: ch}
	if str, ok := v.(string); ok { // some clients send the array as a JSON string
		var arr []any
		if err := lenientjson.Unmarshal([]byte(str), &arr); err != nil {
			return cc, apperr.Field(ch.Code, "子表%s: 需要对象数组 (child table %s: expected an array of objects)", ch.Code, ch.Code)
		}
		v = arr
	}
	if v == nil {
		return cc, nil
	}
	arr, ok := v.([]any)
	if !ok {
		return cc, apperr.Field(ch.Code, "子表%s: 需要对象数组 (child table %s: expected an array of objects)", ch.Code, ch.Code)
	}
	if len(arr) > 10000 {
		return cc, apperr.Field(ch.Code, "子表%s: 最多 10000 行 (at most 10000 rows)", ch.Code)
	}
	seen := map[string]bool{}
	for i, it := range arr {
		row, ok := it.(map[string]any)
		if !ok {
			return cc, apperr.Field(ch.Code, "子表%s 第%d行: 需要对象 (row %d: expected an object)", ch.Code, i+1, i+1)
		}
		rc, err := s.parseRow(ctx, ch, i, row)
		if err != nil {
			return cc, err
		}
		for k := range rc.kept {
			rc.kept[k].child, rc.kept[k].row = ch, rc.id
		}
		if rc.id != "" {
			if seen[rc.id] {
				return cc, apperr.Field(ch.Code, "子表%s 第%d行: ObjectId 重复 %s (duplicate row id)", ch.Code, i+1, rc.id)
			}
			seen[rc.id] = true
		}
		cc.rows = append(cc.rows, rc)
	}
	return cc, nil
}

func (s *Service) parseRow(ctx context.Context, ch *form.Child, i int, row map[string]any) (rowChange, error) {
	var rc rowChange
	keys := make([]string, 0, len(row))
	for k := range row {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fd := ch.Field(k)
		if fd == nil {
			return rc, apperr.Field(ch.Code+"."+k, "子表%s 第%d行: 字段不存在: %s (unknown field)", ch.Code, i+1, k)
		}
		if fd.System() {
			if fd.Code == form.SysObjectID {
				id, err := objectID(ch.Code+".ObjectId", row[k])
				if err != nil {
					e := apperr.As(err)
					return rc, &apperr.Error{Code: e.Code, Field: e.Field, Message: fmt.Sprintf("子表%s 第%d行: %s", ch.Code, i+1, e.Message)}
				}
				rc.id = id
			}
			continue // ParentObjectId and sortKey are ours
		}
		if fd.Type == form.Serial {
			continue
		}
		v, off, err := s.coerce(ctx, fd, row[k])
		if err == nil && len(off) > 0 {
			rc.kept = append(rc.kept, kept{fd: fd, codes: off, err: inRow(ch, i, disabledErr(fd, off[0]))})
		}
		if err != nil {
			return rc, inRow(ch, i, err)
		}
		rc.set = append(rc.set, fieldVal{fd, v})
	}
	sort.Slice(rc.set, func(a, b int) bool { return rc.set[a].fd.Pos() < rc.set[b].fd.Pos() })
	return rc, nil
}

// inRow names child table ch's row i in err.
func inRow(ch *form.Child, i int, err error) error {
	if e := apperr.As(err); e != nil {
		return &apperr.Error{Code: e.Code, Field: ch.Code + "." + e.Field, Message: fmt.Sprintf("子表%s 第%d行: %s", ch.Code, i+1, e.Message)}
	}
	return err
}

// checkRequired reports the first required field without a value. On
// create every required field must be given; on update only the fields
// being cleared are checked (the rest keep their stored values).
func checkRequired(f *form.Form, c *changes, create bool) error {
	given := map[*form.Field]any{}
	for _, fv := range c.set {
		given[fv.fd] = fv.v
	}
	for _, fd := range f.Fields {
		v, ok := given[fd]
		if fd.Required && v == nil && (create || ok) {
			return apperr.Field(fd.Code, "字段%s(%s) 必填 (required field %s is missing)", fd.Code, fd.Name, fd.Code)
		}
	}
	for _, cc := range c.children {
		for i, r := range cc.rows {
			given := map[*form.Field]any{}
			for _, fv := range r.set {
				given[fv.fd] = fv.v
			}
			for _, fd := range cc.child.Fields {
				v, ok := given[fd]
				if fd.Required && v == nil && (create || r.id == "" || ok) {
					return apperr.Field(cc.child.Code+"."+fd.Code, "子表%s 第%d行: 字段%s(%s) 必填 (required)", cc.child.Code, i+1, fd.Code, fd.Name)
				}
			}
		}
	}
	return nil
}
