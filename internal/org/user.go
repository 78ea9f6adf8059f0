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

// User is a person who signs in, owns records and takes part in workflows.
type User struct {
	ID           string    `json:"id"`
	ExternalID   string    `json:"externalId,omitempty"`
	Name         string    `json:"name"`
	LoginName    string    `json:"loginName,omitempty"`
	Email        string    `json:"email,omitempty"`
	Mobile       string    `json:"mobile,omitempty"`
	Title        string    `json:"title,omitempty"`
	DepartmentID string    `json:"departmentId,omitempty"`
	LeaderID     string    `json:"leaderId,omitempty"`
	Enabled      bool      `json:"enabled"`
	RoleIDs      []string  `json:"roleIds"`
	PositionIDs  []string  `json:"positionIds"` // the positions (岗位) the user holds
	CreatedTime  time.Time `json:"createdTime"`
	ModifiedTime time.Time `json:"modifiedTime"`
}

// UserPatch changes the fields that are set: nil leaves a field alone, a
// pointer to "" clears it. RoleIDs, when set, replaces the user's roles;
// PositionIDs their positions.
type UserPatch struct {
	ExternalID   *string   `json:"externalId,omitempty"`
	Name         *string   `json:"name,omitempty"`
	LoginName    *string   `json:"loginName,omitempty"`
	Email        *string   `json:"email,omitempty"`
	Mobile       *string   `json:"mobile,omitempty"`
	Title        *string   `json:"title,omitempty"`
	DepartmentID *string   `json:"departmentId,omitempty"`
	LeaderID     *string   `json:"leaderId,omitempty"`
	Enabled      *bool     `json:"enabled,omitempty"`
	RoleIDs      *[]string `json:"roleIds,omitempty"`
	PositionIDs  *[]string `json:"positionIds,omitempty"`
}

// UserQuery selects users for ListUsers.
type UserQuery struct {
	DepartmentID string // direct members of this department only
	Search       string // contained in name, loginName or email, ignoring case
	Offset       int
	Limit        int // 0 means 50; at most 500
}

func (p UserPatch) apply(u *User) {
	setString(&u.ExternalID, p.ExternalID)
	setString(&u.Name, p.Name)
	setString(&u.LoginName, p.LoginName)
	setString(&u.Email, p.Email)
	setString(&u.Mobile, p.Mobile)
	setString(&u.Title, p.Title)
	setString(&u.DepartmentID, p.DepartmentID)
	setString(&u.LeaderID, p.LeaderID)
	if p.Enabled != nil {
		u.Enabled = *p.Enabled
	}
	if p.RoleIDs != nil {
		u.RoleIDs = *p.RoleIDs
	}
	if p.PositionIDs != nil {
		u.PositionIDs = *p.PositionIDs
	}
}

// newUser is the user an upsert creates: enabled unless the patch says not.
func (p UserPatch) newUser() User {
	u := User{Enabled: true}
	p.apply(&u)
	return u
}

// normalize trims what people type and checks every field but references.
func (u *User) normalize() error {
	for _, s := range []*string{&u.Name, &u.LoginName, &u.Email, &u.Mobile, &u.Title} {
		*s = strings.TrimSpace(*s)
	}
	checks := []error{
		checkText("name", "姓名", u.Name, maxNameLen, true),
		checkText("externalId", "外部编号", u.ExternalID, maxIDLen, false),
		checkText("loginName", "登录名", u.LoginName, maxNameLen, false),
		checkText("email", "邮箱", u.Email, maxNameLen, false),
		checkText("mobile", "手机号", u.Mobile, maxNameLen, false),
		checkText("title", "职位", u.Title, maxNameLen, false),
		checkRef("departmentId", u.DepartmentID),
		checkRef("leaderId", u.LeaderID),
		checkIDs("roleIds", u.RoleIDs),
		checkIDs("positionIds", u.PositionIDs),
	}
	if err := firstErr(checks); err != nil {
		return err
	}
	if u.LeaderID != "" && u.LeaderID == u.ID {
		return apperr.Field("leaderId", "不能把自己设为上级 (a user cannot be their own leader)")
	}
	u.RoleIDs = idSet(u.RoleIDs)
	u.PositionIDs = idSet(u.PositionIDs)
	return nil
}

