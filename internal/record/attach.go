package record

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/tritiumhq/tritium/internal/apperr"
	"github.com/tritiumhq/tritium/internal/feed"
	"github.com/tritiumhq/tritium/internal/form"
	"github.com/tritiumhq/tritium/internal/sqldb"
)

// AttachFile appends ref to the attachment field fieldCode of object id,
// or, when childCode is set, of the child row id of that child table. The
// object's version advances.
func (s *Service) AttachFile(ctx context.Context, actor Actor, formCode, childCode, id, fieldCode string, ref form.FileRef) error {
	code, err := s.attachForm(formCode, childCode)
	if err != nil {
		return err
	}
	return s.withForm(ctx, code, func(f *form.Form) error {
		fd, table, err := s.attachTarget(f, childCode, fieldCode)
		if err != nil {
			return err
		}
		return s.attach(ctx, actor, f, fd, table, childCode != "", id, ref)
	})
}

func (s *Service) attach(ctx context.Context, actor Actor, f *form.Form, fd *form.Field, table string, child bool, id string, ref form.FileRef) error {
	d := s.db.Dialect()
	q := d.Quote
	p := s.plan(f)
	parentCol := "objectid"
	if child {
		parentCol = "parentobjectid"
	}
	sel := "SELECT " + q(fd.Column()) + ", " + q(parentCol) + " FROM " + table + " WHERE " + q("objectid") + " = ?" + d.ForUpdate()
	upd := "UPDATE " + table + " SET " + q(fd.Column()) + " = ? WHERE " + q("objectid") + " = ?"
	bump := "UPDATE " + p.table + " SET " + q("version") + " = " + q("version") + " + 1, " + q("modifiedby") + " = ?, " + q("modifiedtime") + " = ? WHERE " + q("objectid") + " = ?"
	return s.db.Write(ctx, func(tx *sqldb.Tx) error {
		var src any
		var parent string
		if err := tx.QueryRow(ctx, sel, id).Scan(&src, &parent); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return objectNotFound(id)
			}
			return fmt.Errorf("attach to %s: %w", id, err)
		}
		cur, err := form.FromDB(d, fd, src)
		if err != nil {
			return err
		}
		list, _ := cur.([]form.FileRef)
		list = append(list, ref)
		if _, err := tx.Exec(ctx, upd, form.ToDB(d, fd, list), id); err != nil {
			return fmt.Errorf("attach to %s: %w", id, err)
		}
		if _, err := tx.Exec(ctx, bump, actor.UserID, d.TimeValue(sqldb.Now()), parent); err != nil {
			return fmt.Errorf("attach to %s: %w", id, err)
		}
		return s.feedAppend(ctx, tx, changed(feed.RecordUpdated, f, parent, actor))
	})
}

// attachForm is the code of the form an attachment goes to: the owner of
// child table childCode when one is named (formCode, if given, must be
// it), else formCode.
func (s *Service) attachForm(formCode, childCode string) (string, error) {
	if childCode == "" {
		return formCode, nil
	}
	f, _, err := s.forms.GetChild(childCode)
	if err != nil {
		return "", err
	}
	if formCode != "" && !strings.EqualFold(formCode, f.Code) {
		return "", apperr.Field("ChildSchemaCode", "子表 %s 不属于表单 %s (child table belongs to form %s)", childCode, formCode, f.Code)
	}
	return f.Code, nil
}

// attachTarget finds the attachment field and its table in f.
func (s *Service) attachTarget(f *form.Form, childCode, fieldCode string) (*form.Field, string, error) {
	bad := func(format string, args ...any) error { return apperr.Field("FilePropertyName", format, args...) }
	q := s.db.Dialect().Quote
	if childCode == "" {
		fd := f.Field(fieldCode)
		if fd == nil || fd.System() || fd.Type != form.Attachment {
			return nil, "", bad("附件字段不存在: %s (no attachment field %s in form %s)", fieldCode, fieldCode, f.Code)
		}
		return fd, q(f.Table()), nil
	}
	c := f.Child(childCode)
	if c == nil { // removed since attachForm looked
		return nil, "", apperr.New(apperr.NotFound, "子表不存在: %s (child table not found)", childCode)
	}
	fd := c.Field(fieldCode)
	if fd == nil || fd.System() || fd.Type != form.Attachment {
		return nil, "", bad("附件字段不存在: %s (no attachment field %s in child table %s)", fieldCode, fieldCode, c.Code)
	}
	return fd, q(c.Table()), nil
}

// CheckAttachTarget reports whether AttachFile with these arguments would
// find its field and object, so an upload can be refused before it is
// stored.
func (s *Service) CheckAttachTarget(ctx context.Context, formCode, childCode, id, fieldCode string) error {
	code, err := s.attachForm(formCode, childCode)
	if err != nil {
		return err
	}
	return s.withForm(ctx, code, func(f *form.Form) error {
		_, table, err := s.attachTarget(f, childCode, fieldCode)
		if err != nil {
			return err
		}
		q := s.db.Dialect().Quote
		var one int
		err = s.db.Reader().QueryRow(ctx, "SELECT 1 FROM "+table+" WHERE "+q("objectid")+" = ?", id).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return objectNotFound(id)
		}
		if err != nil {
			return fmt.Errorf("check attachment target %s: %w", id, err)
		}
		return nil
	})
}
