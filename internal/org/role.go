package org

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/tritiumhq/tritium/internal/apperr"
	"github.com/tritiumhq/tritium/internal/sqldb"
)

// Role is a named group of users that permissions and approvals refer to.
type Role struct {
	ID           string    `json:"id"`
	ExternalID   string    `json:"externalId,omitempty"`
	Name         string    `json:"name"`
	Description  string    `json:"description,omitempty"`
	MemberIDs    []string  `json:"memberIds"`
	CreatedTime  time.Time `json:"createdTime"`
	ModifiedTime time.Time `json:"modifiedTime"`
}

// RolePatch changes the fields that are set. MemberIDs, when set, replaces
// the role's members.
type RolePatch struct {
	ExternalID  *string   `json:"externalId,omitempty"`
	Name        *string   `json:"name,omitempty"`
	Description *string   `json:"description,omitempty"`
	MemberIDs   *[]string `json:"memberIds,omitempty"`
}

// RoleQuery selects roles for ListRoles.
type RoleQuery struct {
	Search string // contained in the name, ignoring case
	Offset int
	Limit  int // 0 means 50; at most 500
}

func (p RolePatch) apply(r *Role) {
	setString(&r.ExternalID, p.ExternalID)
	setString(&r.Name, p.Name)
	setString(&r.Description, p.Description)
	if p.MemberIDs != nil {
		r.MemberIDs = *p.MemberIDs
	}
}

func (p RolePatch) newRole() Role {
	var r Role
	p.apply(&r)
	return r
}

func (r *Role) normalize() error {
	r.Name = strings.TrimSpace(r.Name)
	r.Description = strings.TrimSpace(r.Description)
	err := firstErr([]error{
		checkText("name", "角色名称", r.Name, maxNameLen, true),
		checkText("externalId", "外部编号", r.ExternalID, maxIDLen, false),
		checkText("description", "描述", r.Description, maxDescLen, false),
		checkIDs("memberIds", r.MemberIDs),
	})
	r.MemberIDs = idSet(r.MemberIDs)
	return err
}

func roleNotFound(id string) error {
	return apperr.New(apperr.NotFound, "角色不存在: %s (role not found)", truncate(id))
}

// CreateRole stores a new role with its members. The ID is a new UUID
// unless r.ID is set.
func (s *Service) CreateRole(ctx context.Context, r Role) (_ Role, err error) {
	defer wrapErr(&err, "create role %q", r.Name)
	return writeValue(ctx, s, func(tx *sqldb.Tx) (Role, error) {
		return insertRole(ctx, tx, r)
	})
}

// GetRole returns the role with id and its members, or NotFound.
func (s *Service) GetRole(ctx context.Context, id string) (_ Role, err error) {
	defer wrapErr(&err, "get role %q", id)
	return loadRole(ctx, s.db.Reader(), id, false)
}

// UpdateRole applies p to the role with id.
func (s *Service) UpdateRole(ctx context.Context, id string, p RolePatch) (_ Role, err error) {
	defer wrapErr(&err, "update role %q", id)
	return writeValue(ctx, s, func(tx *sqldb.Tx) (Role, error) {
		return patchRole(ctx, tx, id, p)
	})
}

// UpsertRoleByExternalID updates the role with externalID by p, or creates
// one from p when there is none; created reports which.
func (s *Service) UpsertRoleByExternalID(ctx context.Context, externalID string, p RolePatch) (_ Role, created bool, err error) {
	defer wrapErr(&err, "upsert role %q", externalID)
	p.ExternalID = &externalID
	return upsert(ctx, s, "roles", externalID,
		func(tx *sqldb.Tx, id string) (Role, error) { return patchRole(ctx, tx, id, p) },
		func(tx *sqldb.Tx) (Role, error) { return insertRole(ctx, tx, p.newRole()) })
}

// DeleteRole removes the role with id and its memberships.
func (s *Service) DeleteRole(ctx context.Context, id string) (err error) {
	defer wrapErr(&err, "delete role %q", id)
	return s.write(ctx, func(tx *sqldb.Tx) error { return roleGroup.remove(ctx, tx, id) })
}

