package app

import (
	"context"

	"github.com/tritiumhq/tritium/internal/delivery"
	"github.com/tritiumhq/tritium/internal/sqldb"

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
		Notifier:       batchCallbacks{a.Deliveries},
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

// batchCallbacks sends batch completion callbacks as deliveries, signed
// with the submitting client's secret (or the engine's).
type batchCallbacks struct{ d *delivery.Service }

func (n batchCallbacks) CheckURL(raw string) error { return n.d.CheckURL("callbackUrl", raw) }

func (n batchCallbacks) Enqueue(ctx context.Context, tx *sqldb.Tx, c batch.Callback) error {
	_, err := n.d.Enqueue(ctx, tx, delivery.Message{Kind: "batch.completed", Owner: c.Owner, URL: c.URL, Body: c.Body,
		Secret: delivery.SecretRef{Kind: c.SecretKind, ID: c.SecretID}, Ref: c.BatchID})
	return err
}
