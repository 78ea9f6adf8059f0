package record

import (
	"context"
	"fmt"
	"maps"

	"github.com/tritiumhq/tritium/internal/access"
	"github.com/tritiumhq/tritium/internal/apperr"
	"github.com/tritiumhq/tritium/internal/feed"
	"github.com/tritiumhq/tritium/internal/form"
	"github.com/tritiumhq/tritium/internal/sqldb"
)

// Writes are many writes of one kind to one form that commit in one
// transaction, each with its own outcome: what one chunk of an async batch
// commits. PrepareWrites does all that needs no write (grants, the write
// hooks' Before, parsing, finding objects by sourceSystem+sourceCode)
// outside any transaction; Apply writes inside the caller's, so the
// caller's own rows (the batch's progress) commit with the records.
type Writes struct {
	s      *Service
	f      *form.Form
	actor  Actor
	op     WriteOp
	opt    CreateOptions
	hooked bool
	items  []preparedWrite
}

// WriteOp is what Writes do to each item.
type WriteOp string

const (
	WriteCreate WriteOp = "create" // a new object; an existing pair is answered unchanged
	WriteUpdate WriteOp = "update" // the object named by ObjectID or the pair
	WriteUpsert WriteOp = "upsert" // update the pair's object, or create it
	WriteDelete WriteOp = "delete" // the object named by ObjectID or the pair
)

// WriteItem is one item: the object it addresses (by ObjectID, else by
// the source system and its SourceCode) and the data to write.
type WriteItem struct {
	SourceCode string
	ObjectID   string
	Data       Data
}

// The outcomes of an item that succeeded.
const (
	OutcomeCreated   = "created"
	OutcomeUpdated   = "updated"
	OutcomeUnchanged = "unchanged" // a create whose pair named an existing object
	OutcomeDeleted   = "deleted"
)

// WriteResult is one item's outcome: Outcome on success, else Err (an
// *apperr.Error whose code says why: validation_failed, not_found,
// conflict, version_conflict, forbidden).
type WriteResult struct {
	ObjectID string
	Outcome  string
	Err      error
	fed      bool // the create wrote its feed event itself (see Created)
}

type preparedWrite struct {
	create bool
	id     string
	want   int64 // update: the expected version (0: any)
	c      *changes
	stored *Object // delete with hooks: the object before
	failed error   // refused while preparing
}

// PrepareWrites checks and parses items for op as actor would write them
// one by one through Create, Update and Remove; system is the items'
// sourceSystem. An item that would be refused keeps its error for Apply
// to report; the error returned is one that concerns all of them (the
// form, the database).
func (s *Service) PrepareWrites(ctx context.Context, actor Actor, formCode string, op WriteOp, system string, items []WriteItem, opt CreateOptions) (*Writes, error) {
	f, err := s.forms.Lookup(ctx, formCode)
	if err != nil {
		return nil, err
	}
	w := &Writes{s: s, f: f, actor: actor, op: op, opt: opt, hooked: s.hooked(ctx, f), items: make([]preparedWrite, len(items))}
	existing, err := s.bySourceCodes(ctx, f, system, items)
	if err != nil {
		return nil, err
	}
	for i, it := range items {
		id := it.ObjectID
		if id == "" && it.SourceCode != "" {
			id = existing[it.SourceCode]
		}
		p, err := w.prepare(ctx, system, it, id)
		if err != nil {
			if !isItemError(err) {
				return nil, err
			}
			p = preparedWrite{id: id, failed: err}
		}
		w.items[i] = p
	}
	return w, nil
}

// bySourceCodes maps the items' source codes to the ids of the objects
// that have them, in one query.
func (s *Service) bySourceCodes(ctx context.Context, f *form.Form, system string, items []WriteItem) (map[string]string, error) {
	var codes []string
	for _, it := range items {
		if it.SourceCode != "" && it.ObjectID == "" {
			codes = append(codes, it.SourceCode)
		}
	}
	out := map[string]string{}
	if len(codes) == 0 || system == "" {
		return out, nil
	}
	r := s.db.Reader()
	d := r.Dialect()
	q := "SELECT " + d.Quote("sourcecode") + ", " + d.Quote("objectid") + " FROM " + s.plan(f).table +
		" WHERE " + d.Quote("sourcesystem") + " = ? AND " + d.AnyOf(d.Quote("sourcecode"))
	rows, err := r.Query(ctx, q, system, d.AnyOfArg(codes))
	if err != nil {
		return nil, fmt.Errorf("find %s by source: %w", f.Code, err)
	}
	defer rows.Close()
	for rows.Next() {
		var code, id string
		if err := rows.Scan(&code, &id); err != nil {
			return nil, err
		}
		out[code] = id
	}
	return out, rows.Err()
}