func userNotFound(id string) error {
	return apperr.New(apperr.NotFound, "用户不存在: %s (user not found)", truncate(id))
}

// CreateUser stores a new user and returns it as stored. The ID is a new
// UUID unless u.ID is set. Enabled is stored as given: adapters decoding a
// request should start from User{Enabled: true}.
func (s *Service) CreateUser(ctx context.Context, u User) (_ User, err error) {
	defer wrapErr(&err, "create user %q", u.Name)
	return writeValue(ctx, s, func(tx *sqldb.Tx) (User, error) {
		return insertUser(ctx, tx, u)
	})
}

// GetUser returns the user with id, or NotFound.
func (s *Service) GetUser(ctx context.Context, id string) (_ User, err error) {
	defer wrapErr(&err, "get user %q", id)
	return loadUser(ctx, s.db.Reader(), id, false)
}

// UpdateUser applies p to the user with id and returns the result.
func (s *Service) UpdateUser(ctx context.Context, id string, p UserPatch) (_ User, err error) {
	defer wrapErr(&err, "update user %q", id)
	return writeValue(ctx, s, func(tx *sqldb.Tx) (User, error) {
		return patchUser(ctx, tx, id, p)
	})
}

// UpsertUserByExternalID updates the user with externalID by p, or creates
// one from p (name required, enabled unless p says otherwise) when there is
// none; created reports which.
func (s *Service) UpsertUserByExternalID(ctx context.Context, externalID string, p UserPatch) (_ User, created bool, err error) {
	defer wrapErr(&err, "upsert user %q", externalID)
	p.ExternalID = &externalID
	return upsert(ctx, s, "users", externalID,
		func(tx *sqldb.Tx, id string) (User, error) { return patchUser(ctx, tx, id, p) },
		func(tx *sqldb.Tx) (User, error) { return insertUser(ctx, tx, p.newUser()) })
}

func checkExternalID(externalID string) error {
	if externalID == "" {
		return apperr.Field("externalId", "外部编号不能为空 (externalId is required)")
	}
	return checkText("externalId", "外部编号", externalID, maxIDLen, true)
}

// DeleteUser removes the user with id, their role memberships, and their
// place as anyone's leader or any department's manager. The built-in
// admin cannot be deleted.
func (s *Service) DeleteUser(ctx context.Context, id string) (err error) {
	defer wrapErr(&err, "delete user %q", id)
	return s.write(ctx, func(tx *sqldb.Tx) error {
		admin, _, err := setting(ctx, tx, keyAdminUser)
		if err != nil {
			return err
		}
		if id == admin {
			return apperr.New(apperr.Forbidden, "内置管理员不能删除 (the built-in admin cannot be deleted)")
		}
		res, err := tx.Exec(ctx, "DELETE FROM users WHERE id = ?", id)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return err
		}
		if n == 0 {
			return userNotFound(id)
		}
		return forgetUser(ctx, tx, id)
	})
}

// forgetUser removes every reference to a deleted user, so no id points at
// a user that is gone.
func forgetUser(ctx context.Context, tx *sqldb.Tx, id string) error {
	now := tx.Dialect().TimeValue(sqldb.Now())
	for _, q := range []string{"DELETE FROM role_members WHERE user_id = ?", "DELETE FROM position_members WHERE user_id = ?"} {
		if _, err := tx.Exec(ctx, q, id); err != nil {
			return err
		}
	}
	if _, err := tx.Exec(ctx, "UPDATE users SET leader_id = NULL, modified_time = ? WHERE leader_id = ?", now, id); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, "UPDATE departments SET manager_id = NULL, modified_time = ? WHERE manager_id = ?", now, id)
	return err
}

