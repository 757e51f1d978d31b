package interp

import (
	"fmt"
	"go/ast"
	"reflect"
	"sync"
	"unsafe"

	yaegi "github.com/traefik/yaegi/interp"
)

// globalFrame manages yaegi's global frame, where top-level variables live
// and a cell's top-level statements run: it grows the frame ahead of need
// and frees what finished cells leave in it.
//
// yaegi reallocates and copies the whole frame whenever a compile adds a
// slot, once per cell in a session, so that a cell's cost grows with the
// session's age; grow extends it with spare capacity instead, so that
// yaegi finds it large enough.
//
// yaegi runs a cell's top-level statements in the global frame, and every
// value an expression computes there (the slice a make returns, a string a
// call builds) gets a slot of its own that nothing ever clears: a long
// session keeps every such value of every cell alive. After a cell has run
// (and its result has been read), the globalFrame replaces the slots the cell
// added that belong to no variable with fresh zero values. Slots of
// variables, top level or in a top-level block (a closure may still see a
// loop variable), are kept, as are a redeclared variable's old slots
// (functions compiled before the redeclaration still read them).
//
// It reaches yaegi's unexported fields (frame, universe, scopes) through
// reflect and unsafe; the layout is checked at construction against yaegi
// v0.16.1.
type globalFrame struct {
	data     *[]reflect.Value // the global frame's slots
	lock     *sync.RWMutex    // the global frame's mutex
	types    *[]reflect.Type  // the global frame's layout (universe scope)
	universe reflect.Value    // *scope
	scopes   reflect.Value    // map[string]*scope

	done      int              // slots below done were seen by reclaim
	keep      map[int]struct{} // slots of block variables at or above done
	released  []int            // old slots of redeclared variables, to zero
	mentioned map[string]bool  // names used in function bodies since their slot was made
}

func newGlobalFrame(in *yaegi.Interpreter) (*globalFrame, error) {
	bad := func(what string) error {
		return fmt.Errorf("interp: yaegi's %s is not as expected (unsupported yaegi version)", what)
	}
	v := reflect.ValueOf(in).Elem()
	fr := v.FieldByName("frame")
	if !fr.IsValid() || fr.Kind() != reflect.Pointer || fr.IsNil() {
		return nil, bad("Interpreter.frame")
	}
	data := fr.Elem().FieldByName("data")
	lock := fr.Elem().FieldByName("mutex")
	if !data.IsValid() || data.Type() != reflect.TypeOf([]reflect.Value(nil)) ||
		!lock.IsValid() || lock.Type() != reflect.TypeOf(sync.RWMutex{}) {
		return nil, bad("frame")
	}
	r := &globalFrame{
		data:      (*[]reflect.Value)(unsafe.Pointer(data.UnsafeAddr())),
		lock:      (*sync.RWMutex)(unsafe.Pointer(lock.UnsafeAddr())),
		universe:  v.FieldByName("universe"),
		scopes:    v.FieldByName("scopes"),
		keep:      map[int]struct{}{},
		mentioned: map[string]bool{},
	}
	if !r.universe.IsValid() || r.universe.Kind() != reflect.Pointer || r.universe.IsNil() ||
		!r.scopes.IsValid() || r.scopes.Kind() != reflect.Map || r.scopes.Type().Elem() != r.universe.Type() {
		return nil, bad("Interpreter scopes")
	}
	st := r.universe.Type().Elem()
	for name, want := range map[string]reflect.Kind{"types": reflect.Slice, "sym": reflect.Map, "child": reflect.Slice, "level": reflect.Int} {
		if f, ok := st.FieldByName(name); !ok || f.Type.Kind() != want {
			return nil, bad("scope." + name)
		}
	}
	if f, _ := st.FieldByName("types"); f.Type != reflect.TypeOf([]reflect.Type(nil)) {
		return nil, bad("scope.types")
	}
	sym, _ := st.FieldByName("sym")
	if sym.Type.Elem().Kind() != reflect.Pointer {
		return nil, bad("scope.sym")
	}
	if f, ok := sym.Type.Elem().Elem().FieldByName("index"); !ok || f.Type.Kind() != reflect.Int {
		return nil, bad("symbol.index")
	}
	r.types = (*[]reflect.Type)(unsafe.Pointer(r.universe.Elem().FieldByName("types").UnsafeAddr()))
	return r, nil
}

// noteBlocks records the slots of variables in top-level blocks compiled so
// far. Call it before those blocks are dropped from their scopes (see
// runCtl.dropScopeChildren), with yaegi's mutex held.
func (r *globalFrame) noteBlocks() {
	r.eachScope(func(sc reflect.Value, depth int) {
		if depth > 0 {
			r.symbolSlots(sc, r.keep, r.done)
		}
	})
}

