package job

import (
	"context"
	"fmt"
	"time"

	"github.com/riverqueue/river/riverdriver"

	"github.com/tritiumhq/tritium/internal/sqldb"
)

// River keeps a job enqueued for later (a workflow timer) in the state
// "scheduled" and works only "available" jobs; the move from one to the
// other is maintenance that runs on the queue's leader alone. When the
// leader dies, the others wait for its lease to run out before one of them
// leads (in River v0.49 up to 15 s, plus the next election attempt, 5–6 s;
// neither is configurable), and every timer falling due meanwhile fires
// that late.
//
// So every node also makes due jobs available itself, each Schedule, with
// the query River's own scheduler runs (the driver's JobSchedule: due
// scheduled and retryable jobs become available, a unique job that would
// clash is discarded). It is safe beside River's scheduler and other
// nodes: on PostgreSQL it locks the rows it moves FOR UPDATE and rechecks
// their state once it has them, so a job is moved once; a transaction
// advisory lock lets one node at a time do the pass (the others skip that
// tick). SQLite has one writer, so passes never overlap there.
//
// Jobs due within the next Schedule are moved ahead of time, as River's
// scheduler does; workers still start a job only once it is due.

// scheduleBatch is the most jobs one pass moves; more wait for the next.
const scheduleBatch = 1000

func (q *Queue) scheduleLoop(ctx context.Context, every time.Duration) {
	defer close(q.loopDone)
	t := time.NewTicker(every)
	defer t.Stop()
	for first := true; ; first = false {
		if !first {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
		if err := q.scheduleDue(ctx, time.Now().UTC().Add(every)); err != nil && ctx.Err() == nil {
			q.log.Warn("make due jobs available", "err", err)
		}
	}
}

// scheduleDue makes the scheduled and retryable jobs due by horizon
// available.
func (q *Queue) scheduleDue(ctx context.Context, horizon time.Time) error {
	params := &riverdriver.JobScheduleParams{Max: scheduleBatch, Now: &horizon, Schema: q.schema}
	err := q.db.Write(ctx, func(tx *sqldb.Tx) error {
		if q.pgDrv == nil {
			_, err := q.liteDrv.UnwrapExecutor(tx.SQLTx()).JobSchedule(ctx, params)
			return err
		}
		var mine bool
		if err := tx.QueryRow(ctx, "SELECT pg_try_advisory_xact_lock(hashtext(?))", "tritium.job.schedule:"+q.schema).Scan(&mine); err != nil {
			return err
		}
		if !mine { // another node is making them available right now
			return nil
		}
		_, err := q.pgDrv.UnwrapExecutor(tx.PgxTx()).JobSchedule(ctx, params)
		return err
	})
	if err != nil {
		return fmt.Errorf("schedule due jobs: %w", err)
	}
	return nil
}
