package interp

import (
	"go/ast"
	"go/token"
	"reflect"
	"strconv"
	"strings"
)

// The rewrites below turn modern or dangerous Go into code yaegi v0.16.1
// runs safely. They work on the AST in place, keeping the positions of the
// user's nodes (new nodes take the position of the code they replace), so
// that errors still point at cell lines.

// renameSep joins a redefined type's name and its version: T, then Tᐧ2 (the
// separator is a letter, so Tᐧ2 is an identifier that keeps T's export).
const renameSep = "ᐧ"

// rewriter carries what the rewrites need to know of the session.
type rewriter struct {
	// user reports whether name is declared by the user at top level (so a
	// builtin of that name is shadowed).
	user func(name string) bool
	// intGlobal reports whether the global name holds an integer.
	intGlobal func(name string) bool
	// renames maps user names to internal ones (redefined types).
	renames map[string]string
	// forceIntRange rewrites ranges over expressions of unknown type as
	// ranges over integers (the retry after yaegi choked on them).
	forceIntRange bool
	seq           *int
	// ambiguous is set when a range over an expression of unknown type was
	// left as it is.
	ambiguous bool
}

func (r *rewriter) tmp(base string) string {
	*r.seq++
	return "__gohpc_" + base + strconv.Itoa(*r.seq)
}

func ident(name string, pos token.Pos) *ast.Ident { return &ast.Ident{Name: name, NamePos: pos} }

func rtCall(fn string, pos token.Pos, args ...ast.Expr) *ast.CallExpr {
	return &ast.CallExpr{Fun: &ast.SelectorExpr{X: ident(rtName, pos), Sel: ident(fn, pos)}, Lparen: pos, Args: args, Rparen: pos}
}

// isBuiltin reports whether call calls the builtin name (not shadowed by a
// declaration of the cell or the session).
func (r *rewriter) isBuiltin(call *ast.CallExpr, names ...string) (string, bool) {
	id, ok := call.Fun.(*ast.Ident)
	if !ok || id.Obj != nil || r.user(id.Name) {
		return "", false
	}
	for _, n := range names {
		if id.Name == n {
			return n, true
		}
	}
	return "", false
}

// rename applies r.renames to every identifier of n that names a top-level
// entity: not selectors, struct fields, interface methods, method names,
// composite literal keys or labels.
func (r *rewriter) rename(n ast.Node) {
	if len(r.renames) == 0 {
		return
	}
	skip := map[*ast.Ident]bool{}
	ast.Inspect(n, func(n ast.Node) bool {
		switch x := n.(type) {
		case *ast.SelectorExpr:
			skip[x.Sel] = true
		case *ast.StructType:
			for _, f := range x.Fields.List {
				for _, id := range f.Names {
					skip[id] = true
				}
			}
		case *ast.InterfaceType:
			for _, f := range x.Methods.List {
				for _, id := range f.Names {
					skip[id] = true
				}
			}
		case *ast.FuncDecl:
			if x.Recv != nil {
				skip[x.Name] = true
			}
		case *ast.CompositeLit:
			for _, e := range x.Elts {
				if kv, ok := e.(*ast.KeyValueExpr); ok {
					if id, ok := kv.Key.(*ast.Ident); ok {
						skip[id] = true
					}
				}
			}
		case *ast.LabeledStmt:
			skip[x.Label] = true
		case *ast.BranchStmt:
			if x.Label != nil {
				skip[x.Label] = true
			}
		case *ast.Ident:
			if !skip[x] {
				if to, ok := r.renames[x.Name]; ok {
					x.Name = to
				}
			}
		}
		return true
	})
}

// stmts applies the statement rewrites to every statement list under n.
func (r *rewriter) stmts(n ast.Node) {
	done := map[ast.Node]bool{}
	ast.Inspect(n, func(n ast.Node) bool {
		switch x := n.(type) {
		case *ast.BlockStmt:
			x.List = r.stmtList(x.List, done)
		case *ast.CaseClause:
			x.Body = r.stmtList(x.Body, done)
		case *ast.CommClause:
			x.Body = r.stmtList(x.Body, done)
		}
		return true
	})
}

