package org_test

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/uuid"
	"github.com/tritiumhq/tritium/internal/apperr"
	"github.com/tritiumhq/tritium/internal/org"
	"github.com/tritiumhq/tritium/internal/sqldb"
	"github.com/tritiumhq/tritium/internal/sqldb/sqldbtest"
)

// env is a fresh database with the admin bootstrapped.
type env struct {
	ctx   context.Context
	db    *sqldb.DB
	svc   *org.Service
	admin org.Admin
}

func newEnv(t *testing.T, kind sqldb.Kind) *env {
	t.Helper()
	db := sqldbtest.Open(t, kind)
	e := &env{ctx: context.Background(), db: db, svc: org.NewService(db)}
	var err error
	if e.admin, err = e.svc.EnsureAdmin(e.ctx); err != nil {
		t.Fatalf("EnsureAdmin: %v", err)
	}
	return e
}

func ptr[T any](v T) *T { return &v }

// wantErr fails unless err is an *apperr.Error with code and, when field is
// not empty, that field.
func wantErr(t *testing.T, err error, code apperr.Code, field string) {
	t.Helper()
	ae := apperr.As(err)
	if ae == nil {
		t.Fatalf("error = %v, want %s error", err, code)
	}
	if ae.Code != code || (field != "" && ae.Field != field) {
		t.Fatalf("error = %s/%q %q, want %s/%q", ae.Code, ae.Field, ae.Message, code, field)
	}
	if !strings.Contains(ae.Message, "(") {
		t.Fatalf("message %q has no English part", ae.Message)
	}
}

func (e *env) mustUser(t *testing.T, u org.User) org.User {
	t.Helper()
	u.Enabled = true
	got, err := e.svc.CreateUser(e.ctx, u)
	if err != nil {
		t.Fatalf("CreateUser(%q): %v", u.Name, err)
	}
	return got
}

func (e *env) mustDept(t *testing.T, d org.Department) org.Department {
	t.Helper()
	got, err := e.svc.CreateDepartment(e.ctx, d)
	if err != nil {
		t.Fatalf("CreateDepartment(%q): %v", d.Name, err)
	}
	return got
}

func (e *env) mustRole(t *testing.T, r org.Role) org.Role {
	t.Helper()
	got, err := e.svc.CreateRole(e.ctx, r)
	if err != nil {
		t.Fatalf("CreateRole(%q): %v", r.Name, err)
	}
	return got
}

func (e *env) userCount(t *testing.T) int {
	t.Helper()
	_, n, err := e.svc.ListUsers(e.ctx, org.UserQuery{})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func same[T any](t *testing.T, what string, got, want T) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%s:\n got %+v\nwant %+v", what, got, want)
	}
}

func TestUserRoundTrip(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, kind sqldb.Kind) {
		e := newEnv(t, kind)
		dept := e.mustDept(t, org.Department{Name: "销售部"})
		role := e.mustRole(t, org.Role{Name: "审批人"})
		boss := e.mustUser(t, org.User{Name: "老板"})
		u := e.mustUser(t, org.User{
			ExternalID: "hr-1", Name: " 张三 ", LoginName: "zhangsan", Email: "zs@example.com",
			Mobile: "13800000000", Title: "经理", DepartmentID: dept.ID, LeaderID: boss.ID,
			RoleIDs: []string{role.ID, role.ID},
		})
		if _, err := uuid.Parse(u.ID); err != nil {
			t.Fatalf("generated id %q is not a UUID: %v", u.ID, err)
		}
		if u.Name != "张三" || !slices.Equal(u.RoleIDs, []string{role.ID}) || u.CreatedTime.IsZero() {
			t.Fatalf("created user = %+v", u)
		}
		got, err := e.svc.GetUser(e.ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		same(t, "get after create", got, u)

		upd, err := e.svc.UpdateUser(e.ctx, u.ID, org.UserPatch{
			Name: ptr("张三丰"), Email: ptr(""), Enabled: ptr(false), LeaderID: ptr(""), RoleIDs: ptr([]string{}),
		})
		if err != nil {
			t.Fatal(err)
		}
		if upd.Name != "张三丰" || upd.Email != "" || upd.Enabled || upd.LeaderID != "" || len(upd.RoleIDs) != 0 ||
			upd.Mobile != u.Mobile || upd.DepartmentID != dept.ID || !upd.CreatedTime.Equal(u.CreatedTime) {
			t.Fatalf("updated user = %+v", upd)
		}
		got, err = e.svc.GetUser(e.ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		same(t, "get after update", got, upd)

		if err := e.svc.DeleteUser(e.ctx, u.ID); err != nil {
			t.Fatal(err)
		}
		_, err = e.svc.GetUser(e.ctx, u.ID)
		wantErr(t, err, apperr.NotFound, "")
		wantErr(t, e.svc.DeleteUser(e.ctx, u.ID), apperr.NotFound, "")
		_, err = e.svc.UpdateUser(e.ctx, u.ID, org.UserPatch{Name: ptr("x")})
		wantErr(t, err, apperr.NotFound, "")
	})
}

