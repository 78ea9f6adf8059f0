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

// Position (岗位) is a post in a department — 采购专员, 财务经理 — held by
// its members; approvals and permission grants may name it instead of
// people, so staff changes do not touch processes or grants.
type Position struct {
	ID           string    `json:"id"`
	ExternalID   string    `json:"externalId,omitempty"`
	Code         string    `json:"code"`
	Name         string    `json:"name"`
	DepartmentID string    `json:"departmentId,omitempty"`
	Description  string    `json:"description,omitempty"`
	MemberIDs    []string  `json:"memberIds"`
	CreatedTime  time.Time `json:"createdTime"`
	ModifiedTime time.Time `json:"modifiedTime"`
}

// PositionPatch changes the fields that are set. MemberIDs, when set, replaces
// the position's members.
type PositionPatch struct {
	ExternalID   *string   `json:"externalId,omitempty"`
	Code         *string   `json:"code,omitempty"`
	Name         *string   `json:"name,omitempty"`
	DepartmentID *string   `json:"departmentId,omitempty"`
	Description  *string   `json:"description,omitempty"`
	MemberIDs    *[]string `json:"memberIds,omitempty"`
}

// PositionQuery selects positions for ListPositions.
type PositionQuery struct {
	DepartmentID string // positions of this department only
	Search       string // contained in the code or the name, ignoring case
	Offset       int
	Limit        int // 0 means 50; at most 500
}

func (p PositionPatch) apply(r *Position) {
	setString(&r.ExternalID, p.ExternalID)
	setString(&r.Code, p.Code)
	setString(&r.Name, p.Name)
	setString(&r.DepartmentID, p.DepartmentID)
	setString(&r.Description, p.Description)
	if p.MemberIDs != nil {
		r.MemberIDs = *p.MemberIDs
	}
}

func (p PositionPatch) newPosition() Position {
	var r Position
	p.apply(&r)
	return r
}

func (r *Position) normalize() error {
	r.Code = strings.TrimSpace(r.Code)
	r.Name = strings.TrimSpace(r.Name)
	r.Description = strings.TrimSpace(r.Description)
	err := firstErr([]error{
		checkText("code", "岗位编码", r.Code, maxIDLen, true),
		checkText("name", "岗位名称", r.Name, maxNameLen, true),
		checkText("externalId", "外部编号", r.ExternalID, maxIDLen, false),
		checkText("description", "描述", r.Description, maxDescLen, false),
		checkIDs("memberIds", r.MemberIDs),
	})
	r.MemberIDs = idSet(r.MemberIDs)
	return err
}

func positionNotFound(id string) error {
	return apperr.New(apperr.NotFound, "岗位不存在: %s (position not found)", truncate(id))
}

// CreatePosition stores a new position with its members. The ID is a new UUID
// unless r.ID is set.
func (s *Service) CreatePosition(ctx context.Context, r Position) (_ Position, err error) {
	defer wrapErr(&err, "create position %q", r.Name)
	return writeValue(ctx, s, func(tx *sqldb.Tx) (Position, error) {
		return insertPosition(ctx, tx, r)
	})
}

// GetPosition returns the position with id and its members, or NotFound.
func (s *Service) GetPosition(ctx context.Context, id string) (_ Position, err error) {
	defer wrapErr(&err, "get position %q", id)
	return loadPosition(ctx, s.db.Reader(), id, false)
}

// UpdatePosition applies p to the position with id.
func (s *Service) UpdatePosition(ctx context.Context, id string, p PositionPatch) (_ Position, err error) {
	defer wrapErr(&err, "update position %q", id)
	return writeValue(ctx, s, func(tx *sqldb.Tx) (Position, error) {
		return patchPosition(ctx, tx, id, p)
	})
}

// UpsertPositionByExternalID updates the position with externalID by p, or creates
// one from p when there is none; created reports which.
func (s *Service) UpsertPositionByExternalID(ctx context.Context, externalID string, p PositionPatch) (_ Position, created bool, err error) {
	defer wrapErr(&err, "upsert position %q", externalID)
	p.ExternalID = &externalID
	return upsert(ctx, s, "positions", externalID,
		func(tx *sqldb.Tx, id string) (Position, error) { return patchPosition(ctx, tx, id, p) },
		func(tx *sqldb.Tx) (Position, error) { return insertPosition(ctx, tx, p.newPosition()) })
}

// DeletePosition removes the position with id and its memberships.
func (s *Service) DeletePosition(ctx context.Context, id string) (err error) {
	defer wrapErr(&err, "delete position %q", id)
	return s.write(ctx, func(tx *sqldb.Tx) error { return positionGroup.remove(ctx, tx, id) })
}

// ListPositions returns one page of the positions q selects, oldest first, and how
// many it selects in all.
func (s *Service) ListPositions(ctx context.Context, q PositionQuery) (_ []Position, total int, err error) {
	defer wrapErr(&err, "list positions")
	r := s.db.Reader()
	var conds []string
	var args []any
	if q.DepartmentID != "" {
		conds, args = append(conds, "department_id = ?"), append(args, q.DepartmentID)
	}
	if s := strings.TrimSpace(q.Search); s != "" {
		conds = append(conds, "("+r.Dialect().LikeInsensitive("code")+" OR "+r.Dialect().LikeInsensitive("name")+")")
		args = append(args, likePattern(s), likePattern(s))
	}
	positions, total, err := listPage(ctx, r, "positions", positionColumns, conds, args, q.Offset, q.Limit, scanPosition)
	if err != nil {
		return nil, 0, err
	}
	return positions, total, attachPositionMembers(ctx, r, positions)
}

