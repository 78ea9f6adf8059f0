package batch

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/tritiumhq/tritium/internal/apperr"
	"github.com/tritiumhq/tritium/internal/lenientjson"
	"github.com/tritiumhq/tritium/internal/record"
	"github.com/tritiumhq/tritium/internal/sqldb"
)

// work writes the batch's chunks one after the other, each in its own
// transaction (see chunk), for up to runBudget; then the last chunk's
// transaction enqueues this job again, so one long batch does not hold a
// worker forever. While a chunk commits, the next one is prepared. An
// error leaves the job to be retried: it goes on from the last committed
// chunk.
func (s *Service) work(ctx context.Context, payload json.RawMessage, attempt int) (func(context.Context, *sqldb.Tx) error, error) {
	var j chunkJob
	if err := json.Unmarshal(payload, &j); err != nil {
		return nil, fmt.Errorf("batch job payload: %w", err)
	}
	start := time.Now()
	b, err := s.get(ctx, s.cfg.DB.Reader(), j.Batch)
	if apperr.Is(err, apperr.NotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if b.gen != j.Gen || finished(b.Status) {
		return nil, nil // taken over by another chain, or done
	}
	if attempt > s.cfg.MaxAttempts {
		s.log.Error("batch failed: its chunk kept failing", "batch", b.ID, "attempts", attempt-1)
		return nil, s.write(ctx, s.abandon(b, apperr.New(apperr.Internal, "批处理多次失败, 已终止 (the batch kept failing and was stopped)")))
	}
	st := s.chunk(ctx, b, time.Since(start) >= runBudget)
	for {
		if st.err != nil {
			return nil, st.err
		}
		var next chan *step
		nb := b
		nb.Counts.Done += st.n
		if st.n > 0 && !st.last && nb.Counts.Done < nb.Counts.Total {
			next = make(chan *step, 1)
			last := time.Since(start) >= runBudget // its commit enqueues the job again
			go func() { next <- s.chunk(ctx, nb, last) }()
		}
		err := s.write(ctx, st.commit)
		if err != nil || !st.applied || next == nil {
			if next != nil {
				<-next // prepared for nothing: the chain ends here
			}
			return nil, err
		}
		b, st = nb, <-next
	}
}

func (s *Service) write(ctx context.Context, commit func(context.Context, *sqldb.Tx) error) error {
	return s.cfg.DB.Write(ctx, func(tx *sqldb.Tx) error { return commit(ctx, tx) })
}

// runBudget is how long one run of a batch's job writes chunks: long
// enough for most batches to finish in one run, short enough that a
// graceful stop (which waits for running jobs) is not held up long.
const runBudget = 5 * time.Second

// step is one chunk, prepared.
type step struct {
	commit  func(context.Context, *sqldb.Tx) error
	n       int  // its items (0: the commit abandons the batch)
	last    bool // its commit enqueues the job again
	applied bool // set by the commit when it wrote: the chain still owns the batch
	err     error
}

// chunk prepares the batch's next chunk outside any transaction (grants,
// hooks, parsing only read) and returns its commit: the records, the
// chunk's item results and the batch's progress in one transaction, with
// the next job (when last) or, after the batch's last chunk, the callback.
func (s *Service) chunk(ctx context.Context, b Batch, last bool) *step {
	items, err := s.pending(ctx, b)
	if err != nil {
		return &step{err: err}
	}
	actor := s.cfg.Admin
	if b.actor != "" {
		if actor, err = s.cfg.ActAs(ctx, b.actor); err != nil {
			if isItemError(err) {
				return &step{commit: s.abandon(b, err)}
			}
			return &step{err: err}
		}
	}
	ws, err := s.cfg.Records.PrepareWrites(ctx, actor, b.Form, b.Operation, b.SourceSystem, items, record.CreateOptions{Submit: b.Submit})
	if err != nil {
		if isItemError(err) { // the form is gone
			return &step{commit: s.abandon(b, err)}
		}
		return &step{err: err}
	}
	st := &step{n: len(items), last: last}
	st.commit = func(ctx context.Context, tx *sqldb.Tx) error {
		st.applied = false
		cur, err := s.lock(ctx, tx, b.ID)
		if err != nil || cur.gen != b.gen || cur.Counts.Done != b.Counts.Done || finished(cur.Status) {
			return err // another chain moved it meanwhile: this one ends
		}
		res, err := ws.Apply(ctx, tx)
		if err != nil {
			return err
		}
		st.applied = true
		return s.advance(ctx, tx, cur, items, res, last)
	}
	return st
}

func finished(status string) bool { return status == StatusCompleted || status == StatusFailed }

func isItemError(err error) bool {
	e := apperr.As(err)
	return e != nil && e.Code != apperr.Internal
}

// pending reads the items of the batch's next chunk.
func (s *Service) pending(ctx context.Context, b Batch) ([]record.WriteItem, error) {
	var packed string
	err := s.cfg.DB.Reader().QueryRow(ctx, "SELECT items FROM batch_items WHERE batch_id = ? AND first = ?", b.ID, b.Counts.Done).Scan(&packed)
	if err != nil {
		return nil, fmt.Errorf("read batch items from %d: %w", b.Counts.Done, err)
	}
	return unpack(packed)
}

// unpack decodes a chunk's items as insertItems stored them.
func unpack(packed string) ([]record.WriteItem, error) {
	var rows [][3]json.RawMessage
	if err := json.Unmarshal([]byte(packed), &rows); err != nil {
		return nil, fmt.Errorf("batch items: %w", err)
	}
	out := make([]record.WriteItem, len(rows))
	for i, r := range rows {
		it := &out[i]
		if err := json.Unmarshal(r[0], &it.SourceCode); err != nil {
			return nil, fmt.Errorf("batch items: %w", err)
		}
		if err := json.Unmarshal(r[1], &it.ObjectID); err != nil {
			return nil, fmt.Errorf("batch items: %w", err)
		}
		if len(r[2]) > 0 && string(r[2]) != "null" {
			if err := lenientjson.Strict(r[2], &it.Data); err != nil {
				return nil, fmt.Errorf("batch item data: %w", err)
			}
		}
	}
	return out, nil
}

// advance writes the chunk's results and the batch's progress, then
// finishes the batch, or (last) enqueues its job again.
func (s *Service) advance(ctx context.Context, tx *sqldb.Tx, b Batch, items []record.WriteItem, res []record.WriteResult, last bool) error {
	out := make([]Result, len(res))
	for i, r := range res {
		out[i] = resultOf(items[i], r)
		if out[i].Code == CodeOK {
			b.Counts.Succeeded++
		} else {
			b.Counts.Failed++
		}
	}
	if err := insertResults(ctx, tx, b.ID, b.Counts.Done, out); err != nil {
		return err
	}
	b.Counts.Done += len(res)
	if len(res) == 0 || b.Counts.Done >= b.Counts.Total {
		return s.finish(ctx, tx, b, StatusCompleted, "")
	}
	_, err := tx.Exec(ctx, "UPDATE batches SET status = ?, done = ?, succeeded = ?, failed = ?, modified_time = ? WHERE id = ?",
		StatusRunning, b.Counts.Done, b.Counts.Succeeded, b.Counts.Failed, tx.Dialect().TimeValue(sqldb.Now()), b.ID)
	if err != nil {
		return fmt.Errorf("batch progress: %w", err)
	}
	if !last {
		return nil
	}
	return s.cfg.Jobs.Enqueue(ctx, tx, jobChunk, chunkJob{Batch: b.ID, Gen: b.gen}, time.Time{})
}

// resultsPerInsert is how many item results one INSERT stores.
const resultsPerInsert = 500

// insertResults stores the results of the items from seq first on.
func insertResults(ctx context.Context, tx *sqldb.Tx, id string, first int, rs []Result) error {
	for start := 0; start < len(rs); start += resultsPerInsert {
		part := rs[start:min(start+resultsPerInsert, len(rs))]
		var q strings.Builder
		q.WriteString("INSERT INTO batch_results (batch_id, seq, source_code, object_id, code, sub_code, message) VALUES ")
		args := make([]any, 0, 7*len(part))
		for i, r := range part {
			if i > 0 {
				q.WriteString(", ")
			}
			q.WriteString("(?, ?, ?, ?, ?, ?, ?)")
			args = append(args, id, first+start+i, r.SourceCode, r.ObjectID, r.Code, r.SubCode, r.Message)
		}
		if _, err := tx.Exec(ctx, q.String(), args...); err != nil {
			return fmt.Errorf("store item results: %w", err)
		}
	}
	return nil
}

// resultOf is an item's result as stored and shown.
func resultOf(it record.WriteItem, r record.WriteResult) Result {
	out := Result{SourceCode: it.SourceCode, ObjectID: r.ObjectID}
	if out.ObjectID == "" {
		out.ObjectID = it.ObjectID
	}
	if r.Err == nil {
		out.Code, out.SubCode = CodeOK, r.Outcome
		return out
	}
	out.Code, out.SubCode, out.Message = CodeFailed, subCodeOf(r.Err), messageOf(r.Err)
	return out
}

func subCodeOf(err error) string {
	switch apperr.CodeOf(err) {
	case apperr.Invalid, apperr.Malformed, apperr.TooLarge:
		return "validation_failed"
	case apperr.NotFound:
		return "not_found"
	case apperr.Conflict:
		return "conflict"
	case apperr.VersionConflict:
		return "version_conflict"
	case apperr.Forbidden:
		return "forbidden"
	}
	return "failed"
}

func messageOf(err error) string {
	e := apperr.As(err)
	if e == nil || e.Code == apperr.Internal {
		return "服务器内部错误 (internal error)"
	}
	return apperr.Complete(e.Code, e.Field, e.Message)
}

// abandon is the commit that fails the rest of a batch that cannot be
// processed (its form or user is gone, or it kept failing): every item
// not yet written fails with err's message.
func (s *Service) abandon(b Batch, err error) func(context.Context, *sqldb.Tx) error {
	return func(ctx context.Context, tx *sqldb.Tx) error {
		cur, lerr := s.lock(ctx, tx, b.ID)
		if lerr != nil || cur.gen != b.gen || finished(cur.Status) {
			return lerr
		}
		n, uerr := s.failRest(ctx, tx, cur, err)
		if uerr != nil {
			return fmt.Errorf("fail batch items: %w", uerr)
		}
		cur.Counts.Failed += n
		cur.Counts.Done = cur.Counts.Total
		return s.finish(ctx, tx, cur, StatusFailed, messageOf(err))
	}
}

// failRest stores a failed result, err's, for every item not written yet.
func (s *Service) failRest(ctx context.Context, tx *sqldb.Tx, b Batch, err error) (int, error) {
	rows, qerr := tx.Query(ctx, "SELECT first, items FROM batch_items WHERE batch_id = ? AND first >= ? ORDER BY first", b.ID, b.Counts.Done)
	if qerr != nil {
		return 0, qerr
	}
	type chunk struct {
		first int
		items []record.WriteItem
	}
	var chunks []chunk
	for rows.Next() {
		var c chunk
		var packed string
		if qerr = rows.Scan(&c.first, &packed); qerr == nil {
			c.items, qerr = unpack(packed)
		}
		if qerr != nil {
			rows.Close()
			return 0, qerr
		}
		chunks = append(chunks, c)
	}
	rows.Close()
	if qerr := rows.Err(); qerr != nil {
		return 0, qerr
	}
	n := 0
	for _, c := range chunks {
		rs := make([]Result, len(c.items))
		for i, it := range c.items {
			rs[i] = resultOf(it, record.WriteResult{Err: err})
		}
		if qerr := insertResults(ctx, tx, b.ID, c.first, rs); qerr != nil {
			return 0, qerr
		}
		n += len(rs)
	}
	return n, nil
}

// finish marks the batch finished and enqueues its callback.
func (s *Service) finish(ctx context.Context, tx *sqldb.Tx, b Batch, status, reason string) error {
	b.Status = status
	b.Code, b.SubCode, b.Message = outcome(b, reason)
	now := tx.Dialect().TimeValue(sqldb.Now())
	_, err := tx.Exec(ctx, "UPDATE batches SET status = ?, done = ?, succeeded = ?, failed = ?, message = ?, modified_time = ?, finished_time = ? WHERE id = ?",
		status, b.Counts.Done, b.Counts.Succeeded, b.Counts.Failed, b.Message, now, now, b.ID)
	if err != nil {
		return fmt.Errorf("finish batch: %w", err)
	}
	if b.CallbackURL == "" {
		return nil
	}
	body, err := s.callbackBody(ctx, tx, b)
	if err != nil {
		return err
	}
	cb := Callback{BatchID: b.ID, URL: b.CallbackURL, Body: body, SecretKind: b.secretKind, SecretID: b.secretID}
	if b.secretKind == "client" {
		cb.Owner = b.secretID
	}
	if s.cfg.Notifier == nil {
		return errors.New("batch callback: no notifier")
	}
	err = s.cfg.Notifier.Enqueue(ctx, tx, cb)
	if isItemError(err) {
		// The URL was checked when the batch came; refused now (the network
		// policy changed), it never will be sent: the batch ends without it.
		s.log.Warn("batch callback refused", "batch", b.ID, "err", err)
		return nil
	}
	return err
}

// outcome is a finished batch's code, subCode and message.
func outcome(b Batch, reason string) (code, sub, msg string) {
	c := b.Counts
	counts := fmt.Sprintf("成功 %d 项, 失败 %d 项 (%d succeeded, %d failed)", c.Succeeded, c.Failed, c.Succeeded, c.Failed)
	switch {
	case reason != "":
		return CodeFailed, SubFailure, reason + "; " + counts
	case c.Failed == 0:
		return CodeOK, SubSuccess, counts
	case c.Succeeded == 0:
		return CodeFailed, SubFailure, counts
	}
	return CodeOK, SubPartialFailure, counts
}

// callbackBody is the callback as the spec shows it, every item included.
func (s *Service) callbackBody(ctx context.Context, tx *sqldb.Tx, b Batch) ([]byte, error) {
	items, err := results(ctx, tx, b.ID, false, 0, b.Counts.Total+1)
	if err != nil {
		return nil, err
	}
	return json.Marshal(struct {
		BatchID      string   `json:"batchId"`
		Code         string   `json:"code"`
		SubCode      string   `json:"subCode"`
		Message      string   `json:"message"`
		SourceSystem string   `json:"sourceSystem"`
		Items        []Result `json:"items"`
	}{b.ID, b.Code, b.SubCode, b.Message, b.SourceSystem, items})
}

// Resume takes over every unfinished batch without progress for
// olderThan (0: all of them): a new job chain goes on from its last
// committed chunk, and the old chain, if it is still alive, stops at its
// next job. It runs when a node starts (the job of a killed process stays
// "running" in the queue until its lease runs out) and periodically, for
// a node that died while others run.
func (s *Service) Resume(ctx context.Context, olderThan time.Duration) (int, error) {
	var ids []string
	var gens []int64
	err := s.cfg.DB.Write(ctx, func(tx *sqldb.Tx) error {
		ids, gens = ids[:0], gens[:0]
		d := tx.Dialect()
		now := sqldb.Now()
		cutoff := now.Add(-olderThan)
		rows, err := tx.Query(ctx, "UPDATE batches SET gen = gen + 1, modified_time = ? WHERE status IN (?, ?) AND modified_time <= ? RETURNING id, gen",
			d.TimeValue(now), StatusQueued, StatusRunning, d.TimeValue(cutoff))
		if err != nil {
			return fmt.Errorf("resume batches: %w", err)
		}
		for rows.Next() {
			var id string
			var gen int64
			if err := rows.Scan(&id, &gen); err != nil {
				rows.Close()
				return err
			}
			ids, gens = append(ids, id), append(gens, gen)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for i, id := range ids {
			if err := s.cfg.Jobs.Enqueue(ctx, tx, jobChunk, chunkJob{Batch: id, Gen: gens[i]}, time.Time{}); err != nil {
				return err
			}
		}
		return nil
	})
	if len(ids) > 0 && err == nil {
		s.log.Info("resumed unfinished batches", "count", len(ids), "batches", strings.Join(ids[:min(len(ids), 10)], ","))
	}
	return len(ids), err
}

// Run resumes every unfinished batch now, then, until ctx ends, those
// without progress for ResumeAfter.
func (s *Service) Run(ctx context.Context) {
	if _, err := s.Resume(ctx, 0); err != nil && ctx.Err() == nil {
		s.log.Warn("resume batches", "err", err)
	}
	t := time.NewTicker(s.cfg.ResumeAfter / 4)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if _, err := s.Resume(ctx, s.cfg.ResumeAfter); err != nil && ctx.Err() == nil {
			s.log.Warn("resume batches", "err", err)
		}
	}
}