// grow makes the frame as long as its layout, initializing the new slots
// as yaegi does, with spare capacity for the slots later cells add. Call it
// before yaegi's Execute.
func (r *globalFrame) grow() {
	r.lock.Lock()
	defer r.lock.Unlock()
	data, types := *r.data, *r.types
	if len(data) >= len(types) {
		return
	}
	if cap(data) < len(types) {
		grown := make([]reflect.Value, len(data), max(2*cap(data), len(types), 256))
		copy(grown, data)
		data = grown
	}
	n := len(data)
	data = data[:len(types)]
	for i, t := range types[n:] {
		data[n+i] = reflect.New(t).Elem()
	}
	*r.data = data
}

// slots returns the frame slot of every variable of the main package.
func (r *globalFrame) slots() map[string]int {
	out := map[string]int{}
	sc := r.scopes.MapIndex(reflect.ValueOf("main"))
	if !sc.IsValid() || sc.IsNil() {
		return out
	}
	for it := sc.Elem().FieldByName("sym").MapRange(); it.Next(); {
		if s := it.Value(); !s.IsNil() {
			if i := int(s.Elem().FieldByName("index").Int()); i >= 0 {
				out[it.Key().String()] = i
			}
		}
	}
	return out
}

// compiled records a successful compile of root: before is slots() from
// just before it. Variables root redeclared release their old slots unless
// a function body mentioned them since those slots were made, or mentions
// them in root.
func (r *globalFrame) compiled(root ast.Node, before map[string]int) {
	inBodies := namesInFuncBodies(root)
	for name, i := range r.slots() {
		old, had := before[name]
		switch {
		case !had:
			r.mentioned[name] = inBodies[name]
		case old != i:
			if !r.mentioned[name] && !inBodies[name] {
				r.released = append(r.released, old)
			}
			r.mentioned[name] = inBodies[name]
		case inBodies[name]:
			r.mentioned[name] = true
		}
	}
}

// namesInFuncBodies returns the identifiers used in the bodies of root's
// function declarations and literals.
func namesInFuncBodies(root ast.Node) map[string]bool {
	names := map[string]bool{}
	ast.Inspect(root, func(n ast.Node) bool {
		body := funcBody(n)
		if body == nil {
			return true
		}
		ast.Inspect(body, func(n ast.Node) bool {
			if id, ok := n.(*ast.Ident); ok {
				names[id.Name] = true
			}
			return true
		})
		return false
	})
	return names
}

// reclaim zeroes the slots added since the last call that belong to no
// variable, and the released slots of redeclared variables. Call it only when no cell code is running: the slots are
// replaced without the frame's users knowing.
func (r *globalFrame) reclaim() {
	r.lock.Lock()
	defer r.lock.Unlock()
	data, types := *r.data, *r.types
	end := min(len(data), len(types))
	for _, i := range r.released {
		if i < end && data[i].IsValid() {
			data[i] = reflect.New(types[i]).Elem()
		}
	}
	r.released = r.released[:0]
	if r.done >= end {
		return
	}
	named := map[int]struct{}{}
	r.eachScope(func(sc reflect.Value, depth int) {
		if depth == 0 {
			r.symbolSlots(sc, named, r.done)
		}
	})
	for i := r.done; i < end; i++ {
		_, isVar := named[i]
		_, isBlockVar := r.keep[i]
		delete(r.keep, i)
		// Any slot may hold memory: an int's Value may point into a
		// slice (big[0] in big[0] = 1).
		if isVar || isBlockVar || !data[i].IsValid() {
			continue
		}
		data[i] = reflect.New(types[i]).Elem()
	}
	r.done = end
}

// eachScope calls f with the universe, every package scope and their
// blocks in the global frame (depth is 0 for the first two), not with
// function scopes, which have frames of their own.
func (r *globalFrame) eachScope(f func(sc reflect.Value, depth int)) {
	var walk func(sc reflect.Value, depth int)
	walk = func(sc reflect.Value, depth int) {
		if sc.IsNil() || sc.Elem().FieldByName("level").Int() != 0 {
			return
		}
		f(sc, depth)
		children := sc.Elem().FieldByName("child")
		for i := 0; i < children.Len(); i++ {
			walk(children.Index(i), depth+1)
		}
	}
	walk(r.universe, 0)
	for it := r.scopes.MapRange(); it.Next(); {
		walk(it.Value(), 0)
	}
}

// symbolSlots adds the frame slots of sc's symbols, from slot from on, to
// set.
func (r *globalFrame) symbolSlots(sc reflect.Value, set map[int]struct{}, from int) {
	for it := sc.Elem().FieldByName("sym").MapRange(); it.Next(); {
		if s := it.Value(); !s.IsNil() {
			if i := int(s.Elem().FieldByName("index").Int()); i >= from {
				set[i] = struct{}{}
			}
		}
	}
}
