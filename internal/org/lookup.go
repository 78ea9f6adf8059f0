package org

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/tritiumhq/tritium/internal/apperr"

	"github.com/tritiumhq/tritium/internal/sqldb"
)

// UserDepartment returns the department of the user with userID ("" when
// the user has none); ok is false when there is no such user. q may be the
// caller's write transaction, so a record's owner and owner department are
// read in the transaction that stores them. One primary-key lookup.
func (s *Service) UserDepartment(ctx context.Context, q sqldb.Querier, userID string) (deptID string, ok bool, err error) {
	err = q.QueryRow(ctx, "SELECT COALESCE(department_id, '') FROM users WHERE id = ?", userID).Scan(&deptID)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("department of user %q: %w", userID, err)
	}
	return deptID, true, nil
}

// DepartmentExists reports whether a department with id exists, through q
// as for UserDepartment. One primary-key lookup.
func (s *Service) DepartmentExists(ctx context.Context, q sqldb.Querier, id string) (bool, error) {
	return exists(ctx, q, "departments", id, false)
}

// Profile is what approval rules need to know of a user.
type Profile struct {
	ID           string
	DepartmentID string
	Title        string
	LeaderID     string
	Roles        []string
}

// UserProfile returns the user's profile; ok is false when there is no such
// user. Through q, as for UserDepartment.
func (s *Service) UserProfile(ctx context.Context, q sqldb.Querier, userID string) (p Profile, ok bool, err error) {
	err = q.QueryRow(ctx, "SELECT id, COALESCE(department_id, ''), COALESCE(title, ''), COALESCE(leader_id, '') FROM users WHERE id = ?", userID).
		Scan(&p.ID, &p.DepartmentID, &p.Title, &p.LeaderID)
	if errors.Is(err, sql.ErrNoRows) {
		return p, false, nil
	}
	if err != nil {
		return p, false, fmt.Errorf("profile of user %q: %w", userID, err)
	}
	if p.Roles, err = linksOf(ctx, q, "role_members", "user_id", "role_id", userID); err != nil {
		return p, false, err
	}
	return p, true, nil
}

// RoleMembers returns the enabled members of the roles, role by role, each
// user once.
func (s *Service) RoleMembers(ctx context.Context, q sqldb.Querier, roleIDs []string) ([]string, error) {
	if len(roleIDs) == 0 {
		return nil, nil
	}
	return collectUsers(ctx, q, "SELECT m.user_id FROM role_members m JOIN users u ON u.id = m.user_id WHERE u.enabled = ? AND m.role_id = ? ORDER BY u.created_time, u.id", roleIDs)
}

// DepartmentMembers returns the enabled members of the departments,
// department by department, each user once: their direct members, or with
// sub also those of every department below them (a department before its
// sub-departments, these in their sort order).
func (s *Service) DepartmentMembers(ctx context.Context, q sqldb.Querier, deptIDs []string, sub bool) ([]string, error) {
	if sub {
		var all []string
		for _, id := range deptIDs {
			tree, err := subtree(ctx, q, id)
			if err != nil {
				return nil, err
			}
			all = append(all, tree...)
		}
		deptIDs = all
	}
	return collectUsers(ctx, q, "SELECT id FROM users WHERE enabled = ? AND department_id = ? ORDER BY created_time, id", deptIDs)
}

// subtree lists department root and every department below it, depth
// first in sort order, in one query (UNION stops at a cycle of a corrupt
// tree). A root that does not exist gives none.
func subtree(ctx context.Context, q sqldb.Querier, root string) ([]string, error) {
	rows, err := q.Query(ctx, `WITH RECURSIVE down(id) AS (
			SELECT id FROM departments WHERE id = ?
			UNION
			SELECT d.id FROM departments d JOIN down ON d.parent_id = down.id)
		SELECT d.id, COALESCE(d.parent_id, '') FROM departments d JOIN down ON down.id = d.id
		ORDER BY d.sort_order, d.created_time, d.id`, root)
	if err != nil {
		return nil, fmt.Errorf("departments under %q: %w", root, err)
	}
	defer rows.Close()
	children := map[string][]string{}
	found := false
	for rows.Next() {
		var id, parent string
		if err := rows.Scan(&id, &parent); err != nil {
			return nil, fmt.Errorf("departments under %q: %w", root, err)
		}
		found = found || id == root
		if id != root {
			children[parent] = append(children[parent], id)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("departments under %q: %w", root, err)
	}
	if !found {
		return nil, nil
	}
	var out []string
	seen := map[string]bool{}
	var walk func(id string)
	walk = func(id string) {
		if seen[id] {
			return
		}
		seen[id] = true
		out = append(out, id)
		for _, c := range children[id] {
			walk(c)
		}
	}
	walk(root)
	return out, nil
}

func collectUsers(ctx context.Context, q sqldb.Querier, query string, keys []string) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	for _, k := range keys {
		rows, err := q.Query(ctx, query, q.Dialect().BoolValue(true), k)
		if err != nil {
			return nil, fmt.Errorf("members of %q: %w", k, err)
		}
		ids, err := collectStrings(rows)
		if err != nil {
			return nil, err
		}
		for _, id := range ids {
			if !seen[id] {
				seen[id] = true
				out = append(out, id)
			}
		}
	}
	return out, nil
}

