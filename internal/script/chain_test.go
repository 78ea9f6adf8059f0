package script

import (
	"reflect"
	"testing"
)

// Chain methods are shared by every chain of a runtime and find theirs
// through `this`.
func TestChainMethodsUseThis(t *testing.T) {
	fp := &fakeProxy{}
	e := newEngine(t, Config{Proxy: fp})
	out := mustRun(t, e, JS, `const p = $proxy('crm');
const a = p.$api('one'), b = p.$api('two');
a.$path({ id: 1 }); b.$query({ q: 'x' });
await a.$call(); await b.$call();
let err; try { const { $api } = p; $api('x') } catch (e) { err = e.name }
return [err, a === a.$path(null), a !== b, typeof a.then]`, Input{})
	mustOK(t, out)
	if want := []any{"TypeError", true, true, "undefined"}; !reflect.DeepEqual(out.Value, want) {
		t.Fatalf("value %#v", out.Value)
	}
	reqs := fp.requests()
	if len(reqs) != 2 || reqs[0].Interface != "one" || reqs[0].Path["id"] != int64(1) || reqs[0].Query != nil ||
		reqs[1].Interface != "two" || reqs[1].Query["q"] != "x" || reqs[1].Path != nil {
		t.Fatalf("requests %#v", reqs)
	}
}
