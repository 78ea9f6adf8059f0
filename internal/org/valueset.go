package org

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/tritiumhq/tritium/internal/apperr"
	"github.com/tritiumhq/tritium/internal/form"
	"github.com/tritiumhq/tritium/internal/sqldb"
)

// ValueSet (值集) is a named, ordered list of coded values — 合同类型,
// 币种 — kept as master data (an ERP syncs it) and referenced by select
// and multiselect fields instead of inline options (field "valueSet").
// A disabled set, or a disabled value, is refused for new writes; values
// already stored stay as they are and read back unchanged.
type ValueSet struct {
	ID           string    `json:"id"`
	ExternalID   string    `json:"externalId,omitempty"`
	Code         string    `json:"code"`
	Name         string    `json:"name"`
	Description  string    `json:"description,omitempty"`
	Enabled      bool      `json:"enabled"`
	Values       []Value   `json:"values"`
	CreatedTime  time.Time `json:"createdTime"`
	ModifiedTime time.Time `json:"modifiedTime"`
}

// Value is one entry of a value set: the code stored in records and the
// label people see. Values are listed by Order, then as sent. Enabled,
// when not sent, is true.
type Value struct {
	Code        string `json:"code"`
	Label       string `json:"label"`
	Description string `json:"description,omitempty"`
	Enabled     *bool  `json:"enabled,omitempty"`
	Order       int    `json:"order"`
}

// On reports whether the value is enabled (true when not said).
func (v Value) On() bool { return v.Enabled == nil || *v.Enabled }

// ValueSetPatch changes the fields that are set; Values, when set,
// replaces the whole list.
type ValueSetPatch struct {
	ExternalID  *string  `json:"externalId,omitempty"`
	Code        *string  `json:"code,omitempty"`
	Name        *string  `json:"name,omitempty"`
	Description *string  `json:"description,omitempty"`
	Enabled     *bool    `json:"enabled,omitempty"`
	Values      *[]Value `json:"values,omitempty"`
}

// ValueSetQuery selects value sets for ListValueSets.
type ValueSetQuery struct {
	Search string // contained in the code or the name, ignoring case
	Offset int
	Limit  int // 0 means 50; at most 500
}

// MaxValues is the most values one set holds.
const MaxValues = 5000

func (p ValueSetPatch) apply(v *ValueSet) {
	setString(&v.ExternalID, p.ExternalID)
	setString(&v.Code, p.Code)
	setString(&v.Name, p.Name)
	setString(&v.Description, p.Description)
	if p.Enabled != nil {
		v.Enabled = *p.Enabled
	}
	if p.Values != nil {
		v.Values = *p.Values
	}
}

// newValueSet is the set an upsert creates: enabled unless p says not.
func (p ValueSetPatch) newValueSet() ValueSet {
	v := ValueSet{Enabled: true}
	p.apply(&v)
	return v
}

func (v *ValueSet) normalize() error {
	v.Code = strings.TrimSpace(v.Code)
	v.Name = strings.TrimSpace(v.Name)
	v.Description = strings.TrimSpace(v.Description)
	err := firstErr([]error{
		checkText("code", "值集编码", v.Code, maxIDLen, true),
		checkText("name", "值集名称", v.Name, maxNameLen, true),
		checkText("externalId", "外部编号", v.ExternalID, maxIDLen, false),
		checkText("description", "描述", v.Description, maxDescLen, false),
	})
	if err != nil {
		return err
	}
	if !form.ValidValueSetCode(v.Code) {
		return apperr.Field("code", "值集编码无效: %q (code: letters, digits and _.-, starting with a letter or digit, at most 64 characters)", truncate(v.Code))
	}
	if len(v.Values) > MaxValues {
		return apperr.Field("values", "值集最多 %d 个值, 收到 %d (at most %d values per set)", MaxValues, len(v.Values), MaxValues)
	}
	seen := make(map[string]int, len(v.Values))
	for i := range v.Values {
		if err := v.Values[i].normalize(i, seen); err != nil {
			return err
		}
	}
	if v.Values == nil {
		v.Values = []Value{}
	}
	slices.SortStableFunc(v.Values, func(a, b Value) int { return cmp.Compare(a.Order, b.Order) })
	return nil
}

func (x *Value) normalize(i int, seen map[string]int) error {
	x.Code = strings.TrimSpace(x.Code)
	x.Label = strings.TrimSpace(x.Label)
	x.Description = strings.TrimSpace(x.Description)
	at := func(f string) string { return fmt.Sprintf("values[%d].%s", i, f) }
	err := firstErr([]error{
		checkText(at("code"), "值编码", x.Code, maxIDLen, true),
		checkText(at("label"), "值名称", x.Label, maxNameLen, true),
		checkText(at("description"), "描述", x.Description, maxDescLen, false),
	})
	if err != nil {
		return err
	}
	if strings.ContainsRune(x.Code, ';') {
		return apperr.Field(at("code"), "值编码不能含有分号: %q (a value code may not contain ';': multiselect values are joined with it)", truncate(x.Code))
	}
	if j, dup := seen[x.Code]; dup {
		return apperr.Field(at("code"), "值编码重复: %q 与 values[%d] 相同 (duplicate value code)", truncate(x.Code), j)
	}
	seen[x.Code] = i
	on := x.On()
	x.Enabled = &on
	return nil
}

