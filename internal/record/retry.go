package record

import (
	"context"

	"github.com/tritiumhq/tritium/internal/form"
)

// maxFormRetries bounds how often one call runs again because its form
// kept changing under it.
const maxFormRetries = 3

// withForm runs op with the current definition of form code. Another node
// may change or delete the form at any moment, and this node hears of it
// only at its next refresh: until then op's SQL may name a column or table
// that is gone (PostgreSQL 42703, 42P01), send a value its column no longer
// takes, or miss a field just added. So when op fails and the form's
// stored revision is no longer the one op ran with, op runs again with the
// stored definition; a form deleted meanwhile is then not found. A failed
// op has rolled back, so running it again is safe. An error that has
// nothing to do with the form costs one primary-key read.
func (s *Service) withForm(ctx context.Context, code string, op func(f *form.Form) error) error {
	f, err := s.forms.Lookup(ctx, code)
	if err != nil {
		return err
	}
	for retry := 0; ; retry++ {
		err = op(f)
		if err == nil || retry == maxFormRetries || ctx.Err() != nil {
			return err
		}
		changed, rerr := s.forms.Reload(ctx, f.Code, f.Revision)
		if rerr != nil || !changed {
			return err
		}
		if f, err = s.forms.Lookup(ctx, f.Code); err != nil {
			return err
		}
	}
}
