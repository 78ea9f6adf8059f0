package script

import (
	"context"
	"fmt"

	"github.com/dop251/goja"
)

// installDB adds $db when Config.DB is set: query/get/create/update on
// other forms through the record service, as the execution's user.
func (rt *vmRuntime) installDB() error {
	db := rt.eng.cfg.DB
	if db == nil {
		return nil
	}
	call := func(fn func(ctx context.Context, ex *execution) (any, error), conv func(any) goja.Value) goja.Value {
		ex := rt.current()
		return ex.goCall(func(ctx context.Context) (any, error) { return fn(ctx, ex) },
			func(res any, err error) (goja.Value, bool) {
				if err != nil {
					return rt.newError(err.Error()), false
				}
				return conv(res), true
			})
	}
	toJS := func(v any) goja.Value { return rt.toJS(v, false) }
	fns := map[string]func(goja.FunctionCall) goja.Value{
		"query": rt.native(func(c goja.FunctionCall) goja.Value {
			form, ok := rt.stringArg(c, 0)
			q, ok2 := rt.dbQuery(c.Argument(1))
			if !ok || !ok2 {
				return goja.Undefined()
			}
			return call(func(ctx context.Context, ex *execution) (any, error) {
				page, err := db.Query(ctx, ex.in.User, form, q)
				if err != nil {
					return nil, fmt.Errorf("$db.query(%q): %w", form, err)
				}
				return map[string]any{"items": page.Items, "total": page.Total}, nil
			}, toJS)
		}),
		"get": rt.native(func(c goja.FunctionCall) goja.Value {
			form, ok := rt.stringArg(c, 0)
			id, ok2 := rt.stringArg(c, 1)
			if !ok || !ok2 {
				return goja.Undefined()
			}
			return call(func(ctx context.Context, ex *execution) (any, error) {
				rec, err := db.Get(ctx, ex.in.User, form, id)
				if err != nil {
					return nil, fmt.Errorf("$db.get(%q, %q): %w", form, id, err)
				}
				return rec, nil
			}, toJS)
		}),
		"create": rt.native(func(c goja.FunctionCall) goja.Value {
			form, ok := rt.stringArg(c, 0)
			data, ok2 := rt.dbData(c.Argument(1))
			if !ok || !ok2 {
				return goja.Undefined()
			}
			submit := false
			if o, isObj := c.Argument(2).(*goja.Object); isObj {
				if v := o.Get("submit"); v != nil {
					submit = v.ToBoolean()
				}
			}
			return call(func(ctx context.Context, ex *execution) (any, error) {
				id, err := db.Create(ctx, ex.in.User, form, data, submit)
				if err != nil {
					return nil, fmt.Errorf("$db.create(%q): %w", form, err)
				}
				return id, nil
			}, toJS)
		}),
		"update": rt.native(func(c goja.FunctionCall) goja.Value {
			form, ok := rt.stringArg(c, 0)
			id, ok2 := rt.stringArg(c, 1)
			data, ok3 := rt.dbData(c.Argument(2))
			if !ok || !ok2 || !ok3 {
				return goja.Undefined()
			}
			return call(func(ctx context.Context, ex *execution) (any, error) {
				if err := db.Update(ctx, ex.in.User, form, id, data); err != nil {
					return nil, fmt.Errorf("$db.update(%q, %q): %w", form, id, err)
				}
				return nil, nil
			}, func(any) goja.Value { return goja.Undefined() })
		}),
	}
	return rt.vm.Set("$db", rt.frozenObject(fns))
}

// dbQuery reads a filter string or {filter, sort, fields, limit, offset}.
func (rt *vmRuntime) dbQuery(v goja.Value) (DBQuery, bool) {
	var q DBQuery
	o, isObj := v.(*goja.Object)
	if !isObj {
		if !goja.IsUndefined(v) && !goja.IsNull(v) {
			q.Filter = v.String()
		}
		return q, len(q.Filter) <= MaxStringBytes || rt.fatal(errStringTooLong(len(q.Filter))) == nil
	}
	x, ok := rt.exportArg(o)
	if !ok {
		return q, false
	}
	m, _ := x.(map[string]any)
	q.Filter, _ = m["filter"].(string)
	q.Sort, _ = m["sort"].(string)
	if fs, ok := m["fields"].([]any); ok {
		for _, f := range fs {
			if s, ok := f.(string); ok {
				q.Fields = append(q.Fields, s)
			}
		}
	}
	q.Limit, q.Offset = toInt(m["limit"]), toInt(m["offset"])
	return q, true
}

func (rt *vmRuntime) dbData(v goja.Value) (map[string]any, bool) {
	x, ok := rt.exportArg(v)
	if !ok {
		return nil, false
	}
	m, isMap := x.(map[string]any)
	if !isMap {
		panic(rt.vm.NewTypeError("数据必须是对象（data must be an object）"))
	}
	return m, true
}

func toInt(v any) int {
	switch n := v.(type) {
	case int64:
		return int(n)
	case float64:
		return int(n)
	}
	return 0
}
