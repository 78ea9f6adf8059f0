package script

import (
	"maps"

	"github.com/dop251/goja"
	"github.com/tritiumhq/tritium/internal/connector"
)

// chain is $proxy(...).$api(name).$path(o).$query(o).$header(o).$body(x).$call().
type chain struct {
	proxy *proxyObject
	req   connector.CallRequest
	obj   *goja.Object
}

func (ch *chain) object() *goja.Object {
	if ch.obj != nil {
		return ch.obj
	}
	rt := ch.proxy.rt
	o := rt.vm.NewObject()
	self := func(fn func(goja.FunctionCall) bool) func(goja.FunctionCall) goja.Value {
		return rt.native(func(c goja.FunctionCall) goja.Value {
			if !fn(c) {
				return goja.Undefined()
			}
			return o
		})
	}
	merge := func(dst *map[string]any) func(goja.FunctionCall) bool {
		return func(c goja.FunctionCall) bool {
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
			if *dst == nil {
				*dst = make(map[string]any, len(m))
			}
			maps.Copy(*dst, m)
			return true
		}
	}
	_ = o.Set("$api", self(func(c goja.FunctionCall) bool {
		s, ok := rt.stringArg(c, 0)
		ch.req.Interface = s
		return ok
	}))
	_ = o.Set("$path", self(merge(&ch.req.Path)))
	_ = o.Set("$query", self(merge(&ch.req.Query)))
	_ = o.Set("$header", self(merge(&ch.req.Header)))
	_ = o.Set("$body", self(func(c goja.FunctionCall) bool {
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
	}))
	_ = o.Set("$call", rt.native(func(goja.FunctionCall) goja.Value {
		if ch.req.Interface == "" {
			p, resolve, reject := rt.vm.NewPromise()
			_ = resolve
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
	}))
	ch.obj = o
	return o
}
