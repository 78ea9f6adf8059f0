package script

import (
	"context"

	"github.com/dop251/goja"
)

type envEntry struct {
	value string
	found bool
}

// installEnv adds $env: `await $env.get('NAME')` and `await $env.NAME`,
// both a Promise of the value (undefined when unset). The lookup may hit
// the database, so it runs off the loop; answers are cached for the
// execution.
func (rt *vmRuntime) installEnv() error {
	return rt.vm.Set("$env", rt.vm.NewDynamicObject(&envObject{rt: rt}))
}

type envObject struct{ rt *vmRuntime }

func (e *envObject) Get(key string) goja.Value {
	rt := e.rt
	if inherited[key] {
		return nil
	}
	switch key {
	case "get":
		return rt.vm.ToValue(rt.native(func(c goja.FunctionCall) goja.Value {
			name, ok := rt.stringArg(c, 0)
			if !ok {
				return goja.Undefined()
			}
			return e.lookup(name)
		}))
	}
	return e.lookup(key)
}

func (e *envObject) lookup(name string) goja.Value {
	rt := e.rt
	ex := rt.current()
	if v, ok := ex.env[name]; ok {
		return rt.resolved(envValue(rt, v))
	}
	env := rt.eng.cfg.Env
	if env == nil {
		return rt.resolved(goja.Undefined())
	}
	return ex.goCall(func(ctx context.Context) (any, error) {
		v, found, err := env.Lookup(ctx, name)
		return envEntry{v, found}, err
	}, func(res any, err error) (goja.Value, bool) {
		if err != nil {
			return rt.newError(err.Error()), false
		}
		v := res.(envEntry)
		if ex.env == nil {
			ex.env = make(map[string]envEntry)
		}
		ex.env[name] = v
		return envValue(rt, v), true
	})
}

func envValue(rt *vmRuntime, v envEntry) goja.Value {
	if !v.found {
		return goja.Undefined()
	}
	return rt.vm.ToValue(v.value)
}

// resolved is Promise.resolve(v) without going through the script's
// (possibly replaced) Promise global.
func (rt *vmRuntime) resolved(v goja.Value) goja.Value {
	p, resolve, _ := rt.vm.NewPromise()
	_ = resolve(v)
	return rt.vm.ToValue(p)
}

func (e *envObject) Set(string, goja.Value) bool { return false }
func (e *envObject) Has(key string) bool         { return key != "then" }
func (e *envObject) Delete(string) bool          { return false }
func (e *envObject) Keys() []string              { return nil }
