package access

import (
	"fmt"
	"slices"

	"github.com/tritiumhq/tritium/internal/filter"
)

// Subject is the acting user as rules see it: the values of the @user
// variables.
type Subject struct {
	UserID         string
	Departments    []string
	DepartmentTree []string
	Roles          []string
	Positions      []string
	LeaderOf       []string
}

// vars are the subject's variable values.
func (s Subject) vars() map[string]any {
	return map[string]any{
		"user.id": s.UserID, "user.departments": s.Departments, "user.departmentTree": s.DepartmentTree,
		"user.roles": s.Roles, "user.positions": s.Positions, "user.leaderOf": s.LeaderOf,
	}
}

// applies reports whether g is for s.
func (g Grant) applies(s Subject) bool {
	switch g.Principal.Kind {
	case ForEveryone:
		return true
	case ForUser:
		return g.Principal.ID == s.UserID
	case ForRole:
		return slices.Contains(s.Roles, g.Principal.ID)
	case ForDepartment:
		return slices.Contains(s.Departments, g.Principal.ID)
	case ForPosition:
		return slices.Contains(s.Positions, g.Principal.ID)
	}
	return false
}

// Defaults are a form's grants while it has none of its own: anyone may
// create, and a record's creator may view, edit, delete and submit it
// while it is a draft — a fresh form is usable, and nobody sees anyone
// else's records until an admin grants it.
func Defaults(formCode string) []Grant {
	return []Grant{
		{ID: "default-create", Form: formCode, Principal: Principal{Kind: ForEveryone}, Actions: []string{Create}, Scope: ScopeAll,
			Note: "default: anyone may create"},
		{ID: "default-own-drafts", Form: formCode, Principal: Principal{Kind: ForEveryone}, Actions: []string{View, Edit, Delete, Submit},
			Scope: ScopeCustom, Rule: "CreatedBy = @user.id && Status = 0", Note: "default: a creator may work on their own drafts"},
	}
}

// Decision is what a subject may do for one action on a form.
type Decision struct {
	Action string `json:"action"`
	// Allowed: some grant gives the action (which records is Filter's
	// business).
	Allowed bool `json:"allowed"`
	// Filter selects the records the action reaches: the union of the
	// grants' rules, bound to the subject; it matches nothing when no
	// grant applies.
	Filter filter.Node `json:"-"`
	// Hidden fields are hidden by every grant that gives the action;
	// ReadOnly fields are read-only (or hidden) in every one.
	Hidden   []string `json:"hidden"`
	ReadOnly []string `json:"readOnly"`
	// Grants are the ids of the grants that gave the action.
	Grants []string `json:"grants"`
}

// Decide works out what s may do for action from a form's grants (use
// Defaults when the form has none).
func Decide(grants []Grant, s Subject, action string) (Decision, error) {
	d := Decision{Action: action, Hidden: []string{}, ReadOnly: []string{}, Grants: []string{}}
	var rules []filter.Node
	first := true
	vars := s.vars()
	for _, g := range grants {
		if !g.Has(action) || !g.applies(s) {
			continue
		}
		var n filter.Node = &filter.And{} // all records
		if text := g.RuleText(); text != "" {
			parsed, err := filter.ParseRule(text, KnownVariable)
			if err != nil {
				return Decision{}, fmt.Errorf("%s: %w", g, err)
			}
			if n, err = filter.Bind(parsed, vars); err != nil {
				return Decision{}, fmt.Errorf("%s: %w", g, err)
			}
		}
		rules = append(rules, n)
		d.Grants = append(d.Grants, g.ID)
		ro := append(slices.Clone(g.ReadOnly), g.Hidden...)
		if first {
			d.Hidden, d.ReadOnly, first = slices.Clone(g.Hidden), ro, false
			continue
		}
		d.Hidden = intersect(d.Hidden, g.Hidden)
		d.ReadOnly = intersect(d.ReadOnly, ro)
	}
	d.Allowed = len(rules) > 0
	d.Filter = filter.Any(rules...)
	slices.Sort(d.Hidden)
	d.ReadOnly = sortedUnique(d.ReadOnly, nil)
	return d, nil
}

func intersect(a, b []string) []string {
	out := a[:0:0]
	for _, x := range a {
		if slices.Contains(b, x) {
			out = append(out, x)
		}
	}
	return out
}
