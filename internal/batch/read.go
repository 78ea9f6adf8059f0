package batch

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/tritiumhq/tritium/internal/apperr"
	"github.com/tritiumhq/tritium/internal/record"
	"github.com/tritiumhq/tritium/internal/sqldb"
)

const batchCols = "id, owner, form_code, operation, source_system, submit, actor, callback_url, secret_kind, secret_id, status, total, done, succeeded, failed, gen, message, created_time, finished_time"

func scanBatch(d sqldb.Dialect, r interface{ Scan(...any) error }) (Batch, error) {
	var b Batch
	var op string
	var submit int64
	var ct, ft any
	err := r.Scan(&b.ID, &b.owner, &b.Form, &op, &b.SourceSystem, &submit, &b.actor, &b.CallbackURL, &b.secretKind, &b.secretID,
		&b.Status, &b.Counts.Total, &b.Counts.Done, &b.Counts.Succeeded, &b.Counts.Failed, &b.gen, &b.Message, &ct, &ft)
	if err != nil {
		return b, err
	}
	b.Operation, b.Submit = record.WriteOp(op), submit != 0
	if b.CreatedTime, err = d.ScanTime(ct); err != nil {
		return b, err
	}
	if ft != nil {
		t, err := d.ScanTime(ft)
		if err != nil {
			return b, err
		}
		b.FinishedTime = &t
		b.Code, b.SubCode, _ = outcome(b, "")
		if b.Status == StatusFailed {
			b.Code, b.SubCode = CodeFailed, SubFailure
		}
	}
	return b, nil
}

func notFound(id string) error {
	return apperr.New(apperr.NotFound, "批处理不存在: %s (no batch with this id)", clip(id))
}

func (s *Service) get(ctx context.Context, q sqldb.Querier, id string) (Batch, error) {
	b, err := scanBatch(q.Dialect(), q.QueryRow(ctx, "SELECT "+batchCols+" FROM batches WHERE id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return b, notFound(id)
	}
	if err != nil {
		return b, fmt.Errorf("read batch: %w", err)
	}
	return b, nil
}

// lock reads the batch inside tx, locked against other chunks (PostgreSQL;
// SQLite has one writer).
func (s *Service) lock(ctx context.Context, tx *sqldb.Tx, id string) (Batch, error) {
	b, err := scanBatch(tx.Dialect(), tx.QueryRow(ctx, "SELECT "+batchCols+" FROM batches WHERE id = ?"+tx.Dialect().ForUpdate(), id))
	if err != nil {
		return b, fmt.Errorf("lock batch: %w", err)
	}
	return b, nil
}

// Get returns batch id as c may see it: their own, or any for an admin.
func (s *Service) Get(ctx context.Context, c Caller, id string) (Batch, error) {
	b, err := s.get(ctx, s.cfg.DB.Reader(), id)
	if err != nil {
		return b, err
	}
	if !c.Admin && b.owner != c.Owner() {
		return Batch{}, notFound(id) // another client's batch does not exist for this one
	}
	return b, nil
}

// Results returns a page of the batch's processed items, in order: all,
// or only those that failed.
func (s *Service) Results(ctx context.Context, c Caller, id string, failedOnly bool, offset, limit int) (Batch, []Result, int, error) {
	b, err := s.Get(ctx, c, id)
	if err != nil {
		return b, nil, 0, err
	}
	r := s.cfg.DB.Reader()
	total := b.Counts.Done
	if failedOnly {
		total = b.Counts.Failed
	}
	items, err := results(ctx, r, id, failedOnly, offset, limit)
	return b, items, total, err
}

func results(ctx context.Context, q sqldb.Querier, id string, failedOnly bool, offset, limit int) ([]Result, error) {
	cond := ""
	if failedOnly {
		cond = " AND code = '" + CodeFailed + "'"
	}
	rows, err := q.Query(ctx, "SELECT source_code, object_id, code, sub_code, message FROM batch_results WHERE batch_id = ?"+cond+
		" ORDER BY seq LIMIT ? OFFSET ?", id, limit, offset)
	if err != nil {
		return nil, fmt.Errorf("read batch results: %w", err)
	}
	defer rows.Close()
	out := []Result{}
	for rows.Next() {
		var r Result
		if err := rows.Scan(&r.SourceCode, &r.ObjectID, &r.Code, &r.SubCode, &r.Message); err != nil {
			return nil, fmt.Errorf("read batch results: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// List returns a page of c's batches, newest first, and how many there
// are.
func (s *Service) List(ctx context.Context, c Caller, offset, limit int) ([]Batch, int, error) {
	r := s.cfg.DB.Reader()
	var total int
	if err := r.QueryRow(ctx, "SELECT COUNT(*) FROM batches WHERE owner = ?", c.Owner()).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count batches: %w", err)
	}
	rows, err := r.Query(ctx, "SELECT "+batchCols+" FROM batches WHERE owner = ? ORDER BY created_time DESC, id DESC LIMIT ? OFFSET ?", c.Owner(), limit, offset)
	if err != nil {
		return nil, 0, fmt.Errorf("list batches: %w", err)
	}
	defer rows.Close()
	out := []Batch{}
	for rows.Next() {
		b, err := scanBatch(r.Dialect(), rows)
		if err != nil {
			return nil, 0, fmt.Errorf("list batches: %w", err)
		}
		out = append(out, b)
	}
	return out, total, rows.Err()
}
