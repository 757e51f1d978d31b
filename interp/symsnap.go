package interp

import (
	"go/ast"
	"reflect"
	"unsafe"
)

// symbolSnapshot is the global symbols a compile can change, as they were
// before it, so that a compile that fails can be undone. yaegi binds a
// cell's names while it compiles, so without the undo a cell with a typo
// would leave its variables declared with zero values and, worse, replace
// the session's variables, functions and types of the same names:
// `data := load(); typo()` would lose data.
//
// A compile can only bind the names its tree holds, so only those are
// recorded, in the universe and package scopes.
type symbolSnapshot struct {
	tables []symbolTable
}

// symbolTable is what one scope had under the recorded names.
type symbolTable struct {
	sym   reflect.Value // map[string]*symbol, settable
	saved map[string]savedSymbol
}

// savedSymbol is a name's symbol before the compile; ptr is invalid when
// the name was not bound.
type savedSymbol struct {
	ptr reflect.Value // *symbol
	val reflect.Value // a copy of *ptr
}

// snapshotSymbols records the global symbols of the names in root. Call it
// with the session's execution lock held, before compiling root.
func (gf *globalFrame) snapshotSymbols(root ast.Node) *symbolSnapshot {
	names := map[string]bool{}
	ast.Inspect(root, func(n ast.Node) bool {
		if id, ok := n.(*ast.Ident); ok {
			names[id.Name] = true
		}
		return true
	})
	snap := &symbolSnapshot{}
	add := func(sc reflect.Value) {
		if sc.IsNil() {
			return
		}
		f := sc.Elem().FieldByName("sym")
		m := reflect.NewAt(f.Type(), unsafe.Pointer(f.UnsafeAddr())).Elem()
		t := symbolTable{sym: m, saved: make(map[string]savedSymbol, len(names))}
		for name := range names {
			var s savedSymbol
			if p := m.MapIndex(reflect.ValueOf(name)); p.IsValid() && !p.IsNil() {
				s.ptr, s.val = p, reflect.New(p.Type().Elem()).Elem()
				s.val.Set(p.Elem())
			}
			t.saved[name] = s
		}
		snap.tables = append(snap.tables, t)
	}
	add(gf.universe)
	for it := gf.scopes.MapRange(); it.Next(); {
		add(it.Value())
	}
	return snap
}

// restoreName puts name back as it was, in every scope.
func (snap *symbolSnapshot) restoreName(name string) {
	for _, t := range snap.tables {
		if s, ok := t.saved[name]; ok {
			t.restore(name, s)
		}
	}
}

// restore puts the recorded names back as they were: names the failed
// compile bound are unbound, and the symbols it changed or replaced get
// their old contents. Scopes it created (packages it imported) are kept.
func (snap *symbolSnapshot) restore() {
	for _, t := range snap.tables {
		for name, s := range t.saved {
			t.restore(name, s)
		}
	}
}

func (t symbolTable) restore(name string, s savedSymbol) {
	key := reflect.ValueOf(name)
	if !s.ptr.IsValid() {
		t.sym.SetMapIndex(key, reflect.Value{})
		return
	}
	s.ptr.Elem().Set(s.val)
	t.sym.SetMapIndex(key, s.ptr)
}
