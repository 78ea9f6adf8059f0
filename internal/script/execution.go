package script

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dop251/goja"
)

// Execution states; running → finishing → done on the loop, or running →
// aborted by Run (timeout, cancellation). Whoever moves out of running
// owns the outcome.
const (
	stRunning int32 = iota
	stFinishing
	stDone
	stAborted
)

// execution is one Run: what the script sees and what it produced.
type execution struct {
	rt       *vmRuntime
	p        *Program
	in       Input
	parent   context.Context // Run's
	deadline time.Time       // start + the run's limit
	start    time.Time
	state    atomic.Int32
	done     chan struct{}
	slots    chan struct{} // MaxInFlight; made by the first call

	// Loop goroutine only.
	settled  bool
	value    goja.Value
	thrown   goja.Value
	pending  int
	calls    int
	timers   map[int64]func()
	timerSeq int64
	form     *goja.Object
	env      map[string]envEntry
	rejected map[*goja.Promise]goja.Value

	mu      sync.Mutex      // guards the fields Run reads after an abort, and the calls' context
	ctx     context.Context // the calls': made by the first, canceled when the run ends
	cancel  context.CancelFunc
	ended   bool // Run returned: a context made now starts canceled
	console []LogLine
	dropped int
	callLog []CallRef
	fatal   *Error
	out     *Output
}

func newExecution(ctx context.Context, rt *vmRuntime, p *Program, in Input, limit time.Duration) *execution {
	now := time.Now()
	return &execution{
		rt: rt, p: p, in: in, parent: ctx, start: now, deadline: now.Add(limit),
		done: make(chan struct{}),
	}
}

// callCtx is the context the run's Go-side calls get: Run's, with the
// run's deadline, canceled when Run returns. Most runs make no call, so it
// is made on demand.
func (ex *execution) callCtx() context.Context {
	ex.mu.Lock()
	defer ex.mu.Unlock()
	if ex.ctx == nil {
		ex.ctx, ex.cancel = context.WithDeadline(ex.parent, ex.deadline)
		if ex.ended {
			ex.cancel()
		}
	}
	return ex.ctx
}

// end cancels the calls still running; Run calls it as it returns.
func (ex *execution) end() {
	ex.mu.Lock()
	ex.ended = true
	cancel := ex.cancel
	ex.mu.Unlock()
	if cancel != nil {
		cancel()
	}
}

func (ex *execution) running() bool { return ex.state.Load() == stRunning }

func (ex *execution) setFatal(e *Error) {
	ex.mu.Lock()
	if ex.fatal == nil {
		e.Script = ex.p.Name
		ex.fatal = e
	}
	ex.mu.Unlock()
	ex.rt.broken.Store(true)
}

// begin runs on the loop: globals for this execution, then the program.
func (ex *execution) begin(vm *goja.Runtime) {
	rt := ex.rt
	if !ex.running() {
		return // aborted before the loop got to it
	}
	defer rt.recoverInto(ex)
	rt.cur = ex
	if err := rt.installInput(ex); err != nil {
		ex.fail(err)
		return
	}
	res, err := vm.RunProgram(ex.p.prg)
	if err != nil {
		ex.fail(err)
		return
	}
	// A script that did not wait on anything has settled already (the
	// job queue ran before RunProgram returned): no reaction needed.
	if o, ok := res.(*goja.Object); ok {
		if pr, ok := o.Export().(*goja.Promise); ok {
			switch pr.State() {
			case goja.PromiseStateFulfilled:
				ex.settled, ex.value = true, pr.Result()
				ex.maybeFinish()
				return
			case goja.PromiseStateRejected:
				ex.settled, ex.thrown = true, pr.Result()
				if ex.thrown == nil {
					ex.thrown = goja.Undefined()
				}
				ex.maybeFinish()
				return
			}
		}
	}
	onFul := vm.ToValue(func(c goja.FunctionCall) goja.Value {
		ex.settled, ex.value = true, c.Argument(0)
		ex.maybeFinish()
		return goja.Undefined()
	})
	onRej := vm.ToValue(func(c goja.FunctionCall) goja.Value {
		ex.settled, ex.thrown = true, c.Argument(0)
		if ex.thrown == nil {
			ex.thrown = goja.Undefined()
		}
		ex.maybeFinish()
		return goja.Undefined()
	})
	if _, err := rt.then(res, onFul, onRej); err != nil {
		ex.fail(err)
	}
}

// goCall runs fn off the loop (a $proxy, $db or $env request) and settles
// the returned promise back on the loop with what settle makes of the
// result. The run waits for calls it started before it finishes.
func (ex *execution) goCall(fn func(ctx context.Context) (any, error), settle func(res any, err error) (goja.Value, bool)) goja.Value {
	rt := ex.rt
	if ex.calls >= MaxCalls {
		return rt.fatal(limitError("调用次数超过 %d 次上限", "more than %d calls in one execution", MaxCalls, MaxCalls))
	}
	ex.calls++
	ex.pending++
	promise, resolve, reject := rt.vm.NewPromise()
	loop := rt.loop
	if ex.slots == nil {
		ex.slots = make(chan struct{}, MaxInFlight)
	}
	slots, ctx := ex.slots, ex.callCtx()
	go func() {
		var res any
		var err error
		select {
		case slots <- struct{}{}:
			res, err = safeCall(ctx, fn)
			<-slots
		case <-ctx.Done():
			err = ctx.Err()
		}
		loop.RunOnLoop(func(*goja.Runtime) { ex.settleCall(settle, res, err, resolve, reject) })
	}()
	return rt.vm.ToValue(promise)
}

