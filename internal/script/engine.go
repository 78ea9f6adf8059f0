package script

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"sync"
	"time"

	"github.com/dop251/goja"
	"github.com/go-sourcemap/sourcemap"
)

// Limits.
const (
	DefaultTimeout = 5 * time.Second
	MaxTimeout     = 60 * time.Second
)

// Program is a compiled script: the author's source, the JavaScript goja
// runs, and the source map back. It is immutable and safe to run on many
// runtimes at once.
type Program struct {
	Name   string
	Lang   Lang
	Source string // as the author wrote it
	JS     string // what runs (the body wrapped so top-level await and return work)

	prg   *goja.Program
	smap  *sourcemap.Consumer
	lines int
}

// Config wires the engine to the services its globals reach.
type Config struct {
	Proxy Proxy // $proxy; nil: every call fails
	DB    DB    // $db; nil: $db is undefined
	Env   Env   // $env; nil: empty
	Pool  int   // warm runtimes kept (default 2×GOMAXPROCS)
	// Concurrency is how many runs execute at once (default 2×GOMAXPROCS,
	// at least 4). Others wait for a turn within their own time limit, so
	// a flood of runaway scripts cannot take every core from the requests
	// that run none.
	Concurrency int
	Timeout     time.Duration
	Logger      *slog.Logger
}

// Engine runs programs on a pool of warm runtimes. A run takes an idle
// runtime or starts a new one, so concurrency is not capped by Pool; at
// most Pool idle runtimes are kept. A runtime that was interrupted or
// could not be reset is closed, never reused.
type Engine struct {
	cfg   Config
	idle  chan *vmRuntime
	slots chan struct{}

	mu     sync.Mutex
	closed bool
}

// NewEngine returns an engine.
func NewEngine(cfg Config) *Engine {
	if cfg.Pool <= 0 {
		cfg.Pool = 2 * runtime.GOMAXPROCS(0)
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.Timeout > MaxTimeout {
		cfg.Timeout = MaxTimeout
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = max(4, 2*runtime.GOMAXPROCS(0))
	}
	return &Engine{cfg: cfg, idle: make(chan *vmRuntime, cfg.Pool), slots: make(chan struct{}, cfg.Concurrency)}
}

// Close stops the idle runtimes; runs in progress finish, and later runs
// fail.
func (e *Engine) Close() error {
	e.mu.Lock()
	e.closed = true
	e.mu.Unlock()
	for {
		select {
		case rt := <-e.idle:
			rt.close()
		default:
			return nil
		}
	}
}

// ErrClosed is returned by Run after Close.
var ErrClosed = errors.New("script: 引擎已关闭（engine closed）")

func (e *Engine) get() (*vmRuntime, error) {
	e.mu.Lock()
	closed := e.closed
	e.mu.Unlock()
	if closed {
		return nil, ErrClosed
	}
	select {
	case rt := <-e.idle:
		return rt, nil
	default:
		return e.newRuntime()
	}
}

func (e *Engine) put(rt *vmRuntime) {
	e.mu.Lock()
	closed := e.closed
	e.mu.Unlock()
	if rt.broken.Load() || closed {
		go rt.close()
		return
	}
	select {
	case e.idle <- rt:
	default:
		go rt.close()
	}
}

// Run executes p with in, waiting for its promise and for the calls it
// started; it never panics, and a script failure is reported in
// Output.Err, not as the error (which is kept for the engine's own
// failures, e.g. ctx canceled before the start).
func (e *Engine) Run(ctx context.Context, p *Program, in Input) (out *Output, err error) {
	defer func() {
		if r := recover(); r != nil {
			out, err = nil, fmt.Errorf("script: Run(%q) panicked: %v", p.Name, r)
		}
	}()
	if p == nil || p.prg == nil {
		return nil, errors.New("script: Run: no compiled program")
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("script: Run(%q): %w", p.Name, err)
	}
	limit := e.timeout(in.Timeout)
	waitStart := time.Now()
	if !e.acquire(ctx, limit) {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("script: Run(%q): %w", p.Name, err)
		}
		return &Output{Duration: time.Since(waitStart), Err: &Error{Script: p.Name, Kind: "timeout",
			Message: fmt.Sprintf("等待执行超过 %s: 同时运行的脚本太多（waited %s for a turn: too many scripts running at once）", limit, limit)}}, nil
	}
	defer func() { <-e.slots }()
	rt, err := e.get()
	if err != nil {
		return nil, fmt.Errorf("script: Run(%q): %w", p.Name, err)
	}
	ex := newExecution(ctx, rt, p, in, limit)
	defer ex.end()
	if !rt.loop.RunOnLoop(ex.begin) {
		rt.broken.Store(true)
		e.put(rt)
		return nil, fmt.Errorf("script: Run(%q): event loop terminated", p.Name)
	}
	// The runtime's own timer: only the Run holding the runtime uses it,
	// so it is stopped before the runtime goes back to the pool.
	timer := rt.timer
	timer.Reset(limit)
	var cause *Error
	select {
	case <-ex.done:
	case <-timer.C:
		cause = errTimeout(limit)
	case <-ctx.Done():
		cause = &Error{Kind: "canceled", Message: "脚本执行被取消（script execution canceled）: " + ctx.Err().Error()}
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			cause = errTimeout(limit)
		}
	}
	timer.Stop()
	if cause != nil {
		return e.abort(ex, cause), nil
	}
	e.put(rt)
	ex.mu.Lock()
	res := ex.out
	ex.mu.Unlock()
	return ex.output(res), nil
}

// acquire waits up to wait for a turn to run.
func (e *Engine) acquire(ctx context.Context, wait time.Duration) bool {
	select {
	case e.slots <- struct{}{}:
		return true
	default:
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case e.slots <- struct{}{}:
		return true
	case <-t.C:
	case <-ctx.Done():
	}
	return false
}

func (e *Engine) timeout(d time.Duration) time.Duration {
	switch {
	case d <= 0:
		return e.cfg.Timeout
	case d > MaxTimeout:
		return MaxTimeout
	}
	return d
}

// abort stops a run that outlived its limit. If the loop is already
// finishing, the interrupt stops any script code the export is running
// (a getter), and the outcome is the loop's. Either way the runtime is
// interrupted and so is discarded.
func (e *Engine) abort(ex *execution, cause *Error) *Output {
	rt := ex.rt
	rt.vm.Interrupt(cause)
	if ex.state.CompareAndSwap(stRunning, stAborted) {
		rt.broken.Store(true)
		go rt.close()
		return ex.output(&Output{Err: cause})
	}
	<-ex.done
	rt.broken.Store(true)
	e.put(rt)
	ex.mu.Lock()
	res := ex.out
	ex.mu.Unlock()
	return ex.output(res)
}

// Types is tritium.d.ts: every global, for editors.
func Types() string { return typesDTS }