// ListRoles returns one page of the roles q selects, oldest first, and how
// many it selects in all.
func (s *Service) ListRoles(ctx context.Context, q RoleQuery) (_ []Role, total int, err error) {
	defer wrapErr(&err, "list roles")
	r := s.db.Reader()
	var conds []string
	var args []any
	if s := strings.TrimSpace(q.Search); s != "" {
		conds, args = append(conds, r.Dialect().LikeInsensitive("name")), append(args, likePattern(s))
	}
	roles, total, err := listPage(ctx, r, "roles", roleColumns, conds, args, q.Offset, q.Limit, scanRole)
	if err != nil {
		return nil, 0, err
	}
	return roles, total, attachMembers(ctx, r, roles)
}

func attachMembers(ctx context.Context, q sqldb.Querier, items []Role) error {
	ids := make([]string, len(items))
	for i, it := range items {
		ids[i] = it.ID
	}
	m, err := roleGroup.membersOf(ctx, q, ids)
	if err != nil {
		return err
	}
	for i := range items {
		items[i].MemberIDs = idSet(m[items[i].ID])
	}
	return nil
}

const roleColumns = `id, COALESCE(external_id, ''), name, COALESCE(description, ''), created_time, modified_time`

func scanRole(d sqldb.Dialect, sc scanner) (Role, error) {
	var r Role
	var created, modified any
	if err := sc.Scan(&r.ID, &r.ExternalID, &r.Name, &r.Description, &created, &modified); err != nil {
		return r, err
	}
	var err error
	r.CreatedTime, r.ModifiedTime, err = scanTimes(d, created, modified)
	return r, err
}

func loadRole(ctx context.Context, q sqldb.Querier, id string, lock bool) (Role, error) {
	query := "SELECT " + roleColumns + " FROM roles WHERE id = ?"
	if lock {
		query += q.Dialect().ForUpdate()
	}
	r, err := scanRole(q.Dialect(), q.QueryRow(ctx, query, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Role{}, roleNotFound(id)
	}
	if err != nil {
		return Role{}, err
	}
	r.MemberIDs, err = linksOf(ctx, q, "role_members", "role_id", "user_id", id)
	return r, err
}

func insertRole(ctx context.Context, tx *sqldb.Tx, r Role) (Role, error) {
	if r.ID == "" {
		r.ID = uuid.NewString()
	} else if err := checkID("id", r.ID); err != nil {
		return Role{}, err
	}
	if err := r.normalize(); err != nil {
		return Role{}, err
	}
	err := checkUnique(ctx, tx, "roles", "",
		unique{"id", "id", "编号", r.ID},
		unique{"external_id", "externalId", "外部编号", r.ExternalID})
	if err != nil {
		return Role{}, err
	}
	r.CreatedTime = sqldb.Now()
	r.ModifiedTime = r.CreatedTime
	d := tx.Dialect()
	_, err = tx.Exec(ctx, `INSERT INTO roles (id, external_id, name, description, created_time, modified_time)
		VALUES (?, ?, ?, ?, ?, ?)`, r.ID, nullable(r.ExternalID), r.Name, nullable(r.Description),
		d.TimeValue(r.CreatedTime), d.TimeValue(r.ModifiedTime))
	if err != nil {
		return Role{}, uniqueErr(d, err, "角色", "role")
	}
	return r, roleGroup.setMembers(ctx, tx, r.ID, r.MemberIDs)
}

func patchRole(ctx context.Context, tx *sqldb.Tx, id string, p RolePatch) (Role, error) {
	cur, err := loadRole(ctx, tx, id, true)
	if err != nil {
		return Role{}, err
	}
	r := cur
	p.apply(&r)
	if err := r.normalize(); err != nil {
		return Role{}, err
	}
	if r.ExternalID != cur.ExternalID {
		if err := checkUnique(ctx, tx, "roles", id, unique{"external_id", "externalId", "外部编号", r.ExternalID}); err != nil {
			return Role{}, err
		}
	}
	r.ModifiedTime = sqldb.Now()
	d := tx.Dialect()
	_, err = tx.Exec(ctx, "UPDATE roles SET external_id = ?, name = ?, description = ?, modified_time = ? WHERE id = ?",
		nullable(r.ExternalID), r.Name, nullable(r.Description), d.TimeValue(r.ModifiedTime), id)
	if err != nil {
		return Role{}, uniqueErr(d, err, "角色", "role")
	}
	if p.MemberIDs == nil {
		return r, nil
	}
	return r, roleGroup.setMembers(ctx, tx, id, r.MemberIDs)
}
