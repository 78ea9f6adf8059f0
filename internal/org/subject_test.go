package org_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tritiumhq/tritium/internal/apperr"
	"github.com/tritiumhq/tritium/internal/org"
	"github.com/tritiumhq/tritium/internal/sqldb"
	"github.com/tritiumhq/tritium/internal/sqldb/sqldbtest"
)

// openNode opens another handle on the database of cfg: another node.
func openNode(t *testing.T, cfg sqldb.Config) *sqldb.DB {
	t.Helper()
	db, err := sqldb.Open(context.Background(), cfg)
	if err != nil {
		t.Fatalf("open node: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// tree is the organisation the Subject tests start from:
//
//	root (admin) ─┬─ A (managed by mgr; ua) ── A1 (ua1)
//	              └─ B (ub)
//
// with mgr in root, role r1 = {ua, ua1} and r2 = {ua}.
type tree struct {
	root, a, a1, b     string
	admin, ua, ua1, ub string
	mgr, r1, r2        string
}

func newTree(t *testing.T, e *env) tree {
	t.Helper()
	tr := tree{root: e.admin.DepartmentID, admin: e.admin.UserID}
	tr.mgr = e.mustUser(t, org.User{Name: "经理", DepartmentID: tr.root}).ID
	tr.a = e.mustDept(t, org.Department{Name: "A", ManagerID: tr.mgr}).ID
	tr.a1 = e.mustDept(t, org.Department{Name: "A1", ParentID: tr.a}).ID
	tr.b = e.mustDept(t, org.Department{Name: "B"}).ID
	tr.ua = e.mustUser(t, org.User{Name: "甲", DepartmentID: tr.a}).ID
	tr.ua1 = e.mustUser(t, org.User{Name: "乙", DepartmentID: tr.a1}).ID
	tr.ub = e.mustUser(t, org.User{Name: "丙", DepartmentID: tr.b}).ID
	tr.r1 = e.mustRole(t, org.Role{Name: "r1", MemberIDs: []string{tr.ua, tr.ua1}}).ID
	tr.r2 = e.mustRole(t, org.Role{Name: "r2", MemberIDs: []string{tr.ua}}).ID
	return tr
}

func ids(v ...string) []string {
	out := append([]string{}, v...)
	slices.Sort(out)
	return out
}

func subj(id string, depts, tree, roles, leaderOf []string) org.Subject {
	return org.Subject{UserID: id, Enabled: true, Departments: ids(depts...), DepartmentTree: ids(tree...),
		Roles: ids(roles...), Positions: []string{}, LeaderOf: ids(leaderOf...)}
}

// expect is what Subject should answer for one user: want, or NotFound
// when gone.
type expect struct {
	id   string
	want org.Subject
	gone bool
}

func (x expect) check(ctx context.Context, svc *org.Service) error {
	got, err := svc.Subject(ctx, x.id)
	if x.gone {
		if ae := apperr.As(err); ae == nil || ae.Code != apperr.NotFound {
			return fmt.Errorf("Subject(%s) = %+v, %v; want NotFound", x.id, got, err)
		}
		return nil
	}
	if err != nil {
		return fmt.Errorf("Subject(%s): %v", x.id, err)
	}
	if fmt.Sprintf("%#v", got) != fmt.Sprintf("%#v", x.want) {
		return fmt.Errorf("Subject(%s):\n got %+v\nwant %+v", x.id, got, x.want)
	}
	return nil
}

// TestSubject resolves users of a small tree, then changes the
// organisation on node A and watches both A (at once: A never needs its
// hourly revision check) and node B (a second handle and Service on the
// same database, within its 100 ms check interval).
func TestSubject(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, kind sqldb.Kind) {
		cfg := sqldbtest.Config(t, kind)
		dbA := openNode(t, cfg)
		e := &env{ctx: context.Background(), db: dbA, svc: org.NewService(dbA, org.CheckEvery(time.Hour))}
		var err error
		if e.admin, err = e.svc.EnsureAdmin(e.ctx); err != nil {
			t.Fatal(err)
		}
		const every = 100 * time.Millisecond
		nodeB := org.NewService(openNode(t, cfg), org.CheckEvery(every))
		tr := newTree(t, e)
		all := []string{tr.root, tr.a, tr.a1, tr.b}
		state := map[string]expect{
			tr.admin: {id: tr.admin, want: subj(tr.admin, []string{tr.root}, all, nil, nil)},
			tr.mgr:   {id: tr.mgr, want: subj(tr.mgr, []string{tr.root}, all, nil, []string{tr.a})},
			tr.ua:    {id: tr.ua, want: subj(tr.ua, []string{tr.a}, []string{tr.a, tr.a1}, []string{tr.r1, tr.r2}, nil)},
			tr.ua1:   {id: tr.ua1, want: subj(tr.ua1, []string{tr.a1}, []string{tr.a1}, []string{tr.r1}, nil)},
			tr.ub:    {id: tr.ub, want: subj(tr.ub, []string{tr.b}, []string{tr.b}, nil, nil)},
		}
		verify := func(step string) {
			t.Helper()
			for _, x := range state {
				if err := x.check(e.ctx, e.svc); err != nil {
					t.Fatalf("%s, node A: %v", step, err)
				}
			}
			start := time.Now()
			for _, x := range state {
				for err := x.check(e.ctx, nodeB); err != nil; err = x.check(e.ctx, nodeB) {
					if time.Since(start) > 5*time.Second {
						t.Fatalf("%s, node B after %v: %v", step, time.Since(start), err)
					}
					time.Sleep(5 * time.Millisecond)
				}
			}
			t.Logf("%s: node B current after %v", step, time.Since(start).Round(time.Millisecond))
			// Once current, B stays so and has every user cached (stale
			// ones may have passed above before B's check dropped them):
			// the next step starts from a warm node.
			for _, x := range state {
				if err := x.check(e.ctx, nodeB); err != nil {
					t.Fatalf("%s, node B again: %v", step, err)
				}
			}
		}
		verify("initial")

		disabled := func(s org.Subject) org.Subject { s.Enabled = false; return s }
		var carol string // created by external id below, in A1
		steps := []struct {
			name   string
			change func() ([]expect, error) // returns the users whose answer changes
		}{
			{"move A1 under B", func() ([]expect, error) {
				_, err := e.svc.UpdateDepartment(e.ctx, tr.a1, org.DepartmentPatch{ParentID: &tr.b})
				return []expect{
					{id: tr.ua, want: subj(tr.ua, []string{tr.a}, []string{tr.a}, []string{tr.r1, tr.r2}, nil)},
					{id: tr.ub, want: subj(tr.ub, []string{tr.b}, []string{tr.b, tr.a1}, nil, nil)},
				}, err
			}},
			{"add a role member", func() ([]expect, error) {
				_, err := e.svc.UpdateRole(e.ctx, tr.r2, org.RolePatch{MemberIDs: &[]string{tr.ua, tr.ub}})
				return []expect{
					{id: tr.ub, want: subj(tr.ub, []string{tr.b}, []string{tr.b, tr.a1}, []string{tr.r2}, nil)},
				}, err
			}},
			{"delete a user", func() ([]expect, error) {
				return []expect{{id: tr.ua1, gone: true}}, e.svc.DeleteUser(e.ctx, tr.ua1)
			}},
			{"change a manager", func() ([]expect, error) {
				_, err := e.svc.UpdateDepartment(e.ctx, tr.a, org.DepartmentPatch{ManagerID: &tr.ub})
				return []expect{
					{id: tr.mgr, want: subj(tr.mgr, []string{tr.root}, all, nil, nil)},
					{id: tr.ub, want: subj(tr.ub, []string{tr.b}, []string{tr.b, tr.a1}, []string{tr.r2}, []string{tr.a})},
				}, err
			}},
			{"create a user by external id", func() ([]expect, error) {
				u, _, err := e.svc.UpsertUserByExternalID(e.ctx, "hr-carol", org.UserPatch{Name: ptr("丁"), DepartmentID: &tr.a1})
				carol = u.ID
				return []expect{{id: u.ID, want: subj(u.ID, []string{tr.a1}, []string{tr.a1}, nil, nil)}}, err
			}},
			{"move and disable a user by external id", func() ([]expect, error) {
				_, err := e.svc.UpdateUser(e.ctx, tr.ua, org.UserPatch{ExternalID: ptr("hr-ua")})
				if err == nil {
					_, _, err = e.svc.UpsertUserByExternalID(e.ctx, "hr-ua", org.UserPatch{DepartmentID: &tr.b, Enabled: ptr(false)})
				}
				return []expect{{id: tr.ua, want: disabled(subj(tr.ua, []string{tr.b}, []string{tr.b, tr.a1}, []string{tr.r1, tr.r2}, nil))}}, err
			}},
			{"delete a role", func() ([]expect, error) {
				return []expect{
					{id: tr.ua, want: disabled(subj(tr.ua, []string{tr.b}, []string{tr.b, tr.a1}, []string{tr.r2}, nil))},
				}, e.svc.DeleteRole(e.ctx, tr.r1)
			}},
			{"add a department by external id under A1", func() ([]expect, error) {
				d, _, err := e.svc.UpsertDepartmentByExternalID(e.ctx, "hr-a1x", org.DepartmentPatch{Name: ptr("A1x"), ParentID: &tr.a1})
				all = append(all, d.ID)
				return []expect{
					{id: tr.ua, want: disabled(subj(tr.ua, []string{tr.b}, []string{tr.b, tr.a1, d.ID}, []string{tr.r2}, nil))},
					{id: tr.ub, want: subj(tr.ub, []string{tr.b}, []string{tr.b, tr.a1, d.ID}, []string{tr.r2}, []string{tr.a})},
					{id: tr.mgr, want: subj(tr.mgr, []string{tr.root}, all, nil, nil)},
					{id: tr.admin, want: subj(tr.admin, []string{tr.root}, all, nil, nil)},
					{id: carol, want: subj(carol, []string{tr.a1}, []string{tr.a1, d.ID}, nil, nil)},
				}, err
			}},
		}
		for _, st := range steps {
			then, err := st.change()
			if err != nil {
				t.Fatalf("%s: %v", st.name, err)
			}
			for _, x := range then {
				state[x.id] = x
			}
			verify(st.name)
		}
		_, err = e.svc.Subject(e.ctx, "no-such-user")
		wantErr(t, err, apperr.NotFound, "")
		if !strings.Contains(err.Error(), "no-such-user") {
			t.Fatalf("NotFound does not name the id: %v", err)
		}
	})
}

// TestEveryWriteBumpsRevision: each org write path bumps the stored
// revision once, so other nodes see it; a refused write does not.
func TestEveryWriteBumpsRevision(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, kind sqldb.Kind) {
		db := sqldbtest.Open(t, kind)
		e := &env{ctx: context.Background(), db: db, svc: org.NewService(db)}
		rev := func() int64 {
			t.Helper()
			var n int64
			if err := db.Reader().QueryRow(e.ctx, "SELECT revision FROM org_revision WHERE id = 1").Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		last := rev()
		bumped := func(what string, err error) {
			t.Helper()
			if err != nil {
				t.Fatalf("%s: %v", what, err)
			}
			if now := rev(); now != last+1 {
				t.Fatalf("%s: revision %d → %d, want one bump", what, last, now)
			}
			last++
		}
		var err error
		e.admin, err = e.svc.EnsureAdmin(e.ctx)
		bumped("EnsureAdmin", err)
		d, err := e.svc.CreateDepartment(e.ctx, org.Department{Name: "D"})
		bumped("CreateDepartment", err)
		_, err = e.svc.UpdateDepartment(e.ctx, d.ID, org.DepartmentPatch{Name: ptr("D2")})
		bumped("UpdateDepartment", err)
		d2, _, err := e.svc.UpsertDepartmentByExternalID(e.ctx, "x-d", org.DepartmentPatch{Name: ptr("E")})
		bumped("UpsertDepartmentByExternalID (create)", err)
		_, _, err = e.svc.UpsertDepartmentByExternalID(e.ctx, "x-d", org.DepartmentPatch{ParentID: &d.ID})
		bumped("UpsertDepartmentByExternalID (update)", err)
		u, err := e.svc.CreateUser(e.ctx, org.User{Name: "U", Enabled: true})
		bumped("CreateUser", err)
		_, err = e.svc.UpdateUser(e.ctx, u.ID, org.UserPatch{DepartmentID: &d.ID})
		bumped("UpdateUser", err)
		u2, _, err := e.svc.UpsertUserByExternalID(e.ctx, "x-u", org.UserPatch{Name: ptr("V")})
		bumped("UpsertUserByExternalID (create)", err)
		_, _, err = e.svc.UpsertUserByExternalID(e.ctx, "x-u", org.UserPatch{LeaderID: &u.ID})
		bumped("UpsertUserByExternalID (update)", err)
		r, err := e.svc.CreateRole(e.ctx, org.Role{Name: "R"})
		bumped("CreateRole", err)
		_, err = e.svc.UpdateRole(e.ctx, r.ID, org.RolePatch{MemberIDs: &[]string{u.ID}})
		bumped("UpdateRole", err)
		r2, _, err := e.svc.UpsertRoleByExternalID(e.ctx, "x-r", org.RolePatch{Name: ptr("S")})
		bumped("UpsertRoleByExternalID (create)", err)
		_, _, err = e.svc.UpsertRoleByExternalID(e.ctx, "x-r", org.RolePatch{MemberIDs: &[]string{u2.ID}})
		bumped("UpsertRoleByExternalID (update)", err)
		bumped("DeleteRole", e.svc.DeleteRole(e.ctx, r2.ID))
		bumped("DeleteUser", e.svc.DeleteUser(e.ctx, u2.ID))
		bumped("DeleteDepartment", e.svc.DeleteDepartment(e.ctx, d2.ID))

		// Refused writes change nothing and bump nothing.
		if _, err := e.svc.EnsureAdmin(e.ctx); err != nil {
			t.Fatal(err)
		}
		if err := e.svc.DeleteUser(e.ctx, "nobody"); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("DeleteUser(nobody) = %v", err)
		}
		if _, err := e.svc.UpdateDepartment(e.ctx, d.ID, org.DepartmentPatch{ParentID: &d.ID}); err == nil {
			t.Fatal("moved a department under itself")
		}
		if now := rev(); now != last {
			t.Fatalf("refused writes bumped the revision %d → %d", last, now)
		}
	})
}

