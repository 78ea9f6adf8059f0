package org

import (
	"context"
	"database/sql"
	"sync/atomic"

	"github.com/tritiumhq/tritium/internal/sqldb"
)

// CountQueries makes s count every statement its Subject cache sends to the
// database and returns the counter. Call it before s is in use.
func CountQueries(s *Service) *atomic.Int64 {
	n := new(atomic.Int64)
	inner := s.cache.reader
	s.cache.reader = func() sqldb.Querier { return countingQuerier{inner(), n} }
	return n
}

type countingQuerier struct {
	sqldb.Querier
	n *atomic.Int64
}

func (c countingQuerier) Exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	c.n.Add(1)
	return c.Querier.Exec(ctx, q, args...)
}

func (c countingQuerier) Query(ctx context.Context, q string, args ...any) (sqldb.Rows, error) {
	c.n.Add(1)
	return c.Querier.Query(ctx, q, args...)
}

func (c countingQuerier) QueryRow(ctx context.Context, q string, args ...any) sqldb.Row {
	c.n.Add(1)
	return c.Querier.QueryRow(ctx, q, args...)
}
