package access_test

import (
	"context"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/tritiumhq/tritium/internal/access"
	"github.com/tritiumhq/tritium/internal/apperr"
	"github.com/tritiumhq/tritium/internal/filter"
	"github.com/tritiumhq/tritium/internal/form"
	"github.com/tritiumhq/tritium/internal/org"
	"github.com/tritiumhq/tritium/internal/record"
	"github.com/tritiumhq/tritium/internal/sqldb"
	"github.com/tritiumhq/tritium/internal/sqldb/sqldbtest"
	"github.com/tritiumhq/tritium/internal/workflow"
	"github.com/tritiumhq/tritium/internal/workflow/model"
)

// Field positions of the expense form.
const (
	posTitle  = 0 // F0000001
	posAmount = 1 // F0000002
	posNote   = 2 // F0000003, hidden at the approval node
)

// approvals is the world with a workflow form, D000002Expense: alice (in
// A) submits, bob (in B, outside her department) approves at a node that
// hides F0000003, aaron is cc'd after the approval, dave (in A, beside
// alice) has no part.
type approvals struct {
	*world
	engine *workflow.Engine
	ex     *form.Form
	dave   string
}

func newApprovals(t *testing.T, kind sqldb.Kind) *approvals {
	t.Helper()
	ctx := context.Background()
	a := &approvals{world: newWorld(t, kind)}
	admin, err := a.org.EnsureAdmin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	dave, err := a.org.CreateUser(ctx, org.User{Name: "Dave", DepartmentID: a.deptA, Enabled: true})
	if err != nil {
		t.Fatal(err)
	}
	a.dave = dave.ID
	a.ex, err = a.forms.Create(ctx, &form.Form{Code: "D000002Expense", Name: "报销", Workflow: true, Fields: []*form.Field{
		{Code: "F0000001", Name: "事由", Type: form.Text}, {Code: "F0000002", Name: "金额", Type: form.Number},
		{Code: "F0000003", Name: "审批备注", Type: form.Text},
	}})
	if err != nil {
		t.Fatal(err)
	}
	a.engine = workflow.New(workflow.Config{DB: a.db, Forms: a.forms, Records: a.records, Org: a.org, Admin: admin.UserID})
	a.records.SetWorkflows(a.engine)
	a.process(t, map[string]model.FieldPerm{"F0000003": model.PermHidden})
	// The expense form's grants are the defaults: anyone creates, a
	// creator works on their drafts — and an object of a workflow form is
	// never a draft, so the grants alone show nobody anything. On the
	// contracts, everyone sees their own.
	a.enforceOn(t, a.f.Code, access.Grant{ID: "own", Principal: access.Principal{Kind: access.ForEveryone}, Actions: []string{access.View}, Scope: access.ScopeOwn})
	return a
}

// process stores the next version of the expense process: start (hiding
// F0000003) → bob approves (with perms) → aaron is cc'd → end.
func (a *approvals) process(t *testing.T, perms map[string]model.FieldPerm) {
	t.Helper()
	def := &model.Definition{
		Nodes: []*model.Node{
			// The approver's note is not the initiator's to fill in; an
			// initiator still views every field (see Participation).
			{ID: "start", Name: "发起", Type: model.Start, FieldPerms: map[string]model.FieldPerm{"F0000003": model.PermHidden}},
			{ID: "approve", Name: "审批", Type: model.Approval, Assignees: []model.Assignee{{Kind: model.AssignUser, IDs: []string{a.bob}}}, FieldPerms: perms},
			{ID: "cc", Name: "抄送", Type: model.CC, Assignees: []model.Assignee{{Kind: model.AssignUser, IDs: []string{a.aaron}}}},
			{ID: "end", Name: "结束", Type: model.End},
		},
		Flows: []*model.Flow{{ID: "f1", From: "start", To: "approve"}, {ID: "f2", From: "approve", To: "cc"}, {ID: "f3", From: "cc", To: "end"}},
	}
	if _, err := a.engine.PutDefinition(context.Background(), a.ex.Code, def, "admin"); err != nil {
		t.Fatal(err)
	}
}

