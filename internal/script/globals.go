package script

import (
	"reflect"

	"github.com/dop251/goja"
)

// The reset must find globals a script added. Enumerating the global
// object (GetOwnPropertyNames, Keys) walks every built-in and allocates
// for each, which was a quarter of an empty run; instead the reset reads
// the number of own string properties goja keeps for the object and
// enumerates only when it differs from the snapshot's.
//
// That number is goja's private baseObject.propNames, read (never
// written) through reflect. setup checks the reading against
// GetOwnPropertyNames before trusting it; with a goja whose layout
// differs, ownCount reports !ok and the reset enumerates every time
// (slower, still correct).

// propCounter reads len(propNames) of one goja object.
type propCounter struct {
	path []int // field indexes from the objectImpl's struct to propNames
}

// newPropCounter finds propNames in g's implementation and checks it
// counts what GetOwnPropertyNames lists, before and after adding and
// deleting a probe property.
func newPropCounter(vm *goja.Runtime, g *goja.Object) *propCounter {
	c := &propCounter{}
	defer func() {
		if recover() != nil {
			c.path = nil
		}
	}()
	impl := reflect.ValueOf(g).Elem().FieldByName("self")
	if !impl.IsValid() || impl.Kind() != reflect.Interface || impl.IsNil() {
		return c
	}
	s := impl.Elem()
	if s.Kind() != reflect.Pointer || s.Elem().Kind() != reflect.Struct {
		return c
	}
	f, ok := s.Elem().Type().FieldByName("propNames")
	if !ok || f.Type.Kind() != reflect.Slice {
		return c
	}
	c.path = f.Index
	check := func() bool {
		n, ok := c.ownCount(g)
		return ok && n == len(g.GetOwnPropertyNames())
	}
	const probe = "__tritium_probe__"
	if !check() || g.DefineDataProperty(probe, vm.ToValue(1), goja.FLAG_TRUE, goja.FLAG_TRUE, goja.FLAG_FALSE) != nil || !check() ||
		g.Delete(probe) != nil || !check() {
		c.path = nil
	}
	return c
}

// ownCount is the number of own string-keyed properties of g, if the
// counter is usable.
func (c *propCounter) ownCount(g *goja.Object) (n int, ok bool) {
	if c == nil || c.path == nil {
		return 0, false
	}
	impl := reflect.ValueOf(g).Elem().FieldByName("self")
	if impl.Kind() != reflect.Interface || impl.IsNil() {
		return 0, false
	}
	s := impl.Elem()
	if s.Kind() != reflect.Pointer {
		return 0, false
	}
	return s.Elem().FieldByIndex(c.path).Len(), true
}

// global is one property of the snapshot the reset restores.
type global struct {
	name string
	v    goja.Value
}

// reset puts the global object back as setup left it: globals the script
// added are deleted, replaced or deleted ones restored. If that fails
// (the script made a global non-configurable, or froze globalThis) the
// runtime is marked broken and not reused.
//
// Replaced or deleted snapshot globals are found by identity (a Get per
// name, no allocation). Added ones: once every snapshot name is back,
// the global object has exactly the snapshot's properties iff it has as
// many; only otherwise are its names listed. (A snapshot global the
// script deleted and re-created on Object.prototype reads as present;
// that is the known gap of changed built-in prototypes.)
func (rt *vmRuntime) reset() {
	g := rt.vm.GlobalObject()
	for _, name := range inputGlobals {
		rt.deleteGlobal(g, name)
	}
	for _, b := range rt.base {
		cur := g.Get(b.name)
		if cur != nil && cur.SameAs(b.v) {
			continue
		}
		if g.DefineDataProperty(b.name, b.v, goja.FLAG_TRUE, goja.FLAG_TRUE, goja.FLAG_FALSE) != nil {
			rt.broken.Store(true)
		} else if c := g.Get(b.name); c == nil || !c.SameAs(b.v) {
			rt.broken.Store(true)
		}
	}
	if n, ok := rt.props.ownCount(g); ok && n == len(rt.base) {
		return
	}
	for _, name := range g.GetOwnPropertyNames() {
		if _, ok := rt.baseNames[name]; !ok {
			rt.deleteGlobal(g, name)
		}
	}
}

// inputGlobals are the per-execution globals installInput defines.
var inputGlobals = [...]string{"$form", "form", "$user", "$flow", "$event", "$args"}

func (rt *vmRuntime) deleteGlobal(g *goja.Object, name string) {
	if g.Delete(name) != nil || g.Get(name) != nil {
		rt.broken.Store(true)
	}
}
