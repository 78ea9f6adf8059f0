package access

import (
	"fmt"

	"github.com/tritiumhq/tritium/internal/apperr"
	"github.com/tritiumhq/tritium/internal/filter"
	"github.com/tritiumhq/tritium/internal/form"
	"github.com/tritiumhq/tritium/internal/sqldb"
)

// sample is a subject with a value for every variable, to compile a rule
// at save time: an unknown field or a value its field cannot take is
// refused then, not when a user first meets it.
var sample = Subject{UserID: "u", Departments: []string{"d"}, DepartmentTree: []string{"d"}, Roles: []string{"r"},
	Positions: []string{"p"}, LeaderOf: []string{"d"}}

// Check validates g against its form: its fields exist, ObjectId stays
// visible, and its rule compiles on the form's table.
func Check(d sqldb.Dialect, codec *form.Codec, f *form.Form, g *Grant) error {
	for _, list := range []struct {
		name   string
		fields []string
	}{{"hidden", g.Hidden}, {"readOnly", g.ReadOnly}} {
		for _, code := range list.fields {
			fd := f.Field(code)
			if fd == nil && f.Child(code) == nil {
				return apperr.Field(list.name, "字段不存在: %s (unknown field %s in form %s)", code, code, f.Code)
			}
			if fd != nil && fd.Code == form.SysObjectID {
				return apperr.Field(list.name, "ObjectId 不能隐藏或只读 (ObjectId cannot be hidden or read-only)")
			}
		}
	}
	text := g.RuleText()
	if text == "" {
		return nil
	}
	n, err := filter.ParseRule(text, KnownVariable)
	if err != nil {
		return ruleErr(err)
	}
	for _, code := range filter.Fields(n) {
		if f.Field(code) == nil {
			return apperr.Field("rule", "规则中的字段不存在: %s (the rule names unknown field %s of form %s)", code, code, f.Code)
		}
	}
	bound, err := filter.Bind(n, sample.vars())
	if err != nil {
		return ruleErr(err)
	}
	if _, _, err := filter.Compile(d, codec, f, bound); err != nil {
		return ruleErr(err)
	}
	return nil
}

func ruleErr(err error) error {
	if e := apperr.As(err); e != nil {
		return &apperr.Error{Code: apperr.Invalid, Field: "rule", Message: fmt.Sprintf("规则无效: %s (invalid rule)", e.Message), Err: e.Err}
	}
	return err
}
