package record

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/tritiumhq/tritium/internal/access"
	"github.com/tritiumhq/tritium/internal/feed"
	"github.com/tritiumhq/tritium/internal/form"
	"github.com/tritiumhq/tritium/internal/sqldb"
)

// Remove deletes an object and its child rows. On a workflow form the
// object's instance learns of it in the same transaction: a running one
// ends canceled (see Workflows.ObjectRemovedTx), so no task of it is left
// to act on.
func (s *Service) Remove(ctx context.Context, actor Actor, formCode, id string) error {
	return s.withForm(ctx, formCode, func(f *form.Form) error { return s.remove(ctx, actor, f, id) })
}

func (s *Service) remove(ctx context.Context, actor Actor, f *form.Form, id string) error {
	if s.held(actor) {
		if err := s.checkWrite(ctx, f, actor.Subject, access.Delete, id, nil); err != nil {
			return err
		}
	}
	p := s.plan(f)
	var stored *Object
	if s.hooked(ctx, f) {
		var err error
		if stored, err = s.load(ctx, s.db.Reader(), f, id); err != nil {
			return err
		}
		if _, err := s.hooks.Before(ctx, actor, f, OpDelete, nil, stored); err != nil {
			return err
		}
	}
	return s.db.Write(ctx, func(tx *sqldb.Tx) error {
		if f.Workflow && s.wf != nil {
			// The instance first, then the object: the order every
			// workflow step locks them in.
			var instanceID string
			err := tx.QueryRow(ctx, p.instanceOf, id).Scan(&instanceID)
			if errors.Is(err, sql.ErrNoRows) {
				return objectNotFound(id)
			}
			if err != nil {
				return fmt.Errorf("instance of %s %s: %w", f.Code, id, err)
			}
			if instanceID != "" {
				if err := s.wf.ObjectRemovedTx(ctx, tx, f, id, instanceID, actor); err != nil {
					return err
				}
			}
		}
		res, err := tx.Exec(ctx, p.remove, id)
		if err != nil {
			return fmt.Errorf("remove %s %s: %w", f.Code, id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return objectNotFound(id)
		}
		for _, cp := range p.children {
			if _, err := tx.Exec(ctx, cp.removeRows, id); err != nil {
				return fmt.Errorf("remove rows of %s: %w", id, err)
			}
		}
		if stored != nil {
			if err := s.hooks.InTx(ctx, tx, actor, f, OpDelete, id, stored); err != nil {
				return err
			}
		}
		return s.feedAppend(ctx, tx, changed(feed.RecordDeleted, f, id, actor))
	})
}
