package org

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/tritiumhq/tritium/internal/apperr"
	"github.com/tritiumhq/tritium/internal/sqldb"
)

const (
	defaultLimit = 50
	maxLimit     = 500
)

// scanner is a sqldb.Row or sqldb.Rows.
type scanner interface{ Scan(dest ...any) error }

// nullable stores "" as NULL: the unique columns (external_id, login_name)
// must allow many rows without a value, and the others follow suit.
func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// placeholders returns "?, ?, …" for n values.
func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

func anySlice(ids []string) []any {
	out := make([]any, len(ids))
	for i, id := range ids {
		out[i] = id
	}
	return out
}

// likePattern is a bound "contains" pattern for Dialect.LikeInsensitive,
// with the wildcards of the search text escaped.
func likePattern(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(s) + "%"
}

// page checks and defaults a list window.
func page(offset, limit int) (int, int, error) {
	if offset < 0 {
		return 0, 0, apperr.Field("offset", "offset 不能为负数 (offset must not be negative)")
	}
	if limit < 0 {
		return 0, 0, apperr.Field("limit", "limit 不能为负数 (limit must not be negative)")
	}
	if limit == 0 {
		limit = defaultLimit
	}
	return offset, min(limit, maxLimit), nil
}

// where joins conditions into a WHERE clause ("" when there are none).
func where(conds []string) string {
	if len(conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(conds, " AND ")
}

func count(ctx context.Context, q sqldb.Querier, table, cond string, args []any) (int, error) {
	var n int
	err := q.QueryRow(ctx, "SELECT COUNT(*) FROM "+table+cond, args...).Scan(&n)
	return n, err
}

func scanTimes(d sqldb.Dialect, created, modified any) (time.Time, time.Time, error) {
	c, err := d.ScanTime(created)
	if err != nil {
		return time.Time{}, time.Time{}, err
	}
	m, err := d.ScanTime(modified)
	return c, m, err
}

// exists reports whether table has a row with id. With lock the row stays
// locked until commit (PostgreSQL), so a concurrent delete cannot remove
// what this transaction is about to refer to.
func exists(ctx context.Context, q sqldb.Querier, table, id string, lock bool) (bool, error) {
	query := "SELECT 1 FROM " + table + " WHERE id = ?"
	if lock {
		query += q.Dialect().ForUpdate()
	}
	var one int
	err := q.QueryRow(ctx, query, id).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("look up %s %q: %w", table, id, err)
	}
	return true, nil
}

// chunk bounds the values bound in one statement, far below SQLite's and
// PostgreSQL's parameter limits, whatever the size of a role.
const chunk = 500

// firstMissing returns the first of ids (sorted, distinct) that table lacks,
// or "", locking the rows that exist.
func firstMissing(ctx context.Context, tx *sqldb.Tx, table string, ids []string) (string, error) {
	have := make(map[string]bool, len(ids))
	for part := range slices.Chunk(ids, chunk) {
		rows, err := tx.Query(ctx, "SELECT id FROM "+table+" WHERE id IN ("+placeholders(len(part))+") ORDER BY id"+
			tx.Dialect().ForUpdate(), anySlice(part)...)
		if err != nil {
			return "", fmt.Errorf("look up %s: %w", table, err)
		}
		found, err := collectStrings(rows)
		if err != nil {
			return "", fmt.Errorf("look up %s: %w", table, err)
		}
		for _, id := range found {
			have[id] = true
		}
	}
	for _, id := range ids {
		if !have[id] {
			return id, nil
		}
	}
	return "", nil
}

func collectStrings(rows sqldb.Rows) ([]string, error) {
	defer rows.Close()
	out := []string{}
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// idByExternalID finds and locks the row of table with externalID.
func idByExternalID(ctx context.Context, tx *sqldb.Tx, table, externalID string) (string, bool, error) {
	var id string
	err := tx.QueryRow(ctx, "SELECT id FROM "+table+" WHERE external_id = ?"+tx.Dialect().ForUpdate(), externalID).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("look up %s by external id %q: %w", table, externalID, err)
	}
	return id, true, nil
}

// unique is a value that must not repeat in its column.
type unique struct {
	col, field, label, value string
}