func (r *rewriter) stmtList(list []ast.Stmt, done map[ast.Node]bool) []ast.Stmt {
	for i, s := range list {
		if done[s] {
			continue
		}
		if ns := r.stmt(s, done); ns != nil {
			list[i] = ns
		}
	}
	return list
}

// stmt returns the replacement of s, or nil.
func (r *rewriter) stmt(s ast.Stmt, done map[ast.Node]bool) ast.Stmt {
	switch x := s.(type) {
	case *ast.LabeledStmt:
		if rs, ok := x.Stmt.(*ast.RangeStmt); ok {
			r.iterRange(rs)
		}
		if rs, ok := x.Stmt.(*ast.RangeStmt); ok && r.backward(rs) != nil {
			blk := r.backwardRange(rs)
			x.Stmt = blk.List[1]
			blk.List[1] = x
			return blk
		}
		if rs, ok := x.Stmt.(*ast.RangeStmt); ok && r.intRange(rs) {
			blk := r.rangeInt(rs)
			// The label moves in with the loop: L: { …; for … } → { …; L: for … }.
			x.Stmt = blk.List[1]
			blk.List[1] = x
			return blk
		}
	case *ast.RangeStmt:
		r.iterRange(x)
		if r.backward(x) != nil {
			return r.backwardRange(x)
		}
		if r.intRange(x) {
			return r.rangeInt(x)
		}
		r.loopVars(x)
	case *ast.ForStmt:
		r.loopVars(x)
	case *ast.GoStmt:
		return r.goStmt(x, done)
	}
	return nil
}

// iterCall returns the call e makes of an iterator function of maps or
// slices with one plain argument, as "maps.Keys", or "" for any other e.
func (r *rewriter) iterCall(e ast.Expr) (*ast.CallExpr, string) {
	call, ok := unparen(e).(*ast.CallExpr)
	if !ok || len(call.Args) != 1 || call.Ellipsis.IsValid() {
		return nil, ""
	}
	sel, ok := call.Fun.(*ast.SelectorExpr)
	if !ok {
		return nil, ""
	}
	pkg, ok := sel.X.(*ast.Ident)
	if !ok || pkg.Obj != nil || r.user(pkg.Name) || (pkg.Name != "maps" && pkg.Name != "slices") {
		return nil, ""
	}
	return call, pkg.Name + "." + sel.Sel.Name
}

// iterRange rewrites, in place, a range over a call of the iterator
// functions of maps and slices (Go 1.23: yaegi cannot range over a
// function) into the range over their argument it stands for:
//
//	for k := range maps.Keys(m)       → for k := range m
//	for v := range maps.Values(m)     → for _, v := range m
//	for k, v := range maps.All(m)     → for k, v := range m
//	for i, v := range slices.All(s)   → for i, v := range s
//	for v := range slices.Values(s)   → for _, v := range s
//
// A loop with two variables over a one-value iterator is left for yaegi to
// refuse. slices.Backward is backwardRange's.
func (r *rewriter) iterRange(rs *ast.RangeStmt) {
	call, fn := r.iterCall(rs.X)
	switch fn {
	case "maps.All", "slices.All":
		rs.X = call.Args[0]
	case "maps.Keys":
		if rs.Value == nil {
			rs.X = call.Args[0]
		}
	case "maps.Values", "slices.Values":
		if rs.Value == nil {
			rs.X = call.Args[0]
			if rs.Key != nil {
				rs.Key, rs.Value = ident("_", rs.Key.Pos()), rs.Key
			}
		}
	}
}

// backward returns the call of slices.Backward rs ranges over, or nil.
func (r *rewriter) backward(rs *ast.RangeStmt) *ast.CallExpr {
	if call, fn := r.iterCall(rs.X); fn == "slices.Backward" {
		return call
	}
	return nil
}

