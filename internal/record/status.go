package record

import (
	"context"
	"database/sql"
	"errors"

	"github.com/tritiumhq/tritium/internal/access"
	"github.com/tritiumhq/tritium/internal/apperr"
	"github.com/tritiumhq/tritium/internal/feed"
	"github.com/tritiumhq/tritium/internal/form"
	"github.com/tritiumhq/tritium/internal/sqldb"
)

// Submit makes a draft of a form without workflow Effective, after
// applying data; the required fields are checked on the result.
func (s *Service) Submit(ctx context.Context, actor Actor, formCode, id string, data Data) error {
	return s.withForm(ctx, formCode, func(f *form.Form) error { return s.submit(ctx, actor, f, id, data) })
}

func (s *Service) submit(ctx context.Context, actor Actor, f *form.Form, id string, data Data) error {
	if f.Workflow {
		return apperr.New(apperr.Conflict, "表单 %s 有流程, 请通过流程提交 (submit workflow forms through their instance)", f.Code)
	}
	if s.held(actor) {
		if err := s.checkWrite(ctx, f, actor.Subject, access.Submit, id, data); err != nil {
			return err
		}
	}
	hooked := s.hooked(ctx, f)
	var storedVersion int64
	if hooked {
		stored, err := s.load(ctx, s.db.Reader(), f, id)
		if err != nil {
			return err
		}
		storedVersion = stored.Sys.Version
		if data, err = s.hooks.Before(ctx, actor, f, OpUpdate, data, stored); err != nil {
			return err
		}
	}
	c, err := s.parse(ctx, f, data, false)
	if err != nil {
		return err
	}
	p := s.plan(f)
	q := s.db.Dialect().Quote
	return s.db.Write(ctx, func(tx *sqldb.Tx) error {
		var version, status int64
		if err := tx.QueryRow(ctx, p.lock, id).Scan(&version, &status); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return objectNotFound(id)
			}
			return err
		}
		if status != form.StatusDraft {
			return apperr.New(apperr.Conflict, "对象 %s 不是草稿, 无需提交 (the object is not a draft)", id)
		}
		if len(data) > 0 {
			if _, err := s.update(ctx, tx, actor, f, id, c, storedVersion); err != nil {
				return err
			}
		}
		o, err := s.load(ctx, tx, f, id)
		if err != nil {
			return err
		}
		if err := o.CheckComplete(); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, "UPDATE "+p.table+" SET "+q("status")+" = ?, "+q("version")+" = "+q("version")+" + 1 WHERE "+q("objectid")+" = ?", int64(form.StatusEffective), id)
		if err == nil && hooked {
			err = s.hooks.InTx(ctx, tx, actor, f, OpUpdate, id, nil)
		}
		if err == nil {
			err = s.feedAppend(ctx, tx, changed(feed.RecordUpdated, f, id, actor))
		}
		return err
	})
}