// ListUsers returns one page of the users q selects, oldest first, and how
// many it selects in all.
func (s *Service) ListUsers(ctx context.Context, q UserQuery) (_ []User, total int, err error) {
	defer wrapErr(&err, "list users")
	offset, limit, err := page(q.Offset, q.Limit)
	if err != nil {
		return nil, 0, err
	}
	r := s.db.Reader()
	cond, args := userFilter(r.Dialect(), q)
	if total, err = count(ctx, r, "users", cond, args); err != nil {
		return nil, 0, err
	}
	rows, err := r.Query(ctx, "SELECT "+userColumns+" FROM users"+cond+
		" ORDER BY created_time, id LIMIT ? OFFSET ?", append(args, limit, offset)...)
	if err != nil {
		return nil, 0, err
	}
	users, err := scanAll(r.Dialect(), rows, scanUser)
	if err != nil {
		return nil, 0, err
	}
	return users, total, attachRoles(ctx, r, users)
}

func userFilter(d sqldb.Dialect, q UserQuery) (string, []any) {
	var conds []string
	var args []any
	if q.DepartmentID != "" {
		conds = append(conds, "department_id = ?")
		args = append(args, q.DepartmentID)
	}
	if s := strings.TrimSpace(q.Search); s != "" {
		conds = append(conds, "("+d.LikeInsensitive("name")+" OR "+
			d.LikeInsensitive("login_name")+" OR "+d.LikeInsensitive("email")+")")
		p := likePattern(s)
		args = append(args, p, p, p)
	}
	return where(conds), args
}

func attachRoles(ctx context.Context, q sqldb.Querier, users []User) error {
	ids := make([]string, len(users))
	for i, u := range users {
		ids[i] = u.ID
	}
	m, err := links(ctx, q, "role_members", "user_id", "role_id", ids)
	if err != nil {
		return err
	}
	p, err := links(ctx, q, "position_members", "user_id", "position_id", ids)
	if err != nil {
		return err
	}
	for i := range users {
		users[i].RoleIDs = idSet(m[users[i].ID])
		users[i].PositionIDs = idSet(p[users[i].ID])
	}
	return nil
}

const userColumns = `id, COALESCE(external_id, ''), name, COALESCE(login_name, ''), COALESCE(email, ''),
	COALESCE(mobile, ''), COALESCE(title, ''), COALESCE(department_id, ''), COALESCE(leader_id, ''),
	enabled, created_time, modified_time`

func scanUser(d sqldb.Dialect, sc scanner) (User, error) {
	var u User
	var enabled, created, modified any
	err := sc.Scan(&u.ID, &u.ExternalID, &u.Name, &u.LoginName, &u.Email, &u.Mobile, &u.Title,
		&u.DepartmentID, &u.LeaderID, &enabled, &created, &modified)
	if err != nil {
		return u, err
	}
	if u.Enabled, err = d.ScanBool(enabled); err != nil {
		return u, err
	}
	u.CreatedTime, u.ModifiedTime, err = scanTimes(d, created, modified)
	return u, err
}

// loadUser reads a user and their roles; lock keeps the row for an update.
func loadUser(ctx context.Context, q sqldb.Querier, id string, lock bool) (User, error) {
	query := "SELECT " + userColumns + " FROM users WHERE id = ?"
	if lock {
		query += q.Dialect().ForUpdate()
	}
	u, err := scanUser(q.Dialect(), q.QueryRow(ctx, query, id))
	if errors.Is(err, sql.ErrNoRows) {
		return User{}, userNotFound(id)
	}
	if err != nil {
		return User{}, err
	}
	if u.RoleIDs, err = linksOf(ctx, q, "role_members", "user_id", "role_id", id); err != nil {
		return User{}, err
	}
	u.PositionIDs, err = linksOf(ctx, q, "position_members", "user_id", "position_id", id)
	return u, err
}

