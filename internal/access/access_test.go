package access_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tritiumhq/tritium/internal/access"
	"github.com/tritiumhq/tritium/internal/apperr"
	"github.com/tritiumhq/tritium/internal/filter"
	"github.com/tritiumhq/tritium/internal/form"
	"github.com/tritiumhq/tritium/internal/org"
	"github.com/tritiumhq/tritium/internal/record"
	"github.com/tritiumhq/tritium/internal/sqldb"
	"github.com/tritiumhq/tritium/internal/sqldb/sqldbtest"
)

// world is a form with records owned by people in two departments.
type world struct {
	db      *sqldb.DB
	org     *org.Service
	forms   *form.Service
	records *record.Service
	f       *form.Form
	deptA   string
	deptA1  string
	deptB   string
	alice   string            // in A
	aaron   string            // in A1 (below A)
	bob     string            // in B
	ids     map[string]string // record name → id
}

func newWorld(t *testing.T, kind sqldb.Kind) *world { return newWorldTB(t, kind) }

func newWorldTB(t testing.TB, kind sqldb.Kind) *world {
	ctx := context.Background()
	db := sqldbtest.Open(t, kind)
	forms, err := form.NewService(ctx, db, &form.Codec{Loc: time.UTC}, nil)
	if err != nil {
		t.Fatal(err)
	}
	o := org.NewService(db)
	if _, err := o.EnsureAdmin(ctx); err != nil {
		t.Fatal(err)
	}
	dept := func(name, parent string) string {
		d, err := o.CreateDepartment(ctx, org.Department{Name: name, ParentID: parent})
		if err != nil {
			t.Fatal(err)
		}
		return d.ID
	}
	user := func(name, dept string) string {
		u, err := o.CreateUser(ctx, org.User{Name: name, DepartmentID: dept, Enabled: true})
		if err != nil {
			t.Fatal(err)
		}
		return u.ID
	}
	w := &world{db: db, org: o, forms: forms, ids: map[string]string{}}
	w.deptA = dept("A", "")
	w.deptA1 = dept("A1", w.deptA)
	w.deptB = dept("B", "")
	w.alice, w.aaron, w.bob = user("Alice", w.deptA), user("Aaron", w.deptA1), user("Bob", w.deptB)
	f, err := forms.Create(ctx, &form.Form{Code: "D000001Contract", Name: "合同", Fields: []*form.Field{
		{Code: "F0000001", Name: "名称", Type: form.Text}, {Code: "F0000002", Name: "金额", Type: form.Number},
	}})
	if err != nil {
		t.Fatal(err)
	}
	w.f = f
	w.records = record.NewService(record.Config{DB: db, Forms: forms, Directory: o})
	deptOf := map[string]string{w.alice: w.deptA, w.aaron: w.deptA1, w.bob: w.deptB}
	for name, owner := range map[string]string{"a-1": w.alice, "a1-1": w.aaron, "b-1": w.bob} {
		c, err := w.records.Create(ctx, record.Actor{UserID: owner, DepartmentID: deptOf[owner]}, f.Code, record.Data{"F0000001": name, "F0000002": json.Number("1"), "OwnerId": owner}, record.CreateOptions{Submit: true})
		if err != nil {
			t.Fatal(err)
		}
		w.ids[name] = c.ID
	}
	return w
}

// enforce holds the world's record service to grants, saved as the
// form's.
func (w *world) enforce(tb testing.TB, grants ...access.Grant) {
	tb.Helper()
	w.enforceOn(tb, w.f.Code, grants...)
}

// enforceOn is enforce for another form of the world.
func (w *world) enforceOn(tb testing.TB, formCode string, grants ...access.Grant) {
	tb.Helper()
	ctx := context.Background()
	st, err := access.NewStore(ctx, w.db)
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := st.Put(ctx, "admin", formCode, grants, nil); err != nil {
		tb.Fatal(err)
	}
	w.records.SetAccess(st)
}

// see lists the record names the decision's filter reaches.
func (w *world) see(t *testing.T, d access.Decision) []string {
	t.Helper()
	page, err := w.records.List(context.Background(), w.f.Code, record.Query{Filter: d.Filter})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, o := range page.Objects {
		out = append(out, o.Value("F0000001").(string))
	}
	slices.Sort(out)
	return out
}

func (w *world) subject(user, dept string, tree ...string) access.Subject {
	return access.Subject{UserID: user, Departments: []string{dept}, DepartmentTree: append([]string{dept}, tree...)}
}