func (w *Writes) prepare(ctx context.Context, system string, it WriteItem, id string) (preparedWrite, error) {
	for _, k := range []string{form.SysSourceSystem, form.SysSourceCode} {
		if _, ok := it.Data[k]; ok {
			return preparedWrite{}, apperr.Field(k, "%s 由批次的 sourceSystem 与项的 sourceCode 给出, 不放在 data 中 (%s: an item's pair is the batch's sourceSystem and the item's sourceCode, not in its data)", k, k)
		}
	}
	switch {
	case w.op == WriteCreate, w.op == WriteUpsert && id == "":
		return w.prepareCreate(ctx, system, it, id)
	case id == "":
		return preparedWrite{}, apperr.New(apperr.NotFound, "没有 sourceSystem=%s, sourceCode=%s 的对象 (no object with this sourceSystem and sourceCode)", system, it.SourceCode)
	case w.op == WriteDelete:
		return w.prepareDelete(ctx, id)
	}
	return w.prepareUpdate(ctx, it, id)
}

func (w *Writes) prepareCreate(ctx context.Context, system string, it WriteItem, existing string) (preparedWrite, error) {
	s, f := w.s, w.f
	data := it.Data
	if it.SourceCode != "" {
		data = maps.Clone(data)
		if data == nil {
			data = Data{}
		}
		data[form.SysSourceSystem], data[form.SysSourceCode] = system, it.SourceCode
	}
	if s.held(w.actor) {
		if err := s.checkWrite(ctx, f, w.actor.Subject, access.Create, "", data); err != nil {
			return preparedWrite{}, err
		}
	}
	if w.hooked && existing == "" {
		var err error
		if data, err = s.hooks.Before(ctx, w.actor, f, OpCreate, data, nil); err != nil {
			return preparedWrite{}, err
		}
	}
	c, err := s.parse(ctx, f, data, true)
	if err == nil && w.opt.Submit {
		err = checkRequired(f, c, true)
	}
	if err == nil && existing != "" && s.held(w.actor) {
		err = s.checkReplay(ctx, f, w.actor, c)
	}
	if err != nil {
		return preparedWrite{}, err
	}
	c.fresh = existing == ""
	return preparedWrite{create: true, c: c}, nil
}

func (w *Writes) prepareUpdate(ctx context.Context, it WriteItem, id string) (preparedWrite, error) {
	s, f := w.s, w.f
	data := it.Data
	if s.held(w.actor) {
		if err := s.checkWrite(ctx, f, w.actor.Subject, access.Edit, id, data); err != nil {
			return preparedWrite{}, err
		}
	}
	var storedVersion int64
	if w.hooked {
		stored, err := s.load(ctx, s.db.Reader(), f, id)
		if err != nil {
			return preparedWrite{}, err
		}
		storedVersion = stored.Sys.Version
		if data, err = s.hooks.Before(ctx, w.actor, f, OpUpdate, data, stored); err != nil {
			return preparedWrite{}, err
		}
	}
	c, err := s.parse(ctx, f, data, false)
	if err != nil {
		return preparedWrite{}, err
	}
	if c.id != "" && c.id != id {
		return preparedWrite{}, apperr.Field(form.SysObjectID, "ObjectId 与要修改的对象不一致: %s (ObjectId in the data differs from the object being updated)", c.id)
	}
	want := c.version
	if want == 0 {
		want = storedVersion
	}
	return preparedWrite{id: id, c: c, want: want}, nil
}

func (w *Writes) prepareDelete(ctx context.Context, id string) (preparedWrite, error) {
	s, f := w.s, w.f
	if s.held(w.actor) {
		if err := s.checkWrite(ctx, f, w.actor.Subject, access.Delete, id, nil); err != nil {
			return preparedWrite{}, err
		}
	}
	p := preparedWrite{id: id}
	if w.hooked {
		var err error
		if p.stored, err = s.load(ctx, s.db.Reader(), f, id); err != nil {
			return preparedWrite{}, err
		}
		if _, err := s.hooks.Before(ctx, w.actor, f, OpDelete, nil, p.stored); err != nil {
			return preparedWrite{}, err
		}
	}
	return p, nil
}

// isItemError reports whether err is one item's refusal rather than a
// failure of the database or the server.
func isItemError(err error) bool {
	e := apperr.As(err)
	return e != nil && e.Code != apperr.Internal
}

// Apply writes the prepared items inside tx, in order, and returns each
// one's outcome. An item that fails leaves nothing behind (its writes roll
// back to a savepoint) and the others go on; an error returned (the
// database failing) means tx must roll back. Apply may run again in a new
// transaction after one rolled back.
func (w *Writes) Apply(ctx context.Context, tx *sqldb.Tx) ([]WriteResult, error) {
	// First all at once; when an item fails, once more with a savepoint
	// around each item, so the common case costs no savepoint per item.
	if _, err := tx.ExecDirect(ctx, "SAVEPOINT tritium_writes"); err != nil {
		return nil, fmt.Errorf("savepoint: %w", err)
	}
	out, clean, err := w.apply(ctx, tx, false)
	if err == nil && !clean {
		if _, err = tx.ExecDirect(ctx, "ROLLBACK TO SAVEPOINT tritium_writes"); err == nil {
			out, _, err = w.apply(ctx, tx, true)
		}
	}
	if err != nil {
		return nil, err
	}
	if _, err := tx.ExecDirect(ctx, "RELEASE SAVEPOINT tritium_writes"); err != nil {
		return nil, fmt.Errorf("release savepoint: %w", err)
	}
	// The change feed: a delete wrote its event itself (removeTx).
	var evs []feed.Event
	for _, r := range out {
		switch r.Outcome {
		case OutcomeCreated:
			if !r.fed {
				evs = append(evs, changed(feed.RecordCreated, w.f, r.ObjectID, w.actor))
			}
		case OutcomeUpdated:
			evs = append(evs, changed(feed.RecordUpdated, w.f, r.ObjectID, w.actor))
		}
	}
	return out, w.s.feedAppend(ctx, tx, evs...)
}

