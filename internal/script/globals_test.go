package script

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/tritiumhq/tritium/internal/connector"
)

func TestFormChangesReported(t *testing.T) {
	e := newEngine(t, Config{})
	in := map[string]any{"a": 1.0, "b": "x", "c": true, "rows": []any{map[string]any{"q": 1.0}}, "gone": "y"}
	out := mustRun(t, e, JS, `
if (form !== $form) throw new Error('form and $form differ');
$form.a = 1;              // same value, another number type: no change
$form.set('b', 'z');
form.total = $form.get('a') + 1;
$form.rows.push({ q: 2 });
delete $form.gone;
return Object.keys($form).sort().join()`, Input{Form: in})
	mustOK(t, out)
	if out.Value != "a,b,c,rows,total" {
		t.Fatalf("keys %v (get/set must not be enumerable)", out.Value)
	}
	if want := []string{"b", "gone", "rows", "total"}; !reflect.DeepEqual(out.Changed, want) {
		t.Fatalf("changed %v, want %v", out.Changed, want)
	}
	if out.Form["a"] != 1.0 || out.Form["b"] != "z" || out.Form["total"] != int64(2) || len(out.Form["rows"].([]any)) != 2 {
		t.Fatalf("form %#v", out.Form)
	}
	if in["b"] != "x" || len(in["rows"].([]any)) != 1 {
		t.Fatalf("the input was mutated: %#v", in)
	}
	out = mustRun(t, e, JS, "return [typeof $form, typeof form]", Input{})
	mustOK(t, out)
	if !reflect.DeepEqual(out.Value, []any{"undefined", "undefined"}) || out.Form != nil {
		t.Fatalf("without a form: %#v", out)
	}
}

func TestReadOnlyContext(t *testing.T) {
	e := newEngine(t, Config{})
	out := mustRun(t, e, JS, `"use strict";
const errs = [];
for (const f of [() => { $user.id = 'x' }, () => { $flow.node = 'n' }, () => { $args.k.push(1) }, () => { $event.id = 1 }]) {
  try { f() } catch (e) { errs.push(e.name) }
}
return { errs, user: $user.name, node: $flow.node, k: $args.k, ev: $event.id }`, Input{
		User: User{ID: "u1", Name: "李四"}, Flow: &Flow{InstanceID: "i1", Node: "approve"},
		Args: map[string]any{"k": []any{1}}, Event: map[string]any{"id": "ev1"},
	})
	mustOK(t, out)
	want := map[string]any{"errs": []any{"TypeError", "TypeError", "TypeError", "TypeError"}, "user": "李四", "node": "approve", "k": []any{int64(1)}, "ev": "ev1"}
	if !reflect.DeepEqual(out.Value, want) {
		t.Fatalf("value %#v", out.Value)
	}
	out = mustRun(t, e, JS, "return [$flow, $event, typeof $args]", Input{})
	if !reflect.DeepEqual(out.Value, []any{nil, nil, "undefined"}) {
		t.Fatalf("outside a flow: %#v", out.Value)
	}
}

func TestGlobalsDoNotLeakBetweenRuns(t *testing.T) {
	e := newEngine(t, Config{Pool: 1}) // one runtime, so the second run reuses it
	out := mustRun(t, e, JS, `
globalThis.leak = 1; implicitLeak = 2; var notGlobal = 3;
Object.defineProperty(globalThis, 'hidden', { value: 4, enumerable: false, configurable: true });
JSON = null; console = null;
try { $crypto.md5 = null } catch (e) {}
return 'ok'`, Input{Form: map[string]any{"a": 1}})
	mustOK(t, out)
	out = mustRun(t, e, JS, `return [typeof leak, typeof implicitLeak, typeof notGlobal, typeof hidden, typeof JSON.stringify, typeof console.log, typeof $crypto.md5, typeof $form]`, Input{})
	mustOK(t, out)
	want := []any{"undefined", "undefined", "undefined", "undefined", "function", "function", "function", "undefined"}
	if !reflect.DeepEqual(out.Value, want) {
		t.Fatalf("second run sees %#v", out.Value)
	}
}

func TestTimersDoNotFireIntoNextRun(t *testing.T) {
	e := newEngine(t, Config{Pool: 1})
	out := mustRun(t, e, JS, `setTimeout(() => console.log('late'), 30); setInterval(() => console.log('tick'), 5); return 1`, Input{})
	mustOK(t, out)
	out = mustRun(t, e, JS, `await new Promise(r => setTimeout(r, 60)); return 2`, Input{})
	mustOK(t, out)
	if len(out.Console) != 0 {
		t.Fatalf("a timer of the previous run fired: %#v", out.Console)
	}
}

func TestSandboxHasNoHostAccess(t *testing.T) {
	e := newEngine(t, Config{})
	out := mustRun(t, e, JS, `return [typeof require, typeof process, typeof fs, typeof module, typeof $db, typeof globalThis.Deno]`, Input{})
	mustOK(t, out)
	if !reflect.DeepEqual(out.Value, []any{"undefined", "undefined", "undefined", "undefined", "undefined", "undefined"}) {
		t.Fatalf("value %#v", out.Value)
	}
}