func TestUserGivenIDAndJSON(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, kind sqldb.Kind) {
		e := newEnv(t, kind)
		u := e.mustUser(t, org.User{ID: "u-42", Name: "李四", LoginName: "lisi", DepartmentID: e.admin.DepartmentID})
		if u.ID != "u-42" {
			t.Fatalf("id = %q, want the given one", u.ID)
		}
		_, err := e.svc.CreateUser(e.ctx, org.User{ID: "u-42", Name: "重复"})
		wantErr(t, err, apperr.Conflict, "id")
		_, err = e.svc.CreateUser(e.ctx, org.User{ID: "a;b", Name: "坏编号"})
		wantErr(t, err, apperr.Invalid, "id")

		b, err := json.Marshal(u)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		json.Unmarshal(b, &m)
		for _, k := range []string{"id", "name", "loginName", "departmentId", "enabled", "roleIds", "createdTime"} {
			if _, ok := m[k]; !ok {
				t.Errorf("JSON %s lacks %q", b, k)
			}
		}
		if _, ok := m["externalId"]; ok {
			t.Errorf("JSON %s shows an empty externalId", b)
		}
	})
}

func TestUserUniqueConflicts(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, kind sqldb.Kind) {
		e := newEnv(t, kind)
		a := e.mustUser(t, org.User{Name: "甲", LoginName: "jia", ExternalID: "x-1"})
		b := e.mustUser(t, org.User{Name: "乙", LoginName: "yi", ExternalID: "x-2"})
		// Users without login name or external id do not collide.
		e.mustUser(t, org.User{Name: "丙"})
		e.mustUser(t, org.User{Name: "丁"})

		_, err := e.svc.CreateUser(e.ctx, org.User{Name: "戊", LoginName: "jia"})
		wantErr(t, err, apperr.Conflict, "loginName")
		_, err = e.svc.CreateUser(e.ctx, org.User{Name: "戊", ExternalID: "x-1"})
		wantErr(t, err, apperr.Conflict, "externalId")
		_, err = e.svc.UpdateUser(e.ctx, b.ID, org.UserPatch{LoginName: ptr("jia")})
		wantErr(t, err, apperr.Conflict, "loginName")
		_, err = e.svc.UpdateUser(e.ctx, b.ID, org.UserPatch{ExternalID: ptr("x-1")})
		wantErr(t, err, apperr.Conflict, "externalId")
		_, err = e.svc.UpdateUser(e.ctx, b.ID, org.UserPatch{LoginName: ptr("admin")})
		wantErr(t, err, apperr.Conflict, "loginName")

		// Keeping one's own values is no conflict.
		if _, err := e.svc.UpdateUser(e.ctx, a.ID, org.UserPatch{LoginName: ptr("jia"), ExternalID: ptr("x-1")}); err != nil {
			t.Fatal(err)
		}
		got, _ := e.svc.GetUser(e.ctx, b.ID)
		if got.LoginName != "yi" || got.ExternalID != "x-2" {
			t.Fatalf("refused updates changed b: %+v", got)
		}
		if n := e.userCount(t); n != 5 {
			t.Fatalf("users = %d, want 5 (admin + 4)", n)
		}
	})
}

func TestUserValidationAndReferences(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, kind sqldb.Kind) {
		e := newEnv(t, kind)
		u := e.mustUser(t, org.User{Name: "甲"})
		cases := []struct {
			user  org.User
			field string
		}{
			{org.User{Name: "  "}, "name"},
			{org.User{Name: "x", DepartmentID: "nope"}, "departmentId"},
			{org.User{Name: "x", LeaderID: "nope"}, "leaderId"},
			{org.User{Name: "x", RoleIDs: []string{"nope"}}, "roleIds"},
			{org.User{Name: "x", Email: "a\x00b"}, "email"},
			{org.User{Name: strings.Repeat("名", 201)}, "name"},
		}
		for _, c := range cases {
			_, err := e.svc.CreateUser(e.ctx, c.user)
			wantErr(t, err, apperr.Invalid, c.field)
		}
		_, err := e.svc.UpdateUser(e.ctx, u.ID, org.UserPatch{DepartmentID: ptr("nope")})
		wantErr(t, err, apperr.Invalid, "departmentId")
		_, err = e.svc.UpdateUser(e.ctx, u.ID, org.UserPatch{LeaderID: ptr(u.ID)})
		wantErr(t, err, apperr.Invalid, "leaderId")
		_, err = e.svc.UpdateUser(e.ctx, u.ID, org.UserPatch{Name: ptr("")})
		wantErr(t, err, apperr.Invalid, "name")
		if n := e.userCount(t); n != 2 {
			t.Fatalf("users = %d, want 2", n)
		}
	})
}

