package script

import (
	"encoding/json"
	"math"
	"reflect"
	"sort"
	"time"

	"github.com/dop251/goja"
)

// installInput sets this execution's globals: $form/form, $user, $flow,
// $event, $args. They are not in rt.base; reset deletes them.
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
	if err := rt.setGlobal("$user", rt.userValue(in.User)); err != nil {
		return err
	}
	flow := goja.Null()
	if in.Flow != nil {
		f := in.Flow
		flow = rt.frozenStrings("instanceId", f.InstanceID, "node", f.Node, "nodeName", f.NodeName,
			"action", f.Action, "comment", f.Comment, "status", f.Status)
	}
	event := goja.Null()
	if in.Event != nil {
		event = rt.toJS(in.Event, true)
	}
	args := goja.Undefined()
	if in.Args != nil {
		args = rt.toJS(in.Args, true)
	}
	for _, g := range [...]global{{"$flow", flow}, {"$event", event}, {"$args", args}} {
		if err := rt.setGlobal(g.name, g.v); err != nil {
			return err
		}
	}
	return nil
}

// userValue is $user: frozen and made of strings, so the runtime keeps
// the last one and hands it to the next run of the same user.
func (rt *vmRuntime) userValue(u User) goja.Value {
	if rt.user == nil || rt.userOf != u {
		rt.user = rt.frozenStrings("id", u.ID, "name", u.Name, "departmentId", u.DepartmentID)
		rt.userOf = u
	}
	return rt.user
}

// frozenStrings is a frozen object of string fields, given as name, value
// pairs.
func (rt *vmRuntime) frozenStrings(kv ...string) *goja.Object {
	o := rt.vm.NewObject()
	for i := 0; i+1 < len(kv); i += 2 {
		_ = o.Set(kv[i], kv[i+1])
	}
	_, _ = rt.freeze(goja.Undefined(), o)
	return o
}

// installFormMethods makes $form's get(code)/set(code, value) once per
// runtime: they act on the current execution's $form (so `const {get} =
// $form` works too), and are frozen so a script cannot hang anything on
// them for the next execution.
func (rt *vmRuntime) installFormMethods() error {
	form := func() *goja.Object {
		ex := rt.current()
		if ex.form == nil {
			rt.throw("$form 不存在（there is no $form）")
		}
		return ex.form
	}
	get := rt.vm.ToValue(rt.native(func(c goja.FunctionCall) goja.Value {
		return form().Get(c.Argument(0).String())
	})).(*goja.Object)
	set := rt.vm.ToValue(rt.native(func(c goja.FunctionCall) goja.Value {
		if err := form().Set(c.Argument(0).String(), c.Argument(1)); err != nil {
			panic(rt.newError(err.Error()))
		}
		return goja.Undefined()
	})).(*goja.Object)
	for _, f := range []*goja.Object{get, set} {
		if _, err := rt.freeze(goja.Undefined(), f); err != nil {
			return err
		}
	}
	rt.formGet, rt.formSet = get, set
	return nil
}

// addFormMethods adds the non-enumerable get/set (unless the form has
// fields of those names).
func (rt *vmRuntime) addFormMethods(form *goja.Object) {
	if form.Get("get") == nil {
		_ = form.DefineDataProperty("get", rt.formGet, goja.FLAG_FALSE, goja.FLAG_TRUE, goja.FLAG_FALSE)
	}
	if form.Get("set") == nil {
		_ = form.DefineDataProperty("set", rt.formSet, goja.FLAG_FALSE, goja.FLAG_TRUE, goja.FLAG_FALSE)
	}
}

// exportForm is $form after the run and the top-level keys that differ
// from the input. Unchanged fields keep the caller's exact values (so an
// int stays an int, a float64 a float64); a primitive field is compared
// before it is exported, so unchanged ones cost no allocation.
func (rt *vmRuntime) exportForm(form *goja.Object, orig map[string]any) (map[string]any, []string, *Error) {
	x := &exporter{rt: rt, budget: MaxExportBytes}
	x.path = append(x.path, form)
	keys := form.Keys()
	if len(keys) > MaxArrayLen {
		return nil, nil, errArrayTooLong(int64(len(keys)))
	}
	out := make(map[string]any, len(keys))
	var changed []string
	for _, k := range keys {
		v := form.Get(k)
		if v == nil || goja.IsUndefined(v) {
			continue // as JSON.stringify does
		}
		if vo, ok := v.(*goja.Object); ok && vo.ClassName() == "Function" {
			continue
		}
		if err := x.spend(len(k) + 4); err != nil {
			return nil, nil, err
		}
		ov, had := orig[k]
		if had {
			if cost, same := samePrimitive(ov, v); same {
				if err := x.spend(cost); err != nil {
					return nil, nil, err
				}
				out[k] = ov
				continue
			}
		}
		e, err := x.value(v)
		if err != nil {
			return nil, nil, err
		}
		if had && jsonEqual(ov, e) {
			out[k] = ov
			continue
		}
		out[k] = e
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

// samePrimitive reports whether v is the primitive ov still is, and what
// exporting it would have spent of the budget; false sends the field
// through the exporter.
func samePrimitive(ov any, v goja.Value) (int, bool) {
	switch o := ov.(type) {
	case string:
		if !goja.IsString(v) {
			return 0, false
		}
		s := v.String()
		return len(s) + 2, len(s) <= MaxStringBytes && s == o
	case bool:
		return 8, v.ExportType() == reflectBool && v.ToBoolean() == o
	case nil:
		return 4, goja.IsNull(v)
	}
	if f, ok := number(ov); ok && goja.IsNumber(v) && !goja.IsNaN(v) && !goja.IsInfinity(v) {
		return 8, v.ToFloat() == f
	}
	return 0, false
}

var reflectBool = reflect.TypeOf(true)

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
		return sliceEqual(x, b)
	case []map[string]any:
		return sliceEqual(x, b)
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

// sliceEqual compares a Go slice with an exported JS array element-wise.
func sliceEqual[T any](x []T, b any) bool {
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
}
