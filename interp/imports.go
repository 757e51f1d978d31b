package interp

import (
	"context"
	"fmt"
	"go/ast"
	"go/token"
	"path"
	"reflect"
	"sort"
	"strings"
	"sync"

	"github.com/traefik/yaegi/stdlib"

	"github.com/gohpc/gohpc/display"
	"github.com/gohpc/gohpc/interp/symbols"
)

// preferred settles package names that several importable packages share.
var preferred = map[string]string{
	"rand":     "math/rand",
	"template": "text/template",
	"scanner":  "text/scanner",
	"pprof":    "runtime/pprof",
	"constant": "go/constant",
	"big":      "math/big",
	"format":   "go/format",
}

var (
	pkgOnce  sync.Once
	pkgIndex map[string]string   // package name -> import path
	pkgPaths map[string]string   // import path -> package name
	pkgCands map[string][]string // package name -> import paths, preferred first
	pkgSyms  map[string]map[string]bool
)

// packages indexes the packages cells can import.
func packages() (byName, byPath map[string]string) {
	pkgOnce.Do(func() {
		pkgIndex, pkgPaths, pkgCands, pkgSyms = map[string]string{}, map[string]string{}, map[string][]string{}, map[string]map[string]bool{}
		var keys []string
		for _, m := range []map[string]map[string]reflect.Value{stdlib.Symbols, symbols.Symbols} {
			for k := range m {
				if k == "." || strings.Contains(k, "yaegi") || strings.Contains(k, "internal") {
					continue
				}
				keys = append(keys, k)
			}
		}
		keys = append(keys, "syscall/syscall", "os/exec/exec")
		sort.Slice(keys, func(i, j int) bool {
			if len(keys[i]) != len(keys[j]) {
				return len(keys[i]) < len(keys[j])
			}
			return keys[i] < keys[j]
		})
		for _, k := range keys {
			p, name := path.Dir(k), path.Base(k)
			pkgPaths[p] = name
			if _, ok := pkgIndex[name]; !ok {
				pkgIndex[name] = p
			}
			if pkgSyms[p] == nil {
				pkgCands[name] = append(pkgCands[name], p)
				pkgSyms[p] = map[string]bool{}
			}
			for _, m := range symbolMaps() {
				for sym := range m[k] {
					pkgSyms[p][sym] = true
				}
			}
		}
		for name, p := range preferred {
			if _, ok := pkgPaths[p]; ok {
				pkgIndex[name] = p
				c := []string{p}
				for _, q := range pkgCands[name] {
					if q != p {
						c = append(c, q)
					}
				}
				pkgCands[name] = c
			}
		}
	})
	return pkgIndex, pkgPaths
}