// checkUnique returns a Conflict naming the first field whose value a row
// of table other than self already holds. Asking first lets the error name
// the field; the constraint still stops a concurrent insert (uniqueErr).
func checkUnique(ctx context.Context, q sqldb.Querier, table, self string, us ...unique) error {
	var active []unique
	var cols, conds []string
	var args []any
	for _, u := range us {
		if u.value == "" {
			continue
		}
		active = append(active, u)
		cols = append(cols, "COALESCE("+u.col+", '')")
		conds = append(conds, u.col+" = ?")
		args = append(args, u.value)
	}
	if len(active) == 0 {
		return nil
	}
	got := make([]string, len(active))
	dest := make([]any, len(active))
	for i := range got {
		dest[i] = &got[i]
	}
	query := "SELECT " + strings.Join(cols, ", ") + " FROM " + table +
		" WHERE (" + strings.Join(conds, " OR ") + ") AND id <> ? LIMIT 1"
	err := q.QueryRow(ctx, query, append(args, self)...).Scan(dest...)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("check unique %s: %w", table, err)
	}
	for i, u := range active {
		if got[i] == u.value {
			return &apperr.Error{Code: apperr.Conflict, Field: u.field,
				Message: fmt.Sprintf("%s已被使用: %s (%s already taken)", u.label, truncate(u.value), u.field)}
		}
	}
	return nil
}

// uniqueErr turns a unique-constraint failure, which checkUnique missed
// only because another transaction committed meanwhile, into a Conflict.
func uniqueErr(d sqldb.Dialect, err error, label, what string) error {
	if d.IsUniqueViolation(err) {
		return apperr.Wrap(apperr.Conflict, err, "与已有%s重复 (conflicts with an existing %s)", label, what)
	}
	return err
}

// setLinks replaces the role_members rows of one side: the rows whose
// col equals id get exactly others on the other column.
func setLinks(ctx context.Context, tx *sqldb.Tx, table, col, id, otherCol string, others []string) error {
	if _, err := tx.Exec(ctx, "DELETE FROM "+table+" WHERE "+col+" = ?", id); err != nil {
		return fmt.Errorf("clear %s: %w", table, err)
	}
	for part := range slices.Chunk(others, chunk) {
		values := strings.TrimSuffix(strings.Repeat("(?, ?), ", len(part)), ", ")
		args := make([]any, 0, 2*len(part))
		for _, o := range part {
			args = append(args, id, o)
		}
		if _, err := tx.Exec(ctx, "INSERT INTO "+table+" ("+col+", "+otherCol+") VALUES "+values, args...); err != nil {
			return fmt.Errorf("add %s: %w", table, err)
		}
	}
	return nil
}

// links returns the role_members of each of ids: the otherCol values of the
// rows whose col is that id, sorted.
func links(ctx context.Context, q sqldb.Querier, table, col, otherCol string, ids []string) (map[string][]string, error) {
	out := make(map[string][]string, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := q.Query(ctx, "SELECT "+col+", "+otherCol+" FROM "+table+" WHERE "+col+
		" IN ("+placeholders(len(ids))+") ORDER BY "+col+", "+otherCol, anySlice(ids)...)
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", table, err)
	}
	defer rows.Close()
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return nil, fmt.Errorf("load %s: %w", table, err)
		}
		out[k] = append(out[k], v)
	}
	return out, rows.Err()
}

// linksOf is links for one id, never nil.
func linksOf(ctx context.Context, q sqldb.Querier, table, col, otherCol, id string) ([]string, error) {
	m, err := links(ctx, q, table, col, otherCol, []string{id})
	if err != nil {
		return nil, err
	}
	return idSet(m[id]), nil
}

// scanAll reads every row with scan and closes rows; never nil.
func scanAll[T any](d sqldb.Dialect, rows sqldb.Rows, scan func(sqldb.Dialect, scanner) (T, error)) ([]T, error) {
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		v, err := scan(d, rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// listPage reads one page of table's rows that conds select (oldest first)
// with scan, and how many they select in all; offset and limit are
// checked and defaulted by page.
func listPage[T any](ctx context.Context, q sqldb.Querier, table, columns string, conds []string, args []any,
	offset, limit int, scan func(sqldb.Dialect, scanner) (T, error)) ([]T, int, error) {
	offset, limit, err := page(offset, limit)
	if err != nil {
		return nil, 0, err
	}
	total, err := count(ctx, q, table, where(conds), args)
	if err != nil {
		return nil, 0, err
	}
	rows, err := q.Query(ctx, "SELECT "+columns+" FROM "+table+where(conds)+
		" ORDER BY created_time, id LIMIT ? OFFSET ?", append(args, limit, offset)...)
	if err != nil {
		return nil, 0, err
	}
	items, err := scanAll(q.Dialect(), rows, scan)
	return items, total, err
}