// backwardRange rewrites a range over slices.Backward(e) as a counted loop
// over e evaluated once:
//
//	{ __s := e; for __i := len(__s) - 1; __i >= 0; __i-- { i, v := __i, __s[__i]; body } }
func (r *rewriter) backwardRange(rs *ast.RangeStmt) *ast.BlockStmt {
	pos := rs.For
	s, i := r.tmp("s"), r.tmp("i")
	lit := func(v string) *ast.BasicLit { return &ast.BasicLit{ValuePos: pos, Kind: token.INT, Value: v} }
	var lhs, rhs []ast.Expr
	if rs.Key != nil {
		lhs, rhs = append(lhs, rs.Key), append(rhs, ident(i, pos))
	}
	if rs.Value != nil {
		lhs, rhs = append(lhs, rs.Value), append(rhs, &ast.IndexExpr{X: ident(s, pos), Lbrack: pos, Index: ident(i, pos), Rbrack: pos})
	}
	named := false
	for _, e := range lhs {
		named = named || !isBlank(e)
	}
	body := rs.Body
	if named || (len(lhs) > 0 && rs.Tok == token.ASSIGN) {
		body.List = append([]ast.Stmt{&ast.AssignStmt{Lhs: lhs, TokPos: pos, Tok: rs.Tok, Rhs: rhs}}, body.List...)
	}
	loop := &ast.ForStmt{
		For:  pos,
		Init: &ast.AssignStmt{Lhs: []ast.Expr{ident(i, pos)}, TokPos: pos, Tok: token.DEFINE, Rhs: []ast.Expr{&ast.BinaryExpr{X: &ast.CallExpr{Fun: ident("len", pos), Lparen: pos, Args: []ast.Expr{ident(s, pos)}, Rparen: pos}, OpPos: pos, Op: token.SUB, Y: lit("1")}}},
		Cond: &ast.BinaryExpr{X: ident(i, pos), OpPos: pos, Op: token.GEQ, Y: lit("0")},
		Post: &ast.IncDecStmt{X: ident(i, pos), TokPos: pos, Tok: token.DEC},
		Body: body,
	}
	return &ast.BlockStmt{Lbrace: pos, List: []ast.Stmt{
		&ast.AssignStmt{Lhs: []ast.Expr{ident(s, pos)}, TokPos: pos, Tok: token.DEFINE, Rhs: []ast.Expr{r.backward(rs).Args[0]}},
		loop,
	}, Rbrace: rs.Body.Rbrace}
}

// loopVars gives the variables a for statement declares a fresh copy in
// each iteration, as Go 1.22 does, when the body has closures that could
// capture them (yaegi shares one variable across iterations):
//
//	for i := 0; i < n; i++ { i := i; body }
//
// A three-clause loop whose body assigns its variable keeps the shared
// variable, since the copy would not carry the change to the next iteration.
func (r *rewriter) loopVars(s ast.Stmt) {
	var names []*ast.Ident
	var body *ast.BlockStmt
	switch x := s.(type) {
	case *ast.RangeStmt:
		if x.Tok != token.DEFINE {
			return
		}
		for _, e := range []ast.Expr{x.Key, x.Value} {
			if id, ok := e.(*ast.Ident); ok && id.Name != "_" {
				names = append(names, id)
			}
		}
		body = x.Body
	case *ast.ForStmt:
		as, ok := x.Init.(*ast.AssignStmt)
		if !ok || as.Tok != token.DEFINE {
			return
		}
		for _, e := range as.Lhs {
			if id, ok := e.(*ast.Ident); ok && id.Name != "_" {
				names = append(names, id)
			}
		}
		body = x.Body
		if assigns(body, names) {
			return
		}
	}
	if len(names) == 0 || body == nil || !hasClosure(body) {
		return
	}
	cp := &ast.AssignStmt{Tok: token.DEFINE, TokPos: body.Lbrace}
	for _, n := range names {
		cp.Lhs = append(cp.Lhs, ident(n.Name, n.Pos()))
		cp.Rhs = append(cp.Rhs, ident(n.Name, n.Pos()))
	}
	body.List = append([]ast.Stmt{cp}, body.List...)
}

// hasClosure reports whether n contains a function literal or go statement.
func hasClosure(n ast.Node) bool {
	found := false
	ast.Inspect(n, func(n ast.Node) bool {
		switch n.(type) {
		case *ast.FuncLit, *ast.GoStmt, *ast.DeferStmt:
			found = true
		}
		return !found
	})
	return found
}

