package loadtest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
)

// Command is `tritium bench`.
func Command(stdout io.Writer) *cobra.Command {
	cfg := Config{}
	var scenarios string
	var reference bool
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Drive a running server's H3Yun endpoint and print ops/s, p50 and p99",
		Long: `bench calls /OpenApi/Invoke of a running server (start it with --rate-limit 0)
from --concurrency workers. It first creates the bench form when absent and fills
it to --objects objects, then runs each scenario for --duration:

  create  CreateBizObject, IsSubmit true, a 7-field object
  load    LoadBizObject of random existing objects
  list    LoadBizObjects: Category = c AND Qty < x (~0.1% of objects),
          20 per page, RequireCount true
  approval  one completed approval per op: CreateBizObject (IsSubmit true)
          on the form <form>Approval (start → approval → approval → end),
          then twice GET /api/v1/instances/{id} and approve the pending
          task as its assignee: five calls per op (not in the default set)

Category and Qty are indexed fields; the form also declares a composite
index on both unless --composite=false. An existing form is used as it is.

Unless --reference=false, the same workers also call GET /healthz, a no-op
behind the same middleware, before and after the scenarios, and each
scenario is shown as a ratio to it ("× ref"): ops/s depend on the machine,
the ratio much less. The two reference runs should agree; when they differ
by more than 10% the machine was busy with something else and bench says so.`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if cfg.Code == "" || cfg.Secret == "" {
				return errors.New("give --code and --secret (or TRITIUM_ENGINE_CODE / TRITIUM_ENGINE_SECRET)")
			}
			cfg.URL = strings.TrimRight(cfg.URL, "/")
			cfg.NoReference = !reference
			ctx := cmd.Context()
			if ctx == nil {
				ctx = context.Background()
			}
			return run(ctx, stdout, cfg, strings.Split(scenarios, ","))
		},
	}
	f := cmd.Flags()
	f.StringVar(&cfg.URL, "url", "http://127.0.0.1:8090", "server base URL")
	f.StringVar(&cfg.Code, "code", os.Getenv("TRITIUM_ENGINE_CODE"), "EngineCode")
	f.StringVar(&cfg.Secret, "secret", os.Getenv("TRITIUM_ENGINE_SECRET"), "EngineSecret")
	f.IntVar(&cfg.Concurrency, "concurrency", 50, "parallel workers, one connection each")
	f.DurationVar(&cfg.Duration, "duration", 10*time.Second, "measured time per scenario")
	f.DurationVar(&cfg.Warmup, "warmup", 2*time.Second, "unmeasured time before each scenario")
	f.StringVar(&cfg.Form, "form", "BenchOrder", "bench form code")
	f.IntVar(&cfg.Objects, "objects", 100000, "objects to have in the bench form before measuring")
	f.BoolVar(&cfg.Composite, "composite", true, "when creating the bench form, declare the composite index (Category, Qty); false leaves only the two single-field indexes")
	f.StringVar(&scenarios, "scenarios", "create,load,list", "comma-separated: create, load, list, approval")
	f.BoolVar(&reference, "reference", true, "also measure the reference (GET /healthz) before and after the scenarios and show each scenario as a ratio to it")
	return cmd
}

func run(ctx context.Context, out io.Writer, cfg Config, scenarios []string) error {
	c := NewClient(cfg)
	defer c.Close()
	var objects, approval bool
	for i, s := range scenarios {
		s = strings.TrimSpace(s)
		scenarios[i] = s
		switch s {
		case "create", "load", "list":
			objects = true
		case "approval":
			approval = true
		default:
			return fmt.Errorf("unknown scenario %q (create, load, list, approval)", s)
		}
	}
	t0 := time.Now()
	var ids []string
	if objects {
		fmt.Fprintf(out, "setting up %s with %d objects on %s …\n", cfg.Form, cfg.Objects, cfg.URL)
		var err error
		if ids, err = c.Setup(ctx); err != nil {
			return err
		}
	}
	if approval {
		if err := c.SetupApproval(ctx); err != nil {
			return err
		}
	}
	fmt.Fprintf(out, "ready in %s; concurrency %d, %s per scenario\n", time.Since(t0).Round(time.Millisecond), cfg.Concurrency, cfg.Duration)
	var ref float64
	if !cfg.NoReference {
		r := c.Run(ctx, "reference", c.Reference)
		fmt.Fprintln(out, r.String()+"   (GET "+ReferencePath+")")
		if r.Errors > 0 || r.Ops == 0 {
			return fmt.Errorf("the reference GET %s failed: %s", ReferencePath, r.FirstErr)
		}
		ref = r.OpsPerSec()
	}
	for _, s := range scenarios {
		var r Result
		switch s {
		case "create":
			r = c.Run(ctx, "create", c.Create)
		case "load":
			r = c.Run(ctx, "load", c.Load(ids))
		case "list":
			r = c.Run(ctx, "list", c.List)
		case "approval":
			r = c.Run(ctx, "approval", c.Approval)
		}
		r.Ref = ref
		fmt.Fprintln(out, r)
	}
	if ref > 0 {
		r := c.Run(ctx, "reference", c.Reference)
		drift := r.OpsPerSec()/ref - 1
		fmt.Fprintf(out, "%s   (again; %+.0f%% from the first)\n", r, 100*drift)
		if drift > 0.1 || drift < -0.1 {
			fmt.Fprintln(out, "warning: the reference moved by more than 10% during the run: something else used the machine; run again")
		}
	}
	return nil
}
