package script

import (
	"encoding/json"
	"math"
	"sort"
	"time"

	"github.com/dop251/goja"
)

// installInput sets this execution's globals: $form/form, $user, $flow,
// $event, $args. They are not in rt.base, so reset deletes them.
func (rt *vmRuntime) installInput(ex *execution) error {
	in := ex.in
	if in.Form != nil {
		form := rt.toJS(in.Form, false).(*goja.Object)
		rt.addFormMethods(form)
		ex.form = form
		if err := rt.setGlobal("$form", form); err != nil {
			return err
		}
		if err := rt.setGlobal("form", form); err != nil {
			return err
		}
	}
	user := rt.toJS(map[string]any{"id": in.User.ID, "name": in.User.Name, "departmentId": in.User.DepartmentID}, true)
	flow := goja.Null()
	if in.Flow != nil {
		f := in.Flow
		flow = rt.toJS(map[string]any{
			"instanceId": f.InstanceID, "node": f.Node, "nodeName": f.NodeName,
			"action": f.Action, "comment": f.Comment, "status": f.Status,
		}, true)
	}
	event := goja.Null()
	if in.Event != nil {
		event = rt.toJS(in.Event, true)
	}
	args := goja.Undefined()
	if in.Args != nil {
		args = rt.toJS(in.Args, true)
	}
	for name, v := range map[string]goja.Value{"$user": user, "$flow": flow, "$event": event, "$args": args} {
		if err := rt.setGlobal(name, v); err != nil {
			return err
		}
	}
	return nil
}

// addFormMethods adds non-enumerable get/set (unless the form has fields
// of those names); they close over the object, so `const {get} = $form`
// works too.
func (rt *vmRuntime) addFormMethods(form *goja.Object) {
	get := rt.native(func(c goja.FunctionCall) goja.Value {
		return form.Get(c.Argument(0).String())
	})
	set := rt.native(func(c goja.FunctionCall) goja.Value {
		if err := form.Set(c.Argument(0).String(), c.Argument(1)); err != nil {
			panic(rt.newError(err.Error()))
		}
		return goja.Undefined()
	})
	if form.Get("get") == nil {
		_ = form.DefineDataProperty("get", rt.vm.ToValue(get), goja.FLAG_FALSE, goja.FLAG_TRUE, goja.FLAG_FALSE)
	}
	if form.Get("set") == nil {
		_ = form.DefineDataProperty("set", rt.vm.ToValue(set), goja.FLAG_FALSE, goja.FLAG_TRUE, goja.FLAG_FALSE)
	}
}

// exportForm is $form after the run and the top-level keys that differ
// from the input. Unchanged fields keep the caller's exact values (so an
// int stays an int, a float64 a float64).
func (rt *vmRuntime) exportForm(form *goja.Object, orig map[string]any) (map[string]any, []string, *Error) {
	v, err := rt.export(form)
	if err != nil {
		return nil, nil, err
	}
	out, _ := v.(map[string]any)
	if out == nil {
		out = map[string]any{}
	}
	var changed []string
	for k, nv := range out {
		ov, ok := orig[k]
		if ok && jsonEqual(ov, nv) {
			out[k] = ov
			continue
		}
		changed = append(changed, k)
	}
	for k, ov := range orig {
		if _, ok := out[k]; !ok && ov != nil {
			changed = append(changed, k) // deleted (a nil field that stays absent is no change)
		}
	}
	sort.Strings(changed)
	return out, changed, nil
}

// jsonEqual compares JSON-like values, numbers by value whatever their Go
// type.
func jsonEqual(a, b any) bool {
	if fa, ok := number(a); ok {
		fb, ok := number(b)
		return ok && (fa == fb || math.IsNaN(fa) && math.IsNaN(fb))
	}
	switch x := a.(type) {
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, v := range x {
			w, ok := y[k]
			if !ok || !jsonEqual(v, w) {
				return false
			}
		}
		return true
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !jsonEqual(x[i], y[i]) {
				return false
			}
		}
		return true
	case []map[string]any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !jsonEqual(x[i], y[i]) {
				return false
			}
		}
		return true
	case string, bool, nil:
		return a == b
	case time.Time:
		s, ok := b.(string)
		return ok && s == x.UTC().Format(time.RFC3339Nano)
	}
	// Other Go types in the input (time.Time, structs): compare through
	// what the script saw of them.
	return false
}

func number(v any) (float64, bool) {
	switch n := v.(type) {
	case float64:
		return n, true
	case float32:
		return float64(n), true
	case int:
		return float64(n), true
	case int64:
		return float64(n), true
	case int32:
		return float64(n), true
	case uint:
		return float64(n), true
	case uint32:
		return float64(n), true
	case uint64:
		return float64(n), true
	case json.Number:
		f, err := n.Float64()
		return f, err == nil
	}
	return 0, false
}