// expense creates an expense owned by alice; submitted, it waits for bob.
func (a *approvals) expense(t *testing.T, title string, amount int, submit bool) string {
	t.Helper()
	c, err := a.records.Create(context.Background(), record.Actor{UserID: a.alice, DepartmentID: a.deptA}, a.ex.Code,
		record.Data{"F0000001": title, "F0000002": json.Number(strconv.Itoa(amount)), "F0000003": "note " + title},
		record.CreateOptions{Submit: submit})
	if err != nil {
		t.Fatal(err)
	}
	return c.ID
}

// approve approves bob's pending task on object id.
func (a *approvals) approve(t *testing.T, id string) {
	t.Helper()
	ctx := context.Background()
	items, _, err := a.engine.List(ctx, a.bob, workflow.ListQuery{View: workflow.ViewTodo})
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range items {
		if it.ObjectID == id {
			if _, err := a.engine.TaskAction(ctx, record.Actor{UserID: a.bob}, it.TaskID, workflow.ActApprove, workflow.Input{}); err != nil {
				t.Fatal(err)
			}
			return
		}
	}
	t.Fatalf("bob has no pending task on %s (%d pending)", id, len(items))
}

// list is what user lists of the expense form: the titles, and whether
// F0000003 is in the projection.
func (a *approvals) list(t *testing.T, user, dept string, q record.Query) (titles []string, noteShown bool) {
	t.Helper()
	s := a.subject(user, dept)
	q.Subject = &s
	page, err := a.records.List(context.Background(), a.ex.Code, q)
	if err != nil {
		t.Fatalf("%s lists: %v", user, err)
	}
	titles = []string{}
	for _, o := range page.Objects {
		titles = append(titles, o.Value("F0000001").(string))
	}
	slices.Sort(titles)
	return titles, page.Projection.Field(posNote)
}

// load is LoadAs for user: the projection's fields shown, by position.
func (a *approvals) load(t *testing.T, user, dept, id string) ([]bool, error) {
	t.Helper()
	s := a.subject(user, dept)
	o, proj, err := a.records.LoadAs(context.Background(), &s, a.ex.Code, id)
	if err != nil {
		return nil, err
	}
	if o.ID != id {
		t.Fatalf("LoadAs %s returned %s", id, o.ID)
	}
	return []bool{proj.Field(posTitle), proj.Field(posAmount), proj.Field(posNote)}, nil
}

