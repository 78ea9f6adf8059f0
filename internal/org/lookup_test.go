package org_test

import (
	"fmt"
	"testing"

	"github.com/tritiumhq/tritium/internal/org"
	"github.com/tritiumhq/tritium/internal/sqldb"
	"github.com/tritiumhq/tritium/internal/sqldb/sqldbtest"
)

// TestApprovalLookups: leaders (leaderId, then department managers up the
// tree), role and department members, profiles.
func TestApprovalLookups(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, kind sqldb.Kind) {
		e := newEnv(t, kind)
		q := e.db.Reader()
		ceo := e.mustUser(t, org.User{Name: "CEO"})
		vp := e.mustUser(t, org.User{Name: "VP"})
		top, err := e.svc.CreateDepartment(e.ctx, org.Department{Name: "Sales", ManagerID: ceo.ID})
		if err != nil {
			t.Fatal(err)
		}
		team, err := e.svc.CreateDepartment(e.ctx, org.Department{Name: "Team", ParentID: top.ID, ManagerID: vp.ID})
		if err != nil {
			t.Fatal(err)
		}
		lead := e.mustUser(t, org.User{Name: "Lead", DepartmentID: team.ID})
		clerk := e.mustUser(t, org.User{Name: "Clerk", DepartmentID: team.ID, LeaderID: lead.ID, Title: "clerk"})
		// vp manages Team, so vp's own leader is Team's parent's manager.
		if _, err := e.svc.UpdateUser(e.ctx, vp.ID, org.UserPatch{DepartmentID: ptr(team.ID)}); err != nil {
			t.Fatal(err)
		}
		got, err := e.svc.Leaders(e.ctx, q, clerk.ID, 5)
		if err != nil || fmt.Sprint(got) != fmt.Sprint([]string{lead.ID, vp.ID, ceo.ID}) {
			t.Fatalf("leaders of clerk = %v %v, want lead, vp, ceo", got, err)
		}
		if got, _ := e.svc.Leaders(e.ctx, q, clerk.ID, 1); len(got) != 1 || got[0] != lead.ID {
			t.Fatalf("level 1 = %v", got)
		}
		role, err := e.svc.CreateRole(e.ctx, org.Role{Name: "Approvers", MemberIDs: []string{clerk.ID, ceo.ID}})
		if err != nil {
			t.Fatal(err)
		}
		members, err := e.svc.RoleMembers(e.ctx, q, []string{role.ID, role.ID})
		if err != nil || len(members) != 2 {
			t.Fatalf("role members = %v %v", members, err)
		}
		if _, err := e.svc.UpdateUser(e.ctx, ceo.ID, org.UserPatch{Enabled: ptr(false)}); err != nil {
			t.Fatal(err)
		}
		if members, _ := e.svc.RoleMembers(e.ctx, q, []string{role.ID}); len(members) != 1 || members[0] != clerk.ID {
			t.Fatalf("disabled users stay out: %v", members)
		}
		inTeam, err := e.svc.DepartmentMembers(e.ctx, q, []string{team.ID}, false)
		if err != nil || len(inTeam) != 3 {
			t.Fatalf("team members = %v %v", inTeam, err)
		}
		p, ok, err := e.svc.UserProfile(e.ctx, q, clerk.ID)
		if err != nil || !ok || p.DepartmentID != team.ID || p.Title != "clerk" || len(p.Roles) != 1 || p.Roles[0] != role.ID {
			t.Fatalf("profile = %+v %v %v", p, ok, err)
		}
		if _, ok, _ := e.svc.UserProfile(e.ctx, q, "nobody"); ok {
			t.Fatal("profile of nobody")
		}
	})
}