// apply writes every item; unguarded, it stops at the first item that
// fails (clean false) and leaves tx to be rolled back to the savepoint.
func (w *Writes) apply(ctx context.Context, tx *sqldb.Tx, guarded bool) (out []WriteResult, clean bool, err error) {
	out = make([]WriteResult, len(w.items))
	opt := w.opt
	if !guarded && w.bulkable() {
		opt.bulk = &bulk{}
		fresh := 0
		for _, p := range w.items {
			if p.failed == nil && p.c.fresh {
				fresh++
			}
		}
		if err := opt.bulk.reserve(ctx, tx, w.s.plan(w.f), w.f, fresh); err != nil {
			return nil, false, err
		}
	}
	for i := range w.items {
		p := &w.items[i]
		if p.failed != nil {
			out[i] = WriteResult{ObjectID: p.id, Err: p.failed}
			continue
		}
		if guarded {
			if _, err := tx.ExecDirect(ctx, "SAVEPOINT tritium_item"); err != nil {
				return nil, false, fmt.Errorf("savepoint: %w", err)
			}
		}
		r, err := w.applyOne(ctx, tx, p, opt)
		if err != nil && guarded && p.create && tx.Dialect().IsUniqueViolation(err) {
			// A concurrent create of the same pair won the race; now it is
			// found and answered.
			if _, err = tx.ExecDirect(ctx, "ROLLBACK TO SAVEPOINT tritium_item"); err == nil {
				r, err = w.applyOne(ctx, tx, p, opt)
			}
		}
		if err != nil {
			if tx.Dialect().IsUniqueViolation(err) {
				err = apperr.Wrap(apperr.Conflict, err, "ObjectId 或 sourceSystem+sourceCode 已被其他对象使用 (an ObjectId or sourceSystem+sourceCode is already used by another object)")
			}
			if !isItemError(err) {
				return nil, false, err
			}
			if !guarded {
				return nil, false, nil
			}
			if _, rerr := tx.ExecDirect(ctx, "ROLLBACK TO SAVEPOINT tritium_item"); rerr != nil {
				return nil, false, fmt.Errorf("rollback to savepoint: %w", rerr)
			}
			r = WriteResult{ObjectID: p.id, Err: err}
		}
		if guarded {
			if _, err := tx.ExecDirect(ctx, "RELEASE SAVEPOINT tritium_item"); err != nil {
				return nil, false, fmt.Errorf("release savepoint: %w", err)
			}
		}
		out[i] = r
	}
	if opt.bulk != nil && opt.bulk.flush(ctx, tx) != nil {
		// A queued INSERT failed (a duplicate ObjectId or pair, created
		// meanwhile): one by one, the failing item is found and refused.
		return nil, false, nil
	}
	return out, true, nil
}

func (w *Writes) applyOne(ctx context.Context, tx *sqldb.Tx, p *preparedWrite, opt CreateOptions) (WriteResult, error) {
	s, f, a := w.s, w.f, w.actor
	switch {
	case p.create:
		r, err := s.create(ctx, tx, a, f, p.c, opt)
		if err != nil {
			return WriteResult{}, err
		}
		if r.Existing {
			if w.op == WriteUpsert { // created meanwhile: the data was not applied
				return WriteResult{}, apperr.New(apperr.Conflict, "对象在处理期间被创建, 请重试 (the object was created meanwhile; send the item again)")
			}
			return WriteResult{ObjectID: r.ID, Outcome: OutcomeUnchanged}, nil
		}
		if w.hooked {
			if err := s.hooks.InTx(ctx, tx, a, f, OpCreate, r.ID, nil); err != nil {
				return WriteResult{}, err
			}
		}
		return WriteResult{ObjectID: r.ID, Outcome: OutcomeCreated, fed: r.fed}, nil
	case w.op == WriteDelete:
		if err := s.removeTx(ctx, tx, a, f, p.id, p.stored); err != nil {
			return WriteResult{}, err
		}
		return WriteResult{ObjectID: p.id, Outcome: OutcomeDeleted}, nil
	}
	if _, err := s.update(ctx, tx, a, f, p.id, p.c, p.want); err != nil {
		return WriteResult{}, err
	}
	if w.hooked {
		if err := s.hooks.InTx(ctx, tx, a, f, OpUpdate, p.id, nil); err != nil {
			return WriteResult{}, err
		}
	}
	return WriteResult{ObjectID: p.id, Outcome: OutcomeUpdated}, nil
}