// assigns reports whether n assigns to (or takes the address of) one of
// the names.
func assigns(n ast.Node, names []*ast.Ident) bool {
	is := func(e ast.Expr) bool {
		id, ok := unparenOnly(e).(*ast.Ident)
		if !ok {
			return false
		}
		for _, n := range names {
			if n.Name == id.Name {
				return true
			}
		}
		return false
	}
	found := false
	ast.Inspect(n, func(n ast.Node) bool {
		switch x := n.(type) {
		case *ast.AssignStmt:
			for _, l := range x.Lhs {
				if is(l) {
					found = true
				}
			}
		case *ast.IncDecStmt:
			found = found || is(x.X)
		case *ast.UnaryExpr:
			found = found || (x.Op == token.AND && is(x.X))
		}
		return !found
	})
	return found
}

func unparenOnly(e ast.Expr) ast.Expr {
	for {
		p, ok := e.(*ast.ParenExpr)
		if !ok {
			return e
		}
		e = p.X
	}
}

// intRange reports whether the range statement ranges over an integer, as
// far as the syntax and the session's globals tell.
func (r *rewriter) intRange(rs *ast.RangeStmt) bool {
	if rs.Value != nil {
		return false // two iteration variables: not an integer
	}
	switch k := r.kindOf(rs.X); k {
	case kindInt:
		return true
	case kindOther:
		return false
	}
	if r.forceIntRange {
		return true
	}
	r.ambiguous = true
	return false
}

type exprKind int

const (
	kindUnknown exprKind = iota
	kindInt
	kindOther
)

var intTypes = map[string]bool{"int": true, "int8": true, "int16": true, "int32": true, "int64": true,
	"uint": true, "uint8": true, "uint16": true, "uint32": true, "uint64": true, "uintptr": true, "byte": true, "rune": true}

// kindOf guesses whether e is an integer.
func (r *rewriter) kindOf(e ast.Expr) exprKind {
	switch x := e.(type) {
	case *ast.BasicLit:
		if x.Kind == token.INT || x.Kind == token.CHAR {
			return kindInt
		}
		return kindOther
	case *ast.ParenExpr:
		return r.kindOf(x.X)
	case *ast.UnaryExpr:
		if x.Op == token.ARROW || x.Op == token.AND {
			return kindOther
		}
		return r.kindOf(x.X)
	case *ast.BinaryExpr:
		switch x.Op {
		case token.SHL, token.SHR, token.REM, token.AND, token.OR, token.XOR, token.AND_NOT:
			return kindInt
		}
		if a := r.kindOf(x.X); a != kindUnknown {
			return a
		}
		return r.kindOf(x.Y)
	case *ast.CallExpr:
		if id, ok := x.Fun.(*ast.Ident); ok && id.Obj == nil && !r.user(id.Name) {
			if id.Name == "len" || id.Name == "cap" || intTypes[id.Name] {
				return kindInt
			}
			if id.Name == "make" || id.Name == "append" {
				return kindOther
			}
		}
	case *ast.CompositeLit, *ast.FuncLit, *ast.SliceExpr:
		return kindOther
	case *ast.Ident:
		if x.Obj != nil {
			return r.kindOfDecl(x)
		}
		if r.intGlobal != nil && r.intGlobal(x.Name) {
			return kindInt
		}
		if r.user(x.Name) {
			return kindOther
		}
	}
	return kindUnknown
}

// kindOfDecl follows a local identifier to its declaration.
func (r *rewriter) kindOfDecl(id *ast.Ident) exprKind {
	switch d := id.Obj.Decl.(type) {
	case *ast.ValueSpec:
		if d.Type != nil {
			if t, ok := d.Type.(*ast.Ident); ok && intTypes[t.Name] {
				return kindInt
			}
			return kindOther
		}
		for i, n := range d.Names {
			if n.Name == id.Name && i < len(d.Values) && len(d.Values) == len(d.Names) {
				return r.kindOf(d.Values[i])
			}
		}
	case *ast.AssignStmt:
		if len(d.Lhs) == len(d.Rhs) {
			for i, l := range d.Lhs {
				if l, ok := l.(*ast.Ident); ok && l.Name == id.Name {
					return r.kindOf(d.Rhs[i])
				}
			}
		}
	case *ast.Field:
		if t, ok := d.Type.(*ast.Ident); ok && intTypes[t.Name] {
			return kindInt
		}
		return kindOther
	}
	return kindUnknown
}

