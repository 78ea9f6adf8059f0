package app

import (
	"context"

	"github.com/tritiumhq/tritium/internal/apperr"
	"github.com/tritiumhq/tritium/internal/batch"
	"github.com/tritiumhq/tritium/internal/record"
)

// openBatches starts the async batch service; its job is registered
// before the queue starts.
func (a *App) openBatches() {
	a.Batches = batch.New(batch.Config{
		DB: a.DB, Records: a.Records, Jobs: a.Jobs, Admin: a.Admin, Logger: a.log,
		ActAs:          a.actAs,
		ClientCallback: a.Auth.ClientCallback,
		Notifier:       a.batchNotifier,
	})
}

// actAs is the actor a batch with a user context writes as: the user
// with their grants as they are now.
func (a *App) actAs(ctx context.Context, userID string) (record.Actor, error) {
	if userID == a.Admin.UserID {
		return a.Admin, nil
	}
	sub, err := a.Org.Subject(ctx, userID)
	if apperr.Is(err, apperr.NotFound) || (err == nil && !sub.Enabled) {
		return record.Actor{}, apperr.New(apperr.NotFound, "用户不存在或已停用: %s (the batch's user does not exist or is disabled)", userID)
	}
	if err != nil {
		return record.Actor{}, err
	}
	act := record.Actor{UserID: sub.UserID, Subject: sub.Access()}
	if len(sub.Departments) > 0 {
		act.DepartmentID = sub.Departments[0]
	}
	return act, nil
}
