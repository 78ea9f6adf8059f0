package org

import (
	"context"
	"fmt"
	"slices"

	"github.com/tritiumhq/tritium/internal/access"
	"github.com/tritiumhq/tritium/internal/sqldb"
)

// Subject is what permission rules know of the acting user: the values of
// @user.id, @user.departments, @user.departmentTree, @user.roles,
// @user.positions and @user.leaderOf. Every slice is sorted, distinct and
// never nil.
type Subject struct {
	UserID  string
	Enabled bool
	// Departments are the user's departments: today at most one, the
	// user's departmentId.
	Departments []string
	// DepartmentTree is Departments and every department below them.
	DepartmentTree []string
	// Roles are the ids of the roles the user is a member of.
	Roles []string
	// Positions are the ids of the positions the user holds.
	Positions []string
	// LeaderOf are the departments whose managerId is the user.
	LeaderOf []string
}

// clone copies the slices, so a caller cannot change the cached Subject.
func (s Subject) clone() Subject {
	s.Departments = slices.Clone(s.Departments)
	s.DepartmentTree = slices.Clone(s.DepartmentTree)
	s.Roles = slices.Clone(s.Roles)
	s.Positions = slices.Clone(s.Positions)
	s.LeaderOf = slices.Clone(s.LeaderOf)
	return s
}

// Subject resolves the user with userID for permission rules, or returns
// NotFound. A disabled user resolves, with Enabled false.
//
// Answers come from a cache on this Service: a warm lookup runs no query.
// Any write through this Service drops the whole cache when it commits
// (department trees change whenever any department moves, and org writes
// are rare, so nothing finer is worth its bugs); other nodes' writes are
// seen at the next revision check, at most one primary-key read per
// CheckEvery interval. A cold lookup reads the user and their roles in one
// query, plus, once per cache generation, every department (id, parent,
// manager) in one more.
//
// Subject reads through the database's reader, never a caller's
// transaction: it must not be called inside a write transaction (on
// PostgreSQL a pool full of transactions each waiting for one more
// connection would wait forever). Resolve the actor before writing.
func (s *Service) Subject(ctx context.Context, userID string) (_ Subject, err error) {
	defer wrapErr(&err, "resolve user %q", userID)
	return s.cache.subject(ctx, userID)
}

// orgTree is every department's place and manager, read in one query.
type orgTree struct {
	children map[string][]string // parent id → child ids
	managed  map[string][]string // manager id → departments, sorted
}

func readTree(ctx context.Context, q sqldb.Querier) (*orgTree, error) {
	rows, err := q.Query(ctx, "SELECT id, COALESCE(parent_id, ''), COALESCE(manager_id, '') FROM departments")
	if err != nil {
		return nil, fmt.Errorf("load departments: %w", err)
	}
	defer rows.Close()
	t := &orgTree{children: map[string][]string{}, managed: map[string][]string{}}
	for rows.Next() {
		var id, parent, manager string
		if err := rows.Scan(&id, &parent, &manager); err != nil {
			return nil, fmt.Errorf("load departments: %w", err)
		}
		if parent != "" {
			t.children[parent] = append(t.children[parent], id)
		}
		if manager != "" {
			t.managed[manager] = append(t.managed[manager], id)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("load departments: %w", err)
	}
	for k, v := range t.managed {
		t.managed[k] = idSet(v)
	}
	return t, nil
}

// below returns roots and every department under them, sorted. The seen
// set ends the walk even in a corrupt tree with a cycle.
func (t *orgTree) below(roots []string) []string {
	seen := map[string]bool{}
	stack := slices.Clone(roots)
	for len(stack) > 0 {
		id := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if seen[id] {
			continue
		}
		seen[id] = true
		stack = append(stack, t.children[id]...)
	}
	out := make([]string, 0, len(seen))
	for id := range seen {
		out = append(out, id)
	}
	slices.Sort(out)
	return out
}

// readSubject reads the user and their roles in one query and places them
// in tree; ok is false when there is no such user.
func readSubject(ctx context.Context, q sqldb.Querier, tree *orgTree, id string) (sub Subject, ok bool, err error) {
	// One statement: the user with each role, then with each position.
	rows, err := q.Query(ctx, `SELECT u.enabled, COALESCE(u.department_id, ''), 'r', COALESCE(m.role_id, '')
		FROM users u LEFT JOIN role_members m ON m.user_id = u.id WHERE u.id = ?
		UNION ALL SELECT u.enabled, COALESCE(u.department_id, ''), 'p', p.position_id
		FROM users u JOIN position_members p ON p.user_id = u.id WHERE u.id = ?`, id, id)
	if err != nil {
		return sub, false, fmt.Errorf("load user: %w", err)
	}
	defer rows.Close()
	var dept string
	var roles, positions []string
	for rows.Next() {
		var enabled any
		var kind, link string
		if err := rows.Scan(&enabled, &dept, &kind, &link); err != nil {
			return sub, false, fmt.Errorf("load user: %w", err)
		}
		if sub.Enabled, err = q.Dialect().ScanBool(enabled); err != nil {
			return sub, false, fmt.Errorf("load user: %w", err)
		}
		switch {
		case link == "":
		case kind == "r":
			roles = append(roles, link)
		default:
			positions = append(positions, link)
		}
		ok = true
	}
	if err := rows.Err(); err != nil {
		return sub, false, fmt.Errorf("load user: %w", err)
	}
	if !ok {
		return sub, false, nil
	}
	sub.UserID = id
	sub.Departments = []string{}
	if dept != "" {
		sub.Departments = []string{dept}
	}
	sub.DepartmentTree = tree.below(sub.Departments)
	sub.Roles = idSet(roles)
	sub.Positions = idSet(positions)
	sub.LeaderOf = idSet(tree.managed[id])
	return sub, true, nil
}

// Access is the subject as permission rules take it.
func (s Subject) Access() *access.Subject {
	return &access.Subject{UserID: s.UserID, Departments: s.Departments, DepartmentTree: s.DepartmentTree,
		Roles: s.Roles, Positions: s.Positions, LeaderOf: s.LeaderOf}
}