// A write that fails after it has already changed rows must leave nothing
// behind: the user insert runs before the role check that fails.
func TestFailedWriteChangesNothing(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, kind sqldb.Kind) {
		e := newEnv(t, kind)
		role := e.mustRole(t, org.Role{Name: "R"})
		before := e.userCount(t)
		_, err := e.svc.CreateUser(e.ctx, org.User{ID: "ghost", Name: "幽灵", LoginName: "ghost", RoleIDs: []string{role.ID, "missing"}})
		wantErr(t, err, apperr.Invalid, "roleIds")
		_, err = e.svc.GetUser(e.ctx, "ghost")
		wantErr(t, err, apperr.NotFound, "")
		if n := e.userCount(t); n != before {
			t.Fatalf("users = %d, want %d", n, before)
		}
		if r, _ := e.svc.GetRole(e.ctx, role.ID); len(r.MemberIDs) != 0 {
			t.Fatalf("role gained members %v from a failed write", r.MemberIDs)
		}
		// The login name is free again: nothing of the failed insert stayed.
		e.mustUser(t, org.User{Name: "真人", LoginName: "ghost"})

		u := e.mustUser(t, org.User{Name: "甲", RoleIDs: []string{role.ID}})
		_, err = e.svc.UpdateUser(e.ctx, u.ID, org.UserPatch{Name: ptr("乙"), RoleIDs: ptr([]string{"missing"})})
		wantErr(t, err, apperr.Invalid, "roleIds")
		got, _ := e.svc.GetUser(e.ctx, u.ID)
		same(t, "user after failed update", got, u)

		r2 := e.mustRole(t, org.Role{Name: "R2", MemberIDs: []string{u.ID}})
		_, err = e.svc.UpdateRole(e.ctx, r2.ID, org.RolePatch{Name: ptr("改名"), MemberIDs: ptr([]string{"missing"})})
		wantErr(t, err, apperr.Invalid, "memberIds")
		gotRole, _ := e.svc.GetRole(e.ctx, r2.ID)
		same(t, "role after failed update", gotRole, r2)
	})
}

func TestUpsertUserByExternalID(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, kind sqldb.Kind) {
		e := newEnv(t, kind)
		u, created, err := e.svc.UpsertUserByExternalID(e.ctx, "wx-1", org.UserPatch{Name: ptr("王五"), Title: ptr("工程师")})
		if err != nil || !created {
			t.Fatalf("first upsert: created=%v err=%v", created, err)
		}
		if !u.Enabled || u.ExternalID != "wx-1" {
			t.Fatalf("created user = %+v, want enabled with externalId", u)
		}
		u2, created, err := e.svc.UpsertUserByExternalID(e.ctx, "wx-1", org.UserPatch{Title: ptr("架构师")})
		if err != nil || created {
			t.Fatalf("second upsert: created=%v err=%v", created, err)
		}
		if u2.ID != u.ID || u2.Name != "王五" || u2.Title != "架构师" {
			t.Fatalf("updated user = %+v", u2)
		}
		_, _, err = e.svc.UpsertUserByExternalID(e.ctx, "wx-2", org.UserPatch{Title: ptr("无名")})
		wantErr(t, err, apperr.Invalid, "name")
		_, _, err = e.svc.UpsertUserByExternalID(e.ctx, "", org.UserPatch{Name: ptr("x")})
		wantErr(t, err, apperr.Invalid, "externalId")
		if n := e.userCount(t); n != 2 {
			t.Fatalf("users = %d, want 2", n)
		}
	})
}

// Concurrent upserts of one new external id create it once; the others
// update it (on PostgreSQL, after losing the insert race and retrying).
func TestUpsertConcurrent(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, kind sqldb.Kind) {
		e := newEnv(t, kind)
		const n = 8
		var wg sync.WaitGroup
		ids := make([]string, n)
		created := make([]bool, n)
		errs := make([]error, n)
		for i := range n {
			wg.Go(func() {
				var u org.User
				u, created[i], errs[i] = e.svc.UpsertUserByExternalID(e.ctx, "same", org.UserPatch{Name: ptr(fmt.Sprint("u", i))})
				ids[i] = u.ID
			})
		}
		wg.Wait()
		var made int
		for i := range n {
			if errs[i] != nil {
				t.Fatalf("upsert %d: %v", i, errs[i])
			}
			if ids[i] != ids[0] {
				t.Fatalf("upserts returned ids %v, want one", ids)
			}
			if created[i] {
				made++
			}
		}
		if made != 1 {
			t.Fatalf("%d upserts report creating, want 1", made)
		}
		if c := e.userCount(t); c != 2 {
			t.Fatalf("users = %d, want 2", c)
		}
	})
}

