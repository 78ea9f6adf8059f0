package sqldb

import (
	"context"
	"database/sql"
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/tritiumhq/tritium/internal/apperr"
)

// PostgreSQL runs on pgx directly, not through database/sql: faster, and
// its transactions are the pgx.Tx the job queue enqueues in. These
// adapters give them the shapes the rest of the code reads.

// Rows is a result set (*sql.Rows satisfies it).
type Rows interface {
	Next() bool
	Scan(dest ...any) error
	Close() error
	Err() error
}

// Row is a single-row result; Scan returns sql.ErrNoRows for none
// (*sql.Row satisfies it).
type Row interface {
	Scan(dest ...any) error
}

type pgxRows struct{ pgx.Rows }

func (r pgxRows) Close() error { r.Rows.Close(); return nil }
func (r pgxRows) Err() error   { return pgErr(r.Rows.Err()) }

type pgxRow struct{ row pgx.Row }

func (r pgxRow) Scan(dest ...any) error {
	err := r.row.Scan(dest...)
	if errors.Is(err, pgx.ErrNoRows) {
		return sql.ErrNoRows
	}
	return pgErr(err)
}

// pgErr classifies text PostgreSQL cannot hold (NUL, invalid UTF-8) as
// the client's error. The adapters refuse such text before it gets here;
// this keeps one they missed from being an internal error on PostgreSQL
// alone.
func pgErr(err error) error {
	var pe *pgconn.PgError
	if errors.As(err, &pe) && (pe.Code == "22021" || pe.Code == "22P05") {
		return apperr.Wrap(apperr.Malformed, err, "文本含有 NUL 字符或无效的 UTF-8 (text contains a NUL character or invalid UTF-8)")
	}
	return err
}

type pgxResult struct{ tag pgconn.CommandTag }

func (r pgxResult) RowsAffected() (int64, error) { return r.tag.RowsAffected(), nil }
func (r pgxResult) LastInsertId() (int64, error) {
	return 0, errors.New("sqldb: LastInsertId is not supported on PostgreSQL")
}

// pgxQuerier is what pgxpool.Pool and pgx.Tx have in common.
type pgxQuerier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

func pgExec(ctx context.Context, q pgxQuerier, query string, args []any) (sql.Result, error) {
	tag, err := q.Exec(ctx, query, args...)
	if err != nil {
		return nil, pgErr(err)
	}
	return pgxResult{tag}, nil
}

func pgQuery(ctx context.Context, q pgxQuerier, query string, args []any) (Rows, error) {
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return nil, pgErr(err)
	}
	return pgxRows{rows}, nil
}

// pgDirect runs a statement without preparing and caching it: DDL and
// one-off statements.
func pgDirect(ctx context.Context, q pgxQuerier, query string, args []any) (sql.Result, error) {
	return pgExec(ctx, q, query, append([]any{pgx.QueryExecModeExec}, args...))
}
