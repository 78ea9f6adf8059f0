package org

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/tritiumhq/tritium/internal/sqldb"
)

// The Subject cache.
//
// Every org write bumps org_revision in its own transaction (Service.write).
// The cache remembers rev, a stored revision its entries are at least as
// new as, and compares it with the stored one at most once per interval.
// When the stored revision is newer, or when a write through this Service
// commits, every entry is dropped: entries and the department tree together
// make one generation, and gen numbers them. A lookup that started in an
// older generation does not store what it read, so nothing read before a
// drop survives it.
//
// Why this is enough: rev only grows, and a change and its bump commit
// together. Entries are read after the drop that set rev (or after the
// commit that invalidated the cache, whose revision is then rev), so they
// reflect every write up to rev; a check that finds the stored revision
// still rev proves that no write has committed since.

// defaultCheckEvery is how often, at most, the stored revision is read.
const defaultCheckEvery = time.Second

type subjectCache struct {
	reader func() sqldb.Querier // the database's reader; tests count its queries
	every  time.Duration

	mu       sync.RWMutex
	gen      uint64    // bumped by every drop
	rev      int64     // entries reflect at least this stored revision; -1 before the first check
	checked  time.Time // when the stored revision was last read
	checking bool      // a goroutine is reading it now
	tree     *orgTree  // nil until a lookup needs it
	subjects map[string]Subject
	ids      map[string]string   // "EMAIL:x" / "LOGINNAME:x" → the enabled user's id
	sets     map[string]*setView // value set code → the set as record writes check it

	treeLoad chan struct{} // one department load at a time (a semaphore that honours ctx)
}

func newSubjectCache(db *sqldb.DB) *subjectCache {
	return &subjectCache{reader: db.Reader, every: defaultCheckEvery, rev: -1,
		subjects: map[string]Subject{}, ids: map[string]string{}, sets: map[string]*setView{}, treeLoad: make(chan struct{}, 1)}
}

func (c *subjectCache) subject(ctx context.Context, id string) (Subject, error) {
	if err := c.fresh(ctx); err != nil {
		return Subject{}, err
	}
	c.mu.RLock()
	sub, ok := c.subjects[id]
	gen, tree := c.gen, c.tree
	c.mu.RUnlock()
	if ok {
		return sub.clone(), nil
	}
	if tree == nil {
		var err error
		if tree, err = c.loadTree(ctx); err != nil {
			return Subject{}, err
		}
	}
	sub, ok, err := readSubject(ctx, c.reader(), tree, id)
	if err != nil {
		return Subject{}, err
	}
	if !ok {
		return Subject{}, userNotFound(id)
	}
	c.mu.Lock()
	if c.gen == gen {
		c.subjects[id] = sub
	}
	c.mu.Unlock()
	return sub.clone(), nil
}

// fresh reads the stored revision when the interval has passed since the
// last read and drops the entries when it is newer than theirs. One
// goroutine reads while the others go on with what is cached. A failed read
// is the caller's error and the next use tries again, so while the revision
// cannot be read the cache is not trusted past the interval (beyond the one
// read in flight).
func (c *subjectCache) fresh(ctx context.Context) error {
	c.mu.RLock()
	due := !c.checking && time.Since(c.checked) >= c.every
	c.mu.RUnlock()
	if !due {
		return nil
	}
	c.mu.Lock()
	if c.checking || time.Since(c.checked) < c.every {
		c.mu.Unlock()
		return nil
	}
	c.checking = true
	c.mu.Unlock()

	rev, err := readRevision(ctx, c.reader())

	c.mu.Lock()
	defer c.mu.Unlock()
	c.checking = false
	if err != nil {
		return err
	}
	c.checked = time.Now()
	if rev > c.rev {
		c.dropLocked(rev)
	}
	return nil
}

// invalidate drops every entry once a write through this Service, which
// stored revision rev, has committed. Every revision up to rev committed
// before it (the bump locks the row), so what is read from now on reflects
// at least rev.
func (c *subjectCache) invalidate(rev int64) {
	c.mu.Lock()
	c.dropLocked(max(rev, c.rev))
	c.mu.Unlock()
}

func (c *subjectCache) dropLocked(rev int64) {
	c.gen++
	c.rev = rev
	c.tree = nil
	c.subjects = map[string]Subject{}
	c.ids = map[string]string{}
	c.sets = map[string]*setView{}
}

// userID returns the id cached under key, or looks it up and caches it
// for the current generation (a miss is not cached: a user may be created
// under that name any moment).
func (c *subjectCache) userID(ctx context.Context, key string, lookup func() (string, error)) (string, error) {
	return remember(ctx, c, func() map[string]string { return c.ids }, key, lookup)
}

// remember returns the entry under key of the map pick returns (called
// under the lock: a drop replaces the maps), or loads it and keeps it when
// no drop happened meanwhile. A failed load is not kept.
func remember[T any](ctx context.Context, c *subjectCache, pick func() map[string]T, key string, load func() (T, error)) (T, error) {
	if err := c.fresh(ctx); err != nil {
		var zero T
		return zero, err
	}
	c.mu.RLock()
	v, ok := pick()[key]
	gen := c.gen
	c.mu.RUnlock()
	if ok {
		return v, nil
	}
	v, err := load()
	if err != nil {
		return v, err
	}
	c.mu.Lock()
	if c.gen == gen {
		pick()[key] = v
	}
	c.mu.Unlock()
	return v, nil
}

// loadTree returns the current generation's department tree, reading it
// when no lookup has yet: concurrent cold lookups share one read.
func (c *subjectCache) loadTree(ctx context.Context) (*orgTree, error) {
	select {
	case c.treeLoad <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-c.treeLoad }()
	c.mu.RLock()
	gen, tree := c.gen, c.tree
	c.mu.RUnlock()
	if tree != nil {
		return tree, nil // read by the lookup this one waited for
	}
	tree, err := readTree(ctx, c.reader())
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.gen == gen {
		c.tree = tree
	}
	c.mu.Unlock()
	return tree, nil
}

func readRevision(ctx context.Context, q sqldb.Querier) (int64, error) {
	var rev int64
	if err := q.QueryRow(ctx, "SELECT revision FROM org_revision WHERE id = 1").Scan(&rev); err != nil {
		return 0, fmt.Errorf("read organisation revision: %w", err)
	}
	return rev, nil
}

// bumpRevision counts one more org write, in the writer's transaction, and
// returns the new revision. The row lock it takes on PostgreSQL orders
// org writes by revision; it is taken last, so held briefly.
func bumpRevision(ctx context.Context, tx *sqldb.Tx) (int64, error) {
	var rev int64
	err := tx.QueryRow(ctx, "UPDATE org_revision SET revision = revision + 1 WHERE id = 1 RETURNING revision").Scan(&rev)
	if err != nil {
		return 0, fmt.Errorf("bump organisation revision: %w", err)
	}
	return rev, nil
}