// Leaders returns the user's leaders, nearest first, up to levels of them.
// A user's leader is their leaderId; without one, the manager of their
// department, or of the nearest department above it whose manager is
// someone else.
func (s *Service) Leaders(ctx context.Context, q sqldb.Querier, userID string, levels int) ([]string, error) {
	var out []string
	seen := map[string]bool{userID: true}
	cur := userID
	for len(out) < levels {
		next, err := s.leaderOf(ctx, q, cur)
		if err != nil {
			return nil, err
		}
		if next == "" || seen[next] {
			break
		}
		seen[next] = true
		out = append(out, next)
		cur = next
	}
	return out, nil
}

func (s *Service) leaderOf(ctx context.Context, q sqldb.Querier, userID string) (string, error) {
	p, ok, err := s.UserProfile(ctx, q, userID)
	if err != nil || !ok {
		return "", err
	}
	if p.LeaderID != "" {
		return p.LeaderID, nil
	}
	dept := p.DepartmentID
	for i := 0; dept != "" && i < 64; i++ { // the tree is acyclic; 64 bounds a corrupt one
		var manager, parent string
		err := q.QueryRow(ctx, "SELECT COALESCE(manager_id, ''), COALESCE(parent_id, '') FROM departments WHERE id = ?", dept).Scan(&manager, &parent)
		if errors.Is(err, sql.ErrNoRows) {
			return "", nil
		}
		if err != nil {
			return "", fmt.Errorf("manager of department %q: %w", dept, err)
		}
		if manager != "" && manager != userID {
			return manager, nil
		}
		dept = parent
	}
	return "", nil
}

// FindUser finds an enabled user by id, email or login name — how a caller
// names the user it acts as (X-User-Id-Type: USERID, EMAIL, LOGINNAME).
// FindUserID returns the id of the enabled user whose by (USERID, EMAIL
// or LOGINNAME) is value, or a field error naming X-User-Id. Answers come
// from the Subject cache: a warm lookup runs no query.
func (s *Service) FindUserID(ctx context.Context, by, value string) (string, error) {
	by = strings.ToUpper(by)
	if by == "USERID" {
		return value, nil
	}
	return s.cache.userID(ctx, by+":"+value, func() (string, error) {
		return findUserID(ctx, s.cache.reader(), by, value)
	})
}

func (s *Service) FindUser(ctx context.Context, by, value string) (User, error) {
	q := s.db.Reader()
	id, err := findUserID(ctx, q, by, value)
	if err != nil {
		return User{}, err
	}
	return loadUser(ctx, q, id, false)
}

func findUserID(ctx context.Context, q sqldb.Querier, by, value string) (string, error) {
	col := map[string]string{"USERID": "id", "EMAIL": "email", "LOGINNAME": "login_name"}[strings.ToUpper(by)]
	if col == "" {
		return "", apperr.Field("X-User-Id-Type", "用户标识类型无效: %q, 可选 USERID, EMAIL, LOGINNAME (unknown user id type)", by)
	}
	var id string
	err := q.QueryRow(ctx, "SELECT id FROM users WHERE "+col+" = ? AND enabled = ? ORDER BY created_time LIMIT 1", value, q.Dialect().BoolValue(true)).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", apperr.Field("X-User-Id", "用户不存在: %s=%s (no enabled user with this %s)", strings.ToUpper(by), truncate(value), strings.ToLower(by))
	}
	if err != nil {
		return "", fmt.Errorf("find user by %s: %w", col, err)
	}
	return id, nil
}

// FindLogin finds the user a console sign-in names: by login name, else
// by email case-insensitively (the earliest user, when several share
// it). Disabled users are found too (the caller refuses them, after the
// same work as for any other login); none is NotFound.
func (s *Service) FindLogin(ctx context.Context, login string) (User, error) {
	q := s.db.Reader()
	var id string
	err := q.QueryRow(ctx, `SELECT id FROM users WHERE login_name = ? OR lower(email) = lower(?)
		ORDER BY CASE WHEN login_name = ? THEN 0 ELSE 1 END, created_time LIMIT 1`, login, login, login).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return User{}, apperr.New(apperr.NotFound, "用户不存在 (no such user)")
	}
	if err != nil {
		return User{}, fmt.Errorf("find login: %w", err)
	}
	return loadUser(ctx, q, id, false)
}