// TestSubjectWarmNoQuery counts every statement the cache sends: a warm
// lookup sends none, however many goroutines ask.
func TestSubjectWarmNoQuery(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, kind sqldb.Kind) {
		e := newEnv(t, kind)
		tr := newTree(t, e)
		svc := org.NewService(e.db, org.CheckEvery(time.Hour))
		n := org.CountQueries(svc)
		want := subj(tr.ua, []string{tr.a}, []string{tr.a, tr.a1}, []string{tr.r1, tr.r2}, nil)
		if err := (expect{id: tr.ua, want: want}).check(e.ctx, svc); err != nil {
			t.Fatal(err)
		}
		if got := n.Swap(0); got != 3 {
			t.Fatalf("cold lookup sent %d statements, want 3 (revision, departments, user with roles)", got)
		}
		if err := (expect{id: tr.ub, want: subj(tr.ub, []string{tr.b}, []string{tr.b}, nil, nil)}).check(e.ctx, svc); err != nil {
			t.Fatal(err)
		}
		if got := n.Swap(0); got != 1 {
			t.Fatalf("another user's cold lookup sent %d statements, want 1 (the tree is shared)", got)
		}
		var wg sync.WaitGroup
		errs := make(chan error, 8)
		for range 8 {
			wg.Go(func() {
				for range 500 {
					if err := (expect{id: tr.ua, want: want}).check(e.ctx, svc); err != nil {
						errs <- err
						return
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		if got := n.Load(); got != 0 {
			t.Fatalf("4000 warm lookups sent %d statements, want 0", got)
		}
		// A caller changing what it got does not change the cache.
		got, _ := svc.Subject(e.ctx, tr.ua)
		got.Roles[0] = "changed"
		if err := (expect{id: tr.ua, want: want}).check(e.ctx, svc); err != nil {
			t.Fatal(err)
		}
	})
}

// TestFindUserIDCached: a user named by login name or email resolves from
// the cache once warm (no statement), a miss is not cached, and a write
// through the service drops what was cached.
func TestFindUserIDCached(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, kind sqldb.Kind) {
		e := newEnv(t, kind)
		svc := org.NewService(e.db, org.CheckEvery(time.Hour))
		n := org.CountQueries(svc)
		if _, err := svc.FindUserID(e.ctx, "LOGINNAME", "jia"); apperr.As(err) == nil || apperr.As(err).Field != "X-User-Id" {
			t.Fatalf("unknown login name: %v, want a field error naming X-User-Id", err)
		}
		u, err := svc.CreateUser(e.ctx, org.User{Name: "甲", LoginName: "jia", Email: "jia@example.com", Enabled: true})
		if err != nil {
			t.Fatal(err)
		}
		n.Store(0)
		for _, by := range []string{"LOGINNAME", "loginname", "EMAIL"} {
			value := map[bool]string{true: "jia", false: "jia@example.com"}[by != "EMAIL"]
			for range 3 {
				id, err := svc.FindUserID(e.ctx, by, value)
				if err != nil || id != u.ID {
					t.Fatalf("%s %s: %q %v, want %s", by, value, id, err, u.ID)
				}
			}
		}
		if got := n.Swap(0); got != 2 {
			t.Fatalf("9 lookups under 2 names sent %d statements, want 2 (one per name)", got)
		}
		if _, err := svc.FindUserID(e.ctx, "NICKNAME", "jia"); apperr.As(err) == nil || apperr.As(err).Field != "X-User-Id-Type" {
			t.Fatalf("unknown id type: %v", err)
		}
		if _, err := svc.UpdateUser(e.ctx, u.ID, org.UserPatch{LoginName: ptr("yi")}); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.FindUserID(e.ctx, "LOGINNAME", "jia"); apperr.As(err) == nil {
			t.Fatal("the old login name still resolves after the change")
		}
		if id, err := svc.FindUserID(e.ctx, "LOGINNAME", "yi"); err != nil || id != u.ID {
			t.Fatalf("the new login name: %q %v", id, err)
		}
	})
}

// TestSubjectDatabaseClosed: with its database handle closed, a node still
// answers warm lookups within the check interval (so they query nothing),
// fails cold ones, and stops trusting its cache once the interval passes.
func TestSubjectDatabaseClosed(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, kind sqldb.Kind) {
		cfg := sqldbtest.Config(t, kind)
		db := openNode(t, cfg)
		e := &env{ctx: context.Background(), db: db, svc: org.NewService(db)}
		var err error
		if e.admin, err = e.svc.EnsureAdmin(e.ctx); err != nil {
			t.Fatal(err)
		}
		tr := newTree(t, e)
		node, err := sqldb.Open(e.ctx, cfg)
		if err != nil {
			t.Fatal(err)
		}
		const every = 500 * time.Millisecond
		svc := org.NewService(node, org.CheckEvery(every))
		want := expect{id: tr.ua, want: subj(tr.ua, []string{tr.a}, []string{tr.a, tr.a1}, []string{tr.r1, tr.r2}, nil)}
		if err := want.check(e.ctx, svc); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		if err := node.Close(); err != nil {
			t.Fatal(err)
		}
		if err := want.check(e.ctx, svc); err != nil {
			t.Fatalf("warm lookup with the database closed: %v", err)
		}
		if time.Since(start) >= every {
			t.Skip("too slow to stay within the interval")
		}
		if _, err := svc.Subject(e.ctx, tr.ub); err == nil || apperr.As(err) != nil {
			t.Fatalf("cold lookup with the database closed = %v, want an internal error", err)
		}
		time.Sleep(every - time.Since(start) + 10*time.Millisecond)
		if _, err := svc.Subject(e.ctx, tr.ua); err == nil {
			t.Fatal("answered from the cache past the interval without checking the revision")
		}
	})
}

