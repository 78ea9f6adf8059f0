package model

import (
	"testing"
	"time"

	"github.com/expr-lang/expr"
	"github.com/shopspring/decimal"
	"github.com/tritiumhq/tritium/internal/form"
	"github.com/tritiumhq/tritium/internal/sqldb"
)

// Conditions compiled by an Env run on the values Vars builds from what
// form.Codec produces, including unset fields.
func TestEnvRuns(t *testing.T) {
	cond := `F0000002 > 10000 && F0000003 < date("2026-01-01") && "r1" in initiator.roles && len(F0000008) == 0`
	p, err := testEnv.CompileCondition(cond)
	if err != nil {
		t.Fatal(err)
	}
	who := Initiator{ID: "u1", Roles: []string{"r1"}}
	values := map[string]any{
		"F0000002": decimal.RequireFromString("10000.01"),
		"F0000003": sqldb.Date{Year: 2025, Month: time.March, Day: 1},
	}
	for _, tc := range []struct {
		change func()
		want   bool
	}{
		{func() {}, true},
		{func() { values["F0000002"] = decimal.RequireFromString("10000") }, false},
		{func() { values["F0000002"] = nil }, false}, // unset is 0, not a run-time error
		{func() { values["F0000002"], who.Roles = decimal.New(2, 5), nil }, false},
	} {
		tc.change()
		got, err := expr.Run(p, testEnv.Vars(values, who, time.UTC))
		if err != nil || got != tc.want {
			t.Errorf("values %v, roles %v: got %v, %v; want %v", values, who.Roles, got, err, tc.want)
		}
	}
}

func TestEnvOf(t *testing.T) {
	f := &form.Form{Code: "D1", Fields: []*form.Field{{Code: "F0000002", Type: form.Decimal}}}
	env := EnvOf(f)
	if env.Fields["F0000002"] != form.Decimal || env.Fields[form.SysOwnerID] != form.User {
		t.Fatalf("EnvOf = %v", env.Fields)
	}
	if _, err := env.CompileAssignee("OwnerId"); err != nil {
		t.Error(err)
	}
}
