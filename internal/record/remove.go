package record

import (
	"context"
	"fmt"

	"github.com/tritiumhq/tritium/internal/form"
	"github.com/tritiumhq/tritium/internal/sqldb"
)

// Remove deletes an object and its child rows.
func (s *Service) Remove(ctx context.Context, actor Actor, formCode, id string) error {
	return s.withForm(ctx, formCode, func(f *form.Form) error { return s.remove(ctx, f, id) })
}

func (s *Service) remove(ctx context.Context, f *form.Form, id string) error {
	p := s.plan(f)
	return s.db.Write(ctx, func(tx *sqldb.Tx) error {
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
		return nil
	})
}
