package org

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/google/uuid"
	"github.com/tritiumhq/tritium/internal/sqldb"
)

// Settings keys that record the bootstrap rows.
const (
	keyAdminUser      = "admin_user_id"
	keyRootDepartment = "root_department_id"
)

// Admin names the built-in admin user and the root department.
type Admin struct {
	UserID       string `json:"userId"`
	DepartmentID string `json:"departmentId"`
}

// EnsureAdmin creates, on an empty store, the root department ("公司") and
// the built-in admin user (login "admin") in it, and returns their ids; on
// later calls it returns the stored ids. Nodes may call it at once: each id
// is claimed in the settings table before its row is created, so exactly
// one caller creates each.
func (s *Service) EnsureAdmin(ctx context.Context) (_ Admin, err error) {
	defer wrapErr(&err, "ensure admin")
	if a, ok, err := readAdmin(ctx, s.db.Reader()); err != nil || ok {
		return a, err
	}
	return writeValue(ctx, s, func(tx *sqldb.Tx) (Admin, error) {
		return bootstrap(ctx, tx)
	})
}

func readAdmin(ctx context.Context, q sqldb.Querier) (Admin, bool, error) {
	dept, ok1, err := setting(ctx, q, keyRootDepartment)
	if err != nil {
		return Admin{}, false, err
	}
	user, ok2, err := setting(ctx, q, keyAdminUser)
	if err != nil {
		return Admin{}, false, err
	}
	return Admin{UserID: user, DepartmentID: dept}, ok1 && ok2, nil
}

func bootstrap(ctx context.Context, tx *sqldb.Tx) (Admin, error) {
	now := sqldb.Now()
	dept, err := claim(ctx, tx, keyRootDepartment, func(id string) error {
		_, err := insertDepartmentRow(ctx, tx, Department{ID: id, Name: "公司", CreatedTime: now, ModifiedTime: now})
		return err
	})
	if err != nil {
		return Admin{}, err
	}
	user, err := claim(ctx, tx, keyAdminUser, func(id string) error {
		_, err := insertUser(ctx, tx, User{ID: id, Name: "管理员", LoginName: "admin", DepartmentID: dept, Enabled: true})
		return err
	})
	if err != nil {
		return Admin{}, err
	}
	return Admin{UserID: user, DepartmentID: dept}, nil
}

// claim stores a new id under key unless the key is already set, creates
// the row for it when this call stored it, and returns the id stored. On
// PostgreSQL a concurrent claim waits for the first to commit and then
// finds the key set, so the loser creates nothing.
func claim(ctx context.Context, tx *sqldb.Tx, key string, create func(id string) error) (string, error) {
	id := uuid.NewString()
	res, err := tx.Exec(ctx, "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING", key, id)
	if err != nil {
		return "", fmt.Errorf("claim %s: %w", key, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return "", fmt.Errorf("claim %s: %w", key, err)
	}
	if n == 1 {
		return id, create(id)
	}
	stored, ok, err := setting(ctx, tx, key)
	if err == nil && !ok {
		err = fmt.Errorf("claim %s: setting vanished", key)
	}
	return stored, err
}

// setting reads one settings value; ok is false when the key is not set.
func setting(ctx context.Context, q sqldb.Querier, key string) (string, bool, error) {
	var v string
	err := q.QueryRow(ctx, "SELECT value FROM settings WHERE key = ?", key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("read setting %s: %w", key, err)
	}
	return v, true, nil
}

// rootDepartment returns the root department's id. It exists once
// EnsureAdmin has run, which serving does before anything else.
func rootDepartment(ctx context.Context, q sqldb.Querier) (string, error) {
	id, ok, err := setting(ctx, q, keyRootDepartment)
	if err == nil && !ok {
		err = errors.New("no root department: EnsureAdmin has not run")
	}
	return id, err
}
