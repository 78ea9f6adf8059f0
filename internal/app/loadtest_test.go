package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/tritiumhq/tritium/internal/loadtest"
)

// TestBenchApprovalScenario runs `tritium bench`'s approval scenario
// briefly against a real server: each operation must complete an instance
// without an error, so the figure it reports measures the real path.
func TestBenchApprovalScenario(t *testing.T) {
	forEachServer(t, func(t *testing.T, s *server) {
		ctx := context.Background()
		c := loadtest.NewClient(loadtest.Config{URL: s.URL, Code: testCode, Secret: testSecret,
			Concurrency: 4, Duration: 500 * time.Millisecond, Form: "BenchOrder"})
		defer c.Close() // before the server drains
		if err := c.SetupApproval(ctx); err != nil {
			t.Fatal(err)
		}
		if err := c.SetupApproval(ctx); err != nil { // a second run reuses the form
			t.Fatalf("second setup: %v", err)
		}
		r := c.Run(ctx, "approval", c.Approval)
		if r.Errors != 0 || r.Ops == 0 {
			t.Fatalf("approval scenario: %d ops, %d errors, first: %s", r.Ops, r.Errors, r.FirstErr)
		}
		// Every counted op left an approved object behind.
		total := func(status int) int64 {
			n, err := s.mustJSON("GET", fmt.Sprintf("/api/v1/forms/BenchOrderApproval/records?filter=Status%%20%%3D%%20%d&limit=1", status), nil, 200)["total"].(json.Number).Int64()
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		if effective := total(1); effective < r.Ops {
			t.Fatalf("%d ops but %d approved objects", r.Ops, effective)
		}
	})
}