func valueSetNotFound(id string) error {
	return apperr.New(apperr.NotFound, "值集不存在: %s (value set not found)", truncate(id))
}

// CreateValueSet stores a new value set with its values. The ID is a new
// UUID unless v.ID is set. Enabled is stored as given: adapters decoding a
// request start from ValueSet{Enabled: true}.
func (s *Service) CreateValueSet(ctx context.Context, v ValueSet) (_ ValueSet, err error) {
	defer wrapErr(&err, "create value set %q", v.Code)
	return writeValue(ctx, s, func(tx *sqldb.Tx) (ValueSet, error) { return insertValueSet(ctx, tx, v) })
}

// GetValueSet returns the value set with id and its values, or NotFound.
func (s *Service) GetValueSet(ctx context.Context, id string) (_ ValueSet, err error) {
	defer wrapErr(&err, "get value set %q", id)
	return loadValueSet(ctx, s.db.Reader(), "id", id, false)
}

// UpdateValueSet applies p to the value set with id. Its code cannot change
// while a form refers to it.
func (s *Service) UpdateValueSet(ctx context.Context, id string, p ValueSetPatch) (_ ValueSet, err error) {
	defer wrapErr(&err, "update value set %q", id)
	return writeValue(ctx, s, func(tx *sqldb.Tx) (ValueSet, error) { return patchValueSet(ctx, tx, id, p) })
}

// UpsertValueSetByExternalID updates the value set with externalID by p, or
// creates one from p when there is none; created reports which.
func (s *Service) UpsertValueSetByExternalID(ctx context.Context, externalID string, p ValueSetPatch) (_ ValueSet, created bool, err error) {
	defer wrapErr(&err, "upsert value set %q", externalID)
	p.ExternalID = &externalID
	return upsert(ctx, s, "value_sets", externalID,
		func(tx *sqldb.Tx, id string) (ValueSet, error) { return patchValueSet(ctx, tx, id, p) },
		func(tx *sqldb.Tx) (ValueSet, error) { return insertValueSet(ctx, tx, p.newValueSet()) })
}

// DeleteValueSet removes the value set with id and its values. A set that
// a form's field refers to is not deleted (Conflict naming the form).
func (s *Service) DeleteValueSet(ctx context.Context, id string) (err error) {
	defer wrapErr(&err, "delete value set %q", id)
	return s.write(ctx, func(tx *sqldb.Tx) error {
		cur, err := loadValueSet(ctx, tx, "id", id, true)
		if err != nil {
			return err
		}
		if err := refuseInUse(ctx, tx, cur.Code, "删除", "deleted"); err != nil {
			return err
		}
		for _, q := range []string{"DELETE FROM value_set_values WHERE set_id = ?", "DELETE FROM value_sets WHERE id = ?"} {
			if _, err := tx.Exec(ctx, q, id); err != nil {
				return err
			}
		}
		return nil
	})
}

// refuseInUse is a Conflict naming the first form that refers to set code.
// The set's row is locked first, and a form write locks it too
// (LockValueSet), so no form can start using it meanwhile.
func refuseInUse(ctx context.Context, tx *sqldb.Tx, code, zh, en string) error {
	use, ok, err := form.ValueSetUse(ctx, tx, code)
	if err != nil || !ok {
		return err
	}
	return apperr.New(apperr.Conflict, "值集 %s 被表单 %s 的字段 %s 引用, 不能%s (value set %s is used by form %s field %s and cannot be %s)",
		code, use.Form, use.Field, zh, code, use.Form, use.Field, en)
}

// ListValueSets returns one page of the value sets q selects, oldest
// first, with their values, and how many it selects in all.
func (s *Service) ListValueSets(ctx context.Context, q ValueSetQuery) (_ []ValueSet, total int, err error) {
	defer wrapErr(&err, "list value sets")
	r := s.db.Reader()
	var conds []string
	var args []any
	if t := strings.TrimSpace(q.Search); t != "" {
		conds = append(conds, "("+r.Dialect().LikeInsensitive("code")+" OR "+r.Dialect().LikeInsensitive("name")+")")
		args = append(args, likePattern(t), likePattern(t))
	}
	sets, total, err := listPage(ctx, r, "value_sets", valueSetColumns, conds, args, q.Offset, q.Limit, scanValueSet)
	if err != nil {
		return nil, 0, err
	}
	ids := make([]string, len(sets))
	for i, v := range sets {
		ids[i] = v.ID
	}
	values, err := valuesOf(ctx, r, ids)
	if err != nil {
		return nil, 0, err
	}
	for i := range sets {
		if sets[i].Values = values[sets[i].ID]; sets[i].Values == nil {
			sets[i].Values = []Value{}
		}
	}
	return sets, total, nil
}

// LockValueSet reports whether a value set with code exists, locking its
// row until tx ends: the form service calls it when a field starts
// referring to the set, so a concurrent delete waits and then sees the
// reference.
func (s *Service) LockValueSet(ctx context.Context, tx *sqldb.Tx, code string) (bool, error) {
	_, err := loadValueSet(ctx, tx, "code", code, true)
	if apperr.Is(err, apperr.NotFound) {
		return false, nil
	}
	return err == nil, err
}
