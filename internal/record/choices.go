package record

import (
	"context"
	"slices"

	"github.com/tritiumhq/tritium/internal/apperr"
	"github.com/tritiumhq/tritium/internal/form"
	"github.com/tritiumhq/tritium/internal/sqldb"
	"github.com/tritiumhq/tritium/internal/wiretext"
)

// Fields with a value set (field "valueSet") take the set's enabled value
// codes. A value disabled since it was stored is refused for new writes,
// but an update may send it back unchanged — a client writes back the
// object it loaded — so an update keeps it when the object (or the child
// row with that ObjectId) already holds it.

// kept is a disabled value an update sends, with the refusal to give when
// the object does not hold it already.
type kept struct {
	fd    *form.Field
	child *form.Child // the field's child table; nil for a form field
	row   string      // the child row's ObjectId; "" for a new row
	codes []string    // the disabled codes sent
	err   error
}

// keep refuses k on a create and notes it for update otherwise.
func (c *changes) keep(create bool, k kept) error {
	if create {
		return k.err
	}
	c.kept = append(c.kept, k)
	return nil
}

// coerce is Codec.Coerce, and for a field with a value set the check that
// each code is one of the set's values: an unknown one is an error, the
// disabled ones are returned (off) for the caller to judge.
func (s *Service) coerce(ctx context.Context, fd *form.Field, v any) (val any, off []string, err error) {
	val, err = s.codec.Coerce(fd, v)
	if err != nil || val == nil || fd.ValueSet == "" {
		return val, nil, err
	}
	var states map[string]bool
	found := false
	if s.sets != nil {
		if states, found, err = s.sets.ValueStates(ctx, fd.ValueSet); err != nil {
			return nil, nil, err
		}
	}
	if !found {
		return nil, nil, apperr.Field(fd.Code, "字段%s: 值集 %s 不存在 (the value set %s of field %s does not exist)", fd.Code, fd.ValueSet, fd.ValueSet, fd.Code)
	}
	codes, _ := val.([]string)
	if s, ok := val.(string); ok {
		codes = []string{s}
	}
	for _, code := range codes {
		on, known := states[code]
		if !known {
			return nil, nil, apperr.Field(fd.Code, "字段%s: %q 不是值集 %s 的值 (not a value of value set %s)", fd.Code, wiretext.Clip(code), fd.ValueSet, fd.ValueSet)
		}
		if !on {
			off = append(off, code)
		}
	}
	return val, off, nil
}

func disabledErr(fd *form.Field, code string) error {
	return apperr.Field(fd.Code, "字段%s: 值 %q 已停用 (value %q of value set %s is disabled, or the set is)", fd.Code, wiretext.Clip(code), wiretext.Clip(code), fd.ValueSet)
}

// checkKept refuses the disabled values of c that object id (read in tx,
// which has locked it) does not already hold where c writes them.
func (s *Service) checkKept(ctx context.Context, tx *sqldb.Tx, f *form.Form, id string, c *changes) error {
	all := slices.Clone(c.kept)
	for _, cc := range c.children {
		for _, r := range cc.rows {
			all = append(all, r.kept...)
		}
	}
	if len(all) == 0 {
		return nil
	}
	o, err := s.load(ctx, tx, f, id)
	if err != nil {
		return err
	}
	for _, k := range all {
		var stored any
		if k.child == nil {
			stored = o.Values[k.fd.Pos()]
		} else if k.row != "" {
			for _, r := range o.Children[childIndex(f, k.child)] {
				if r.ID == k.row {
					stored = r.Values[k.fd.Pos()]
				}
			}
		}
		for _, code := range k.codes {
			if !holds(stored, code) {
				return k.err
			}
		}
	}
	return nil
}

// holds reports whether a stored select or multiselect value has code.
func holds(stored any, code string) bool {
	switch x := stored.(type) {
	case string:
		return x == code
	case []string:
		return slices.Contains(x, code)
	}
	return false
}
