package org

import (
	"context"
	"database/sql"
	"errors"
	"math"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/tritiumhq/tritium/internal/apperr"
	"github.com/tritiumhq/tritium/internal/sqldb"
)

// Department is a node of the organisation tree. Only the root, created by
// EnsureAdmin, has no parent.
type Department struct {
	ID           string    `json:"id"`
	ExternalID   string    `json:"externalId,omitempty"`
	Name         string    `json:"name"`
	ParentID     string    `json:"parentId,omitempty"`
	ManagerID    string    `json:"managerId,omitempty"`
	SortOrder    int       `json:"sortOrder"`
	CreatedTime  time.Time `json:"createdTime"`
	ModifiedTime time.Time `json:"modifiedTime"`
}

// DepartmentPatch changes the fields that are set. A ParentID of "" puts
// the department directly under the root.
type DepartmentPatch struct {
	ExternalID *string `json:"externalId,omitempty"`
	Name       *string `json:"name,omitempty"`
	ParentID   *string `json:"parentId,omitempty"`
	ManagerID  *string `json:"managerId,omitempty"`
	SortOrder  *int    `json:"sortOrder,omitempty"`
}

// DepartmentQuery selects departments for ListDepartments.
type DepartmentQuery struct {
	ParentID string // direct children of this department only
	Offset   int
	Limit    int // 0 means 50; at most 500
}

func (p DepartmentPatch) apply(d *Department) {
	setString(&d.ExternalID, p.ExternalID)
	setString(&d.Name, p.Name)
	setString(&d.ParentID, p.ParentID)
	setString(&d.ManagerID, p.ManagerID)
	if p.SortOrder != nil {
		d.SortOrder = *p.SortOrder
	}
}

func (p DepartmentPatch) newDepartment() Department {
	var d Department
	p.apply(&d)
	return d
}

func (d *Department) normalize() error {
	d.Name = strings.TrimSpace(d.Name)
	err := firstErr([]error{
		checkText("name", "部门名称", d.Name, maxNameLen, true),
		checkText("externalId", "外部编号", d.ExternalID, maxIDLen, false),
		checkRef("parentId", d.ParentID),
		checkRef("managerId", d.ManagerID),
	})
	if err != nil {
		return err
	}
	// The column is a 32-bit INTEGER on PostgreSQL.
	if d.SortOrder < math.MinInt32 || d.SortOrder > math.MaxInt32 {
		return apperr.Field("sortOrder", "排序号超出范围 (sortOrder out of range)")
	}
	return nil
}

func departmentNotFound(field, id string) error {
	if field == "" {
		return apperr.New(apperr.NotFound, "部门不存在: %s (department not found)", truncate(id))
	}
	return apperr.Field(field, "部门不存在: %s (department not found)", truncate(id))
}

// CreateDepartment stores a new department; without ParentID it goes under
// the root. The ID is a new UUID unless d.ID is set.
func (s *Service) CreateDepartment(ctx context.Context, d Department) (_ Department, err error) {
	defer wrapErr(&err, "create department %q", d.Name)
	return writeValue(ctx, s, func(tx *sqldb.Tx) (Department, error) {
		return insertDepartment(ctx, tx, d)
	})
}

// GetDepartment returns the department with id, or NotFound.
func (s *Service) GetDepartment(ctx context.Context, id string) (_ Department, err error) {
	defer wrapErr(&err, "get department %q", id)
	return loadDepartment(ctx, s.db.Reader(), id, false)
}

// UpdateDepartment applies p to the department with id. A new parent must
// exist and must not be the department itself or below it.
func (s *Service) UpdateDepartment(ctx context.Context, id string, p DepartmentPatch) (_ Department, err error) {
	defer wrapErr(&err, "update department %q", id)
	return writeValue(ctx, s, func(tx *sqldb.Tx) (Department, error) {
		return patchDepartment(ctx, tx, id, p)
	})
}

// UpsertDepartmentByExternalID updates the department with externalID by
// p, or creates one from p when there is none; created reports which.
func (s *Service) UpsertDepartmentByExternalID(ctx context.Context, externalID string, p DepartmentPatch) (_ Department, created bool, err error) {
	defer wrapErr(&err, "upsert department %q", externalID)
	p.ExternalID = &externalID
	return upsert(ctx, s, "departments", externalID,
		func(tx *sqldb.Tx, id string) (Department, error) { return patchDepartment(ctx, tx, id, p) },
		func(tx *sqldb.Tx) (Department, error) { return insertDepartment(ctx, tx, p.newDepartment()) })
}

