// Package access holds who may do what with a form's records: grants
// (H3Yun-style presets — actions and a data scope per role, department,
// position or user) expanded into rules, which are REST filter expressions
// over the record with variables about the acting user (@user.id,
// @user.departmentTree, …). The record and workflow services enforce them
// for every API; calls without a user context (engine credentials) are not
// subject to them.
package access

import (
	"fmt"
	"slices"
	"strings"

	"github.com/tritiumhq/tritium/internal/apperr"
)

// Actions a grant gives.
const (
	View   = "view"
	Create = "create"
	Edit   = "edit"
	Delete = "delete"
	Import = "import"
	Export = "export"
	Print  = "print"
	Submit = "submit"
)

// Actions lists every action, in the order the API shows them.
var Actions = []string{View, Create, Edit, Delete, Import, Export, Print, Submit}

// Data scopes: which records a grant's actions reach.
const (
	ScopeOwn        = "own"            // 本人: the records the user owns
	ScopeDepartment = "department"     // 本部门: owned by the user's department
	ScopeTree       = "departmentTree" // 本部门及下属: the department and those below it
	ScopeAll        = "all"            // 全部
	ScopeCustom     = "custom"         // 自定义: the grant's own rule
)

// Scopes lists every data scope.
var Scopes = []string{ScopeOwn, ScopeDepartment, ScopeTree, ScopeAll, ScopeCustom}

// Principal kinds: whom a grant is for.
const (
	ForUser       = "user"
	ForRole       = "role"
	ForDepartment = "department" // its members (not those of the departments below)
	ForPosition   = "position"
	ForEveryone   = "everyone"
)

// Principal is whom a grant is for.
type Principal struct {
	Kind string `json:"kind"`
	ID   string `json:"id,omitempty"` // empty for everyone
}

// Grant gives a principal actions on a form's records within a data
// scope, and may hide fields or make them read-only.
type Grant struct {
	ID        string    `json:"id"`
	Form      string    `json:"form"`
	Principal Principal `json:"principal"`
	Actions   []string  `json:"actions"`
	Scope     string    `json:"scope"`
	// Rule is the custom scope's filter (REST syntax, with variables).
	Rule     string   `json:"rule,omitempty"`
	Hidden   []string `json:"hidden,omitempty"`   // fields left out of every answer
	ReadOnly []string `json:"readOnly,omitempty"` // fields refused on write
	Note     string   `json:"note,omitempty"`
}

// Variables a rule may use, and what they hold.
var Variables = map[string]string{
	"user.id":             "the user's id",
	"user.departments":    "the user's department(s)",
	"user.departmentTree": "the user's departments and every department below them",
	"user.roles":          "the ids of the user's roles",
	"user.positions":      "the ids of the user's positions",
	"user.leaderOf":       "the departments the user manages",
}

// KnownVariable reports whether name (without the @) is a rule variable.
func KnownVariable(name string) bool {
	_, ok := Variables[name]
	return ok
}

// VariableNames lists the variables, sorted.
func VariableNames() []string {
	out := make([]string, 0, len(Variables))
	for k := range Variables {
		out = append(out, "@"+k)
	}
	slices.Sort(out)
	return out
}

// RuleText is the grant's scope as a rule: what the presets mean.
func (g Grant) RuleText() string {
	switch g.Scope {
	case ScopeOwn:
		return "OwnerId = @user.id"
	case ScopeDepartment:
		return "OwnerDeptId in @user.departments"
	case ScopeTree:
		return "OwnerDeptId in @user.departmentTree"
	case ScopeAll:
		return ""
	}
	return g.Rule
}

// Has reports whether the grant gives action.
func (g Grant) Has(action string) bool { return slices.Contains(g.Actions, action) }

// normalize checks a grant's shape (not its fields or rule, which need
// the form: see Check) and puts its lists in a stable order.
func (g *Grant) normalize() error {
	switch g.Principal.Kind {
	case ForUser, ForRole, ForDepartment, ForPosition:
		if strings.TrimSpace(g.Principal.ID) == "" {
			return apperr.Field("principal.id", "principal.id 不能为空 (principal.id is required for kind %s)", g.Principal.Kind)
		}
	case ForEveryone:
		g.Principal.ID = ""
	default:
		return apperr.Field("principal.kind", "principal.kind 必须是 user、role、department、position 或 everyone, 收到 %q (principal.kind must be user, role, department, position or everyone)", g.Principal.Kind)
	}
	if len(g.Actions) == 0 {
		return apperr.Field("actions", "actions 不能为空 (actions must name at least one of %s)", strings.Join(Actions, ", "))
	}
	for _, a := range g.Actions {
		if !slices.Contains(Actions, a) {
			return apperr.Field("actions", "未知的操作: %q (unknown action %q; one of %s)", a, a, strings.Join(Actions, ", "))
		}
	}
	g.Actions = sortedUnique(g.Actions, Actions)
	if !slices.Contains(Scopes, g.Scope) {
		return apperr.Field("scope", "scope 必须是 %s 之一, 收到 %q (unknown data scope)", strings.Join(Scopes, ", "), g.Scope)
	}
	if g.Scope == ScopeCustom && strings.TrimSpace(g.Rule) == "" {
		return apperr.Field("rule", "自定义范围需要 rule (the custom scope needs a rule)")
	}
	if g.Scope != ScopeCustom && g.Rule != "" {
		return apperr.Field("rule", "只有 custom 范围使用 rule (only the custom scope takes a rule; scope %s is a preset)", g.Scope)
	}
	g.Hidden = sortedUnique(g.Hidden, nil)
	g.ReadOnly = sortedUnique(g.ReadOnly, nil)
	for _, f := range g.Hidden {
		if slices.Contains(g.ReadOnly, f) {
			return apperr.Field("readOnly", "字段 %s 不能既隐藏又只读 (field %s is both hidden and read-only)", f, f)
		}
	}
	return nil
}

// sortedUnique dedupes s, in order's order when given, else sorted.
func sortedUnique(s, order []string) []string {
	out := slices.Clone(s)
	if order != nil {
		slices.SortFunc(out, func(a, b string) int { return slices.Index(order, a) - slices.Index(order, b) })
	} else {
		slices.Sort(out)
	}
	return slices.Compact(out)
}

// String names the grant for explanations.
func (g Grant) String() string {
	who := g.Principal.Kind
	if g.Principal.ID != "" {
		who += " " + g.Principal.ID
	}
	return fmt.Sprintf("grant %s (%s: %s, scope %s)", g.ID, who, strings.Join(g.Actions, ","), g.Scope)
}