// rangeInt rewrites `for k := range n { body }` (Go 1.22) as
//
//	{ __n := n; for __i := __n - __n; __i < __n; __i++ { k := __i; body } }
//
// n is evaluated once, k has n's type (int for a constant) and is a fresh
// variable in each iteration, and assigning to k in the body does not
// change the iteration, as in Go 1.22.
func (r *rewriter) rangeInt(rs *ast.RangeStmt) *ast.BlockStmt {
	pos := rs.For
	n, i := r.tmp("n"), r.tmp("i")
	init := &ast.AssignStmt{Lhs: []ast.Expr{ident(n, pos)}, Tok: token.DEFINE, TokPos: pos, Rhs: []ast.Expr{rs.X}}
	loopInit := &ast.AssignStmt{Lhs: []ast.Expr{ident(i, pos)}, Tok: token.DEFINE, TokPos: pos,
		Rhs: []ast.Expr{&ast.BinaryExpr{X: ident(n, pos), OpPos: pos, Op: token.SUB, Y: ident(n, pos)}}}
	cond := &ast.BinaryExpr{X: ident(i, pos), OpPos: pos, Op: token.LSS, Y: ident(n, pos)}
	post := &ast.IncDecStmt{X: ident(i, pos), TokPos: pos, Tok: token.INC}
	body := rs.Body
	if rs.Key != nil && !isBlank(rs.Key) {
		tok := rs.Tok
		if tok != token.DEFINE {
			tok = token.ASSIGN
		}
		set := &ast.AssignStmt{Lhs: []ast.Expr{rs.Key}, Tok: tok, TokPos: pos, Rhs: []ast.Expr{ident(i, pos)}}
		body.List = append([]ast.Stmt{set}, body.List...)
	}
	loop := &ast.ForStmt{For: pos, Init: loopInit, Cond: cond, Post: post, Body: body}
	return &ast.BlockStmt{Lbrace: pos, List: []ast.Stmt{init, loop}, Rbrace: rs.End()}
}

func isBlank(e ast.Expr) bool {
	id, ok := e.(*ast.Ident)
	return ok && id.Name == "_"
}

// goStmt rewrites `go f(a, b)` so that a panic in the goroutine is reported
// instead of killing the process, keeping Go's evaluation order (the
// arguments are evaluated by the calling goroutine):
//
//	{ __c := __gohpc.Cell(); __a, __b := a, b
//	  go func() { defer func() { __gohpc.GoPanic(__c, recover()) }(); f(__a, __b) }() }
//
// The panic is reported on the stderr of the cell that started the goroutine.
func (r *rewriter) goStmt(g *ast.GoStmt, done map[ast.Node]bool) ast.Stmt {
	pos := g.Go
	call := g.Call
	var pre *ast.AssignStmt
	single := len(call.Args) == 1 && isCall(call.Args[0]) // may be f(g()) with g multi-valued
	if len(call.Args) > 0 && !single {
		pre = &ast.AssignStmt{Tok: token.DEFINE, TokPos: pos}
		args := make([]ast.Expr, len(call.Args))
		for i, a := range call.Args {
			t := r.tmp("a")
			pre.Lhs = append(pre.Lhs, ident(t, pos))
			pre.Rhs = append(pre.Rhs, a)
			args[i] = ident(t, pos)
		}
		call = &ast.CallExpr{Fun: call.Fun, Lparen: call.Lparen, Args: args, Ellipsis: call.Ellipsis, Rparen: call.Rparen}
	}
	cell := r.tmp("c")
	rec := &ast.DeferStmt{Defer: pos, Call: &ast.CallExpr{Lparen: pos, Rparen: pos, Fun: &ast.FuncLit{
		Type: &ast.FuncType{Func: pos, Params: &ast.FieldList{}},
		Body: &ast.BlockStmt{Lbrace: pos, Rbrace: pos, List: []ast.Stmt{
			&ast.ExprStmt{X: rtCall("GoPanic", pos, ident(cell, pos), &ast.CallExpr{Fun: ident("recover", pos), Lparen: pos, Rparen: pos})},
		}},
	}}}
	lit := &ast.FuncLit{
		Type: &ast.FuncType{Func: pos, Params: &ast.FieldList{}},
		Body: &ast.BlockStmt{Lbrace: pos, Rbrace: call.End(), List: []ast.Stmt{
			&ast.ExprStmt{X: rtCall("GoStart", pos)}, rec, &ast.ExprStmt{X: call}}},
	}
	ng := &ast.GoStmt{Go: pos, Call: &ast.CallExpr{Fun: lit, Lparen: pos, Rparen: pos}}
	done[ng] = true
	list := []ast.Stmt{&ast.AssignStmt{Lhs: []ast.Expr{ident(cell, pos)}, Tok: token.DEFINE, TokPos: pos, Rhs: []ast.Expr{rtCall("Cell", pos)}}}
	if pre != nil {
		list = append(list, pre)
	}
	return &ast.BlockStmt{Lbrace: pos, List: append(list, ng), Rbrace: g.End()}
}

