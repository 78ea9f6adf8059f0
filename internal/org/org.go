// Package org keeps the organisation: users, the department tree and roles.
// Records name their owner and owner department by these ids, workflows
// route approvals along departments, leaders and roles, and directory sync
// (WeCom, DingTalk, HR systems) keeps them current through the
// UpsertXByExternalID methods.
//
// Subject resolves the acting user for permission rules from a per-node
// cache.
//
// Every write runs in one transaction through Service.write, which also
// bumps the organisation revision that keeps those caches current.
// References (a user's department and leader, a department's parent and
// manager, role membership) are checked inside that transaction, and the
// referenced row is locked on PostgreSQL, so a concurrent delete cannot
// leave a dangling id behind.
package org

import (
	"context"
	"fmt"
	"time"

	"github.com/tritiumhq/tritium/internal/apperr"
	"github.com/tritiumhq/tritium/internal/sqldb"
)

// Service stores users, departments and roles.
type Service struct {
	db    *sqldb.DB
	cache *subjectCache
}

// Option configures a Service.
type Option func(*Service)

// CheckEvery sets how often, at most, Subject reads the stored organisation
// revision to see other nodes' writes (default one second): another node's
// change shows within about this long. Writes through this Service show at
// once whatever the interval.
func CheckEvery(d time.Duration) Option {
	return func(s *Service) { s.cache.every = d }
}

// NewService returns the organisation service on db. Its only state is the
// cache behind Subject, which follows the revision stored in the database,
// so any number of nodes can share one database.
func NewService(db *sqldb.DB, opts ...Option) *Service {
	s := &Service{db: db, cache: newSubjectCache(db)}
	for _, o := range opts {
		o(s)
	}
	return s
}

// write runs fn in a write transaction and, when fn succeeds, bumps the
// organisation revision in that transaction: other nodes' Subject caches see
// the change at their next check, and this node's cache is dropped as soon
// as the transaction commits. Every write to users, departments, roles and
// role members goes through here.
func (s *Service) write(ctx context.Context, fn func(tx *sqldb.Tx) error) error {
	return s.db.Write(ctx, func(tx *sqldb.Tx) error {
		if err := fn(tx); err != nil {
			return err
		}
		rev, err := bumpRevision(ctx, tx)
		if err != nil {
			return err
		}
		tx.OnCommit(func() { s.cache.invalidate(rev) })
		return nil
	})
}

// wrapErr adds context to an internal error. Client errors (*apperr.Error)
// pass unchanged: their message is written for the client.
func wrapErr(errp *error, format string, args ...any) {
	if *errp != nil && apperr.As(*errp) == nil {
		*errp = fmt.Errorf("%s: %w", fmt.Sprintf(format, args...), *errp)
	}
}

// writeValue runs fn in a write transaction (Service.write) and returns what
// it produced.
func writeValue[T any](ctx context.Context, s *Service, fn func(tx *sqldb.Tx) (T, error)) (T, error) {
	var out T
	err := s.write(ctx, func(tx *sqldb.Tx) error {
		var err error
		out, err = fn(tx)
		return err
	})
	return out, err
}

// upsert updates the row of table with externalID, or inserts one when there
// is none, in one write; an empty or invalid externalID is refused. Two callers creating the same external id at once
// on PostgreSQL both miss it and one insert fails on the unique constraint;
// a single retry then finds the winner's row and updates it.
func upsert[T any](ctx context.Context, s *Service, table, externalID string,
	update func(tx *sqldb.Tx, id string) (T, error), insert func(tx *sqldb.Tx) (T, error)) (T, bool, error) {
	if err := checkExternalID(externalID); err != nil {
		var zero T
		return zero, false, err
	}
	for attempt := 0; ; attempt++ {
		var created bool
		out, err := writeValue(ctx, s, func(tx *sqldb.Tx) (T, error) {
			id, found, err := idByExternalID(ctx, tx, table, externalID)
			if err != nil {
				var zero T
				return zero, err
			}
			created = !found
			if found {
				return update(tx, id)
			}
			return insert(tx)
		})
		if err != nil && created && attempt == 0 && apperr.Is(err, apperr.Conflict) {
			continue
		}
		return out, created && err == nil, err
	}
}
