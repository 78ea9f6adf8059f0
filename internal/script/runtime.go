package script

import (
	"fmt"
	"sync/atomic"
	"time"

	"github.com/dop251/goja"
	"github.com/dop251/goja_nodejs/eventloop"
)

// vmRuntime is one warm goja runtime on its own event loop. Its fields
// other than loop, vm (for Interrupt) and broken are touched only on the
// loop's goroutine.
type vmRuntime struct {
	eng  *Engine
	loop *eventloop.EventLoop
	vm   *goja.Runtime

	cur   *execution  // the execution the loop is running, nil between runs
	timer *time.Timer // Run's wall-clock limit; stopped between runs

	errorCtor *goja.Object
	freeze    goja.Callable
	then      goja.Callable       // the intrinsic Promise.prototype.then, not the script's
	base      []global            // the global object after setup, in order
	baseNames map[string]struct{} // the names in base
	props     *propCounter

	formGet, formSet *goja.Object          // $form.get/set, for every execution
	chainFns         map[string]goja.Value // $proxy(...).$api & co.
	user             *goja.Object          // the last $user, frozen
	userOf           User                  // whose

	broken atomic.Bool // interrupted or not provably reset: never reused
}

// newRuntime starts a loop and installs the globals that stay for the
// runtime's life; they read the current execution through rt.cur.
func (e *Engine) newRuntime() (*vmRuntime, error) {
	loop := eventloop.NewEventLoop(eventloop.EnableConsole(false))
	rt := &vmRuntime{eng: e, loop: loop, timer: time.NewTimer(time.Hour)}
	rt.timer.Stop()
	loop.Start()
	errc := make(chan error, 1)
	ok := loop.RunOnLoop(func(vm *goja.Runtime) {
		defer func() {
			if r := recover(); r != nil {
				errc <- fmt.Errorf("script: runtime setup panicked: %v", r)
			}
		}()
		errc <- rt.setup(vm)
	})
	if !ok {
		return nil, fmt.Errorf("script: event loop refused the setup job")
	}
	if err := <-errc; err != nil {
		loop.Terminate()
		return nil, err
	}
	return rt, nil
}

func (rt *vmRuntime) setup(vm *goja.Runtime) error {
	rt.vm = vm
	vm.SetMaxCallStackSize(MaxCallStack)
	g := vm.GlobalObject()
	// The loop always enables a require registry and its own timers; the
	// sandbox has no modules, and timers are tracked per execution.
	for _, name := range []string{"require", "setTimeout", "setInterval", "setImmediate", "clearTimeout", "clearInterval", "clearImmediate"} {
		if err := g.Delete(name); err != nil {
			return fmt.Errorf("script: delete global %s: %w", name, err)
		}
	}
	rt.errorCtor = g.Get("Error").ToObject(vm)
	var ok bool
	if rt.freeze, ok = goja.AssertFunction(g.Get("Object").ToObject(vm).Get("freeze")); !ok {
		return fmt.Errorf("script: Object.freeze is not a function")
	}
	proto := g.Get("Promise").ToObject(vm).Get("prototype").ToObject(vm)
	if rt.then, ok = goja.AssertFunction(proto.Get("then")); !ok {
		return fmt.Errorf("script: Promise.prototype.then is not a function")
	}
	vm.SetPromiseRejectionTracker(rt.trackRejection)
	installs := []func() error{rt.installConsole, rt.installTimers, rt.installFormMethods, rt.installProxy, rt.installCrypto, rt.installEnv, rt.installDB}
	for _, f := range installs {
		if err := f(); err != nil {
			return err
		}
	}
	names := g.GetOwnPropertyNames()
	rt.base = make([]global, 0, len(names))
	rt.baseNames = make(map[string]struct{}, len(names))
	for _, name := range names {
		rt.base = append(rt.base, global{name, g.Get(name)})
		rt.baseNames[name] = struct{}{}
	}
	rt.props = newPropCounter(vm, g)
	return nil
}

// setGlobal defines a global the reset can remove and the script cannot
// reassign by accident.
func (rt *vmRuntime) setGlobal(name string, v goja.Value) error {
	return rt.vm.GlobalObject().DefineDataProperty(name, v, goja.FLAG_FALSE, goja.FLAG_TRUE, goja.FLAG_FALSE)
}

// frozenObject is a plain object of native functions, frozen so a script
// cannot replace a binding for the next execution.
func (rt *vmRuntime) frozenObject(fns map[string]func(goja.FunctionCall) goja.Value) *goja.Object {
	o := rt.vm.NewObject()
	for name, fn := range fns {
		_ = o.Set(name, fn)
	}
	_, _ = rt.freeze(goja.Undefined(), o)
	return o
}

// close stops the loop; pending Go-side calls find it terminated and drop
// their results. It waits for the loop's current job, so callers that
// interrupted a runaway script run it in a goroutine.
func (rt *vmRuntime) close() { rt.loop.Terminate() }

// newError makes a JS Error with msg (what a rejected $proxy/$db promise
// carries).
func (rt *vmRuntime) newError(msg string) goja.Value {
	o, err := rt.vm.New(rt.errorCtor, rt.vm.ToValue(msg))
	if err != nil {
		return rt.vm.ToValue(msg)
	}
	return o
}

// throw raises a JS Error from a native function.
func (rt *vmRuntime) throw(msg string) { panic(rt.newError(msg)) }

// fatal stops the script with an uncatchable error (a broken limit): the
// script cannot catch it, and the runtime is discarded afterwards.
func (rt *vmRuntime) fatal(e *Error) goja.Value {
	if ex := rt.cur; ex != nil {
		ex.setFatal(e)
	}
	rt.vm.Interrupt(e)
	return goja.Undefined()
}