func isCall(e ast.Expr) bool {
	_, ok := e.(*ast.CallExpr)
	return ok
}

// topDefines rewrites, at the top level of a statement group, `x := min(a,
// b, …)` as `x := a; x = __gohpc_min(x, b, …)`: yaegi cannot infer the
// type of a global from a generic call.
func (r *rewriter) topDefines(body *ast.BlockStmt) {
	var out []ast.Stmt
	for _, s := range body.List {
		if loop := loopOf(s); loop != nil && hasClosure(loop) {
			// At the top level yaegi's scopes are global, where the
			// per-iteration copy of loop variables (see loopVars) would be
			// the shared variable itself: run the loop in a closure. It
			// defines nothing global.
			out = append(out, iife(s))
			continue
		}
		if ts, ok := s.(*ast.TypeSwitchStmt); ok {
			if as, ok := ts.Assign.(*ast.AssignStmt); ok && as.Tok == token.DEFINE {
				// yaegi fails on a binding type switch at the top level;
				// it defines nothing global, so it can run in a closure.
				out = append(out, iife(ts))
				continue
			}
		}
		as, ok := s.(*ast.AssignStmt)
		if ok && as.Tok == token.DEFINE && len(as.Lhs) == 1 && len(as.Rhs) == 1 {
			if call, ok := as.Rhs[0].(*ast.CallExpr); ok && len(call.Args) > 0 && call.Ellipsis == token.NoPos {
				if name, ok := r.isBuiltin(call, "min", "max"); ok {
					floatLits(call.Args)
					lhs := as.Lhs[0]
					out = append(out, &ast.AssignStmt{Lhs: []ast.Expr{lhs}, Tok: token.DEFINE, TokPos: as.TokPos, Rhs: []ast.Expr{call.Args[0]}})
					if len(call.Args) > 1 {
						id := lhs.(*ast.Ident)
						args := append([]ast.Expr{ident(id.Name, id.Pos())}, call.Args[1:]...)
						out = append(out, &ast.AssignStmt{Lhs: []ast.Expr{ident(id.Name, id.Pos())}, Tok: token.ASSIGN, TokPos: as.TokPos,
							Rhs: []ast.Expr{&ast.CallExpr{Fun: ident("__gohpc_"+name, call.Fun.Pos()), Lparen: call.Lparen, Args: args, Rparen: call.Rparen}}})
					}
					continue
				}
			}
		}
		out = append(out, s)
	}
	body.List = out
}

// loopOf returns the for statement s is, or labels.
func loopOf(s ast.Stmt) ast.Stmt {
	switch x := s.(type) {
	case *ast.LabeledStmt:
		return loopOf(x.Stmt)
	case *ast.ForStmt, *ast.RangeStmt:
		return x
	}
	return nil
}

// iife wraps s in a function literal called at once.
func iife(s ast.Stmt) ast.Stmt {
	pos := s.Pos()
	return &ast.ExprStmt{X: &ast.CallExpr{Lparen: pos, Rparen: pos, Fun: &ast.FuncLit{
		Type: &ast.FuncType{Func: pos, Params: &ast.FieldList{}},
		Body: &ast.BlockStmt{Lbrace: pos, List: []ast.Stmt{s}, Rbrace: s.End()},
	}}}
}

// floatLits makes untyped integer literals floats when a float literal is
// among them, so that min(2, 2.5) infers float64 as Go's constant rules do.
func floatLits(args []ast.Expr) {
	hasFloat := false
	for _, a := range args {
		if l, ok := unparen(a).(*ast.BasicLit); ok && l.Kind == token.FLOAT {
			hasFloat = true
		}
	}
	if !hasFloat {
		return
	}
	for _, a := range args {
		if l, ok := unparen(a).(*ast.BasicLit); ok && l.Kind == token.INT && strings.Trim(l.Value, "0123456789_") == "" {
			l.Kind, l.Value = token.FLOAT, l.Value+".0"
		}
	}
}