// autoImport imports the packages root uses without importing them:
// fmt.Println works without import "fmt". It also records the imports root
// declares.
func (s *Session) autoImport(ctx context.Context, root ast.Node) error {
	byName, byPath := packages()
	if f, ok := root.(*ast.File); ok {
		// yaegi refuses to import a package twice: drop the imports a
		// previous cell (or the automatic import) already did.
		var decls []ast.Decl
		f.Imports = nil
		for _, d := range f.Decls {
			gd, ok := d.(*ast.GenDecl)
			if !ok || gd.Tok != token.IMPORT {
				decls = append(decls, d)
				continue
			}
			var specs []ast.Spec
			for _, sp := range gd.Specs {
				im := sp.(*ast.ImportSpec)
				p := strings.Trim(im.Path.Value, "\"`")
				name := byPath[p]
				if name == "" {
					name = path.Base(p)
				}
				if im.Name != nil {
					name = im.Name.Name
				}
				if old, ok := s.imps[name]; ok && old == p || name == "_" {
					continue
				}
				specs = append(specs, sp)
				f.Imports = append(f.Imports, im)
				s.imps[name] = p
			}
			if len(specs) > 0 {
				gd.Specs = specs
				decls = append(decls, gd)
			}
		}
		f.Decls = decls
	}
	need := map[string]string{}
	used := map[string][]string{} // package name -> selected names
	ast.Inspect(root, func(n ast.Node) bool {
		sel, ok := n.(*ast.SelectorExpr)
		if !ok {
			return true
		}
		id, ok := sel.X.(*ast.Ident)
		if !ok || id.Obj != nil || s.isUser(id.Name) {
			return true
		}
		if _, ok := s.imps[id.Name]; ok {
			return true
		}
		if _, ok := byName[id.Name]; ok {
			used[id.Name] = append(used[id.Name], sel.Sel.Name)
		}
		return true
	})
	// Of the packages of a name (draw: image/draw, gonum's vg/draw), take
	// the first that has every symbol the code selects.
	for name, syms := range used {
		need[name] = byName[name]
	cands:
		for _, p := range pkgCands[name] {
			for _, sym := range syms {
				if !pkgSyms[p][sym] {
					continue cands
				}
			}
			need[name] = p
			break
		}
	}
	if len(need) == 0 {
		return nil
	}
	var b strings.Builder
	b.WriteString("import (\n")
	names := make([]string, 0, len(need))
	for n := range need {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(&b, "\t%s %q\n", n, need[n])
	}
	b.WriteString(")\n")
	if err := s.evalFile(b.String()); err != nil {
		return fmt.Errorf("interp: importing %s: %w", strings.Join(names, ", "), err)
	}
	for _, n := range names {
		s.imps[n] = need[n]
	}
	return nil
}

// resultInterfaces are the interfaces a trailing value of an interpreted
// type is wrapped in, so that rendering sees its methods (String, HTML, …).
func resultInterfaces() []reflect.Type {
	errT := reflect.TypeOf((*error)(nil)).Elem()
	if mt, ok := symbols.Symbols["."]["MapTypes"]; ok && mt.IsValid() {
		if m, ok := mt.Interface().(map[reflect.Value][]reflect.Type); ok {
			if l := m[reflect.ValueOf(display.Display)]; len(l) > 0 {
				return append([]reflect.Type{errT}, l...)
			}
		}
	}
	return []reflect.Type{errT, reflect.TypeOf((*fmt.Stringer)(nil)).Elem()}
}

// universe holds the predeclared identifiers.
var universe = map[string]bool{}

func init() {
	for _, n := range strings.Fields(`bool byte complex64 complex128 error float32 float64 int int8 int16 int32 int64
		rune string uint uint8 uint16 uint32 uint64 uintptr any comparable true false iota nil append cap clear close
		complex copy delete imag len make max min new panic print println real recover`) {
		universe[n] = true
	}
}

// undefined returns the first identifier of root that nothing declares, to
// replace yaegi's "definition loop" message by an "undefined" one.
func (s *Session) undefined(root ast.Node) *ast.Ident {
	byName, _ := packages()
	keys := map[*ast.Ident]bool{}
	var found *ast.Ident
	ast.Inspect(root, func(n ast.Node) bool {
		if found != nil {
			return false
		}
		switch x := n.(type) {
		case *ast.CompositeLit:
			for _, e := range x.Elts {
				if kv, ok := e.(*ast.KeyValueExpr); ok {
					if id, ok := kv.Key.(*ast.Ident); ok {
						keys[id] = true
					}
				}
			}
		case *ast.SelectorExpr:
			keys[x.Sel] = true
		case *ast.FuncDecl:
			keys[x.Name] = true
		case *ast.Ident:
			if x.Obj != nil || keys[x] || universe[x.Name] || s.isUser(x.Name) || x.Name == "_" ||
				strings.HasPrefix(x.Name, "__gohpc") {
				return true
			}
			if _, ok := s.imps[x.Name]; ok {
				return true
			}
			if _, ok := byName[x.Name]; ok {
				return true
			}
			found = x
		}
		return true
	})
	return found
}

// symbolMaps are the symbol tables cells import from.
func symbolMaps() []map[string]map[string]reflect.Value {
	return []map[string]map[string]reflect.Value{stdlib.Symbols, symbols.Symbols}
}
