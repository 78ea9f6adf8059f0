package script

import (
	"github.com/dop251/goja"
)

// native wraps a binding so that a Go panic in it (a bug, not a JS throw)
// ends the run with Kind "internal" instead of crashing the loop. JS
// throws — panics with a goja value — pass through.
func (rt *vmRuntime) native(fn func(goja.FunctionCall) goja.Value) func(goja.FunctionCall) goja.Value {
	return func(c goja.FunctionCall) (v goja.Value) {
		defer func() {
			if r := recover(); r != nil {
				switch r.(type) {
				case goja.Value, *goja.Exception, *goja.InterruptedError:
					panic(r)
				}
				v = rt.fatal(&Error{Kind: "internal", Message: panicMessage(r)})
			}
		}()
		return fn(c)
	}
}

// exportArg is a binding argument as a JSON-like Go value; a value over
// the limits stops the script.
func (rt *vmRuntime) exportArg(v goja.Value) (any, bool) {
	x, err := rt.export(v)
	if err != nil {
		rt.fatal(err)
		return nil, false
	}
	return x, true
}

// stringArg is argument i as a string under MaxStringBytes.
func (rt *vmRuntime) stringArg(c goja.FunctionCall, i int) (string, bool) {
	a := c.Argument(i)
	if goja.IsUndefined(a) || goja.IsNull(a) {
		return "", true
	}
	s := a.String()
	if len(s) > MaxStringBytes {
		rt.fatal(errStringTooLong(len(s)))
		return "", false
	}
	return s, true
}

// current is the running execution; a binding called outside one (from a
// value a script smuggled past the reset) throws.
func (rt *vmRuntime) current() *execution {
	ex := rt.cur
	if ex == nil || !ex.running() {
		rt.throw("脚本执行已结束（the script execution has ended）")
	}
	return ex
}
