package record

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/tritiumhq/tritium/internal/access"
	"github.com/tritiumhq/tritium/internal/apperr"
	"github.com/tritiumhq/tritium/internal/feed"
	"github.com/tritiumhq/tritium/internal/form"
	"github.com/tritiumhq/tritium/internal/sqldb"
)

// CreateOptions select how a new object starts.
type CreateOptions struct {
	// Submit makes the object Effective (or, on a workflow form, submits
	// it); required fields are checked. Without it the object is a Draft
	// (workflow form: Running at the start node).
	Submit bool
}

// Created is the outcome of a create.
type Created struct {
	ID                 string
	WorkflowInstanceID string
	// Existing is set when sourceSystem+sourceCode named an object that
	// already existed: it was returned, not created again.
	Existing bool
}

// MaxBatch is the most objects one batch create takes.
const MaxBatch = 500

// Create validates data and creates one object.
func (s *Service) Create(ctx context.Context, actor Actor, formCode string, data Data, opt CreateOptions) (Created, error) {
	res, err := s.CreateBatch(ctx, actor, formCode, []Data{data}, opt)
	if err != nil {
		return Created{}, err
	}
	return res[0], nil
}

// CreateBatch creates objects all-or-nothing, in one transaction. Errors
// name the item (1-based) and the field.
func (s *Service) CreateBatch(ctx context.Context, actor Actor, formCode string, items []Data, opt CreateOptions) ([]Created, error) {
	var out []Created
	err := s.withForm(ctx, formCode, func(f *form.Form) error {
		var err error
		out, err = s.createBatch(ctx, actor, f, items, opt)
		return err
	})
	return out, err
}

func (s *Service) createBatch(ctx context.Context, actor Actor, f *form.Form, items []Data, opt CreateOptions) ([]Created, error) {
	if len(items) == 0 {
		return nil, apperr.New(apperr.Invalid, "没有要创建的对象 (nothing to create)")
	}
	if len(items) > MaxBatch {
		return nil, apperr.New(apperr.Invalid, "一次最多创建 %d 个对象, 收到 %d (at most %d objects per call)", MaxBatch, len(items), MaxBatch)
	}
	hooked := s.hooked(ctx, f)
	all := make([]*changes, len(items))
	for i, data := range items {
		if s.held(actor) {
			if err := s.checkWrite(ctx, f, actor.Subject, access.Create, "", data); err != nil {
				return nil, itemErr(len(items), i, err)
			}
		}
		if hooked {
			var err error
			if data, err = s.hooks.Before(ctx, actor, f, OpCreate, data, nil); err != nil {
				return nil, itemErr(len(items), i, err)
			}
		}
		c, err := s.parse(ctx, f, data, true)
		if err == nil && opt.Submit {
			err = checkRequired(f, c, true)
		}
		if err == nil && s.held(actor) {
			err = s.checkReplay(ctx, f, actor, c)
		}
		if err != nil {
			return nil, itemErr(len(items), i, err)
		}
		all[i] = c
	}
	out := make([]Created, len(items))
	var err error
	run := func() error {
		return s.db.Write(ctx, func(tx *sqldb.Tx) error {
			evs := make([]feed.Event, 0, len(all))
			for i, c := range all {
				r, err := s.create(ctx, tx, actor, f, c, opt)
				if err == nil && hooked && !r.Existing {
					err = s.hooks.InTx(ctx, tx, actor, f, OpCreate, r.ID, nil)
				}
				if err != nil {
					return itemErr(len(items), i, err)
				}
				if !r.Existing {
					evs = append(evs, changed(feed.RecordCreated, f, r.ID, actor))
				}
				out[i] = r
			}
			return s.feedAppend(ctx, tx, evs...)
		})
	}
	err = run()
	if err != nil && s.db.Dialect().IsUniqueViolation(err) {
		// A concurrent create with the same sourceSystem+sourceCode won the
		// race (PostgreSQL); now the pair is found and returned.
		err = run()
	}
	if err != nil && s.db.Dialect().IsUniqueViolation(err) {
		return nil, apperr.Wrap(apperr.Conflict, err, "业务对象或子表行的 ObjectId 已存在 (an object or child row with this ObjectId already exists)")
	}
	if err != nil {
		return nil, err
	}
	return out, nil
}