func (ex *execution) settleCall(settle func(any, error) (goja.Value, bool), res any, err error, resolve, reject func(any) error) {
	rt := ex.rt
	if rt.cur != ex || !ex.running() {
		return
	}
	defer rt.recoverInto(ex)
	ex.pending--
	v, ok := settle(res, err)
	var verr error
	if ok {
		verr = resolve(v)
	} else {
		verr = reject(v)
	}
	if verr != nil {
		ex.fail(verr)
		return
	}
	ex.maybeFinish()
}

// safeCall turns a panic in a Go service into an error.
func safeCall(ctx context.Context, fn func(context.Context) (any, error)) (res any, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = &Error{Kind: "internal", Message: panicMessage(r)}
		}
	}()
	return fn(ctx)
}

func (ex *execution) maybeFinish() {
	if ex.settled && ex.pending == 0 {
		ex.finish(nil)
	}
}

// fail ends the run with err (a VM error, or *Error).
func (ex *execution) fail(err error) {
	ex.settled = true
	ex.finish(err)
}

// finish runs on the loop once: exports the outcome, clears timers, and
// resets the globals for the next execution.
func (ex *execution) finish(vmErr error) {
	if !ex.state.CompareAndSwap(stRunning, stFinishing) {
		return
	}
	rt := ex.rt
	defer func() {
		if r := recover(); r != nil {
			rt.broken.Store(true)
			ex.mu.Lock()
			ex.out = &Output{Err: &Error{Kind: "internal", Message: panicMessage(r)}}
			ex.mu.Unlock()
			ex.state.Store(stDone)
			close(ex.done)
		}
	}()
	out := &Output{}
	if vmErr == nil && ex.thrown == nil {
		ex.exportResult(out)
	}
	if out.Err == nil {
		switch {
		case vmErr != nil:
			out.Err = rt.vmError(ex, vmErr)
		case ex.thrown != nil:
			out.Err = rt.thrownError(ex.p, ex.thrown)
		}
	}
	ex.reportRejections()
	ex.clearTimers()
	rt.cur = nil
	rt.reset()
	ex.mu.Lock()
	if ex.fatal != nil {
		out.Err = ex.fatal
		out.Value, out.Form, out.Changed = nil, nil, nil
	}
	ex.out = out
	ex.mu.Unlock()
	ex.state.Store(stDone)
	close(ex.done)
}

func (ex *execution) exportResult(out *Output) {
	rt := ex.rt
	// Exporting may run script code (getters, proxy traps); a throw there
	// is the script's error, not a Go panic.
	var err *Error
	if jsErr := rt.vm.Try(func() { err = ex.exportInto(out) }); jsErr != nil {
		err = rt.vmError(ex, jsErr)
	}
	if err != nil {
		err.Script = ex.p.Name
		out.Value, out.Form, out.Changed, out.Err = nil, nil, nil, err
	}
}

func (ex *execution) exportInto(out *Output) *Error {
	rt := ex.rt
	v, err := rt.export(ex.value)
	if err != nil {
		return err
	}
	out.Value = v
	if ex.form != nil {
		form, changed, err := rt.exportForm(ex.form, ex.in.Form)
		if err != nil {
			return err
		}
		out.Form, out.Changed = form, changed
	}
	return nil
}

// output completes the outcome with what both sides recorded.
func (ex *execution) output(out *Output) *Output {
	ex.mu.Lock()
	defer ex.mu.Unlock()
	out.Console = append([]LogLine(nil), ex.console...)
	out.Calls = append([]CallRef(nil), ex.callLog...)
	out.Duration = time.Since(ex.start)
	if out.Err == nil && ex.fatal != nil {
		out.Err = ex.fatal
	}
	if out.Err != nil && out.Err.Script == "" {
		out.Err.Script = ex.p.Name
	}
	return out
}

func (ex *execution) recordCall(c CallRef) {
	ex.mu.Lock()
	ex.callLog = append(ex.callLog, c)
	ex.mu.Unlock()
}

// clearTimers cancels what the script scheduled and did not wait for: a
// timer must not fire into the next execution.
func (ex *execution) clearTimers() {
	for _, cancel := range ex.timers {
		cancel()
	}
	ex.timers = nil
}

// recoverInto turns a panic on the loop into an internal error for ex.
func (rt *vmRuntime) recoverInto(ex *execution) {
	if r := recover(); r != nil {
		rt.broken.Store(true)
		if ex.running() {
			ex.settled = true
			ex.finish(&Error{Kind: "internal", Message: panicMessage(r)})
		}
	}
}