// TestScopes: each preset reaches exactly its records, grants add up, and
// a user no grant is for reaches nothing.
func TestScopes(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, kind sqldb.Kind) {
		w := newWorld(t, kind)
		grants := []access.Grant{
			{ID: "g-own", Principal: access.Principal{Kind: access.ForEveryone}, Actions: []string{access.View}, Scope: access.ScopeOwn},
			{ID: "g-tree", Principal: access.Principal{Kind: access.ForUser, ID: w.alice}, Actions: []string{access.View, access.Edit}, Scope: access.ScopeTree, Hidden: []string{"F0000002"}},
			{ID: "g-dept", Principal: access.Principal{Kind: access.ForDepartment, ID: w.deptB}, Actions: []string{access.View}, Scope: access.ScopeDepartment},
		}
		cases := []struct {
			name string
			s    access.Subject
			act  string
			want []string
		}{
			{"alice sees her tree", w.subject(w.alice, w.deptA, w.deptA1), access.View, []string{"a-1", "a1-1"}},
			{"alice edits her tree", w.subject(w.alice, w.deptA, w.deptA1), access.Edit, []string{"a-1", "a1-1"}},
			{"aaron sees his own", w.subject(w.aaron, w.deptA1), access.View, []string{"a1-1"}},
			{"aaron may not edit", w.subject(w.aaron, w.deptA1), access.Edit, nil},
			{"bob sees his department", w.subject(w.bob, w.deptB), access.View, []string{"b-1"}},
			{"a user without a department sees only their own", access.Subject{UserID: "nobody"}, access.View, nil},
		}
		for _, c := range cases {
			d, err := access.Decide(grants, c.s, c.act)
			if err != nil {
				t.Fatal(err)
			}
			if got := w.see(t, d); !slices.Equal(got, c.want) {
				t.Errorf("%s: sees %v, want %v (filter %v, grants %v)", c.name, got, c.want, d.Filter, d.Grants)
			}
		}
		// Field permissions: a field is hidden when every grant that gives
		// the action hides it.
		d, _ := access.Decide(grants, w.subject(w.alice, w.deptA, w.deptA1), access.View)
		if len(d.Hidden) != 0 || !slices.Equal(d.Grants, []string{"g-own", "g-tree"}) {
			t.Errorf("alice's view: hidden %v (the own grant shows F0000002), grants %v", d.Hidden, d.Grants)
		}
		d, _ = access.Decide(grants, w.subject(w.alice, w.deptA, w.deptA1), access.Edit)
		if !slices.Equal(d.Hidden, []string{"F0000002"}) || !slices.Equal(d.ReadOnly, []string{"F0000002"}) {
			t.Errorf("alice's edit: hidden %v, read-only %v; want F0000002 both", d.Hidden, d.ReadOnly)
		}
	})
}

// TestDefaults: while a form has no grants, anyone creates, and a creator
// reaches their own drafts only.
func TestDefaults(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, kind sqldb.Kind) {
		w := newWorld(t, kind)
		ctx := context.Background()
		draft, err := w.records.Create(ctx, record.Actor{UserID: w.bob, DepartmentID: w.deptB}, w.f.Code, record.Data{"F0000001": "b-draft", "OwnerId": w.bob}, record.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		_ = draft
		d, err := access.Decide(access.Defaults(w.f.Code), w.subject(w.bob, w.deptB), access.Edit)
		if err != nil {
			t.Fatal(err)
		}
		if got := w.see(t, d); !slices.Equal(got, []string{"b-draft"}) {
			t.Fatalf("bob edits %v by default, want only his draft", got)
		}
		if d, _ := access.Decide(access.Defaults(w.f.Code), w.subject(w.alice, w.deptA), access.Create); !d.Allowed {
			t.Fatal("anyone may create by default")
		}
		if d, _ := access.Decide(access.Defaults(w.f.Code), w.subject(w.alice, w.deptA), access.Export); d.Allowed || len(w.see(t, d)) != 0 {
			t.Fatal("export is not a default")
		}
	})
}