func attachPositionMembers(ctx context.Context, q sqldb.Querier, items []Position) error {
	ids := make([]string, len(items))
	for i, it := range items {
		ids[i] = it.ID
	}
	m, err := positionGroup.membersOf(ctx, q, ids)
	if err != nil {
		return err
	}
	for i := range items {
		items[i].MemberIDs = idSet(m[items[i].ID])
	}
	return nil
}

const positionColumns = `id, COALESCE(external_id, ''), code, name, COALESCE(department_id, ''), COALESCE(description, ''), created_time, modified_time`

func scanPosition(d sqldb.Dialect, sc scanner) (Position, error) {
	var r Position
	var created, modified any
	if err := sc.Scan(&r.ID, &r.ExternalID, &r.Code, &r.Name, &r.DepartmentID, &r.Description, &created, &modified); err != nil {
		return r, err
	}
	var err error
	r.CreatedTime, r.ModifiedTime, err = scanTimes(d, created, modified)
	return r, err
}

func loadPosition(ctx context.Context, q sqldb.Querier, id string, lock bool) (Position, error) {
	query := "SELECT " + positionColumns + " FROM positions WHERE id = ?"
	if lock {
		query += q.Dialect().ForUpdate()
	}
	r, err := scanPosition(q.Dialect(), q.QueryRow(ctx, query, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Position{}, positionNotFound(id)
	}
	if err != nil {
		return Position{}, err
	}
	r.MemberIDs, err = linksOf(ctx, q, "position_members", "position_id", "user_id", id)
	return r, err
}

func insertPosition(ctx context.Context, tx *sqldb.Tx, r Position) (Position, error) {
	if r.ID == "" {
		r.ID = uuid.NewString()
	} else if err := checkID("id", r.ID); err != nil {
		return Position{}, err
	}
	if err := r.normalize(); err != nil {
		return Position{}, err
	}
	err := checkUnique(ctx, tx, "positions", "",
		unique{"id", "id", "编号", r.ID},
		unique{"external_id", "externalId", "外部编号", r.ExternalID},
		unique{"code", "code", "岗位编码", r.Code})
	if err == nil {
		err = checkPositionDepartment(ctx, tx, r.DepartmentID)
	}
	if err != nil {
		return Position{}, err
	}
	r.CreatedTime = sqldb.Now()
	r.ModifiedTime = r.CreatedTime
	d := tx.Dialect()
	_, err = tx.Exec(ctx, `INSERT INTO positions (id, external_id, code, name, department_id, description, created_time, modified_time)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, r.ID, nullable(r.ExternalID), r.Code, r.Name, nullable(r.DepartmentID), nullable(r.Description),
		d.TimeValue(r.CreatedTime), d.TimeValue(r.ModifiedTime))
	if err != nil {
		return Position{}, uniqueErr(d, err, "岗位", "position")
	}
	return r, positionGroup.setMembers(ctx, tx, r.ID, r.MemberIDs)
}

func patchPosition(ctx context.Context, tx *sqldb.Tx, id string, p PositionPatch) (Position, error) {
	cur, err := loadPosition(ctx, tx, id, true)
	if err != nil {
		return Position{}, err
	}
	r := cur
	p.apply(&r)
	if err := r.normalize(); err != nil {
		return Position{}, err
	}
	if r.ExternalID != cur.ExternalID || r.Code != cur.Code {
		if err := checkUnique(ctx, tx, "positions", id, unique{"external_id", "externalId", "外部编号", r.ExternalID}, unique{"code", "code", "岗位编码", r.Code}); err != nil {
			return Position{}, err
		}
	}
	if r.DepartmentID != cur.DepartmentID {
		if err := checkPositionDepartment(ctx, tx, r.DepartmentID); err != nil {
			return Position{}, err
		}
	}
	r.ModifiedTime = sqldb.Now()
	d := tx.Dialect()
	_, err = tx.Exec(ctx, "UPDATE positions SET external_id = ?, code = ?, name = ?, department_id = ?, description = ?, modified_time = ? WHERE id = ?",
		nullable(r.ExternalID), r.Code, r.Name, nullable(r.DepartmentID), nullable(r.Description), d.TimeValue(r.ModifiedTime), id)
	if err != nil {
		return Position{}, uniqueErr(d, err, "岗位", "position")
	}
	if p.MemberIDs == nil {
		return r, nil
	}
	return r, positionGroup.setMembers(ctx, tx, id, r.MemberIDs)
}

// checkPositionDepartment refuses a departmentId that names no department.
func checkPositionDepartment(ctx context.Context, tx *sqldb.Tx, id string) error {
	if id == "" {
		return nil
	}
	missing, err := firstMissing(ctx, tx, "departments", []string{id})
	if err != nil {
		return err
	}
	if missing != "" {
		return apperr.Field("departmentId", "部门不存在: %s (department not found)", truncate(id))
	}
	return nil
}

// PositionMembers returns the enabled members of the positions, position
// by position, each user once.
func (s *Service) PositionMembers(ctx context.Context, q sqldb.Querier, positionIDs []string) ([]string, error) {
	if len(positionIDs) == 0 {
		return nil, nil
	}
	return collectUsers(ctx, q, "SELECT m.user_id FROM position_members m JOIN users u ON u.id = m.user_id WHERE u.enabled = ? AND m.position_id = ? ORDER BY u.created_time, u.id", positionIDs)
}