// TestParticipants: on a workflow form whose grants show nobody anything,
// the initiator, the approver and the cc'd user view the object — with
// the approval node's field permissions for the approver — and nobody
// else does.
func TestParticipants(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, kind sqldb.Kind) {
		a := newApprovals(t, kind)
		ctx := context.Background()
		e1 := a.expense(t, "e1", 500, true)
		a.expense(t, "e2", 80, false) // at the start node: alice's alone
		o, err := a.records.Load(ctx, a.ex.Code, e1)
		if err != nil || o.Sys.Status != form.StatusRunning {
			t.Fatalf("e1 after submitting: %v, Status %v", err, o)
		}
		// The grants alone reach nothing of the form.
		d, err := access.Decide(access.Defaults(a.ex.Code), a.subject(a.alice, a.deptA), access.View)
		if err != nil {
			t.Fatal(err)
		}
		if page, err := a.records.List(ctx, a.ex.Code, record.Query{Filter: d.Filter}); err != nil || len(page.Objects) != 0 {
			t.Fatalf("alice's grants reach %v (%v)", page, err)
		}

		// The approver: that object and only it, without F0000003.
		got, shown := a.list(t, a.bob, a.deptB, record.Query{})
		if !slices.Equal(got, []string{"e1"}) || shown {
			t.Errorf("bob lists %v (F0000003 shown %v), want [e1] without it", got, shown)
		}
		if fields, err := a.load(t, a.bob, a.deptB, e1); err != nil || !fields[posTitle] || fields[posNote] {
			t.Errorf("bob loads e1: %v, fields %v; want F0000003 hidden", err, fields)
		}
		note, _ := filter.Parse(`F0000003 = "note e1"`)
		s := a.subject(a.bob, a.deptB)
		_, err = a.records.List(ctx, a.ex.Code, record.Query{Subject: &s, Filter: note})
		if e := apperr.As(err); e == nil || e.Field != "F0000003" || !strings.Contains(e.Message, "unknown field") {
			t.Errorf("bob filters on the hidden field: %v, want it unknown", err)
		}
		// The initiator: both her instances, every field.
		if got, shown := a.list(t, a.alice, a.deptA, record.Query{}); !slices.Equal(got, []string{"e1", "e2"}) || !shown {
			t.Errorf("alice lists %v (F0000003 shown %v), want [e1 e2] with it", got, shown)
		}
		// cc'd after the approval: nothing yet.
		if got, _ := a.list(t, a.aaron, a.deptA1, record.Query{}); len(got) != 0 {
			t.Errorf("aaron lists %v before his cc", got)
		}

		a.approve(t, e1)
		if o, _ := a.records.Load(ctx, a.ex.Code, e1); o.Sys.Status != form.StatusEffective {
			t.Fatalf("e1 after approving: Status %d", o.Sys.Status)
		}
		// The approver held a task: still sees it, still without F0000003.
		if got, shown := a.list(t, a.bob, a.deptB, record.Query{}); !slices.Equal(got, []string{"e1"}) || shown {
			t.Errorf("bob lists %v after approving (F0000003 shown %v)", got, shown)
		}
		// The cc'd user: the cc node hides nothing.
		if got, shown := a.list(t, a.aaron, a.deptA1, record.Query{}); !slices.Equal(got, []string{"e1"}) || !shown {
			t.Errorf("aaron lists %v after his cc (F0000003 shown %v)", got, shown)
		}
		if fields, err := a.load(t, a.aaron, a.deptA1, e1); err != nil || !fields[posNote] {
			t.Errorf("aaron loads e1: %v, fields %v", err, fields)
		}
		// No part: nothing, and not found.
		if got, _ := a.list(t, a.dave, a.deptA, record.Query{}); len(got) != 0 {
			t.Errorf("dave lists %v", got)
		}
		if _, err := a.load(t, a.dave, a.deptA, e1); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("dave loads e1: %v, want not found", err)
		}
		// Participation gives no write: bob, who sees e1, is forbidden;
		// dave, who does not, finds nothing.
		bob, dave := a.subject(a.bob, a.deptB), a.subject(a.dave, a.deptA)
		if _, err := a.records.Update(ctx, record.Actor{UserID: a.bob, Subject: &bob}, a.ex.Code, e1, record.Data{"F0000001": "x"}, record.UpdateOptions{}); !apperr.Is(err, apperr.Forbidden) {
			t.Errorf("bob edits e1: %v, want forbidden", err)
		}
		if _, err := a.records.Update(ctx, record.Actor{UserID: a.dave, Subject: &dave}, a.ex.Code, e1, record.Data{"F0000001": "x"}, record.UpdateOptions{}); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("dave edits e1: %v, want not found", err)
		}
		// A form without a process is the grants' alone.
		if page, err := a.records.List(ctx, a.f.Code, record.Query{Subject: &bob}); err != nil || len(page.Objects) != 1 || page.Objects[0].ID != a.ids["b-1"] {
			t.Errorf("bob lists the contracts: %v %v, want his own", page, err)
		}
	})
}

