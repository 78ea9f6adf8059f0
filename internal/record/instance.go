package record

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/tritiumhq/tritium/internal/apperr"
	"github.com/tritiumhq/tritium/internal/feed"
	"github.com/tritiumhq/tritium/internal/sqldb"
)

// What the workflow engine writes to an object, always inside the
// transaction of an instance's step, and always guarded by that instance's
// id: an instance writes only to the object it started on, never to
// another one that took the same ObjectId after a delete.

// ErrNotInstanceObject is the cause of the Conflict error a guarded write
// returns when the object is gone or carries another instance.
var ErrNotInstanceObject = errors.New("the object is not the instance's")

func notInstanceObject(id, instanceID string) error {
	return apperr.Wrap(apperr.Conflict, ErrNotInstanceObject,
		"对象 %s 已被删除或不属于流程实例 %s (the object was deleted or belongs to another instance)", id, instanceID)
}

// SetWorkflowState records, inside tx, where an object's approval stands:
// its Status. The workflow engine calls it on every change of the
// instance's outcome, so the two always agree. The object must carry
// instanceID (ErrNotInstanceObject otherwise).
func (s *Service) SetWorkflowState(ctx context.Context, tx *sqldb.Tx, formCode, id string, status int64, instanceID string) error {
	f, err := s.forms.Lookup(ctx, formCode)
	if err != nil {
		return err
	}
	q := tx.Dialect().Quote
	res, err := tx.Exec(ctx, "UPDATE "+s.plan(f).table+" SET "+q("status")+" = ?, "+
		q("version")+" = "+q("version")+" + 1, "+q("modifiedtime")+" = ? WHERE "+q("objectid")+" = ? AND "+q("workflowinstanceid")+" = ?",
		status, tx.Dialect().TimeValue(sqldb.Now()), id, instanceID)
	if err != nil {
		return fmt.Errorf("set workflow state of %s: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return notInstanceObject(id, instanceID)
	}
	return nil
}

// UpdateTx is Update inside tx for workflow instance instanceID, which the
// object must carry (ErrNotInstanceObject otherwise). allow, when not nil,
// vets every field and child table code the data writes (the workflow's
// field permissions); its error refuses the update.
func (s *Service) UpdateTx(ctx context.Context, tx *sqldb.Tx, actor Actor, formCode, id, instanceID string, data Data, allow func(code string) error) (int64, error) {
	f, err := s.forms.Lookup(ctx, formCode)
	if err != nil {
		return 0, err
	}
	c, err := s.parse(ctx, f, data, false)
	if err != nil {
		return 0, err
	}
	if allow != nil {
		for _, fv := range append(append([]fieldVal{}, c.sys...), c.set...) {
			if err := allow(fv.fd.Code); err != nil {
				return 0, err
			}
		}
		for _, cc := range c.children {
			if err := allow(cc.child.Code); err != nil {
				return 0, err
			}
		}
	}
	p := s.plan(f)
	var have string
	err = tx.QueryRow(ctx, p.instanceOf+tx.Dialect().ForUpdate(), id).Scan(&have)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("instance of %s %s: %w", f.Code, id, err)
	}
	if err != nil || have != instanceID {
		return 0, notInstanceObject(id, instanceID)
	}
	v, err := s.update(ctx, tx, actor, f, id, c, c.version)
	if err != nil {
		return 0, err
	}
	return v, s.feedAppend(ctx, tx, changed(feed.RecordUpdated, f, id, actor))
}
