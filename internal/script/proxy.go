package script

import (
	"context"
	"errors"
	"time"

	"github.com/dop251/goja"
	"github.com/tritiumhq/tritium/internal/connector"
)

// installProxy adds $proxy(platformKey, {instance_key, caller}?).
func (rt *vmRuntime) installProxy() error {
	if err := rt.installChain(); err != nil {
		return err
	}
	return rt.vm.Set("$proxy", rt.native(func(c goja.FunctionCall) goja.Value {
		rt.current()
		platform, ok := rt.stringArg(c, 0)
		if !ok {
			return goja.Undefined()
		}
		if platform == "" {
			panic(rt.vm.NewTypeError("$proxy(platformKey): 平台标识不能为空（platformKey is required）"))
		}
		base := connector.CallRequest{Platform: platform}
		var label string
		if o, isObj := c.Argument(1).(*goja.Object); isObj {
			if v := o.Get("instance_key"); v != nil && !goja.IsUndefined(v) && !goja.IsNull(v) {
				base.Instance = v.String()
			}
			if v := o.Get("caller"); v != nil && !goja.IsUndefined(v) && !goja.IsNull(v) {
				label = v.String()
			}
		}
		return rt.vm.NewDynamicObject(&proxyObject{rt: rt, base: base, label: label})
	}))
}

// proxyObject is what $proxy returns: any property is a direct-call
// function, the $-methods start a chain. `then` is undefined so awaiting
// the proxy itself does not treat it as a thenable.
type proxyObject struct {
	rt    *vmRuntime
	base  connector.CallRequest
	label string
}

// inherited are names a direct call must not shadow: `then` (await would
// treat the proxy as a thenable) and Object.prototype's members (string
// conversion, console.log and equality checks would make calls).
var inherited = map[string]bool{
	"then": true, "constructor": true, "toJSON": true, "toString": true, "valueOf": true,
	"toLocaleString": true, "hasOwnProperty": true, "isPrototypeOf": true,
	"propertyIsEnumerable": true, "__proto__": true,
}

var chainMethods = map[string]bool{"$api": true, "$path": true, "$query": true, "$header": true, "$body": true, "$call": true}

func (p *proxyObject) Get(key string) goja.Value {
	switch {
	case inherited[key]:
		return nil // Object.prototype's, so String(proxy) is not a call
	case chainMethods[key]:
		return p.rt.chainFns[key] // called on the proxy, it starts a chain
	}
	return p.rt.vm.ToValue(p.rt.native(func(c goja.FunctionCall) goja.Value {
		req := p.base
		req.Interface = key
		for _, a := range c.Arguments {
			v, ok := p.rt.exportArg(a)
			if !ok {
				return goja.Undefined()
			}
			req.Args = append(req.Args, v)
		}
		return p.call(req)
	}))
}

func (p *proxyObject) Set(string, goja.Value) bool { return false }
func (p *proxyObject) Has(key string) bool         { return key != "then" }
func (p *proxyObject) Delete(string) bool          { return false }
func (p *proxyObject) Keys() []string              { return nil }

// call sends req through Config.Proxy off the loop; the promise resolves
// to the spec's result shape or rejects with an Error carrying the
// error's text.
func (p *proxyObject) call(req connector.CallRequest) goja.Value {
	rt := p.rt
	ex := rt.current()
	req.Caller = ex.in.Caller
	if p.label != "" {
		req.Caller.Label = p.label
	}
	if req.Caller.Script == "" {
		req.Caller.Script = ex.p.Name
	}
	proxy := rt.eng.cfg.Proxy
	return ex.goCall(func(ctx context.Context) (any, error) {
		start := time.Now()
		var res *connector.Result
		var err error
		if proxy == nil {
			err = errors.New("未配置接口服务（no connector is configured）: " + req.Platform + "." + req.Interface)
		} else {
			res, err = proxy.Call(ctx, req)
		}
		ref := CallRef{Platform: req.Platform, Interface: req.Interface, DurationMS: time.Since(start).Milliseconds()}
		switch {
		case err != nil:
			ref.Error = err.Error()
			var ce *connector.CallError
			if errors.As(err, &ce) {
				ref.ID = ce.CallID
			}
		case res == nil:
			err = errors.New("接口服务未返回结果（the connector returned no result）: " + req.Platform + "." + req.Interface)
			ref.Error = err.Error()
		default:
			ref.ID, ref.Code = res.CallID, res.Code
			if res.DurationMS > 0 {
				ref.DurationMS = res.DurationMS
			}
		}
		ex.recordCall(ref)
		return res, err
	}, func(v any, err error) (goja.Value, bool) {
		if err != nil {
			return rt.newError(err.Error()), false
		}
		return rt.resultValue(v.(*connector.Result)), true
	})
}

// resultValue is exactly {code, data, message, status, headers, duration_ms}.
func (rt *vmRuntime) resultValue(r *connector.Result) goja.Value {
	o := rt.vm.NewObject()
	_ = o.Set("code", r.Code)
	_ = o.Set("data", rt.toJS(r.Data, false))
	_ = o.Set("message", r.Message)
	_ = o.Set("status", r.Status)
	h := r.Headers
	if h == nil {
		h = map[string]string{}
	}
	_ = o.Set("headers", rt.toJS(h, false))
	_ = o.Set("duration_ms", r.DurationMS)
	return o
}