func itemErr(n, i int, err error) error {
	if n == 1 {
		return err
	}
	if e := apperr.As(err); e != nil {
		return &apperr.Error{Code: e.Code, Field: e.Field, Message: fmt.Sprintf("第%d个对象: %s (item %d)", i+1, e.Message, i+1), Err: e.Err}
	}
	return fmt.Errorf("item %d: %w", i+1, err)
}

// create runs inside tx.
func (s *Service) create(ctx context.Context, tx *sqldb.Tx, actor Actor, f *form.Form, c *changes, opt CreateOptions) (Created, error) {
	p := s.plan(f)
	d := tx.Dialect()
	ssys, _ := c.get(form.SysSourceSystem)
	scode, _ := c.get(form.SysSourceCode)
	if (ssys == nil) != (scode == nil) {
		return Created{}, apperr.Field(form.SysSourceSystem, "sourceSystem 与 sourceCode 须同时提供 (give both sourceSystem and sourceCode, or neither)")
	}
	if ssys != nil {
		var id string
		err := tx.QueryRow(ctx, p.bySource, ssys, scode).Scan(&id)
		if err == nil {
			return Created{ID: id, Existing: true}, nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return Created{}, fmt.Errorf("find by source: %w", err)
		}
	}
	id := c.id
	if id == "" {
		id = newID()
	}
	now := sqldb.Now()
	owner, err := s.owner(ctx, tx, actor, c, true)
	if err != nil {
		return Created{}, err
	}
	createdBy := actor.UserID
	if v, ok := c.get(form.SysCreatedBy); ok && v != nil && v.(string) != actor.UserID {
		createdBy = v.(string)
		if err := s.checkUser(ctx, tx, form.SysCreatedBy, createdBy); err != nil {
			return Created{}, err
		}
	}
	if err := s.checkRefs(ctx, tx, c.set); err != nil {
		return Created{}, err
	}
	var seq any // nil: the insert draws it
	if p.seqExpr == "" {
		var n int64
		if err := tx.QueryRow(ctx, p.seq, p.seqArgs...).Scan(&n); err != nil {
			return Created{}, fmt.Errorf("next SeqNo of %s: %w", f.Code, err)
		}
		seq = n
	}
	values := make([]any, len(f.Fields))
	for _, fv := range c.set {
		values[fv.fd.Pos()] = fv.v
	}
	if err := s.fillSerials(ctx, tx, f, values, now); err != nil {
		return Created{}, err
	}
	name, _ := c.get(form.SysName)
	if name == nil {
		if ft := f.FirstText(); ft != nil {
			name = values[ft.Pos()]
		}
	}
	status := int64(form.StatusDraft)
	var instanceID any
	switch {
	case f.Workflow && s.wf != nil:
		// Running, at the start node or (submitted) past it; the engine
		// moves it on below, in this transaction.
		status, instanceID = form.StatusRunning, newID()
	case f.Workflow:
		status = form.StatusRunning // no engine connected (tools, tests)
	case opt.Submit:
		status = form.StatusEffective
	}
	args := make([]any, 0, p.nSys+len(f.Fields))
	args = append(args, id, name, createdBy, owner.user, owner.dept, d.TimeValue(now), actor.UserID, d.TimeValue(now),
		instanceID, status, seq, int64(1), ssys, scode)
	if p.seqExpr != "" {
		args = slices.Delete(args, seqNoCol, seqNoCol+1)
	}
	for i, fd := range f.Fields {
		args = append(args, form.ToDB(d, fd, values[i]))
	}
	if _, err := tx.Exec(ctx, p.insert, args...); err != nil {
		return Created{}, fmt.Errorf("insert into %s: %w", f.Code, err)
	}
	for _, cc := range c.children {
		cp := p.children[childIndex(f, cc.child)]
		for i, r := range cc.rows {
			if err := s.checkRefs(ctx, tx, r.set); err != nil {
				return Created{}, err
			}
			if err := insertRow(ctx, tx, cp, cc.child, id, i, r); err != nil {
				return Created{}, err
			}
		}
	}
	if instanceID != nil {
		submitter := actor
		if o, ok := owner.user.(string); ok && o != actor.UserID {
			submitter = Actor{UserID: o}
			if d, ok := owner.dept.(string); ok {
				submitter.DepartmentID = d
			}
		}
		if err := s.wf.StartTx(ctx, tx, f, id, instanceID.(string), submitter, opt.Submit); err != nil {
			return Created{}, err
		}
		return Created{ID: id, WorkflowInstanceID: instanceID.(string)}, nil
	}
	return Created{ID: id}, nil
}

