package script

import (
	"context"
	"reflect"
	"testing"

	"github.com/dop251/goja"
)

// The reset counts the global object's properties through goja's
// internals; on the pinned goja the counter must work (else every reset
// enumerates the built-ins: correct, but slow).
func TestResetCounterWorks(t *testing.T) {
	e := newEngine(t, Config{})
	rt, err := e.get()
	if err != nil {
		t.Fatal(err)
	}
	defer e.put(rt)
	done := make(chan struct{})
	rt.loop.RunOnLoop(func(vm *goja.Runtime) {
		defer close(done)
		g := vm.GlobalObject()
		n, ok := rt.props.ownCount(g)
		if !ok || n != len(rt.base) || n != len(g.GetOwnPropertyNames()) {
			t.Errorf("ownCount = %d, %v; base %d, names %d", n, ok, len(rt.base), len(g.GetOwnPropertyNames()))
		}
	})
	<-done
}

// Additions balanced by deletions keep the count; the reset still finds
// them.
func TestResetFindsBalancedChanges(t *testing.T) {
	e := newEngine(t, Config{Pool: 1})
	out := mustRun(t, e, JS, `delete globalThis.JSON; delete globalThis.Math; globalThis.a = 1; b = 2;
Object.defineProperty(globalThis, 'c', { value: 3, enumerable: false, configurable: true });
Array = function () {}; return 1`, Input{})
	mustOK(t, out)
	out = mustRun(t, e, JS, `return [typeof a, typeof b, typeof c, typeof JSON.parse, typeof Math.max, Array.isArray([])]`, Input{})
	mustOK(t, out)
	if want := []any{"undefined", "undefined", "undefined", "function", "function", true}; !reflect.DeepEqual(out.Value, want) {
		t.Fatalf("second run sees %#v", out.Value)
	}
	p := mustCompile(t, "n.js", JS, "return Object.getOwnPropertyNames(globalThis).length")
	first, err := e.Run(context.Background(), p, Input{})
	if err != nil {
		t.Fatal(err)
	}
	again, _ := e.Run(context.Background(), p, Input{})
	if !reflect.DeepEqual(first.Value, again.Value) {
		t.Fatalf("global count drifts: %v then %v", first.Value, again.Value)
	}
}
