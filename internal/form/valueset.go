package form

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/tritiumhq/tritium/internal/apperr"
	"github.com/tritiumhq/tritium/internal/sqldb"
)

// ValueSets checks, in a form write's transaction, the value sets that
// select fields name (field "valueSet"). The org service implements it; it
// is set after both services exist.
type ValueSets interface {
	// LockValueSet reports whether the value set with code exists and
	// locks it until tx ends, so it cannot be deleted meanwhile.
	LockValueSet(ctx context.Context, tx *sqldb.Tx, code string) (bool, error)
}

// SetValueSets connects the value sets; until then a field naming one is
// refused.
func (s *Service) SetValueSets(v ValueSets) { s.sets = v }

// ValueSetUser is a field that takes its options from a value set.
type ValueSetUser struct {
	Form  string // the form's code
	Field string // the field's code; Child.Field in a child table
}

// ValueSetUse returns the first field (by form, then field) that refers to
// value set code; ok is false when none does. The references are the
// form_value_sets rows each form write keeps (saveValueSetRefs).
func ValueSetUse(ctx context.Context, q sqldb.Querier, code string) (use ValueSetUser, ok bool, err error) {
	err = q.QueryRow(ctx, "SELECT form_code, field FROM form_value_sets WHERE value_set_code = ? ORDER BY form_code, field LIMIT 1", code).Scan(&use.Form, &use.Field)
	if errors.Is(err, sql.ErrNoRows) {
		return use, false, nil
	}
	if err != nil {
		return use, false, fmt.Errorf("look up forms using value set %q: %w", code, err)
	}
	return use, true, nil
}

// saveValueSetRefs checks that every value set f's fields name exists
// (locking it) and records the references, replacing f's previous ones.
func (s *Service) saveValueSetRefs(ctx context.Context, tx *sqldb.Tx, f *Form) error {
	if _, err := tx.ExecDirect(ctx, "DELETE FROM form_value_sets WHERE form_code = ?", f.Code); err != nil {
		return fmt.Errorf("clear value set references of %s: %w", f.Code, err)
	}
	type ref struct{ path, field, set string }
	var refs []ref
	for i, fd := range f.Fields {
		if fd.ValueSet != "" {
			refs = append(refs, ref{fmt.Sprintf("fields[%d].valueSet", i), fd.Code, fd.ValueSet})
		}
	}
	for i, c := range f.Children {
		for j, fd := range c.Fields {
			if fd.ValueSet != "" {
				refs = append(refs, ref{fmt.Sprintf("children[%d].fields[%d].valueSet", i, j), c.Code + "." + fd.Code, fd.ValueSet})
			}
		}
	}
	for _, r := range refs {
		ok := false
		if s.sets != nil {
			var err error
			if ok, err = s.sets.LockValueSet(ctx, tx, r.set); err != nil {
				return err
			}
		}
		if !ok {
			return apperr.Field(r.path, "字段%s: 值集不存在: %s (value set not found)", r.field, r.set)
		}
		if _, err := tx.ExecDirect(ctx, "INSERT INTO form_value_sets (form_code, value_set_code, field) VALUES (?, ?, ?)", f.Code, r.set, r.field); err != nil {
			return fmt.Errorf("record value set reference of %s.%s: %w", f.Code, r.field, err)
		}
	}
	return nil
}
