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
// and frees what finished cells leave in it and in yaegi's scopes.
//
// yaegi reallocates and copies the whole frame whenever a compile adds a
// slot, about once per cell, so that a cell's cost grew with the session's
// age; grow extends the frame with spare capacity instead, and yaegi finds
// it large enough.
//
// Every value an expression computes at a cell's top level (the slice a
// make returns, an element a[i] refers to) gets a slot of its own that
// yaegi never clears: a long session kept every such value of every cell
// alive. After a cell has run (and its result has been read), reclaim
// replaces the slots the cell added that belong to no variable with fresh
// zero values. Slots of variables, top level or in a top-level block (a
// closure may still see a loop variable), are kept.
//
// A redeclared variable (x := … run again, as re-running a cell does) gets
// a new slot, and functions compiled before still read the old one. The old
// slot is released too, unless a function or closure compiled while it was
// current mentions the variable's name.
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

	// The redeclarations of the last compile, settled by ran once its
	// program has run, and the symbols from before it.
	pending     []redeclaration
	pendingSnap *symbolSnapshot
}

// redeclaration is a variable a compile gave a new slot.
type redeclaration struct {
	name     string
	old, new int
	release  bool // the old slot can go once the program ran
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
	gf := &globalFrame{
		data:      (*[]reflect.Value)(unsafe.Pointer(data.UnsafeAddr())),
		lock:      (*sync.RWMutex)(unsafe.Pointer(lock.UnsafeAddr())),
		universe:  v.FieldByName("universe"),
		scopes:    v.FieldByName("scopes"),
		keep:      map[int]struct{}{},
		mentioned: map[string]bool{},
	}
	if !gf.universe.IsValid() || gf.universe.Kind() != reflect.Pointer || gf.universe.IsNil() ||
		!gf.scopes.IsValid() || gf.scopes.Kind() != reflect.Map || gf.scopes.Type().Elem() != gf.universe.Type() {
		return nil, bad("Interpreter scopes")
	}
	st := gf.universe.Type().Elem()
	for name, want := range map[string]reflect.Kind{"types": reflect.Slice, "sym": reflect.Map, "child": reflect.Slice, "level": reflect.Int} {
		if f, ok := st.FieldByName(name); !ok || f.Type.Kind() != want {
			return nil, bad("scope." + name)
		}
	}
	if f, _ := st.FieldByName("child"); f.Type.Elem() != gf.universe.Type() {
		return nil, bad("scope.child")
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
	gf.types = (*[]reflect.Type)(unsafe.Pointer(gf.universe.Elem().FieldByName("types").UnsafeAddr()))
	return gf, nil
}

// forgetBlocks drops the blocks (a loop, a function body) that compiled
// cells added as children of the universe and package scopes: yaegi keeps
// them, with their trees, for its debugger only. It first records the slots
// of the variables of top-level blocks, which reclaim keeps. Call it with
// yaegi's mutex held.
func (gf *globalFrame) forgetBlocks() {
	gf.eachScope(func(sc reflect.Value, depth int) {
		if depth > 0 {
			gf.symbolSlots(sc, gf.keep, gf.done)
		}
	})
	drop := func(sc reflect.Value) {
		if !sc.IsNil() {
			f := sc.Elem().FieldByName("child")
			*(*[]unsafe.Pointer)(unsafe.Pointer(f.UnsafeAddr())) = nil
		}
	}
	drop(gf.universe)
	for it := gf.scopes.MapRange(); it.Next(); {
		drop(it.Value())
	}
}

// grow makes the frame as long as its layout, initializing the new slots
// as yaegi does, with spare capacity for the slots later cells add. Call it
// before yaegi's Execute.
func (gf *globalFrame) grow() {
	gf.lock.Lock()
	defer gf.lock.Unlock()
	data, types := *gf.data, *gf.types
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
	*gf.data = data
}

// slots returns the frame slot of every variable of the main package.
func (gf *globalFrame) slots() map[string]int {
	out := map[string]int{}
	sc := gf.scopes.MapIndex(reflect.ValueOf("main"))
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

// compiled records a successful compile of root: before is slots() and snap
// the symbols from just before it. Variables root redeclared release their
// old slots once the program has run (see ran) unless a function body
// mentioned them since those slots were made, or mentions them in root.
func (gf *globalFrame) compiled(root ast.Node, before map[string]int, snap *symbolSnapshot) {
	inBodies := namesInFuncBodies(root)
	gf.pending, gf.pendingSnap = gf.pending[:0], snap
	for name, i := range gf.slots() {
		old, had := before[name]
		switch {
		case !had:
			gf.mentioned[name] = inBodies[name]
		case old != i:
			gf.pending = append(gf.pending, redeclaration{name, old, i, !gf.mentioned[name] && !inBodies[name]})
			gf.mentioned[name] = inBodies[name]
		case inBodies[name]:
			gf.mentioned[name] = true
		}
	}
}

// ran settles the redeclarations of the program that just ran: ok tells
// whether it succeeded. After a failure, a redeclared variable whose new
// slot still holds its zero value (its definition did not run: x := load()
// panicked) is bound to its old slot again, keeping its value, as in Python
// a failed x = load() leaves x alone. Otherwise the old slots that can go
// are released. Call it only when the program is no longer running.
func (gf *globalFrame) ran(ok bool) {
	for _, r := range gf.pending {
		if !ok && gf.pendingSnap != nil && gf.slotIsZero(r.new) {
			gf.pendingSnap.restoreName(r.name)
			gf.mentioned[r.name] = true // the old slot's users are unknown: keep it
			continue
		}
		if r.release {
			gf.released = append(gf.released, r.old)
		}
	}
	gf.pending, gf.pendingSnap = gf.pending[:0], nil
}

// abandon forgets the pending redeclarations of a program still running
// (interrupted in native code): their old slots are kept.
func (gf *globalFrame) abandon() {
	gf.pending, gf.pendingSnap = gf.pending[:0], nil
}

// slotIsZero reports whether slot i holds its type's zero value.
func (gf *globalFrame) slotIsZero(i int) bool {
	gf.lock.RLock()
	defer gf.lock.RUnlock()
	data := *gf.data
	if i >= len(data) || !data[i].IsValid() {
		return true
	}
	return data[i].IsZero()
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
func (gf *globalFrame) reclaim() {
	gf.lock.Lock()
	defer gf.lock.Unlock()
	data, types := *gf.data, *gf.types
	end := min(len(data), len(types))
	for _, i := range gf.released {
		if i < end && data[i].IsValid() {
			data[i] = reflect.New(types[i]).Elem()
		}
	}
	gf.released = gf.released[:0]
	if gf.done >= end {
		return
	}
	named := map[int]struct{}{}
	gf.eachScope(func(sc reflect.Value, depth int) {
		if depth == 0 {
			gf.symbolSlots(sc, named, gf.done)
		}
	})
	for i := gf.done; i < end; i++ {
		_, isVar := named[i]
		_, isBlockVar := gf.keep[i]
		delete(gf.keep, i)
		// Any slot may hold memory: an int's Value may point into a
		// slice (big[0] in big[0] = 1).
		if isVar || isBlockVar || !data[i].IsValid() {
			continue
		}
		data[i] = reflect.New(types[i]).Elem()
	}
	gf.done = end
}

// eachScope calls f with the universe, every package scope and their
// blocks in the global frame (depth is 0 for the first two), not with
// function scopes, which have frames of their own.
func (gf *globalFrame) eachScope(f func(sc reflect.Value, depth int)) {
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
	walk(gf.universe, 0)
	for it := gf.scopes.MapRange(); it.Next(); {
		walk(it.Value(), 0)
	}
}

// symbolSlots adds the frame slots of sc's symbols, from slot from on, to
// set.
func (gf *globalFrame) symbolSlots(sc reflect.Value, set map[int]struct{}, from int) {
	for it := sc.Elem().FieldByName("sym").MapRange(); it.Next(); {
		if s := it.Value(); !s.IsNil() {
			if i := int(s.Elem().FieldByName("index").Int()); i >= from {
				set[i] = struct{}{}
			}
		}
	}
}