func newID() string {
	// Version 7 ids grow with time, so inserts append to the primary-key
	// index instead of splitting pages all over it.
	u, err := uuid.NewV7()
	if err != nil {
		return uuid.NewString()
	}
	return u.String()
}

func childIndex(f *form.Form, c *form.Child) int {
	for i, x := range f.Children {
		if x == c {
			return i
		}
	}
	panic("record: child table not in form")
}

func insertRow(ctx context.Context, tx *sqldb.Tx, cp childPlan, ch *form.Child, parent string, pos int, r rowChange) error {
	id := r.id
	if id == "" {
		id = newID()
	}
	values := make([]any, len(ch.Fields))
	for _, fv := range r.set {
		values[fv.fd.Pos()] = fv.v
	}
	args := make([]any, 0, 3+len(values))
	args = append(args, id, parent, int64(pos))
	for i, fd := range ch.Fields {
		args = append(args, form.ToDB(tx.Dialect(), fd, values[i]))
	}
	if _, err := tx.Exec(ctx, cp.insert, args...); err != nil {
		return fmt.Errorf("insert into %s: %w", ch.Code, err)
	}
	return nil
}

type ownerInfo struct{ user, dept any }

// owner resolves OwnerId and OwnerDeptId: given values are checked, the
// default owner is the actor, the default department the owner's.
func (s *Service) owner(ctx context.Context, tx *sqldb.Tx, actor Actor, c *changes, create bool) (ownerInfo, error) {
	uv, userGiven := c.get(form.SysOwnerID)
	dv, deptGiven := c.get(form.SysOwnerDeptID)
	var o ownerInfo
	switch {
	case userGiven && uv != nil && uv.(string) != actor.UserID:
		dept, ok, err := s.dir.UserDepartment(ctx, tx, uv.(string))
		if err != nil {
			return o, err
		}
		if !ok {
			return o, apperr.Field(form.SysOwnerID, "字段OwnerId: 用户不存在: %s (user not found)", uv)
		}
		o.user, o.dept = uv, nilIfEmpty(dept)
	case userGiven || create:
		o.user, o.dept = actor.UserID, nilIfEmpty(actor.DepartmentID)
	}
	if deptGiven && dv != nil {
		if err := s.checkDept(ctx, tx, form.SysOwnerDeptID, dv.(string)); err != nil {
			return o, err
		}
		o.dept = dv
	}
	return o, nil
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func (s *Service) checkUser(ctx context.Context, q sqldb.Querier, field, id string) error {
	_, ok, err := s.dir.UserDepartment(ctx, q, id)
	if err != nil {
		return err
	}
	if !ok {
		return apperr.Field(field, "字段%s: 用户不存在: %s (user not found)", field, id)
	}
	return nil
}

func (s *Service) checkDept(ctx context.Context, q sqldb.Querier, field, id string) error {
	ok, err := s.dir.DepartmentExists(ctx, q, id)
	if err != nil {
		return err
	}
	if !ok {
		return apperr.Field(field, "字段%s: 部门不存在: %s (department not found)", field, id)
	}
	return nil
}

// checkRefs checks that users, departments, related objects and files
// named by values exist, and fills in attachment metadata.
func (s *Service) checkRefs(ctx context.Context, tx *sqldb.Tx, set []fieldVal) error {
	for i, fv := range set {
		if fv.v == nil {
			continue
		}
		var err error
		switch fv.fd.Type {
		case form.User:
			err = s.checkUser(ctx, tx, fv.fd.Code, fv.v.(string))
		case form.Users:
			for _, id := range fv.v.([]string) {
				if err = s.checkUser(ctx, tx, fv.fd.Code, id); err != nil {
					break
				}
			}
		case form.Department:
			err = s.checkDept(ctx, tx, fv.fd.Code, fv.v.(string))
		case form.Relation:
			err = s.checkRelation(ctx, tx, fv.fd, fv.v.(string))
		case form.Attachment:
			set[i].v, err = s.describeFiles(ctx, tx, fv.fd, fv.v.([]form.FileRef))
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func (s *Service) checkRelation(ctx context.Context, tx *sqldb.Tx, fd *form.Field, id string) error {
	target, err := s.forms.Get(fd.Form)
	if err != nil {
		return apperr.Field(fd.Code, "字段%s: 关联表单不存在: %s (%s: the related form %s does not exist)", fd.Code, fd.Form, fd.Code, fd.Form)
	}
	var one int
	err = tx.QueryRow(ctx, s.plan(target).exists, id).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return apperr.Field(fd.Code, "字段%s: 关联对象不存在: %s (no %s object with this id)", fd.Code, id, target.Code)
	}
	if err != nil {
		return fmt.Errorf("check relation %s: %w", fd.Code, err)
	}
	return nil
}

func (s *Service) describeFiles(ctx context.Context, tx *sqldb.Tx, fd *form.Field, refs []form.FileRef) ([]form.FileRef, error) {
	if s.files == nil {
		return nil, apperr.Field(fd.Code, "字段%s: 附件须通过上传接口写入 (attachments are written through the file API)", fd.Code)
	}
	keys := make([]string, len(refs))
	for i, r := range refs {
		keys[i] = r.FileKey
	}
	out, err := s.files.Describe(ctx, tx, keys)
	if err != nil {
		if e := apperr.As(err); e != nil && e.Field == "" {
			e.Field = fd.Code
			e.Message = "字段" + fd.Code + ": " + e.Message // H3Yun's envelope shows only the message
		}
		return nil, err
	}
	return out, nil
}

// fillSerials generates serial-field values that were not given. Counters
// live in the sequences table, one per field and date period.
func (s *Service) fillSerials(ctx context.Context, tx *sqldb.Tx, f *form.Form, values []any, now time.Time) error {
	for i, fd := range f.Fields {
		if fd.Type != form.Serial || values[i] != nil {
			continue
		}
		local := now.In(s.codec.Loc)
		name := "serial:" + f.Table() + ":" + fd.Column() + ":" + fd.SerialPeriod(local)
		var n int64
		err := tx.QueryRow(ctx, "INSERT INTO sequences (name, value) VALUES (?, 1) ON CONFLICT (name) DO UPDATE SET value = sequences.value + 1 RETURNING value", name).Scan(&n)
		if err != nil {
			return fmt.Errorf("next serial of %s.%s: %w", f.Code, fd.Code, err)
		}
		values[i] = fd.FormatSerial(local, n)
	}
	return nil
}

// UpdateOptions guard an update.
type UpdateOptions struct {
	// IfVersion, when not 0, is the version the caller last read; another
	// version fails with a version conflict. A "version" in the data acts
	// the same.
	IfVersion int64
}

// Update changes the fields present in data; a child table present is
// replaced row-wise (rows keep their ObjectId when sent, others are added,
// missing ones removed). It returns the new version.
func (s *Service) Update(ctx context.Context, actor Actor, formCode, id string, data Data, opt UpdateOptions) (int64, error) {
	var version int64
	err := s.withForm(ctx, formCode, func(f *form.Form) error {
		var err error
		version, err = s.updateOne(ctx, actor, f, id, data, opt)
		return err
	})
	return version, err
}

func (s *Service) updateOne(ctx context.Context, actor Actor, f *form.Form, id string, data Data, opt UpdateOptions) (int64, error) {
	if s.held(actor) {
		if err := s.checkWrite(ctx, f, actor.Subject, access.Edit, id, data); err != nil {
			return 0, err
		}
	}
	hooked := s.hooked(ctx, f)
	var storedVersion int64
	if hooked {
		// The hook sees the stored object; the write then must find it
		// unchanged, so a concurrent change is a conflict, not lost.
		stored, err := s.load(ctx, s.db.Reader(), f, id)
		if err != nil {
			return 0, err
		}
		storedVersion = stored.Sys.Version
		if data, err = s.hooks.Before(ctx, actor, f, OpUpdate, data, stored); err != nil {
			return 0, err
		}
	}
	c, err := s.parse(ctx, f, data, false)
	if err != nil {
		return 0, err
	}
	if c.id != "" && c.id != id {
		return 0, apperr.Field(form.SysObjectID, "ObjectId 与要修改的对象不一致: %s (ObjectId in the body differs from the object being updated)", c.id)
	}
	want := opt.IfVersion
	if want == 0 {
		want = c.version
	}
	if want == 0 {
		want = storedVersion
	}
	var version int64
	err = s.db.Write(ctx, func(tx *sqldb.Tx) error {
		var err error
		version, err = s.update(ctx, tx, actor, f, id, c, want)
		if err == nil && hooked {
			err = s.hooks.InTx(ctx, tx, actor, f, OpUpdate, id, nil)
		}
		if err == nil {
			err = s.feedAppend(ctx, tx, changed(feed.RecordUpdated, f, id, actor))
		}
		return err
	})
	if err != nil && s.db.Dialect().IsUniqueViolation(err) {
		return 0, apperr.Wrap(apperr.Conflict, err, "sourceSystem+sourceCode 或子表行 ObjectId 已被其他对象使用 (already used by another object)")
	}
	return version, err
}

func (s *Service) update(ctx context.Context, tx *sqldb.Tx, actor Actor, f *form.Form, id string, c *changes, want int64) (int64, error) {
	p := s.plan(f)
	d := tx.Dialect()
	var version, status int64
	if err := tx.QueryRow(ctx, p.lock, id).Scan(&version, &status); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return 0, objectNotFound(id)
		}
		return 0, fmt.Errorf("lock %s %s: %w", f.Code, id, err)
	}
	if want != 0 && want != version {
		return 0, apperr.New(apperr.VersionConflict, "版本冲突: 对象当前版本 %d, 请求基于版本 %d (version conflict: the object changed since it was read)", version, want)
	}
	if err := s.checkKept(ctx, tx, f, id, c); err != nil {
		return 0, err
	}
	if status != form.StatusDraft {
		if err := checkRequired(f, c, false); err != nil {
			return 0, err
		}
	}
	owner, err := s.owner(ctx, tx, actor, c, false)
	if err != nil {
		return 0, err
	}
	if err := s.checkRefs(ctx, tx, c.set); err != nil {
		return 0, err
	}
	q := d.Quote
	var set []string
	var args []any
	add := func(col string, v any) {
		set = append(set, q(col)+" = ?")
		args = append(args, v)
	}
	for _, fv := range c.sys {
		switch fv.fd.Code {
		case form.SysName, form.SysSourceSystem, form.SysSourceCode:
			add(fv.fd.Column(), fv.v)
		}
	}
	if owner.user != nil {
		add("ownerid", owner.user)
	}
	if owner.dept != nil || owner.user != nil {
		add("ownerdeptid", owner.dept)
	}
	for _, fv := range c.set {
		add(fv.fd.Column(), form.ToDB(d, fv.fd, fv.v))
	}
	add("modifiedby", actor.UserID)
	add("modifiedtime", d.TimeValue(sqldb.Now()))
	set = append(set, q("version")+" = ?")
	args = append(args, version+1, id)
	upd := "UPDATE " + p.table + " SET " + strings.Join(set, ", ") + " WHERE " + q("objectid") + " = ?"
	if _, err := tx.Exec(ctx, upd, args...); err != nil {
		return 0, fmt.Errorf("update %s %s: %w", f.Code, id, err)
	}
	for _, cc := range c.children {
		if err := s.replaceRows(ctx, tx, p.children[childIndex(f, cc.child)], cc, id); err != nil {
			return 0, err
		}
	}
	return version + 1, nil
}

// replaceRows makes the child table of parent hold exactly cc's rows.
func (s *Service) replaceRows(ctx context.Context, tx *sqldb.Tx, cp childPlan, cc childChange, parent string) error {
	rows, err := tx.Query(ctx, cp.ids, parent)
	if err != nil {
		return fmt.Errorf("read rows of %s: %w", cc.child.Code, err)
	}
	existing := map[string]bool{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return err
		}
		existing[id] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	d := tx.Dialect()
	kept := map[string]bool{}
	for i, r := range cc.rows {
		if err := s.checkRefs(ctx, tx, r.set); err != nil {
			return err
		}
		if r.id == "" || !existing[r.id] {
			if err := insertRow(ctx, tx, cp, cc.child, parent, i, r); err != nil {
				return err
			}
			continue
		}
		kept[r.id] = true
		set := []string{d.Quote("sortkey") + " = ?"}
		args := []any{int64(i)}
		for _, fv := range r.set {
			set = append(set, d.Quote(fv.fd.Column())+" = ?")
			args = append(args, form.ToDB(d, fv.fd, fv.v))
		}
		args = append(args, r.id)
		upd := "UPDATE " + cp.table + " SET " + strings.Join(set, ", ") + " WHERE " + d.Quote("objectid") + " = ?"
		if _, err := tx.Exec(ctx, upd, args...); err != nil {
			return fmt.Errorf("update row of %s: %w", cc.child.Code, err)
		}
	}
	for id := range existing {
		if !kept[id] {
			if _, err := tx.Exec(ctx, cp.removeRow, id); err != nil {
				return fmt.Errorf("remove row of %s: %w", cc.child.Code, err)
			}
		}
	}
	return nil
}
