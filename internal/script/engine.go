package script

import (
	"context"
	"errors"
	"log/slog"
	"time"
)

// Limits.
const (
	DefaultTimeout = 5 * time.Second
	MaxTimeout     = 60 * time.Second
)

// Program is a compiled script: the author's source, the JavaScript goja
// runs, and the source map back.
type Program struct {
	Name   string
	Lang   Lang
	Source string // as the author wrote it
	JS     string // what runs (the body wrapped so top-level await and return work)
}

// Compile transpiles and checks source; a syntax or type-stripping error is
// an *Error of Kind "syntax" with the author's line and column.
func Compile(name string, lang Lang, source string) (*Program, error) {
	return nil, errors.New("script: not implemented")
}

// Config wires the engine to the services its globals reach.
type Config struct {
	Proxy   Proxy // $proxy; nil: every call fails
	DB      DB    // $db; nil: $db is undefined
	Env     Env   // $env; nil: empty
	Pool    int   // warm runtimes kept (default 2×GOMAXPROCS)
	Timeout time.Duration
	Logger  *slog.Logger
}

// Engine runs programs on a pool of warm runtimes.
type Engine struct{ cfg Config }

// NewEngine returns an engine.
func NewEngine(cfg Config) *Engine { return &Engine{cfg: cfg} }

// Run executes p with in, waiting for its promise; it never panics, and a
// script failure is reported in Output.Err, not as the error (which is kept
// for the engine's own failures, e.g. ctx canceled before the start).
func (e *Engine) Run(ctx context.Context, p *Program, in Input) (*Output, error) {
	return nil, errors.New("script: not implemented")
}

// Types is tritium.d.ts: every global, for editors.
func Types() string { return "" }
