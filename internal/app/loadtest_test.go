package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
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

// TestBenchReference runs `tritium bench` briefly against a real server:
// it measures the reference (GET /healthz) before and after the
// scenarios and shows each scenario's ops/s as a ratio to it, the figure
// that compares across machines.
func TestBenchReference(t *testing.T) {
	forEachServer(t, func(t *testing.T, s *server) {
		var out bytes.Buffer
		cmd := loadtest.Command(&out)
		cmd.SetArgs([]string{"--url", s.URL, "--code", testCode, "--secret", testSecret, "--concurrency", "4",
			"--duration", "300ms", "--warmup", "50ms", "--objects", "300", "--scenarios", "create,load,list"})
		err := cmd.ExecuteContext(context.Background())
		s.client.CloseIdleConnections()
		if err != nil {
			t.Fatalf("bench: %v\n%s", err, out.String())
		}
		var refs []float64
		ratios := map[string]float64{}
		for _, line := range strings.Split(out.String(), "\n") {
			f := strings.Fields(line)
			if len(f) < 3 || f[2] != "ops/s" {
				continue
			}
			ops, err := strconv.ParseFloat(f[1], 64)
			if err != nil || ops <= 0 {
				t.Fatalf("no ops/s in %q", line)
			}
			if f[0] == "reference" {
				refs = append(refs, ops)
				continue
			}
			if len(f) < 5 || f[4] != "×" {
				t.Fatalf("scenario line without a ratio: %q", line)
			}
			r, err := strconv.ParseFloat(f[3], 64)
			if err != nil || r <= 0 {
				t.Fatalf("bad ratio in %q", line)
			}
			if want := ops / refs[0]; r < want*0.99-0.001 || r > want*1.01+0.001 {
				t.Fatalf("ratio %v in %q, want ops/s ÷ reference = %v", r, line, want)
			}
			ratios[f[0]] = r
		}
		if len(refs) != 2 || len(ratios) != 3 {
			t.Fatalf("want two reference lines and three ratios:\n%s", out.String())
		}
		if !strings.Contains(out.String(), "GET "+loadtest.ReferencePath) {
			t.Fatalf("the reference line does not say what it measures:\n%s", out.String())
		}
	})
}
