package script

import (
	"encoding/json"
	"math"
	"math/big"
	"reflect"
	"time"

	"github.com/dop251/goja"
)

// toJS deep-copies a JSON-like Go value into native JS values (goja's
// ToValue would wrap maps and slices so that the script mutates the
// caller's data). freeze makes every object and array read-only.
func (rt *vmRuntime) toJS(v any, freeze bool) goja.Value {
	vm := rt.vm
	switch x := v.(type) {
	case nil:
		return goja.Null()
	case map[string]any:
		o := vm.NewObject()
		for k, e := range x {
			_ = o.Set(k, rt.toJS(e, freeze))
		}
		return rt.maybeFreeze(o, freeze)
	case []any:
		items := make([]any, len(x))
		for i, e := range x {
			items[i] = rt.toJS(e, freeze)
		}
		return rt.maybeFreeze(vm.NewArray(items...), freeze)
	case []map[string]any:
		items := make([]any, len(x))
		for i, e := range x {
			items[i] = rt.toJS(e, freeze)
		}
		return rt.maybeFreeze(vm.NewArray(items...), freeze)
	case []string:
		items := make([]any, len(x))
		for i, e := range x {
			items[i] = e
		}
		return rt.maybeFreeze(vm.NewArray(items...), freeze)
	case map[string]string:
		o := vm.NewObject()
		for k, e := range x {
			_ = o.Set(k, e)
		}
		return rt.maybeFreeze(o, freeze)
	case string, bool, int, int64, int32, float64, float32, uint, uint32, uint64:
		return vm.ToValue(x)
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return vm.ToValue(i)
		}
		f, _ := x.Float64()
		return vm.ToValue(f)
	case time.Time:
		return vm.ToValue(x.UTC().Format(time.RFC3339Nano))
	case json.RawMessage:
		var d any
		if json.Unmarshal(x, &d) != nil {
			return goja.Null()
		}
		return rt.toJS(d, freeze)
	}
	// Anything else (structs, typed maps): through its JSON form, so the
	// script sees what the REST API would show.
	b, err := json.Marshal(v)
	if err != nil {
		return goja.Null()
	}
	var d any
	if json.Unmarshal(b, &d) != nil {
		return goja.Null()
	}
	return rt.toJS(d, freeze)
}

func (rt *vmRuntime) maybeFreeze(o *goja.Object, freeze bool) goja.Value {
	if freeze {
		_, _ = rt.freeze(goja.Undefined(), o)
	}
	return o
}

// exporter turns JS values into JSON-like Go values under the limits; it
// may run script code (getters, proxies), so it only runs on the loop.
type exporter struct {
	rt     *vmRuntime
	budget int
	path   []*goja.Object // for cycles
}

func (rt *vmRuntime) export(v goja.Value) (any, *Error) {
	x := &exporter{rt: rt, budget: MaxExportBytes}
	return x.value(v)
}

func (x *exporter) spend(n int) *Error {
	x.budget -= n
	if x.budget < 0 {
		return errExportTooBig()
	}
	return nil
}

func (x *exporter) value(v goja.Value) (any, *Error) {
	if v == nil || goja.IsUndefined(v) || goja.IsNull(v) {
		return nil, x.spend(4)
	}
	o, ok := v.(*goja.Object)
	if !ok {
		return x.primitive(v)
	}
	if len(x.path) >= MaxDepth {
		return nil, errTooDeep()
	}
	for _, p := range x.path {
		if p == o {
			return nil, errTooDeep()
		}
	}
	x.path = append(x.path, o)
	defer func() { x.path = x.path[:len(x.path)-1] }()
	switch o.ClassName() {
	case "Array":
		return x.array(o)
	case "Date":
		if t, ok := o.Export().(time.Time); ok {
			return t.UTC().Format("2006-01-02T15:04:05.000Z"), x.spend(24)
		}
	case "Function":
		return nil, nil
	case "Error":
		return map[string]any{"name": o.Get("name").String(), "message": o.Get("message").String()}, x.spend(64)
	}
	return x.object(o)
}

func (x *exporter) primitive(v goja.Value) (any, *Error) {
	switch e := v.Export().(type) {
	case string:
		if len(e) > MaxStringBytes {
			return nil, errStringTooLong(len(e))
		}
		return e, x.spend(len(e) + 2)
	case float64:
		if math.IsNaN(e) || math.IsInf(e, 0) {
			return nil, x.spend(4)
		}
		return e, x.spend(8)
	case int64, bool:
		return e, x.spend(8)
	case *big.Int:
		return e.String(), x.spend(len(e.String()))
	default:
		if reflect.TypeOf(e) == nil {
			return nil, x.spend(4)
		}
		return v.String(), x.spend(len(v.String()))
	}
}

func (x *exporter) array(o *goja.Object) (any, *Error) {
	n := o.Get("length").ToInteger()
	if n > MaxArrayLen {
		return nil, errArrayTooLong(n)
	}
	out := make([]any, n)
	for i := int64(0); i < n; i++ {
		e, err := x.value(o.Get(itoa(int(i))))
		if err != nil {
			return nil, err
		}
		out[i] = e
	}
	return out, x.spend(int(n) + 2)
}

func (x *exporter) object(o *goja.Object) (any, *Error) {
	keys := o.Keys()
	if len(keys) > MaxArrayLen {
		return nil, errArrayTooLong(int64(len(keys)))
	}
	out := make(map[string]any, len(keys))
	for _, k := range keys {
		v := o.Get(k)
		if v == nil || goja.IsUndefined(v) {
			continue // as JSON.stringify does
		}
		if vo, ok := v.(*goja.Object); ok && vo.ClassName() == "Function" {
			continue
		}
		if err := x.spend(len(k) + 4); err != nil {
			return nil, err
		}
		e, err := x.value(v)
		if err != nil {
			return nil, err
		}
		out[k] = e
	}
	return out, nil
}