func TestListUsers(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, kind sqldb.Kind) {
		e := newEnv(t, kind)
		a := e.mustDept(t, org.Department{Name: "A"})
		b := e.mustDept(t, org.Department{Name: "B"})
		role := e.mustRole(t, org.Role{Name: "R"})
		var inA []string
		for i := range 7 {
			u := e.mustUser(t, org.User{Name: fmt.Sprint("a", i), DepartmentID: a.ID, RoleIDs: []string{role.ID}})
			inA = append(inA, u.ID)
		}
		e.mustUser(t, org.User{Name: "Alice", LoginName: "alice", Email: "alice@example.com", DepartmentID: b.ID})
		e.mustUser(t, org.User{Name: "鲍勃", Email: "bob_100%@example.com", DepartmentID: b.ID})
		e.mustUser(t, org.User{Name: "卡罗尔", LoginName: "CAROL", DepartmentID: b.ID})

		var pages []string
		for off := 0; off < 7; off += 3 {
			items, total, err := e.svc.ListUsers(e.ctx, org.UserQuery{DepartmentID: a.ID, Offset: off, Limit: 3})
			if err != nil {
				t.Fatal(err)
			}
			if total != 7 {
				t.Fatalf("total = %d, want 7", total)
			}
			if want := min(3, 7-off); len(items) != want {
				t.Fatalf("page at %d has %d items, want %d", off, len(items), want)
			}
			for _, u := range items {
				if !slices.Equal(u.RoleIDs, []string{role.ID}) {
					t.Fatalf("listed user %s roles = %v", u.Name, u.RoleIDs)
				}
				pages = append(pages, u.ID)
			}
		}
		same(t, "paged ids (oldest first)", pages, inA)

		searches := map[string][]string{
			"ALICE":   {"Alice"},                                     // name and login, any case
			"carol":   {"卡罗尔"},                                       // login name
			"example": {"Alice", "鲍勃"},                               // email
			"_100%":   {"鲍勃"},                                        // wildcards match themselves
			"%":       {"鲍勃"},                                        // not everything
			"鲍":       {"鲍勃"},                                        // CJK
			"zzz":     nil,                                           // nothing
			"a":       append(names(7), "Alice", "鲍勃", "卡罗尔", "管理员"), // names, emails, logins
		}
		for s, want := range searches {
			items, total, err := e.svc.ListUsers(e.ctx, org.UserQuery{Search: s})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, u := range items {
				got = append(got, u.Name)
			}
			slices.Sort(got)
			slices.Sort(want)
			if !slices.Equal(got, want) || total != len(want) {
				t.Errorf("search %q = %v (total %d), want %v", s, got, total, want)
			}
		}

		items, total, err := e.svc.ListUsers(e.ctx, org.UserQuery{Limit: 100000})
		if err != nil || total != 11 || len(items) != 11 {
			t.Fatalf("big limit: %d items, total %d, err %v", len(items), total, err)
		}
		items, total, err = e.svc.ListUsers(e.ctx, org.UserQuery{Offset: 50})
		if err != nil || total != 11 || len(items) != 0 {
			t.Fatalf("past the end: %d items, total %d, err %v", len(items), total, err)
		}
		_, _, err = e.svc.ListUsers(e.ctx, org.UserQuery{Offset: -1})
		wantErr(t, err, apperr.Invalid, "offset")
		_, _, err = e.svc.ListUsers(e.ctx, org.UserQuery{Limit: -1})
		wantErr(t, err, apperr.Invalid, "limit")
	})
}

func names(n int) []string {
	var out []string
	for i := range n {
		out = append(out, fmt.Sprint("a", i))
	}
	return out
}