// TestStore: grants are replaced together, validated against the form
// (nothing saved on an error), seen by another node, and reset.
func TestStore(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, kind sqldb.Kind) {
		w := newWorld(t, kind)
		ctx := context.Background()
		st, err := access.NewStore(ctx, w.db)
		if err != nil {
			t.Fatal(err)
		}
		if _, set := st.Grants(ctx, w.f.Code); set {
			t.Fatal("a fresh form has grants")
		}
		check := func(i int, g *access.Grant) error { return access.Check(w.db.Dialect(), w.forms.Codec(), w.f, g) }
		good := access.Grant{Principal: access.Principal{Kind: access.ForEveryone}, Actions: []string{access.Edit, access.View, access.View}, Scope: access.ScopeCustom,
			Rule: "F0000002 > 0 && OwnerDeptId in @user.departmentTree"}
		for _, c := range []struct {
			g    access.Grant
			want string
		}{
			{access.Grant{Principal: access.Principal{Kind: "team"}, Actions: []string{access.View}, Scope: access.ScopeAll}, "principal.kind"},
			{access.Grant{Principal: access.Principal{Kind: access.ForEveryone}, Actions: []string{"peek"}, Scope: access.ScopeAll}, "peek"},
			{access.Grant{Principal: access.Principal{Kind: access.ForEveryone}, Actions: []string{access.View}, Scope: access.ScopeCustom, Rule: "F0000009 = 1"}, "F0000009"},
			{access.Grant{Principal: access.Principal{Kind: access.ForEveryone}, Actions: []string{access.View}, Scope: access.ScopeCustom, Rule: "OwnerId = @user.boss"}, "@user.boss"},
			{access.Grant{Principal: access.Principal{Kind: access.ForEveryone}, Actions: []string{access.View}, Scope: access.ScopeCustom, Rule: "F0000002 = 'abc'"}, "F0000002"},
			{access.Grant{Principal: access.Principal{Kind: access.ForEveryone}, Actions: []string{access.View}, Scope: access.ScopeAll, Hidden: []string{"ObjectId"}}, "ObjectId"},
		} {
			_, err := st.Put(ctx, "admin", w.f.Code, []access.Grant{good, c.g}, check)
			e := apperr.As(err)
			if e == nil || !strings.Contains(e.Message, c.want) || !strings.HasPrefix(e.Field, "grants[1]") {
				t.Errorf("grant %+v: error %v, want one naming %s at grants[1]", c.g, err, c.want)
			}
		}
		if _, set := st.Grants(ctx, w.f.Code); set {
			t.Fatal("a refused set of grants was saved")
		}
		saved, err := st.Put(ctx, "admin", w.f.Code, []access.Grant{good}, check)
		if err != nil {
			t.Fatal(err)
		}
		if saved[0].ID == "" || !slices.Equal(saved[0].Actions, []string{access.View, access.Edit}) {
			t.Fatalf("saved %+v", saved[0])
		}
		other, err := access.NewStore(ctx, w.db) // another node
		if err != nil {
			t.Fatal(err)
		}
		if gs, set := other.Grants(ctx, strings.ToLower(w.f.Code)); !set || len(gs) != 1 || gs[0].Rule != good.Rule {
			t.Fatalf("another node sees %v %v", gs, set)
		}
		if _, err := st.Put(ctx, "admin", w.f.Code, nil, check); err != nil {
			t.Fatal(err)
		}
		if gs, set := st.Grants(ctx, w.f.Code); !set || len(gs) != 0 {
			t.Fatalf("an empty set of grants is nobody, not the defaults: %v %v", gs, set)
		}
		if err := st.Reset(ctx, w.f.Code); err != nil {
			t.Fatal(err)
		}
		if _, set := st.Grants(ctx, w.f.Code); set {
			t.Fatal("reset left grants")
		}
	})
}

