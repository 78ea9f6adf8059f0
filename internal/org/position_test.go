package org_test

import (
	"slices"
	"testing"

	"github.com/tritiumhq/tritium/internal/apperr"
	"github.com/tritiumhq/tritium/internal/org"
	"github.com/tritiumhq/tritium/internal/sqldb"
	"github.com/tritiumhq/tritium/internal/sqldb/sqldbtest"
)

// TestPositions: a position has a unique code, an optional department and
// members; its holders are what approvals and grants resolve it to, and a
// user's subject lists their positions.
func TestPositions(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, kind sqldb.Kind) {
		e := newEnv(t, kind)
		dept := e.mustDept(t, org.Department{Name: "采购部"})
		a := e.mustUser(t, org.User{Name: "甲", DepartmentID: dept.ID, Enabled: true})
		b := e.mustUser(t, org.User{Name: "乙", Enabled: true})
		off := e.mustUser(t, org.User{Name: "丙"})
		if _, err := e.svc.UpdateUser(e.ctx, off.ID, org.UserPatch{Enabled: ptr(false)}); err != nil {
			t.Fatal(err)
		}
		p, err := e.svc.CreatePosition(e.ctx, org.Position{Code: "CG-ZY", Name: "采购专员", DepartmentID: dept.ID, MemberIDs: []string{b.ID, a.ID, off.ID, a.ID}})
		if err != nil {
			t.Fatal(err)
		}
		if len(p.MemberIDs) != 3 || p.Code != "CG-ZY" || p.DepartmentID != dept.ID {
			t.Fatalf("created %+v", p)
		}
		got, err := e.svc.GetPosition(e.ctx, p.ID)
		if err != nil || !slices.Equal(got.MemberIDs, p.MemberIDs) || got.Name != "采购专员" {
			t.Fatalf("get: %+v %v", got, err)
		}
		// Refused, and nothing changes: a code taken, a missing code, a
		// department or member that does not exist.
		_, err = e.svc.CreatePosition(e.ctx, org.Position{Code: "CG-ZY", Name: "重复"})
		wantErr(t, err, apperr.Conflict, "code")
		_, err = e.svc.CreatePosition(e.ctx, org.Position{Name: "无编码"})
		wantErr(t, err, apperr.Invalid, "code")
		_, err = e.svc.CreatePosition(e.ctx, org.Position{Code: "X", Name: "x", DepartmentID: "nope"})
		wantErr(t, err, apperr.Invalid, "departmentId")
		_, err = e.svc.UpdatePosition(e.ctx, p.ID, org.PositionPatch{MemberIDs: ptr([]string{"nobody"})})
		wantErr(t, err, apperr.Invalid, "memberIds")
		if list, total, err := e.svc.ListPositions(e.ctx, org.PositionQuery{Search: "cg"}); err != nil || total != 1 || list[0].ID != p.ID {
			t.Fatalf("search by code: %v %d %v", list, total, err)
		}
		// Holders: enabled members only, in the order users were created.
		holders, err := e.svc.PositionMembers(e.ctx, e.db.Reader(), []string{p.ID})
		if err != nil || !slices.Equal(holders, []string{a.ID, b.ID}) {
			t.Fatalf("holders %v %v, want %v", holders, err, []string{a.ID, b.ID})
		}
		sub, err := e.svc.Subject(e.ctx, a.ID)
		if err != nil || !slices.Equal(sub.Positions, []string{p.ID}) || len(sub.Departments) != 1 {
			t.Fatalf("subject %+v %v", sub, err)
		}
		// Upsert by the caller's code system, and the department cannot go
		// while it has positions.
		up, created, err := e.svc.UpsertPositionByExternalID(e.ctx, "HR-P1", org.PositionPatch{Code: ptr("CW-JL"), Name: ptr("财务经理")})
		if err != nil || !created || up.Code != "CW-JL" {
			t.Fatalf("upsert: %+v %v %v", up, created, err)
		}
		if _, created, err = e.svc.UpsertPositionByExternalID(e.ctx, "HR-P1", org.PositionPatch{Name: ptr("财务总监")}); err != nil || created {
			t.Fatalf("second upsert: %v %v", created, err)
		}
		wantErr(t, e.svc.DeleteDepartment(e.ctx, dept.ID), apperr.Conflict, "")
		// A deleted user leaves the position; a deleted position leaves the
		// subject.
		if err := e.svc.DeleteUser(e.ctx, b.ID); err != nil {
			t.Fatal(err)
		}
		if got, _ := e.svc.GetPosition(e.ctx, p.ID); slices.Contains(got.MemberIDs, b.ID) {
			t.Fatalf("a deleted user still holds the position: %v", got.MemberIDs)
		}
		if err := e.svc.DeletePosition(e.ctx, p.ID); err != nil {
			t.Fatal(err)
		}
		if sub, _ := e.svc.Subject(e.ctx, a.ID); len(sub.Positions) != 0 {
			t.Fatalf("after the delete the subject holds %v", sub.Positions)
		}
		_, err = e.svc.GetPosition(e.ctx, p.ID)
		wantErr(t, err, apperr.NotFound, "")
	})
}
