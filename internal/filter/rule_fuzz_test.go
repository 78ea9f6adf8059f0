package filter

import (
	"reflect"
	"testing"
)

// FuzzParseRule checks that every rule ParseRule accepts prints back to
// itself and, bound for any user, compiles to well-formed SQL.
func FuzzParseRule(f *testing.F) {
	for _, s := range []string{
		`OwnerId = @user.id || OwnerDeptId in @user.departmentTree`,
		`OwnerDeptId !in @user.departments && (Team ~ @user.id || true)`,
		`OwnerId in [@user.id, "u9", @user.roles] || false`,
		`Title != @user.department && Qty > 1 || Tags = @user.positions`,
		`true = 1 || false in [1] || true not in [@user.leaderOf]`,
		`OwnerId = @user.foo`,
		`OwnerId = @user..id`,
		`true`,
	} {
		f.Add(s)
	}
	d, fm, codec := sqliteDialect(f), preparedForm(f), testCodec()
	f.Fuzz(func(t *testing.T, s string) {
		n, err := ParseRule(s, knownVar)
		if err != nil {
			if !clientErr(err) {
				t.Fatalf("ParseRule(%q): non-client error %v", s, err)
			}
			return
		}
		if out := n.String(); len(out) <= MaxInputLen {
			n2, err := ParseRule(out, knownVar)
			if err != nil || !reflect.DeepEqual(n, n2) {
				t.Fatalf("ParseRule(%q) = %s, which reparses as %v, %v", s, out, n2, err)
			}
		}
		for _, user := range []map[string]any{alice, nobody} {
			b, err := Bind(n, user)
			if err != nil {
				if !clientErr(err) {
					t.Fatalf("Bind(%q): non-client error %v", s, err)
				}
				continue
			}
			checkCompile(t, d, codec, fm, b)
		}
	})
}
