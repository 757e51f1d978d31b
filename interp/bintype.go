package interp

import (
	"fmt"
	"go/ast"
	"go/token"
	"reflect"
	"strconv"
)

// yaegi v0.16.1 cannot type a global := or var whose value indexes a
// variable of a compiled ("binary") slice or map type, such as the result
// of strings.Fields or hpc.ReadEvents: `ws := strings.Fields(s)` then
// `w := ws[0]` fails with "constant definition loop". It types the same
// index of a slice of source type. fixBinIndex converts such variables to
// the source spelling of their (underlying) type where they are indexed in
// the initial values of top-level declarations: `w := []string(ws)[0]`.

// fixBinIndex rewrites the indexes of global variables of compiled
// composite types in the top-level definitions of root.
func (s *Session) fixBinIndex(root ast.Node) {
	var exprs []ast.Expr
	addSpecs := func(gd *ast.GenDecl) {
		if gd.Tok != token.VAR {
			return
		}
		for _, sp := range gd.Specs {
			exprs = append(exprs, sp.(*ast.ValueSpec).Values...)
		}
	}
	switch x := root.(type) {
	case *ast.File:
		for _, d := range x.Decls {
			if gd, ok := d.(*ast.GenDecl); ok {
				addSpecs(gd)
			}
		}
	case *ast.BlockStmt:
		for _, st := range x.List {
			switch st := st.(type) {
			case *ast.AssignStmt:
				if st.Tok == token.DEFINE {
					exprs = append(exprs, st.Rhs...)
				}
			case *ast.DeclStmt:
				if gd, ok := st.Decl.(*ast.GenDecl); ok {
					addSpecs(gd)
				}
			}
		}
	}
	if len(exprs) == 0 {
		return
	}
	var globals map[string]reflect.Value
	for _, e := range exprs {
		ast.Inspect(e, func(n ast.Node) bool {
			switch x := n.(type) {
			case *ast.FuncLit:
				return false // function bodies are typed correctly
			case *ast.IndexExpr:
				id, ok := x.X.(*ast.Ident)
				if !ok || id.Obj != nil {
					return true
				}
				if d, ok := s.decls[id.Name]; !ok || d.kind != "var" {
					return true
				}
				if globals == nil {
					globals = s.in.Globals()
				}
				v, ok := globals[id.Name]
				if !ok || !v.IsValid() {
					return true
				}
				if t := s.typeExpr(v.Type(), id.Pos(), true); t != nil {
					x.X = &ast.CallExpr{Fun: &ast.ParenExpr{Lparen: id.Pos(), X: t, Rparen: id.Pos()}, Lparen: id.Pos(), Args: []ast.Expr{id}, Rparen: id.End()}
				}
			}
			return true
		})
	}
}

// typeExpr spells t in Go syntax, with the outer type unnamed (its
// underlying slice, array or map type) when top is set. It returns nil for
// types it cannot spell here: interpreted types, unexported ones, packages
// whose name the session binds to something else.
func (s *Session) typeExpr(t reflect.Type, pos token.Pos, top bool) ast.Expr {
	if !top && t.Name() != "" {
		if t.PkgPath() == "" {
			return ident(t.Name(), pos) // int, string, error…
		}
		if !token.IsExported(t.Name()) {
			return nil
		}
		_, byPath := packages()
		name, ok := byPath[t.PkgPath()]
		if !ok {
			return nil
		}
		if p, bound := s.imps[name]; bound && p != t.PkgPath() || s.isUser(name) {
			return nil
		}
		if _, bound := s.imps[name]; !bound {
			if err := s.evalFile(fmt.Sprintf("import %s %q", name, t.PkgPath())); err != nil {
				return nil
			}
			s.imps[name] = t.PkgPath()
		}
		return &ast.SelectorExpr{X: ident(name, pos), Sel: ident(t.Name(), pos)}
	}
	switch t.Kind() {
	case reflect.Slice:
		if e := s.typeExpr(t.Elem(), pos, false); e != nil {
			return &ast.ArrayType{Lbrack: pos, Elt: e}
		}
	case reflect.Array:
		if top {
			return nil // indexing an array value needs no fix
		}
		if e := s.typeExpr(t.Elem(), pos, false); e != nil {
			return &ast.ArrayType{Lbrack: pos, Len: &ast.BasicLit{ValuePos: pos, Kind: token.INT, Value: strconv.Itoa(t.Len())}, Elt: e}
		}
	case reflect.Map:
		k, e := s.typeExpr(t.Key(), pos, false), s.typeExpr(t.Elem(), pos, false)
		if k != nil && e != nil {
			return &ast.MapType{Map: pos, Key: k, Value: e}
		}
	case reflect.Pointer:
		if top {
			return nil
		}
		if e := s.typeExpr(t.Elem(), pos, false); e != nil {
			return &ast.StarExpr{Star: pos, X: e}
		}
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64, reflect.Complex64, reflect.Complex128, reflect.String:
		if !top {
			return ident(t.Kind().String(), pos)
		}
	}
	return nil
}