func TestCrypto(t *testing.T) {
	e := newEngine(t, Config{})
	out := mustRun(t, e, JS, `return [
  $crypto.md5('abc'), $crypto.sha1('abc'), $crypto.sha256('abc', 'base64'), $crypto.sha512('').slice(0, 8),
  $crypto.hmac('sha256', 'key', 'The quick brown fox jumps over the lazy dog'),
  $crypto.base64Encode('中文'), $crypto.base64Decode('5Lit5paH'),
  /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test($crypto.uuid()),
  $crypto.randomHex(4).length,
]`, Input{})
	mustOK(t, out)
	want := []any{"900150983cd24fb0d6963f7d28e17f72", "a9993e364706816aba3e25717850c26c9cd0d89d",
		"ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=", "cf83e135",
		"f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8",
		"5Lit5paH", "中文", true, int64(8)}
	if !reflect.DeepEqual(out.Value, want) {
		t.Fatalf("value %#v", out.Value)
	}
	out = mustRun(t, e, JS, `try { $crypto.randomHex(1e9) } catch (e) { return e.name }`, Input{})
	if out.Value != "TypeError" {
		t.Fatalf("randomHex bound: %#v", out)
	}
}

type fakeEnv map[string]string

func (f fakeEnv) Lookup(_ context.Context, name string) (string, bool, error) {
	if name == "BROKEN" {
		return "", false, errors.New("vault sealed")
	}
	v, ok := f[name]
	return v, ok, nil
}

func TestEnv(t *testing.T) {
	e := newEngine(t, Config{Env: fakeEnv{"API_KEY": "k1"}})
	out := mustRun(t, e, JS, `let err; try { await $env.BROKEN } catch (e) { err = e.message }
return [await $env.get('API_KEY'), await $env.API_KEY, await $env.NOPE, err]`, Input{})
	mustOK(t, out)
	if !reflect.DeepEqual(out.Value, []any{"k1", "k1", nil, "vault sealed"}) {
		t.Fatalf("value %#v", out.Value)
	}
}

type fakeDB struct{ last map[string]any }

func (f *fakeDB) Query(_ context.Context, u User, form string, q DBQuery) (DBPage, error) {
	return DBPage{Items: []map[string]any{{"form": form, "filter": q.Filter, "user": u.ID, "limit": q.Limit, "fields": q.Fields}}, Total: 1}, nil
}
func (f *fakeDB) Get(_ context.Context, _ User, form, id string) (map[string]any, error) {
	if id == "none" {
		return nil, errors.New("记录不存在（not found）")
	}
	return map[string]any{"id": id, "form": form}, nil
}
func (f *fakeDB) Create(_ context.Context, _ User, form string, data map[string]any, submit bool) (string, error) {
	f.last = map[string]any{"data": data, "submit": submit}
	return "new-1", nil
}
func (f *fakeDB) Update(_ context.Context, _ User, form, id string, data map[string]any) error {
	f.last = map[string]any{"id": id, "data": data}
	return nil
}

func TestDB(t *testing.T) {
	db := &fakeDB{}
	e := newEngine(t, Config{DB: db})
	out := mustRun(t, e, JS, `
const a = await $db.query('orders', "status = 'open'");
const b = await $db.query('orders', { filter: 'x > 1', fields: ['a'], limit: 5 });
const r = await $db.get('orders', 'o1');
const id = await $db.create('orders', { qty: 2 }, { submit: true });
await $db.update('orders', id, { qty: 3 });
let err; try { await $db.get('orders', 'none') } catch (e) { err = e.message }
return [a.total, a.items[0].filter, a.items[0].user, b.items[0].limit, b.items[0].fields, r.id, id, err]`, Input{User: User{ID: "u9"}})
	mustOK(t, out)
	want := []any{int64(1), "status = 'open'", "u9", int64(5), []any{"a"}, "o1", "new-1", `$db.get("orders", "none"): 记录不存在（not found）`}
	if !reflect.DeepEqual(out.Value, want) {
		t.Fatalf("value %#v", out.Value)
	}
	if db.last["id"] != "new-1" || !reflect.DeepEqual(db.last["data"], map[string]any{"qty": int64(3)}) {
		t.Fatalf("update %#v", db.last)
	}
}

func TestThrowingGetterInResult(t *testing.T) {
	e := newEngine(t, Config{})
	out := mustRun(t, e, JS, "return { get x() { throw new Error('from getter') } }", Input{})
	if out.Err == nil || out.Err.Kind != "thrown" || out.Err.Message != "from getter" || out.Err.Line != 1 {
		t.Fatalf("err %#v", out.Err)
	}
}

func TestUnhandledRejectionLogged(t *testing.T) {
	e := newEngine(t, Config{})
	out := mustRun(t, e, JS, `Promise.reject(new Error('forgotten')); return 1`, Input{})
	mustOK(t, out)
	if len(out.Console) != 1 || !strings.Contains(out.Console[0].Message, "forgotten") {
		t.Fatalf("console %#v", out.Console)
	}
}

func TestTypesDescribeEveryGlobal(t *testing.T) {
	d := Types()
	for _, g := range []string{"$proxy", "$form", "form", "$user", "$flow", "$event", "$args", "$db", "$log", "console", "$crypto", "$env", "setTimeout", "ProxyResult", "duration_ms"} {
		if !strings.Contains(d, g) {
			t.Errorf("tritium.d.ts lacks %s", g)
		}
	}
	// It must itself be valid TypeScript.
	if _, err := Compile("tritium.d.ts", TS, d); err != nil {
		t.Fatalf("tritium.d.ts does not parse: %v", err)
	}
}

func TestBindingPanicIsInternal(t *testing.T) {
	e := newEngine(t, Config{Proxy: panicProxy{}})
	out := mustRun(t, e, JS, `try { await $proxy('p').x() } catch (e) { return e.message }`, Input{})
	mustOK(t, out)
	if s, _ := out.Value.(string); !strings.Contains(s, "internal") {
		t.Fatalf("value %#v", out.Value)
	}
}

type panicProxy struct{}

func (panicProxy) Call(context.Context, connector.CallRequest) (*connector.Result, error) {
	panic("bug")
}
