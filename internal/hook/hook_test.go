package hook

import (
	"strings"
	"testing"

	"github.com/tritiumhq/tritium/internal/apperr"
)

func TestKeyCheck(t *testing.T) {
	for _, c := range []struct {
		k    Key
		want string // "" valid, else a word the error names
	}{
		{Key{ScopeForm, "D000001Contract", BeforeSave}, ""},
		{Key{ScopeForm, "D000001Contract", "beforeDelete"}, "beforeSave"},
		{Key{ScopeFlow, "D000002Expense", "calc"}, ""},
		{Key{ScopeFlow, "D000002Expense", "a1.onApprove"}, ""},
		{Key{ScopeFlow, "D000002Expense", "a1.onWhatever"}, "onEnter"},
		{Key{ScopeAPI, "MyApiController", "SelectUser"}, ""},
		{Key{ScopeAPI, "MyApiController", "createbizobject"}, "CreateBizObject"},
		{Key{ScopeAuth, "crm", "sign"}, ""},
		{Key{ScopeAuth, "crm", "other"}, "sign"},
		{Key{"page", "x", "y"}, "scope"},
		{Key{ScopeForm, "bad target!", BeforeSave}, "target"},
	} {
		err := c.k.Check()
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s: %v", c.k, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%s: error %v, want one naming %s", c.k, err, c.want)
		}
	}
}

func TestFieldErrors(t *testing.T) {
	for _, c := range []struct {
		v     any
		field string // "" no error; "-" an error without a field
	}{
		{nil, ""}, {true, ""}, {"", ""},
		{false, "-"}, {"金额不对", "-"},
		{map[string]any{"F2": "太大", "F1": "必填"}, "F1"},
		{[]any{map[string]any{"field": "F3", "message": "x"}}, "F3"},
		{map[string]any{}, ""},
	} {
		err := fieldErrors(c.v)
		switch {
		case c.field == "" && err != nil:
			t.Errorf("%v: %v", c.v, err)
		case c.field == "-" && (err == nil || apperr.As(err).Field != ""):
			t.Errorf("%v: %v, want an error without a field", c.v, err)
		case c.field != "" && c.field != "-" && (err == nil || apperr.As(err).Field != c.field):
			t.Errorf("%v: %v, want one naming %s", c.v, err, c.field)
		}
	}
}
