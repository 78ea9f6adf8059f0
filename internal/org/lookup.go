package org

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

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