// DeleteDepartment removes an empty department: one without child
// departments or users. The root cannot be deleted.
func (s *Service) DeleteDepartment(ctx context.Context, id string) (err error) {
	defer wrapErr(&err, "delete department %q", id)
	return s.write(ctx, func(tx *sqldb.Tx) error {
		root, err := rootDepartment(ctx, tx)
		if err != nil {
			return err
		}
		if id == root {
			return apperr.New(apperr.Forbidden, "根部门不能删除 (the root department cannot be deleted)")
		}
		// The lock makes a concurrent insert under this department wait,
		// then fail to find it; or makes this delete see its row.
		ok, err := exists(ctx, tx, "departments", id, true)
		if err != nil {
			return err
		}
		if !ok {
			return departmentNotFound("", id)
		}
		if err := checkEmpty(ctx, tx, id); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, "DELETE FROM departments WHERE id = ?", id)
		return err
	})
}

// checkEmpty refuses to delete a department something still belongs to.
func checkEmpty(ctx context.Context, tx *sqldb.Tx, id string) error {
	var one int
	err := tx.QueryRow(ctx, "SELECT 1 FROM departments WHERE parent_id = ? LIMIT 1", id).Scan(&one)
	if err == nil {
		return apperr.New(apperr.Conflict, "部门下还有子部门, 不能删除 (department has child departments)")
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	err = tx.QueryRow(ctx, "SELECT 1 FROM users WHERE department_id = ? LIMIT 1", id).Scan(&one)
	if err == nil {
		return apperr.New(apperr.Conflict, "部门下还有用户, 不能删除 (department has users)")
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	err = tx.QueryRow(ctx, "SELECT 1 FROM positions WHERE department_id = ? LIMIT 1", id).Scan(&one)
	if err == nil {
		return apperr.New(apperr.Conflict, "部门下还有岗位, 不能删除 (department has positions)")
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	return nil
}

// ListDepartments returns one page of the departments q selects, in sort
// order, and how many it selects in all.
func (s *Service) ListDepartments(ctx context.Context, q DepartmentQuery) (_ []Department, total int, err error) {
	defer wrapErr(&err, "list departments")
	offset, limit, err := page(q.Offset, q.Limit)
	if err != nil {
		return nil, 0, err
	}
	var conds []string
	var args []any
	if q.ParentID != "" {
		conds, args = append(conds, "parent_id = ?"), append(args, q.ParentID)
	}
	r := s.db.Reader()
	if total, err = count(ctx, r, "departments", where(conds), args); err != nil {
		return nil, 0, err
	}
	rows, err := r.Query(ctx, "SELECT "+departmentColumns+" FROM departments"+where(conds)+
		" ORDER BY sort_order, created_time, id LIMIT ? OFFSET ?", append(args, limit, offset)...)
	if err != nil {
		return nil, 0, err
	}
	out, err := scanAll(r.Dialect(), rows, scanDepartment)
	return out, total, err
}

const departmentColumns = `id, COALESCE(external_id, ''), name, COALESCE(parent_id, ''),
	COALESCE(manager_id, ''), sort_order, created_time, modified_time`

func scanDepartment(d sqldb.Dialect, sc scanner) (Department, error) {
	var dep Department
	var created, modified any
	err := sc.Scan(&dep.ID, &dep.ExternalID, &dep.Name, &dep.ParentID, &dep.ManagerID, &dep.SortOrder, &created, &modified)
	if err != nil {
		return dep, err
	}
	dep.CreatedTime, dep.ModifiedTime, err = scanTimes(d, created, modified)
	return dep, err
}

func loadDepartment(ctx context.Context, q sqldb.Querier, id string, lock bool) (Department, error) {
	query := "SELECT " + departmentColumns + " FROM departments WHERE id = ?"
	if lock {
		query += q.Dialect().ForUpdate()
	}
	d, err := scanDepartment(q.Dialect(), q.QueryRow(ctx, query, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Department{}, departmentNotFound("", id)
	}
	return d, err
}

func insertDepartment(ctx context.Context, tx *sqldb.Tx, d Department) (Department, error) {
	if d.ID == "" {
		d.ID = uuid.NewString()
	} else if err := checkID("id", d.ID); err != nil {
		return Department{}, err
	}
	if err := d.normalize(); err != nil {
		return Department{}, err
	}
	if d.ParentID == "" {
		root, err := rootDepartment(ctx, tx)
		if err != nil {
			return Department{}, err
		}
		d.ParentID = root
	}
	err := checkUnique(ctx, tx, "departments", "",
		unique{"id", "id", "编号", d.ID},
		unique{"external_id", "externalId", "外部编号", d.ExternalID})
	if err != nil {
		return Department{}, err
	}
	if err := checkDepartmentRefs(ctx, tx, d, Department{}); err != nil {
		return Department{}, err
	}
	d.CreatedTime = sqldb.Now()
	d.ModifiedTime = d.CreatedTime
	return insertDepartmentRow(ctx, tx, d)
}

// insertDepartmentRow stores d as it is; the root is created through here.
func insertDepartmentRow(ctx context.Context, tx *sqldb.Tx, d Department) (Department, error) {
	dl := tx.Dialect()
	_, err := tx.Exec(ctx, `INSERT INTO departments (id, external_id, name, parent_id, manager_id, sort_order,
		created_time, modified_time) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		d.ID, nullable(d.ExternalID), d.Name, nullable(d.ParentID), nullable(d.ManagerID), d.SortOrder,
		dl.TimeValue(d.CreatedTime), dl.TimeValue(d.ModifiedTime))
	if err != nil {
		return Department{}, uniqueErr(dl, err, "部门", "department")
	}
	return d, nil
}

func patchDepartment(ctx context.Context, tx *sqldb.Tx, id string, p DepartmentPatch) (Department, error) {
	cur, err := loadDepartment(ctx, tx, id, true)
	if err != nil {
		return Department{}, err
	}
	d := cur
	p.apply(&d)
	if err := d.normalize(); err != nil {
		return Department{}, err
	}
	if err := resolveParent(ctx, tx, &d, cur); err != nil {
		return Department{}, err
	}
	if d.ExternalID != cur.ExternalID {
		err := checkUnique(ctx, tx, "departments", id, unique{"external_id", "externalId", "外部编号", d.ExternalID})
		if err != nil {
			return Department{}, err
		}
	}
	if err := checkDepartmentRefs(ctx, tx, d, cur); err != nil {
		return Department{}, err
	}
	d.ModifiedTime = sqldb.Now()
	dl := tx.Dialect()
	_, err = tx.Exec(ctx, `UPDATE departments SET external_id = ?, name = ?, parent_id = ?, manager_id = ?,
		sort_order = ?, modified_time = ? WHERE id = ?`,
		nullable(d.ExternalID), d.Name, nullable(d.ParentID), nullable(d.ManagerID), d.SortOrder,
		dl.TimeValue(d.ModifiedTime), id)
	if err != nil {
		return Department{}, uniqueErr(dl, err, "部门", "department")
	}
	return d, nil
}

// resolveParent settles d's parent after a patch: the root keeps none, an
// empty parent means the root, and a move must not close a cycle.
func resolveParent(ctx context.Context, tx *sqldb.Tx, d *Department, cur Department) error {
	if cur.ParentID == "" {
		if d.ParentID != "" {
			return apperr.Field("parentId", "根部门不能有上级部门 (the root department cannot have a parent)")
		}
		return nil
	}
	root, err := rootDepartment(ctx, tx)
	if err != nil {
		return err
	}
	if d.ParentID == "" {
		d.ParentID = root
	}
	if d.ParentID == cur.ParentID {
		return nil
	}
	// Moves lock the root row, so two moves that would each be fine alone
	// but together close a cycle (A under B, B under A) run one after the
	// other and the second sees the first.
	if _, err := exists(ctx, tx, "departments", root, true); err != nil {
		return err
	}
	return checkNoCycle(ctx, tx, d.ID, d.ParentID)
}

// checkNoCycle refuses to put id under parent when parent is id itself or
// one of its descendants, i.e. when id is among parent's ancestors.
func checkNoCycle(ctx context.Context, tx *sqldb.Tx, id, parent string) error {
	// UNION (not UNION ALL) ends the walk even if the stored tree already
	// had a cycle.
	var n int
	err := tx.QueryRow(ctx, `WITH RECURSIVE up(id, parent_id) AS (
			SELECT id, parent_id FROM departments WHERE id = ?
			UNION
			SELECT d.id, d.parent_id FROM departments d JOIN up ON d.id = up.parent_id
		) SELECT COUNT(*) FROM up WHERE id = ?`, parent, id).Scan(&n)
	if err != nil {
		return err
	}
	if n > 0 {
		return apperr.Field("parentId", "不能把部门移到它自己或它的下级部门之下: %s (parentId would create a cycle)", truncate(parent))
	}
	return nil
}

// checkDepartmentRefs checks (and locks) the parent and manager that
// changed from cur.
func checkDepartmentRefs(ctx context.Context, tx *sqldb.Tx, d, cur Department) error {
	if d.ParentID != "" && d.ParentID != cur.ParentID {
		ok, err := exists(ctx, tx, "departments", d.ParentID, true)
		if err != nil {
			return err
		}
		if !ok {
			return departmentNotFound("parentId", d.ParentID)
		}
	}
	if d.ManagerID != "" && d.ManagerID != cur.ManagerID {
		ok, err := exists(ctx, tx, "users", d.ManagerID, true)
		if err != nil {
			return err
		}
		if !ok {
			return apperr.Field("managerId", "主管不存在: %s (manager not found)", truncate(d.ManagerID))
		}
	}
	return nil
}