func TestDepartmentRoundTrip(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, kind sqldb.Kind) {
		e := newEnv(t, kind)
		mgr := e.mustUser(t, org.User{Name: "主管"})
		d := e.mustDept(t, org.Department{Name: "研发部", ExternalID: "d-1", ManagerID: mgr.ID, SortOrder: 3})
		if d.ParentID != e.admin.DepartmentID {
			t.Fatalf("parent = %q, want the root %q", d.ParentID, e.admin.DepartmentID)
		}
		got, err := e.svc.GetDepartment(e.ctx, d.ID)
		if err != nil {
			t.Fatal(err)
		}
		same(t, "get after create", got, d)

		child := e.mustDept(t, org.Department{Name: "后端组", ParentID: d.ID})
		upd, err := e.svc.UpdateDepartment(e.ctx, child.ID, org.DepartmentPatch{Name: ptr("服务端组"), SortOrder: ptr(-1), ManagerID: ptr(mgr.ID)})
		if err != nil {
			t.Fatal(err)
		}
		if upd.Name != "服务端组" || upd.SortOrder != -1 || upd.ManagerID != mgr.ID || upd.ParentID != d.ID {
			t.Fatalf("updated = %+v", upd)
		}
		got, _ = e.svc.GetDepartment(e.ctx, child.ID)
		same(t, "get after update", got, upd)

		// An empty parent moves a department to directly under the root.
		moved, err := e.svc.UpdateDepartment(e.ctx, child.ID, org.DepartmentPatch{ParentID: ptr("")})
		if err != nil || moved.ParentID != e.admin.DepartmentID {
			t.Fatalf("move to root: %+v, %v", moved, err)
		}

		items, total, err := e.svc.ListDepartments(e.ctx, org.DepartmentQuery{ParentID: e.admin.DepartmentID})
		if err != nil {
			t.Fatal(err)
		}
		if total != 2 || len(items) != 2 || items[0].ID != child.ID || items[1].ID != d.ID {
			t.Fatalf("children of root = %+v (total %d), want [child (sort -1), d (sort 3)]", items, total)
		}
		items, total, err = e.svc.ListDepartments(e.ctx, org.DepartmentQuery{Limit: 1, Offset: 1})
		if err != nil || total != 3 || len(items) != 1 {
			t.Fatalf("all departments page: %d items, total %d, err %v", len(items), total, err)
		}

		if err := e.svc.DeleteDepartment(e.ctx, child.ID); err != nil {
			t.Fatal(err)
		}
		_, err = e.svc.GetDepartment(e.ctx, child.ID)
		wantErr(t, err, apperr.NotFound, "")
		wantErr(t, e.svc.DeleteDepartment(e.ctx, child.ID), apperr.NotFound, "")

		_, err = e.svc.CreateDepartment(e.ctx, org.Department{Name: "x", ParentID: "nope"})
		wantErr(t, err, apperr.Invalid, "parentId")
		_, err = e.svc.CreateDepartment(e.ctx, org.Department{Name: "x", ManagerID: "nope"})
		wantErr(t, err, apperr.Invalid, "managerId")
		_, err = e.svc.CreateDepartment(e.ctx, org.Department{Name: "x", ExternalID: "d-1"})
		wantErr(t, err, apperr.Conflict, "externalId")
		_, err = e.svc.CreateDepartment(e.ctx, org.Department{Name: ""})
		wantErr(t, err, apperr.Invalid, "name")
	})
}

func TestDepartmentCycles(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, kind sqldb.Kind) {
		e := newEnv(t, kind)
		a := e.mustDept(t, org.Department{Name: "A"})
		b := e.mustDept(t, org.Department{Name: "B", ParentID: a.ID})
		c := e.mustDept(t, org.Department{Name: "C", ParentID: b.ID})

		for _, parent := range []string{a.ID, b.ID, c.ID} {
			_, err := e.svc.UpdateDepartment(e.ctx, a.ID, org.DepartmentPatch{Name: ptr("A2"), ParentID: ptr(parent)})
			wantErr(t, err, apperr.Invalid, "parentId")
		}
		got, _ := e.svc.GetDepartment(e.ctx, a.ID)
		same(t, "A after refused moves", got, a)

		_, err := e.svc.UpdateDepartment(e.ctx, e.admin.DepartmentID, org.DepartmentPatch{ParentID: ptr(c.ID)})
		wantErr(t, err, apperr.Invalid, "parentId")
		_, err = e.svc.UpdateDepartment(e.ctx, b.ID, org.DepartmentPatch{ParentID: ptr("nope")})
		wantErr(t, err, apperr.Invalid, "parentId")

		// Moving a department sideways or up is fine.
		c2, err := e.svc.UpdateDepartment(e.ctx, c.ID, org.DepartmentPatch{ParentID: ptr(a.ID)})
		if err != nil || c2.ParentID != a.ID {
			t.Fatalf("move C under A: %+v, %v", c2, err)
		}
		b2, err := e.svc.UpdateDepartment(e.ctx, b.ID, org.DepartmentPatch{ParentID: ptr(c.ID)})
		if err != nil || b2.ParentID != c.ID {
			t.Fatalf("move B under C: %+v, %v", b2, err)
		}
		// Now A > C > B: C cannot go under B.
		_, err = e.svc.UpdateDepartment(e.ctx, c.ID, org.DepartmentPatch{ParentID: ptr(b.ID)})
		wantErr(t, err, apperr.Invalid, "parentId")
	})
}