// TestEnforced: the record service holds a subject's reads and writes to
// the form's grants; what they may not see answers as if absent.
func TestEnforced(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, kind sqldb.Kind) {
		w := newWorld(t, kind)
		ctx := context.Background()
		w.enforce(t,
			access.Grant{ID: "own", Principal: access.Principal{Kind: access.ForEveryone}, Actions: []string{access.View}, Scope: access.ScopeOwn},
			access.Grant{ID: "alice", Principal: access.Principal{Kind: access.ForUser, ID: w.alice}, Actions: []string{access.View, access.Edit}, Scope: access.ScopeTree, ReadOnly: []string{"F0000002"}},
			access.Grant{ID: "b", Principal: access.Principal{Kind: access.ForDepartment, ID: w.deptB}, Actions: []string{access.View}, Scope: access.ScopeDepartment, Hidden: []string{"F0000002"}})
		alice := w.subject(w.alice, w.deptA, w.deptA1)
		aaron := w.subject(w.aaron, w.deptA1)
		bob := w.subject(w.bob, w.deptB)
		names := func(s access.Subject, q record.Query) []string {
			t.Helper()
			q.Subject = &s
			page, err := w.records.List(ctx, w.f.Code, q)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, o := range page.Objects {
				out = append(out, o.Value("F0000001").(string))
			}
			slices.Sort(out)
			return out
		}
		if got := names(alice, record.Query{}); !slices.Equal(got, []string{"a-1", "a1-1"}) {
			t.Errorf("alice lists %v", got)
		}
		if got := names(bob, record.Query{}); !slices.Equal(got, []string{"b-1"}) {
			t.Errorf("bob lists %v", got)
		}
		// Bob's grant from his department hides F0000002, but his own
		// grant shows it: grants add up.
		_, proj, err := w.records.LoadAs(ctx, &bob, w.f.Code, w.ids["b-1"])
		if err != nil || !proj.Field(1) {
			t.Fatalf("bob loads his own record: %v (F0000002 shown: %v)", err, proj != nil && proj.Field(1))
		}
		if _, _, err := w.records.LoadAs(ctx, &bob, w.f.Code, w.ids["a-1"]); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("bob loads alice's record: %v, want not found", err)
		}
		// Writes.
		data := record.Data{"F0000001": "renamed"}
		if _, err := w.records.Update(ctx, record.Actor{UserID: w.alice, Subject: &alice}, w.f.Code, w.ids["a1-1"], data, record.UpdateOptions{}); err != nil {
			t.Errorf("alice edits in her tree: %v", err)
		}
		if _, err := w.records.Update(ctx, record.Actor{UserID: w.alice, Subject: &alice}, w.f.Code, w.ids["a1-1"], record.Data{"F0000002": json.Number("5")}, record.UpdateOptions{}); apperr.As(err) == nil || apperr.As(err).Field != "F0000002" {
			t.Errorf("alice writes a read-only field: %v", err)
		}
		if _, err := w.records.Update(ctx, record.Actor{UserID: w.aaron, Subject: &aaron}, w.f.Code, w.ids["a-1"], data, record.UpdateOptions{}); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("aaron edits a record he cannot see: %v, want not found", err)
		}
		if _, err := w.records.Update(ctx, record.Actor{UserID: w.bob, Subject: &bob}, w.f.Code, w.ids["b-1"], data, record.UpdateOptions{}); !apperr.Is(err, apperr.Forbidden) {
			t.Errorf("bob edits a record he only views: %v, want forbidden", err)
		}
		if err := w.records.Remove(ctx, record.Actor{UserID: w.alice, Subject: &alice}, w.f.Code, w.ids["a-1"]); !apperr.Is(err, apperr.Forbidden) {
			t.Errorf("alice deletes without a delete grant: %v", err)
		}
		if _, err := w.records.Create(ctx, record.Actor{UserID: w.bob, Subject: &bob}, w.f.Code, record.Data{"F0000001": "x"}, record.CreateOptions{}); !apperr.Is(err, apperr.Forbidden) {
			t.Errorf("bob creates without a create grant: %v", err)
		}
		// Engine credentials (no subject) are not held.
		if got := len(names(access.Subject{}, record.Query{})); got != 0 {
			t.Errorf("an unknown user lists %d records", got)
		}
		page, err := w.records.List(ctx, w.f.Code, record.Query{})
		if err != nil || len(page.Objects) != 3 {
			t.Errorf("without a subject: %v %d", err, len(page.Objects))
		}
	})
}

// TestHiddenFields: a field every grant hides is left out, and cannot be
// filtered, sorted or asked for.
func TestHiddenFields(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, kind sqldb.Kind) {
		w := newWorld(t, kind)
		ctx := context.Background()
		w.enforce(t, access.Grant{ID: "all", Principal: access.Principal{Kind: access.ForEveryone}, Actions: []string{access.View}, Scope: access.ScopeAll, Hidden: []string{"F0000002"}})
		bob := w.subject(w.bob, w.deptB)
		page, err := w.records.List(ctx, w.f.Code, record.Query{Subject: &bob})
		if err != nil || len(page.Objects) != 3 || page.Projection.Field(1) || !page.Projection.Field(0) {
			t.Fatalf("list: %v, %d objects, F0000002 shown %v", err, len(page.Objects), page.Projection != nil && page.Projection.Field(1))
		}
		parsed, _ := filter.Parse("F0000002 > 0")
		for name, q := range map[string]record.Query{
			"filter": {Subject: &bob, Filter: parsed},
			"sort":   {Subject: &bob, Sort: []filter.Sort{{Field: "F0000002"}}},
			"fields": {Subject: &bob, Fields: []string{"F0000001", "f0000002"}},
		} {
			_, err := w.records.List(ctx, w.f.Code, q)
			if e := apperr.As(err); e == nil || !strings.Contains(strings.ToLower(e.Message), "f0000002") || !strings.Contains(e.Message, "unknown field") {
				t.Errorf("%s on a hidden field: %v, want it unknown", name, err)
			}
		}
	})
}
