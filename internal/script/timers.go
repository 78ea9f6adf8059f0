package script

import (
	"time"

	"github.com/dop251/goja"
)

// installTimers adds setTimeout/setInterval/setImmediate and their clear
// functions, tracked per execution: what a run leaves scheduled is
// canceled when it ends. Pending timers do not keep a run alive; an
// awaited one does, through the script's own promise.
func (rt *vmRuntime) installTimers() error {
	set := func(repeat bool) func(goja.FunctionCall) goja.Value {
		return rt.native(func(c goja.FunctionCall) goja.Value {
			ex := rt.current()
			fn, ok := goja.AssertFunction(c.Argument(0))
			if !ok {
				panic(rt.vm.NewTypeError("callback is not a function"))
			}
			d := time.Duration(c.Argument(1).ToInteger()) * time.Millisecond
			if d < 0 {
				d = 0
			}
			var args []goja.Value
			if len(c.Arguments) > 2 {
				args = append(args, c.Arguments[2:]...)
			}
			return rt.vm.ToValue(ex.addTimer(fn, args, d, repeat))
		})
	}
	clear := rt.native(func(c goja.FunctionCall) goja.Value {
		if ex := rt.cur; ex != nil {
			id := c.Argument(0).ToInteger()
			if cancel, ok := ex.timers[id]; ok {
				cancel()
				delete(ex.timers, id)
			}
		}
		return goja.Undefined()
	})
	immediate := rt.native(func(c goja.FunctionCall) goja.Value {
		ex := rt.current()
		fn, ok := goja.AssertFunction(c.Argument(0))
		if !ok {
			panic(rt.vm.NewTypeError("callback is not a function"))
		}
		return rt.vm.ToValue(ex.addTimer(fn, c.Arguments[1:], 0, false))
	})
	for name, f := range map[string]func(goja.FunctionCall) goja.Value{
		"setTimeout": set(false), "setInterval": set(true), "setImmediate": immediate,
		"clearTimeout": clear, "clearInterval": clear, "clearImmediate": clear,
	} {
		if err := rt.vm.Set(name, f); err != nil {
			return err
		}
	}
	return nil
}

func (ex *execution) addTimer(fn goja.Callable, args []goja.Value, d time.Duration, repeat bool) int64 {
	rt := ex.rt
	if len(ex.timers) >= MaxTimers {
		rt.fatal(limitError("计时器超过 %d 个上限", "more than %d timers", MaxTimers, MaxTimers))
		return 0
	}
	if ex.timers == nil {
		ex.timers = make(map[int64]func())
	}
	ex.timerSeq++
	id := ex.timerSeq
	fire := func(*goja.Runtime) {
		if rt.cur != ex || !ex.running() {
			return
		}
		defer rt.recoverInto(ex)
		if !repeat {
			delete(ex.timers, id)
		}
		if _, err := fn(goja.Undefined(), args...); err != nil {
			ex.fail(err) // an uncaught throw in a callback ends the run, as in Node
		}
	}
	if repeat {
		if d < time.Millisecond {
			d = time.Millisecond
		}
		iv := rt.loop.SetInterval(fire, d)
		ex.timers[id] = func() { rt.loop.ClearInterval(iv) }
	} else {
		t := rt.loop.SetTimeout(fire, d)
		ex.timers[id] = func() { rt.loop.ClearTimeout(t) }
	}
	return id
}
