package script

import (
	"maps"
	"reflect"

	"github.com/dop251/goja"
	"github.com/tritiumhq/tritium/internal/connector"
)

// chain is $proxy(...).$api(name).$path(o).$query(o).$header(o).$body(x).$call().
// It is a dynamic object whose only properties are the chain methods;
// the methods are made once per runtime and find their chain through
// `this` (the proxy starts a new chain, a chain continues itself), so a
// call allocates no functions.
type chain struct {
	proxy *proxyObject
	req   connector.CallRequest
	obj   *goja.Object
}

func (ch *chain) Get(key string) goja.Value {
	if chainMethods[key] {
		return ch.proxy.rt.chainFns[key]
	}
	return nil
}
func (ch *chain) Set(string, goja.Value) bool { return false }
func (ch *chain) Has(key string) bool         { return chainMethods[key] }
func (ch *chain) Delete(string) bool          { return false }
func (ch *chain) Keys() []string              { return nil }

var (
	chainType = reflect.TypeOf((*chain)(nil))
	proxyType = reflect.TypeOf((*proxyObject)(nil))
)

// chainOf is the chain a method was called on: `this`, or a new one when
// `this` is the proxy.
func (rt *vmRuntime) chainOf(c goja.FunctionCall) *chain {
	if o, ok := c.This.(*goja.Object); ok {
		switch o.ExportType() {
		case chainType:
			return o.Export().(*chain)
		case proxyType:
			p := o.Export().(*proxyObject)
			ch := &chain{proxy: p, req: p.base}
			ch.obj = rt.vm.NewDynamicObject(ch)
			return ch
		}
	}
	panic(rt.vm.NewTypeError("链式调用的方法须在 $proxy(...) 上调用（chain methods must be called on $proxy(...)）"))
}

// installChain makes the chain methods, frozen so a script cannot hang
// anything on them for the next execution.
func (rt *vmRuntime) installChain() error {
	self := func(fn func(ch *chain, c goja.FunctionCall) bool) goja.Value {
		return rt.vm.ToValue(rt.native(func(c goja.FunctionCall) goja.Value {
			ch := rt.chainOf(c)
			if !fn(ch, c) {
				return goja.Undefined()
			}
			return ch.obj
		}))
	}
	merge := func(dst func(ch *chain) *map[string]any) func(*chain, goja.FunctionCall) bool {
		return func(ch *chain, c goja.FunctionCall) bool {
			v, ok := rt.exportArg(c.Argument(0))
			if !ok {
				return false
			}
			m, isMap := v.(map[string]any)
			if !isMap {
				if v == nil {
					return true
				}
				panic(rt.vm.NewTypeError("参数必须是对象（the argument must be an object）"))
			}
			d := dst(ch)
			if *d == nil {
				*d = make(map[string]any, len(m))
			}
			maps.Copy(*d, m)
			return true
		}
	}
	rt.chainFns = map[string]goja.Value{
		"$api": self(func(ch *chain, c goja.FunctionCall) bool {
			s, ok := rt.stringArg(c, 0)
			ch.req.Interface = s
			return ok
		}),
		"$path":   self(merge(func(ch *chain) *map[string]any { return &ch.req.Path })),
		"$query":  self(merge(func(ch *chain) *map[string]any { return &ch.req.Query })),
		"$header": self(merge(func(ch *chain) *map[string]any { return &ch.req.Header })),
		"$body": self(func(ch *chain, c goja.FunctionCall) bool {
			v, ok := rt.exportArg(c.Argument(0))
			if !ok {
				return false
			}
			// Objects merge into an object body; anything else replaces it.
			prev, pok := ch.req.Body.(map[string]any)
			next, nok := v.(map[string]any)
			if pok && nok {
				maps.Copy(prev, next)
			} else {
				ch.req.Body = v
			}
			ch.req.HasBody = true
			return true
		}),
		"$call": rt.vm.ToValue(rt.native(func(c goja.FunctionCall) goja.Value {
			ch := rt.chainOf(c)
			if ch.req.Interface == "" {
				p, _, reject := rt.vm.NewPromise()
				_ = reject(rt.newError("平台 " + ch.req.Platform + " 的链式调用缺少 $api(name)（chain call on platform \"" + ch.req.Platform + "\" has no $api(name)）"))
				return rt.vm.ToValue(p)
			}
			// The request goes to another goroutine; later chain calls must
			// not change the maps it reads.
			req := ch.req
			req.Path, req.Query, req.Header = maps.Clone(req.Path), maps.Clone(req.Query), maps.Clone(req.Header)
			if m, ok := req.Body.(map[string]any); ok {
				req.Body = maps.Clone(m)
			}
			return ch.proxy.call(req)
		})),
	}
	for _, f := range rt.chainFns {
		if _, err := rt.freeze(goja.Undefined(), f); err != nil {
			return err
		}
	}
	return nil
}
