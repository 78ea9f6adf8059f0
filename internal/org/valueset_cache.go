package org

import (
	"context"
	"fmt"
	"strings"

	"github.com/tritiumhq/tritium/internal/apperr"
)

// setView is a value set as the cache keeps it: the set (values in order)
// and each value's state for record writes. It is shared by every reader
// and never changed after it is built.
type setView struct {
	set     ValueSet
	enabled map[string]bool // value code → enabled (false for all when the set is disabled)
}

// Value sets live in the organisation cache (cache.go): every value-set
// write goes through Service.write, so it bumps the organisation revision
// and drops the cached sets on this node at once and on the others at
// their next revision check, like users and departments.

func (c *subjectCache) valueSet(ctx context.Context, code string) (*setView, error) {
	return remember(ctx, c, func() map[string]*setView { return c.sets }, code, func() (*setView, error) {
		set, err := loadValueSet(ctx, c.reader(), "code", code, false)
		if err != nil {
			return nil, err
		}
		v := &setView{set: set, enabled: make(map[string]bool, len(set.Values))}
		for _, x := range set.Values {
			v.enabled[x.Code] = set.Enabled && x.On()
		}
		return v, nil
	})
}

// ValueSetValues returns the value set with code and its values in order
// (独立值集值查询): with enabled set only those a new write may (true)
// or may not (false) use — a disabled set's values are all not — with
// search only those whose code or label contains
// it, ignoring case. It reads from the cache: a warm call runs no query.
func (s *Service) ValueSetValues(ctx context.Context, code string, enabled *bool, search string) (_ ValueSet, err error) {
	defer wrapErr(&err, "values of value set %q", code)
	v, err := s.cache.valueSet(ctx, code)
	if err != nil {
		return ValueSet{}, err
	}
	out := v.set
	out.Values = make([]Value, 0, len(v.set.Values))
	search = strings.ToLower(strings.TrimSpace(search))
	for _, x := range v.set.Values {
		if enabled != nil && *enabled != v.enabled[x.Code] {
			continue
		}
		if search != "" && !strings.Contains(strings.ToLower(x.Code), search) && !strings.Contains(strings.ToLower(x.Label), search) {
			continue
		}
		out.Values = append(out.Values, x)
	}
	return out, nil
}

// ValueStates returns, for the value set with code, each value code and
// whether a new write may use it (the value and the set enabled); found is
// false when there is no such set. The map is the cache's: read it only.
// A warm call runs no query.
func (s *Service) ValueStates(ctx context.Context, code string) (_ map[string]bool, found bool, err error) {
	v, err := s.cache.valueSet(ctx, code)
	if err != nil {
		if apperr.Is(err, apperr.NotFound) {
			return nil, false, nil
		}
		return nil, false, fmt.Errorf("value set %q: %w", code, err)
	}
	return v.enabled, true, nil
}