func TestDepartmentDeleteRefusals(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, kind sqldb.Kind) {
		e := newEnv(t, kind)
		a := e.mustDept(t, org.Department{Name: "A"})
		b := e.mustDept(t, org.Department{Name: "B", ParentID: a.ID})
		u := e.mustUser(t, org.User{Name: "甲", DepartmentID: b.ID})

		wantErr(t, e.svc.DeleteDepartment(e.ctx, a.ID), apperr.Conflict, "")
		wantErr(t, e.svc.DeleteDepartment(e.ctx, b.ID), apperr.Conflict, "")
		wantErr(t, e.svc.DeleteDepartment(e.ctx, e.admin.DepartmentID), apperr.Forbidden, "")
		for _, id := range []string{a.ID, b.ID, e.admin.DepartmentID} {
			if _, err := e.svc.GetDepartment(e.ctx, id); err != nil {
				t.Fatalf("refused delete removed %s: %v", id, err)
			}
		}

		if _, err := e.svc.UpdateUser(e.ctx, u.ID, org.UserPatch{DepartmentID: ptr(a.ID)}); err != nil {
			t.Fatal(err)
		}
		if err := e.svc.DeleteDepartment(e.ctx, b.ID); err != nil {
			t.Fatalf("delete emptied B: %v", err)
		}
		wantErr(t, e.svc.DeleteDepartment(e.ctx, a.ID), apperr.Conflict, "")
		if err := e.svc.DeleteUser(e.ctx, u.ID); err != nil {
			t.Fatal(err)
		}
		if err := e.svc.DeleteDepartment(e.ctx, a.ID); err != nil {
			t.Fatalf("delete emptied A: %v", err)
		}
	})
}

func TestUpsertDepartmentByExternalID(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, kind sqldb.Kind) {
		e := newEnv(t, kind)
		top, created, err := e.svc.UpsertDepartmentByExternalID(e.ctx, "wx-d1", org.DepartmentPatch{Name: ptr("总部")})
		if err != nil || !created || top.ParentID != e.admin.DepartmentID {
			t.Fatalf("create: %+v created=%v err=%v", top, created, err)
		}
		sub, created, err := e.svc.UpsertDepartmentByExternalID(e.ctx, "wx-d2", org.DepartmentPatch{Name: ptr("分部"), ParentID: &top.ID})
		if err != nil || !created || sub.ParentID != top.ID {
			t.Fatalf("create child: %+v created=%v err=%v", sub, created, err)
		}
		again, created, err := e.svc.UpsertDepartmentByExternalID(e.ctx, "wx-d1", org.DepartmentPatch{SortOrder: ptr(9)})
		if err != nil || created || again.ID != top.ID || again.Name != "总部" || again.SortOrder != 9 {
			t.Fatalf("update: %+v created=%v err=%v", again, created, err)
		}
		_, _, err = e.svc.UpsertDepartmentByExternalID(e.ctx, "wx-d1", org.DepartmentPatch{ParentID: &sub.ID})
		wantErr(t, err, apperr.Invalid, "parentId")
	})
}