// TestSubjectConcurrent: lookups from many goroutines while departments
// move and roles change; once the writes are done, every answer is the
// final state.
func TestSubjectConcurrent(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, kind sqldb.Kind) {
		e := newEnv(t, kind)
		tr := newTree(t, e)
		svc := org.NewService(e.db, org.CheckEvery(10*time.Millisecond))
		users := []string{tr.admin, tr.mgr, tr.ua, tr.ua1, tr.ub}
		var stop atomic.Bool
		var wg sync.WaitGroup
		errs := make(chan error, 8)
		for i := range 6 {
			wg.Go(func() {
				for j := i; !stop.Load(); j++ {
					for _, s := range []*org.Service{e.svc, svc} {
						if _, err := s.Subject(e.ctx, users[j%len(users)]); err != nil {
							errs <- err
							return
						}
					}
				}
			})
		}
		for i := range 10 {
			parent, members := tr.b, []string{tr.ub}
			if i%2 == 1 {
				parent, members = tr.a, []string{tr.ua}
			}
			if _, err := e.svc.UpdateDepartment(e.ctx, tr.a1, org.DepartmentPatch{ParentID: &parent}); err != nil {
				t.Fatal(err)
			}
			if _, err := e.svc.UpdateRole(e.ctx, tr.r2, org.RolePatch{MemberIDs: &members}); err != nil {
				t.Fatal(err)
			}
		}
		stop.Store(true)
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		// A1 is back under A, r2 = {ua}: the starting state.
		final := []expect{
			{id: tr.ua, want: subj(tr.ua, []string{tr.a}, []string{tr.a, tr.a1}, []string{tr.r1, tr.r2}, nil)},
			{id: tr.ub, want: subj(tr.ub, []string{tr.b}, []string{tr.b}, nil, nil)},
		}
		for _, x := range final {
			if err := x.check(e.ctx, e.svc); err != nil {
				t.Fatal(err)
			}
			deadline := time.Now().Add(5 * time.Second)
			for err := x.check(e.ctx, svc); err != nil; err = x.check(e.ctx, svc) {
				if time.Now().After(deadline) {
					t.Fatal(err)
				}
				time.Sleep(5 * time.Millisecond)
			}
		}
	})
}

