package record

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/tritiumhq/tritium/internal/form"
	"github.com/tritiumhq/tritium/internal/sqldb"
)

// bulk is how many creates in one transaction (a chunk of Writes) share
// their statements: the INSERTs are queued and sent together at the end,
// as multi-row INSERTs (one round trip on PostgreSQL), the creates whose pair was not found
// when prepared skip looking it up again (the pair's unique index still
// refuses a duplicate: the flush fails, and the writes run again one by
// one), and on SQLite the SeqNo values come from one counter update.
type bulk struct {
	rows   map[string][][]any // queued INSERTs' arguments by statement
	order  []string           // the statements, first queued first
	seq    int64              // the next SeqNo to give (0: none reserved)
	seqEnd int64              // past the last reserved one
}

// exec runs an INSERT at once, or queues it when b is set.
func (b *bulk) exec(ctx context.Context, tx *sqldb.Tx, q string, args []any) error {
	if b == nil {
		_, err := tx.Exec(ctx, q, args...)
		return err
	}
	if b.rows == nil {
		b.rows = map[string][][]any{}
	}
	if _, ok := b.rows[q]; !ok {
		b.order = append(b.order, q)
	}
	b.rows[q] = append(b.rows[q], args)
	return nil
}

// nextSeq gives a reserved SeqNo, if any is left.
func (b *bulk) nextSeq() (int64, bool) {
	if b == nil || b.seq == 0 || b.seq >= b.seqEnd {
		return 0, false
	}
	n := b.seq
	b.seq++
	return n, true
}

// reserve takes n SeqNo values of f in one update, where the insert does
// not draw them itself (SQLite).
func (b *bulk) reserve(ctx context.Context, tx *sqldb.Tx, p *plan, f *form.Form, n int) error {
	if p.seqExpr != "" || n == 0 {
		return nil
	}
	var end int64
	err := tx.QueryRow(ctx, "UPDATE sequences SET value = value + ? WHERE name = ? RETURNING value", int64(n), form.SequenceName(f.Table())).Scan(&end)
	if errors.Is(err, sql.ErrNoRows) {
		return nil // no counter row: each create draws its own
	}
	if err != nil {
		return fmt.Errorf("reserve SeqNo of %s: %w", f.Code, err)
	}
	b.seq, b.seqEnd = end-int64(n)+1, end+1
	return nil
}

// flush sends the queued INSERTs, those into one table as multi-row
// INSERTs (form tables have no foreign keys: the order between tables
// does not matter).
func (b *bulk) flush(ctx context.Context, tx *sqldb.Tx) error {
	if len(b.rows) == 0 {
		return nil
	}
	var out sqldb.Batch
	for _, q := range b.order {
		rows := b.rows[q]
		head, tuple, _ := strings.Cut(q, " VALUES ")
		per := max(1, min(maxRowsPerInsert, maxParams/max(1, len(rows[0]))))
		for start := 0; start < len(rows); start += per {
			part := rows[start:min(start+per, len(rows))]
			var sb strings.Builder
			sb.WriteString(head)
			sb.WriteString(" VALUES ")
			args := make([]any, 0, len(part)*len(part[0]))
			for i, r := range part {
				if i > 0 {
					sb.WriteString(", ")
				}
				sb.WriteString(tuple)
				args = append(args, r...)
			}
			out.Queue(sb.String(), args...)
		}
	}
	_, err := tx.ExecBatch(ctx, &out)
	return err
}

// A multi-row INSERT has at most maxRowsPerInsert rows and maxParams
// parameters (below SQLite's 32,766 and PostgreSQL's 65,535).
const (
	maxRowsPerInsert = 500
	maxParams        = 30000
)

// bulkable reports whether the writes may share statements: creates only
// (what upsert creates too), without write hooks or a workflow to start,
// both of which must see each object written before the next statement.
func (w *Writes) bulkable() bool {
	if w.hooked || (w.f.Workflow && w.s.wf != nil) || (w.op != WriteCreate && w.op != WriteUpsert) {
		return false
	}
	for _, p := range w.items {
		if p.failed == nil && !p.create {
			return false
		}
	}
	return true
}
