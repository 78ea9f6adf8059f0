package record

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/tritiumhq/tritium/internal/apperr"
	"github.com/tritiumhq/tritium/internal/form"
	"github.com/tritiumhq/tritium/internal/sqldb"
)

// The references a write's values make — owner, users, departments,
// related objects, files, serial numbers — are checked or filled inside
// the write's transaction.

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
// named by values exist, and fills in attachment metadata; the files are
// then used by object id of formCode (Files.Use).
func (s *Service) checkRefs(ctx context.Context, tx *sqldb.Tx, formCode, id string, set []fieldVal) error {
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
			// Set only on success: a write function may run again (SQLite's
			// group commit), and must find the keys it was given.
			var refs []form.FileRef
			if refs, err = s.useFiles(ctx, tx, formCode, id, fv.fd, fv.v.([]form.FileRef)); err == nil {
				set[i].v = refs
			}
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

func (s *Service) useFiles(ctx context.Context, tx *sqldb.Tx, formCode, id string, fd *form.Field, refs []form.FileRef) ([]form.FileRef, error) {
	if s.files == nil {
		return nil, apperr.Field(fd.Code, "字段%s: 附件须通过上传接口写入 (attachments are written through the file API)", fd.Code)
	}
	keys := make([]string, len(refs))
	for i, r := range refs {
		keys[i] = r.FileKey
	}
	out, err := s.files.Use(ctx, tx, formCode, id, keys)
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