func unparen(e ast.Expr) ast.Expr {
	for {
		switch x := e.(type) {
		case *ast.ParenExpr:
			e = x.X
		case *ast.UnaryExpr:
			if x.Op != token.SUB && x.Op != token.ADD {
				return e
			}
			e = x.X
		default:
			return e
		}
	}
}

// calls rewrites builtin calls yaegi lacks or that could kill the process:
// min and max to generic helpers, clear to a native helper, and the lengths
// of make checked against the machine's memory.
func (r *rewriter) calls(n ast.Node) {
	ast.Inspect(n, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok {
			return true
		}
		r.afterFunc(call)
		name, ok := r.isBuiltin(call, "min", "max", "clear", "make")
		if !ok {
			return true
		}
		pos := call.Fun.Pos()
		switch name {
		case "min", "max":
			floatLits(call.Args)
			call.Fun = ident("__gohpc_"+name, pos)
		case "clear":
			call.Fun = &ast.SelectorExpr{X: ident(rtName, pos), Sel: ident("Clear", pos)}
		case "make":
			if len(call.Args) < 2 {
				return true
			}
			switch call.Args[0].(type) {
			case *ast.ArrayType, *ast.MapType, *ast.ChanType:
			default:
				return true // a named type: size unknown here
			}
			proto := &ast.CallExpr{Fun: &ast.ParenExpr{Lparen: pos, X: call.Args[0], Rparen: pos}, Lparen: pos, Args: []ast.Expr{ident("nil", pos)}, Rparen: pos}
			for i := 1; i < len(call.Args); i++ {
				if l, ok := call.Args[i].(*ast.BasicLit); ok && len(l.Value) < 7 {
					continue // small constants need no check
				}
				call.Args[i] = rtCall("MakeLen", call.Args[i].Pos(), call.Args[i], proto)
			}
		}
		return true
	})
}

// afterFunc makes the function literal of time.AfterFunc(d, func() {…})
// recover: the timer calls it on a goroutine of its own, where a panic would
// end the process. The panic is reported as a goroutine's.
func (r *rewriter) afterFunc(call *ast.CallExpr) {
	sel, ok := call.Fun.(*ast.SelectorExpr)
	if !ok || sel.Sel.Name != "AfterFunc" || len(call.Args) != 2 {
		return
	}
	if id, ok := sel.X.(*ast.Ident); !ok || id.Name != "time" || id.Obj != nil || r.user("time") {
		return
	}
	lit, ok := call.Args[1].(*ast.FuncLit)
	if !ok {
		return
	}
	pos := lit.Pos()
	rec := &ast.DeferStmt{Defer: pos, Call: &ast.CallExpr{Lparen: pos, Rparen: pos, Fun: &ast.FuncLit{
		Type: &ast.FuncType{Func: pos, Params: &ast.FieldList{}},
		Body: &ast.BlockStmt{Lbrace: pos, Rbrace: pos, List: []ast.Stmt{
			&ast.ExprStmt{X: rtCall("GoPanic", pos, ident("nil", pos), &ast.CallExpr{Fun: ident("recover", pos), Lparen: pos, Rparen: pos})},
		}},
	}}}
	lit.Body.List = append([]ast.Stmt{rec}, lit.Body.List...)
}

// guard inserts the recursion guard at the entry of every function.
func (r *rewriter) guard(n ast.Node) {
	ast.Inspect(n, func(n ast.Node) bool {
		if body := funcBody(n); body != nil {
			pos := body.Lbrace
			body.List = append([]ast.Stmt{&ast.ExprStmt{X: rtCall("Enter", pos)}}, body.List...)
		}
		return true
	})
}

// funcBody returns the body of a function declaration or literal, or nil
// for any other node (or a declaration without a body).
func funcBody(n ast.Node) *ast.BlockStmt {
	switch f := n.(type) {
	case *ast.FuncDecl:
		return f.Body
	case *ast.FuncLit:
		return f.Body
	}
	return nil
}

// isIntKind reports whether v holds an integer.
func isIntKind(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return true
	}
	return false
}