func TestRoleRoundTrip(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, kind sqldb.Kind) {
		e := newEnv(t, kind)
		u1 := e.mustUser(t, org.User{Name: "甲"})
		u2 := e.mustUser(t, org.User{Name: "乙"})
		r := e.mustRole(t, org.Role{Name: "财务", Description: "管钱", ExternalID: "r-1", MemberIDs: []string{u2.ID, u1.ID, u2.ID}})
		want := []string{u1.ID, u2.ID}
		slices.Sort(want)
		if !slices.Equal(r.MemberIDs, want) {
			t.Fatalf("members = %v, want %v", r.MemberIDs, want)
		}
		got, err := e.svc.GetRole(e.ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		same(t, "get after create", got, r)
		if u, _ := e.svc.GetUser(e.ctx, u1.ID); !slices.Equal(u.RoleIDs, []string{r.ID}) {
			t.Fatalf("user roles = %v, want [%s]", u.RoleIDs, r.ID)
		}

		upd, err := e.svc.UpdateRole(e.ctx, r.ID, org.RolePatch{Description: ptr(""), MemberIDs: ptr([]string{u2.ID})})
		if err != nil {
			t.Fatal(err)
		}
		if upd.Description != "" || upd.Name != "财务" || !slices.Equal(upd.MemberIDs, []string{u2.ID}) {
			t.Fatalf("updated = %+v", upd)
		}
		got, _ = e.svc.GetRole(e.ctx, r.ID)
		same(t, "get after update", got, upd)
		if u, _ := e.svc.GetUser(e.ctx, u1.ID); len(u.RoleIDs) != 0 {
			t.Fatalf("removed member still has roles %v", u.RoleIDs)
		}

		_, err = e.svc.CreateRole(e.ctx, org.Role{Name: "x", ExternalID: "r-1"})
		wantErr(t, err, apperr.Conflict, "externalId")
		_, err = e.svc.CreateRole(e.ctx, org.Role{Name: "x", MemberIDs: []string{"nope"}})
		wantErr(t, err, apperr.Invalid, "memberIds")

		e.mustRole(t, org.Role{Name: "出纳"})
		items, total, err := e.svc.ListRoles(e.ctx, org.RoleQuery{})
		if err != nil || total != 2 || len(items) != 2 || !slices.Equal(items[0].MemberIDs, []string{u2.ID}) {
			t.Fatalf("list: %+v total %d err %v", items, total, err)
		}
		if items, total, _ := e.svc.ListRoles(e.ctx, org.RoleQuery{Search: "出"}); total != 1 || items[0].Name != "出纳" {
			t.Fatalf("search: %+v", items)
		}

		up, created, err := e.svc.UpsertRoleByExternalID(e.ctx, "r-1", org.RolePatch{Name: ptr("财务部")})
		if err != nil || created || up.ID != r.ID || up.Name != "财务部" || !slices.Equal(up.MemberIDs, []string{u2.ID}) {
			t.Fatalf("upsert existing: %+v created=%v err=%v", up, created, err)
		}
		nr, created, err := e.svc.UpsertRoleByExternalID(e.ctx, "r-2", org.RolePatch{Name: ptr("新角色"), MemberIDs: ptr([]string{u1.ID})})
		if err != nil || !created || !slices.Equal(nr.MemberIDs, []string{u1.ID}) {
			t.Fatalf("upsert new: %+v created=%v err=%v", nr, created, err)
		}

		if err := e.svc.DeleteRole(e.ctx, r.ID); err != nil {
			t.Fatal(err)
		}
		_, err = e.svc.GetRole(e.ctx, r.ID)
		wantErr(t, err, apperr.NotFound, "")
		if u, _ := e.svc.GetUser(e.ctx, u2.ID); len(u.RoleIDs) != 0 {
			t.Fatalf("member of deleted role still has roles %v", u.RoleIDs)
		}
		wantErr(t, e.svc.DeleteRole(e.ctx, r.ID), apperr.NotFound, "")
	})
}

func TestDeleteUserClearsReferences(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, kind sqldb.Kind) {
		e := newEnv(t, kind)
		boss := e.mustUser(t, org.User{Name: "老板"})
		d := e.mustDept(t, org.Department{Name: "D", ManagerID: boss.ID})
		u := e.mustUser(t, org.User{Name: "员工", LeaderID: boss.ID, DepartmentID: d.ID})
		r := e.mustRole(t, org.Role{Name: "R", MemberIDs: []string{boss.ID, u.ID}})

		if err := e.svc.DeleteUser(e.ctx, boss.ID); err != nil {
			t.Fatal(err)
		}
		if got, _ := e.svc.GetUser(e.ctx, u.ID); got.LeaderID != "" || !got.ModifiedTime.After(u.ModifiedTime) {
			t.Fatalf("employee after leader deleted: %+v", got)
		}
		if got, _ := e.svc.GetDepartment(e.ctx, d.ID); got.ManagerID != "" {
			t.Fatalf("department manager still %q", got.ManagerID)
		}
		if got, _ := e.svc.GetRole(e.ctx, r.ID); !slices.Equal(got.MemberIDs, []string{u.ID}) {
			t.Fatalf("role members = %v, want [%s]", got.MemberIDs, u.ID)
		}
	})
}

func TestEnsureAdmin(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, kind sqldb.Kind) {
		e := newEnv(t, kind)
		again, err := e.svc.EnsureAdmin(e.ctx)
		if err != nil || again != e.admin {
			t.Fatalf("second EnsureAdmin = %+v, %v; want %+v", again, err, e.admin)
		}
		admin, err := e.svc.GetUser(e.ctx, e.admin.UserID)
		if err != nil {
			t.Fatal(err)
		}
		if admin.Name != "管理员" || admin.LoginName != "admin" || admin.DepartmentID != e.admin.DepartmentID || !admin.Enabled {
			t.Fatalf("admin = %+v", admin)
		}
		root, err := e.svc.GetDepartment(e.ctx, e.admin.DepartmentID)
		if err != nil {
			t.Fatal(err)
		}
		if root.Name != "公司" || root.ParentID != "" || root.ExternalID != "" {
			t.Fatalf("root = %+v", root)
		}
		var stored string
		e.db.Reader().QueryRow(e.ctx, "SELECT value FROM settings WHERE key = ?", "admin_user_id").Scan(&stored)
		if stored != e.admin.UserID {
			t.Fatalf("settings admin_user_id = %q, want %q", stored, e.admin.UserID)
		}

		wantErr(t, e.svc.DeleteUser(e.ctx, e.admin.UserID), apperr.Forbidden, "")
		wantErr(t, e.svc.DeleteDepartment(e.ctx, e.admin.DepartmentID), apperr.Forbidden, "")
		if _, err := e.svc.GetUser(e.ctx, e.admin.UserID); err != nil {
			t.Fatalf("admin gone after refused delete: %v", err)
		}
		// The root may be renamed but stays the root.
		if r, err := e.svc.UpdateDepartment(e.ctx, root.ID, org.DepartmentPatch{Name: ptr("某某公司"), ParentID: ptr("")}); err != nil || r.ParentID != "" {
			t.Fatalf("rename root: %+v, %v", r, err)
		}
	})
}

