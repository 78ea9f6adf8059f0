package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/tritiumhq/tritium/internal/app"
	"github.com/tritiumhq/tritium/internal/form"
	"github.com/tritiumhq/tritium/internal/org"
	"github.com/tritiumhq/tritium/internal/record"
	"github.com/tritiumhq/tritium/internal/sqldb"
	"github.com/tritiumhq/tritium/internal/sqldb/sqldbtest"
	"github.com/tritiumhq/tritium/internal/workflow"
	"github.com/tritiumhq/tritium/internal/workflow/model"
)

// BenchmarkApprovalInstance: start → two approval nodes → end through the
// service API (no HTTP): each op creates a submitted object, then twice
// looks up the open task and approves it: three write transactions. ns/op
// is per completed instance. clients is how many goroutines do this at
// once: on SQLite the writes of concurrent clients share a commit (and its
// fsync), so throughput grows with them.
func BenchmarkApprovalInstance(b *testing.B) {
	for _, kind := range sqldbtest.Kinds {
		for _, clients := range []int{16, 64} {
			b.Run(fmt.Sprintf("%s/clients=%d", kind, clients), func(b *testing.B) {
				benchApprovals(b, kind, clients)
			})
		}
	}
}

func benchApprovals(b *testing.B, kind sqldb.Kind, clients int) {
	ctx := context.Background()
	cfg := storeConfig(b, kind)
	cfg.SQLiteSync = "full"
	a, err := app.Open(ctx, cfg, slog.New(slog.DiscardHandler), nil)
	if err != nil {
		b.Fatal(err)
	}
	defer a.Close()
	var ids [2]string
	for i := range ids {
		u, err := a.Org.CreateUser(ctx, org.User{Name: fmt.Sprint("approver", i), Enabled: true})
		if err != nil {
			b.Fatal(err)
		}
		ids[i] = u.ID
	}
	if _, err := a.Forms.Create(ctx, mustForm(b, expenseFormJSON())); err != nil {
		b.Fatal(err)
	}
	d, err := model.FromTree([]byte(tree(approval("n1", userRule(ids[0])), approval("n2", userRule(ids[1])))))
	if err != nil {
		b.Fatal(err)
	}
	if _, err := a.Workflow.PutDefinition(ctx, "D000002Expense", d, ""); err != nil {
		b.Fatal(err)
	}
	approve := func(user, inst string) {
		open, err := a.Workflow.OpenTasks(ctx, inst)
		if err != nil {
			b.Fatal(err)
		}
		for _, t := range open {
			if t.Assignee == user {
				if _, err := a.Workflow.TaskAction(ctx, record.Actor{UserID: user}, t.ID, workflow.ActApprove, workflow.Input{}); err != nil {
					b.Fatal(err)
				}
				return
			}
		}
		b.Fatalf("no task for %s on %s", user, inst)
	}
	var n atomic.Int64
	b.SetParallelism(max(1, clients/runtime.GOMAXPROCS(0)))
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			res, err := a.Records.Create(ctx, a.Admin, "D000002Expense",
				record.Data{"F0000001": fmt.Sprint("bench ", n.Add(1)), "F0000002": json.Number("100")}, record.CreateOptions{Submit: true})
			if err != nil {
				b.Fatal(err)
			}
			approve(ids[0], res.WorkflowInstanceID)
			approve(ids[1], res.WorkflowInstanceID)
		}
	})
}

func expenseFormJSON() string {
	b, _ := json.Marshal(expenseForm())
	return string(b)
}

func mustForm(tb testing.TB, def string) *form.Form {
	tb.Helper()
	var f form.Form
	dec := json.NewDecoder(strings.NewReader(def))
	if err := dec.Decode(&f); err != nil {
		tb.Fatal(err)
	}
	return &f
}
