package record

import (
	"context"

	"github.com/tritiumhq/tritium/internal/form"
	"github.com/tritiumhq/tritium/internal/sqldb"
)

// Op is a write's kind, as hooks see it.
type Op string

const (
	OpCreate Op = "create"
	OpUpdate Op = "update"
	OpDelete Op = "delete"
)

// WriteHooks are the scripts around writes (package hook implements them).
// Scripts never run inside a write transaction: Before runs before it
// opens, and what must follow the commit is enqueued by InTx as jobs of
// the same transaction, so they run exactly when the write commits.
type WriteHooks interface {
	// Active reports whether f has write hooks: the check every write
	// pays, so it must be quick.
	Active(ctx context.Context, f *form.Form) bool
	// Before may change data (create, update) or veto the write with an
	// error; nothing is written then. stored is the object as stored
	// (update, delete), nil on create.
	Before(ctx context.Context, actor Actor, f *form.Form, op Op, data Data, stored *Object) (Data, error)
	// InTx runs inside the write's transaction, after the write. stored is
	// the object before a delete.
	InTx(ctx context.Context, tx *sqldb.Tx, actor Actor, f *form.Form, op Op, id string, stored *Object) error
}

// SetHooks connects the write hooks.
func (s *Service) SetHooks(h WriteHooks) { s.hooks = h }

// hooked reports whether writes to f run hooks.
func (s *Service) hooked(ctx context.Context, f *form.Form) bool {
	return s.hooks != nil && s.hooks.Active(ctx, f)
}
