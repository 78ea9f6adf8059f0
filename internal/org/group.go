package org

import (
	"context"
	"fmt"

	"github.com/tritiumhq/tritium/internal/apperr"
	"github.com/tritiumhq/tritium/internal/sqldb"
)

// group is a kind of named set of users — roles, positions — stored as a
// table of its own and a table of memberships (group id, user_id).
type group struct {
	table, members, col string // e.g. roles, role_members, role_id
	what                string // for errors: role, position
	zh                  string // the same in Chinese: 角色, 岗位
	notFound            func(id string) error
}

var (
	roleGroup     = group{table: "roles", members: "role_members", col: "role_id", what: "role", zh: "角色", notFound: roleNotFound}
	positionGroup = group{table: "positions", members: "position_members", col: "position_id", what: "position", zh: "岗位", notFound: positionNotFound}
)

// remove deletes group id and its memberships.
func (g group) remove(ctx context.Context, tx *sqldb.Tx, id string) error {
	res, err := tx.Exec(ctx, "DELETE FROM "+g.table+" WHERE id = ?", id)
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return g.notFound(id)
	}
	_, err = tx.Exec(ctx, "DELETE FROM "+g.members+" WHERE "+g.col+" = ?", id)
	return err
}

// membersOf returns each group's members (sorted, distinct), by id.
func (g group) membersOf(ctx context.Context, q sqldb.Querier, ids []string) (map[string][]string, error) {
	m, err := links(ctx, q, g.members, g.col, "user_id", ids)
	if err != nil {
		return nil, err
	}
	for k, v := range m {
		m[k] = idSet(v)
	}
	return m, nil
}

// setMembers makes userIDs (sorted, distinct) the members of group id.
func (g group) setMembers(ctx context.Context, tx *sqldb.Tx, id string, userIDs []string) error {
	missing, err := firstMissing(ctx, tx, "users", userIDs)
	if err != nil {
		return err
	}
	if missing != "" {
		return apperr.Field("memberIds", "用户不存在: %s (user not found)", truncate(missing))
	}
	if err := setLinks(ctx, tx, g.members, g.col, id, "user_id", userIDs); err != nil {
		return fmt.Errorf("set members of %s %q: %w", g.what, id, err)
	}
	return nil
}

// setUserGroups makes ids (sorted, distinct) the groups of this kind that
// user userID belongs to; field names the list for errors (roleIds,
// positionIds).
func (g group) setUserGroups(ctx context.Context, tx *sqldb.Tx, userID, field string, ids []string) error {
	missing, err := firstMissing(ctx, tx, g.table, ids)
	if err != nil {
		return err
	}
	if missing != "" {
		return apperr.Field(field, "%s不存在: %s (%s not found)", g.zh, truncate(missing), g.what)
	}
	if err := setLinks(ctx, tx, g.members, "user_id", userID, g.col, ids); err != nil {
		return fmt.Errorf("set %ss of user %q: %w", g.what, userID, err)
	}
	return nil
}