// BenchmarkSubjectWarm: warm lookups of 100 users from parallel goroutines,
// with the default one-second revision check; queries/op counts every
// statement sent during the timed loop.
func BenchmarkSubjectWarm(b *testing.B) {
	for _, kind := range sqldbtest.Kinds {
		b.Run(string(kind), func(b *testing.B) {
			ctx := context.Background()
			db := sqldbtest.Open(b, kind)
			svc := org.NewService(db)
			if _, err := svc.EnsureAdmin(ctx); err != nil {
				b.Fatal(err)
			}
			d, err := svc.CreateDepartment(ctx, org.Department{Name: "D"})
			if err != nil {
				b.Fatal(err)
			}
			users := make([]string, 100)
			for i := range users {
				u, err := svc.CreateUser(ctx, org.User{Name: fmt.Sprint("u", i), DepartmentID: d.ID, Enabled: true})
				if err != nil {
					b.Fatal(err)
				}
				users[i] = u.ID
			}
			if _, err := svc.CreateRole(ctx, org.Role{Name: "R", MemberIDs: users}); err != nil {
				b.Fatal(err)
			}
			n := org.CountQueries(svc)
			for _, u := range users {
				if _, err := svc.Subject(ctx, u); err != nil {
					b.Fatal(err)
				}
			}
			n.Store(0)
			var next atomic.Int64
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				i := int(next.Add(1))
				for pb.Next() {
					if _, err := svc.Subject(ctx, users[i%len(users)]); err != nil {
						b.Error(err)
						return
					}
					i++
				}
			})
			b.StopTimer()
			b.ReportMetric(float64(n.Load())/float64(b.N), "queries/op")
		})
	}
}
