package app

import (
	"context"
	"errors"
	"fmt"

	"github.com/tritiumhq/tritium/internal/org"
)

// ErrAdminHasPassword is CreateAdmin refusing to replace a password.
var ErrAdminHasPassword = errors.New("the administrator already has a password (use --reset to replace it)")

// firstAdmin gives the administrator AdminEmail and AdminPassword while
// it has no password: idempotent across restarts, and a password set
// later (the console, `tritium admin create --reset`) is kept.
func (a *App) firstAdmin(ctx context.Context) error {
	if a.cfg.AdminPassword == "" && a.cfg.AdminEmail == "" {
		return nil
	}
	if a.cfg.AdminPassword == "" || a.cfg.AdminEmail == "" {
		a.log.Warn("first administrator: set both TRITIUM_ADMIN_EMAIL and TRITIUM_ADMIN_PASSWORD; ignoring the one set")
		return nil
	}
	err := a.CreateAdmin(ctx, a.cfg.AdminEmail, "", a.cfg.AdminPassword, false)
	if errors.Is(err, ErrAdminHasPassword) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("first administrator: %w", err)
	}
	a.log.Info("the administrator can sign in to the console", "email", a.cfg.AdminEmail)
	return nil
}

// CreateAdmin sets the administrator user's email (and name, when given)
// and console password. It refuses when the administrator has a password
// already, unless reset; a reset ends the administrator's sessions.
func (a *App) CreateAdmin(ctx context.Context, email, name, password string, reset bool) error {
	has, err := a.Auth.HasPassword(ctx, a.Admin.UserID)
	if err != nil {
		return err
	}
	if has && !reset {
		return ErrAdminHasPassword
	}
	p := org.UserPatch{Email: &email}
	if name != "" {
		p.Name = &name
	}
	if _, err := a.Org.UpdateUser(ctx, a.Admin.UserID, p); err != nil {
		return fmt.Errorf("administrator email: %w", err)
	}
	return a.Auth.SetPassword(ctx, a.Admin.UserID, password, "")
}