func insertUser(ctx context.Context, tx *sqldb.Tx, u User) (User, error) {
	if u.ID == "" {
		u.ID = uuid.NewString()
	} else if err := checkID("id", u.ID); err != nil {
		return User{}, err
	}
	if err := u.normalize(); err != nil {
		return User{}, err
	}
	err := checkUnique(ctx, tx, "users", "",
		unique{"id", "id", "编号", u.ID},
		unique{"external_id", "externalId", "外部编号", u.ExternalID},
		unique{"login_name", "loginName", "登录名", u.LoginName})
	if err != nil {
		return User{}, err
	}
	if err := checkUserRefs(ctx, tx, u, User{}); err != nil {
		return User{}, err
	}
	u.CreatedTime = sqldb.Now()
	u.ModifiedTime = u.CreatedTime
	d := tx.Dialect()
	_, err = tx.Exec(ctx, `INSERT INTO users (id, external_id, name, login_name, email, mobile, title,
		department_id, leader_id, enabled, created_time, modified_time) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		u.ID, nullable(u.ExternalID), u.Name, nullable(u.LoginName), nullable(u.Email), nullable(u.Mobile),
		nullable(u.Title), nullable(u.DepartmentID), nullable(u.LeaderID), d.BoolValue(u.Enabled),
		d.TimeValue(u.CreatedTime), d.TimeValue(u.ModifiedTime))
	if err != nil {
		return User{}, uniqueErr(d, err, "用户", "user")
	}
	if err := roleGroup.setUserGroups(ctx, tx, u.ID, "roleIds", u.RoleIDs); err != nil {
		return User{}, err
	}
	return u, positionGroup.setUserGroups(ctx, tx, u.ID, "positionIds", u.PositionIDs)
}

func patchUser(ctx context.Context, tx *sqldb.Tx, id string, p UserPatch) (User, error) {
	cur, err := loadUser(ctx, tx, id, true)
	if err != nil {
		return User{}, err
	}
	u := cur
	p.apply(&u)
	if err := u.normalize(); err != nil {
		return User{}, err
	}
	if err := checkUserUniques(ctx, tx, u, cur); err != nil {
		return User{}, err
	}
	if err := checkUserRefs(ctx, tx, u, cur); err != nil {
		return User{}, err
	}
	u.ModifiedTime = sqldb.Now()
	d := tx.Dialect()
	_, err = tx.Exec(ctx, `UPDATE users SET external_id = ?, name = ?, login_name = ?, email = ?, mobile = ?,
		title = ?, department_id = ?, leader_id = ?, enabled = ?, modified_time = ? WHERE id = ?`,
		nullable(u.ExternalID), u.Name, nullable(u.LoginName), nullable(u.Email), nullable(u.Mobile),
		nullable(u.Title), nullable(u.DepartmentID), nullable(u.LeaderID), d.BoolValue(u.Enabled),
		d.TimeValue(u.ModifiedTime), id)
	if err != nil {
		return User{}, uniqueErr(d, err, "用户", "user")
	}
	if p.RoleIDs != nil {
		if err := roleGroup.setUserGroups(ctx, tx, id, "roleIds", u.RoleIDs); err != nil {
			return User{}, err
		}
	}
	if p.PositionIDs != nil {
		if err := positionGroup.setUserGroups(ctx, tx, id, "positionIds", u.PositionIDs); err != nil {
			return User{}, err
		}
	}
	return u, nil
}

// checkUserUniques checks the unique fields that changed from cur.
func checkUserUniques(ctx context.Context, tx *sqldb.Tx, u, cur User) error {
	var us []unique
	if u.ExternalID != cur.ExternalID {
		us = append(us, unique{"external_id", "externalId", "外部编号", u.ExternalID})
	}
	if u.LoginName != cur.LoginName {
		us = append(us, unique{"login_name", "loginName", "登录名", u.LoginName})
	}
	return checkUnique(ctx, tx, "users", u.ID, us...)
}

// checkUserRefs checks (and locks) the department and leader that changed
// from cur.
func checkUserRefs(ctx context.Context, tx *sqldb.Tx, u, cur User) error {
	if u.DepartmentID != "" && u.DepartmentID != cur.DepartmentID {
		ok, err := exists(ctx, tx, "departments", u.DepartmentID, true)
		if err != nil {
			return err
		}
		if !ok {
			return apperr.Field("departmentId", "部门不存在: %s (department not found)", truncate(u.DepartmentID))
		}
	}
	if u.LeaderID != "" && u.LeaderID != cur.LeaderID {
		ok, err := exists(ctx, tx, "users", u.LeaderID, true)
		if err != nil {
			return err
		}
		if !ok {
			return apperr.Field("leaderId", "上级不存在: %s (leader not found)", truncate(u.LeaderID))
		}
	}
	return nil
}
