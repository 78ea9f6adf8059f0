// Package loadtest drives a running Tritium's H3Yun endpoint at a fixed
// concurrency and reports throughput and latency. It starts nothing itself:
// point it at a server started with `tritium serve --rate-limit 0`.
package loadtest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Config says what to drive and how hard.
type Config struct {
	URL         string // server base URL, e.g. http://127.0.0.1:8090
	Code        string // EngineCode
	Secret      string // EngineSecret
	Concurrency int
	Duration    time.Duration
	Warmup      time.Duration
	Form        string // the bench form's code
	Objects     int    // objects the list and load scenarios need
	Composite   bool   // the bench form declares the index (Category, Qty)
	NoReference bool   // skip the reference runs and the ratios
}

// Result is one scenario's figures.
type Result struct {
	Scenario string
	Ops      int64
	Errors   int64
	Elapsed  time.Duration
	P50, P99 time.Duration
	FirstErr string
	// Ref is the reference's ops/s measured in the same run (0: none);
	// the line then shows OpsPerSec ÷ Ref.
	Ref float64
}

// OpsPerSec is successful operations per second.
func (r Result) OpsPerSec() float64 { return float64(r.Ops) / r.Elapsed.Seconds() }

// Ratio is OpsPerSec relative to the reference (0 without one): the
// figure that compares across machines.
func (r Result) Ratio() float64 {
	if r.Ref <= 0 {
		return 0
	}
	return r.OpsPerSec() / r.Ref
}

func (r Result) String() string {
	ratio := ""
	if r.Ref > 0 {
		ratio = fmt.Sprintf("   %6.3f × ref", r.Ratio())
	}
	s := fmt.Sprintf("%-9s %10.0f ops/s%s   p50 %8s   p99 %8s   errors %d", r.Scenario, r.OpsPerSec(), ratio,
		r.P50.Round(10*time.Microsecond), r.P99.Round(10*time.Microsecond), r.Errors)
	if r.FirstErr != "" {
		s += "   first error: " + r.FirstErr
	}
	return s
}

// Client calls the H3Yun endpoint.
type Client struct {
	cfg  Config
	http *http.Client
}

// NewClient returns a client with one keep-alive connection per worker.
func NewClient(cfg Config) *Client {
	tr := &http.Transport{
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
		MaxIdleConns:        cfg.Concurrency + 8,
		MaxIdleConnsPerHost: cfg.Concurrency + 8,
		IdleConnTimeout:     90 * time.Second,
	}
	return &Client{cfg: cfg, http: &http.Client{Transport: tr, Timeout: 60 * time.Second}}
}

// Close closes the client's idle connections, including ones dialled for
// a request that was canceled, which a server would otherwise wait for
// when it shuts down.
func (c *Client) Close() { c.http.CloseIdleConnections() }

type envelope struct {
	Successful   bool
	ErrorMessage *string
	ReturnData   json.RawMessage
}

// Invoke posts body to /OpenApi/Invoke and returns ReturnData.
func (c *Client) Invoke(ctx context.Context, body []byte) (json.RawMessage, error) {
	req, err := http.NewRequestWithContext(ctx, "POST", c.cfg.URL+"/OpenApi/Invoke", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("EngineCode", c.cfg.Code)
	req.Header.Set("EngineSecret", c.cfg.Secret)
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != 200 {
		return nil, fmt.Errorf("HTTP %d: %s", resp.StatusCode, truncate(b))
	}
	var env envelope
	if err := json.Unmarshal(b, &env); err != nil {
		return nil, fmt.Errorf("decode envelope: %w", err)
	}
	if !env.Successful {
		msg := ""
		if env.ErrorMessage != nil {
			msg = *env.ErrorMessage
		}
		return nil, errors.New(msg)
	}
	return env.ReturnData, nil
}

// ReferencePath is the reference call: a built-in no-op endpoint. It goes
// through the server's middleware (request id, access log, metrics,
// recovery) and the same client, workers and keep-alive connections as
// the scenarios, but does no authentication, JSON or database work, so a
// scenario's ops/s divided by the reference's is the share of a request's
// cost that is Tritium's own work — a figure that depends much less on the
// machine than ops/s do.
const ReferencePath = "/healthz"

// Reference is the reference operation: GET ReferencePath, which must
// answer 200.
func (c *Client) Reference(ctx context.Context, _ *rand.Rand) error {
	req, err := http.NewRequestWithContext(ctx, "GET", c.cfg.URL+ReferencePath, nil)
	if err != nil {
		return err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != 200 {
		return fmt.Errorf("GET %s: HTTP %d: %s", ReferencePath, resp.StatusCode, truncate(b))
	}
	return nil
}

// rest calls a REST v1 endpoint.
func (c *Client) rest(ctx context.Context, method, path string, body any) (int, []byte, error) {
	return c.restAs(ctx, "", method, path, body)
}

// restAs calls a REST v1 endpoint acting as user (X-User-Id) when given.
func (c *Client) restAs(ctx context.Context, user, method, path string, body any) (int, []byte, error) {
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.cfg.URL+path, rd)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("EngineCode", c.cfg.Code)
	req.Header.Set("EngineSecret", c.cfg.Secret)
	if user != "" {
		req.Header.Set("X-User-Id", user)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	return resp.StatusCode, out, err
}

func truncate(b []byte) string {
	s := string(b)
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}

// Run calls op from Concurrency workers for Warmup (not measured) and then
// Duration. op gets the worker's own random source.
func (c *Client) Run(ctx context.Context, name string, op func(ctx context.Context, rng *rand.Rand) error) Result {
	var measuring atomic.Bool
	var ops, errs atomic.Int64
	var firstErr atomic.Value
	lat := make([][]time.Duration, c.cfg.Concurrency)
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	for w := range c.cfg.Concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(w), uint64(time.Now().UnixNano())))
			mine := make([]time.Duration, 0, 1<<16)
			for ctx.Err() == nil {
				t0 := time.Now()
				err := op(ctx, rng)
				d := time.Since(t0)
				if !measuring.Load() {
					continue
				}
				if err != nil {
					if ctx.Err() != nil {
						break
					}
					errs.Add(1)
					firstErr.CompareAndSwap(nil, err.Error())
					continue
				}
				ops.Add(1)
				mine = append(mine, d)
			}
			lat[w] = mine
		}()
	}
	time.Sleep(c.cfg.Warmup)
	measuring.Store(true)
	start := time.Now()
	time.Sleep(c.cfg.Duration)
	measuring.Store(false)
	elapsed := time.Since(start)
	cancel()
	wg.Wait()
	all := slices.Concat(lat...)
	slices.Sort(all)
	r := Result{Scenario: name, Ops: ops.Load(), Errors: errs.Load(), Elapsed: elapsed}
	if len(all) > 0 {
		r.P50, r.P99 = all[len(all)/2], all[len(all)*99/100]
	}
	if s, ok := firstErr.Load().(string); ok {
		r.FirstErr = s
	}
	return r
}

// quote makes a JSON string literal.
func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