// Several nodes bootstrapping one empty database at once agree on one
// admin and one root, and create each exactly once.
func TestEnsureAdminConcurrent(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, kind sqldb.Kind) {
		ctx := context.Background()
		cfg := sqldbtest.Config(t, kind)
		var svcs []*org.Service
		for range 2 { // two handles: two processes on one database
			db, err := sqldb.Open(ctx, cfg)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			svcs = append(svcs, org.NewService(db))
		}
		const n = 8
		got := make([]org.Admin, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() { got[i], errs[i] = svcs[i%2].EnsureAdmin(ctx) })
		}
		wg.Wait()
		for i := range n {
			if errs[i] != nil {
				t.Fatalf("EnsureAdmin %d: %v", i, errs[i])
			}
			if got[i] != got[0] || got[i].UserID == "" || got[i].DepartmentID == "" {
				t.Fatalf("EnsureAdmin results differ: %+v", got)
			}
		}
		_, users, err := svcs[0].ListUsers(ctx, org.UserQuery{})
		if err != nil || users != 1 {
			t.Fatalf("users = %d (%v), want 1", users, err)
		}
		_, depts, err := svcs[1].ListDepartments(ctx, org.DepartmentQuery{})
		if err != nil || depts != 1 {
			t.Fatalf("departments = %d (%v), want 1", depts, err)
		}
	})
}

func TestCreateDepartmentNeedsRoot(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, kind sqldb.Kind) {
		db := sqldbtest.Open(t, kind)
		svc := org.NewService(db)
		_, err := svc.CreateDepartment(context.Background(), org.Department{Name: "孤儿"})
		if err == nil || apperr.As(err) != nil {
			t.Fatalf("error = %v, want an internal error before EnsureAdmin", err)
		}
	})
}

func TestLookups(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, kind sqldb.Kind) {
		e := newEnv(t, kind)
		d := e.mustDept(t, org.Department{Name: "D"})
		u := e.mustUser(t, org.User{Name: "甲", DepartmentID: d.ID})
		loner := e.mustUser(t, org.User{Name: "乙"})

		r := e.db.Reader()
		if dept, ok, err := e.svc.UserDepartment(e.ctx, r, u.ID); err != nil || !ok || dept != d.ID {
			t.Fatalf("UserDepartment = %q, %v, %v", dept, ok, err)
		}
		if dept, ok, err := e.svc.UserDepartment(e.ctx, r, loner.ID); err != nil || !ok || dept != "" {
			t.Fatalf("UserDepartment(no department) = %q, %v, %v", dept, ok, err)
		}
		if _, ok, err := e.svc.UserDepartment(e.ctx, r, "nope"); err != nil || ok {
			t.Fatalf("UserDepartment(missing) ok=%v err=%v", ok, err)
		}
		if ok, err := e.svc.DepartmentExists(e.ctx, r, d.ID); err != nil || !ok {
			t.Fatalf("DepartmentExists = %v, %v", ok, err)
		}
		if ok, err := e.svc.DepartmentExists(e.ctx, r, "nope"); err != nil || ok {
			t.Fatalf("DepartmentExists(missing) = %v, %v", ok, err)
		}

		// Inside a write, the lookups see that transaction's own changes.
		err := e.db.Write(e.ctx, func(tx *sqldb.Tx) error {
			if _, err := tx.Exec(e.ctx, "UPDATE users SET department_id = NULL WHERE id = ?", u.ID); err != nil {
				return err
			}
			dept, ok, err := e.svc.UserDepartment(e.ctx, tx, u.ID)
			if err != nil || !ok || dept != "" {
				return fmt.Errorf("in tx: UserDepartment = %q, %v, %v", dept, ok, err)
			}
			if ok, err := e.svc.DepartmentExists(e.ctx, tx, d.ID); err != nil || !ok {
				return fmt.Errorf("in tx: DepartmentExists = %v, %v", ok, err)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}