// TestParticipantFields: grants and participation together — a list hides
// what either hides (unless the grants reach every object participation
// adds), one object only what both hide where both reach it; and a field
// is hidden from an approver only when every node of theirs hides it.
func TestParticipantFields(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, kind sqldb.Kind) {
		a := newApprovals(t, kind)
		ctx := context.Background()
		e1 := a.expense(t, "e1", 500, true)  // bob's task, and > 100
		e2 := a.expense(t, "e2", 50, true)   // bob's task only
		e3 := a.expense(t, "e3", 900, false) // > 100 only
		bobGrant := func(scope, rule string) access.Grant {
			return access.Grant{ID: "bob", Principal: access.Principal{Kind: access.ForUser, ID: a.bob}, Actions: []string{access.View},
				Scope: scope, Rule: rule, Hidden: []string{"F0000001"}}
		}
		a.enforceOn(t, a.ex.Code, bobGrant(access.ScopeCustom, "F0000002 > 100"))
		s := a.subject(a.bob, a.deptB)
		page, err := a.records.List(ctx, a.ex.Code, record.Query{Subject: &s})
		if err != nil || len(page.Objects) != 3 || page.Projection.Field(posTitle) || page.Projection.Field(posNote) || !page.Projection.Field(posAmount) {
			t.Fatalf("bob lists: %v, %d objects; want 3, without F0000001 (grant) and F0000003 (node)", err, len(page.Objects))
		}
		for id, want := range map[string][]bool{
			e1: {true, true, true},  // both reach it: hidden where both hide
			e2: {true, true, false}, // participation alone: the node's
			e3: {false, true, true}, // the grant alone: the grant's
		} {
			if got, err := a.load(t, a.bob, a.deptB, id); err != nil || !slices.Equal(got, want) {
				t.Errorf("bob loads %s: %v, fields %v, want %v", id, err, got, want)
			}
		}
		// The grants reach all bob took part in: the grant's fields alone.
		a.enforceOn(t, a.ex.Code, bobGrant(access.ScopeCustom, "F0000002 > 10"))
		page, err = a.records.List(ctx, a.ex.Code, record.Query{Subject: &s})
		if err != nil || len(page.Objects) != 3 || page.Projection.Field(posTitle) || !page.Projection.Field(posNote) {
			t.Errorf("bob lists under a grant that covers his tasks: %v, %d objects, F0000003 shown %v", err, len(page.Objects), page.Projection.Field(posNote))
		}
		a.enforceOn(t, a.ex.Code, bobGrant(access.ScopeAll, ""))
		page, err = a.records.List(ctx, a.ex.Code, record.Query{Subject: &s})
		if err != nil || len(page.Objects) != 3 || !page.Projection.Field(posNote) {
			t.Errorf("bob lists under a grant to everything: %v, %d objects, F0000003 shown %v", err, len(page.Objects), page.Projection.Field(posNote))
		}

		// No grants at all (nobody). A second version of the process shows
		// F0000003 at bob's node and hides F0000002: with a task at both,
		// bob sees F0000003 everywhere, and F0000002 too (v1 showed it).
		a.enforceOn(t, a.ex.Code)
		p, err := a.engine.Participated(ctx, a.ex.Code, a.bob)
		if err != nil || len(p.Objects) != 2 || !slices.Equal(p.Hidden, []string{"F0000003"}) {
			t.Fatalf("bob's participation: %+v %v", p, err)
		}
		a.process(t, map[string]model.FieldPerm{"F0000003": model.PermReadonly, "F0000002": model.PermHidden})
		a.expense(t, "e4", 70, true)
		p, err = a.engine.Participated(ctx, a.ex.Code, a.bob)
		if err != nil || len(p.Objects) != 3 || len(p.Hidden) != 0 {
			t.Fatalf("bob's participation with a task at both versions: %+v %v", p, err)
		}
		if got, shown := a.list(t, a.bob, a.deptB, record.Query{}); !slices.Equal(got, []string{"e1", "e2", "e4"}) || !shown {
			t.Errorf("bob lists %v (F0000003 shown %v)", got, shown)
		}
		note, _ := filter.Parse(`F0000003 = "note e2"`)
		if got, _ := a.list(t, a.bob, a.deptB, record.Query{Filter: note}); !slices.Equal(got, []string{"e2"}) {
			t.Errorf("bob filters on F0000003, no longer hidden: %v", got)
		}
		// The initiator has no participation-hidden fields.
		if p, err := a.engine.Participated(ctx, a.ex.Code, a.alice); err != nil || len(p.Objects) != 4 || len(p.Hidden) != 0 {
			t.Errorf("alice's participation: %+v %v", p, err)
		}
		if p, err := a.engine.Participated(ctx, a.ex.Code, a.dave); err != nil || len(p.Objects) != 0 {
			t.Errorf("dave's participation: %+v %v", p, err)
		}
	})
}
