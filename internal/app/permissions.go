package app

import (
	"context"

	"github.com/tritiumhq/tritium/internal/access"
)

// openAccess loads the forms' permission grants and holds every call with
// a user context to them (docs/permissions.md).
func (a *App) openAccess(ctx context.Context) error {
	st, err := access.NewStore(ctx, a.DB)
	if err != nil {
		return err
	}
	a.Access = st
	a.Records.SetAccess(st)
	return nil
}

// subjectOf resolves a user for permission rules from the org cache: nil
// for the administrator, who is not held to grants.
func (a *App) subjectOf(ctx context.Context, userID string) (*access.Subject, error) {
	if userID == a.Admin.UserID {
		return nil, nil
	}
	s, err := a.Org.Subject(ctx, userID)
	if err != nil {
		return nil, err
	}
	return s.Access(), nil
}
