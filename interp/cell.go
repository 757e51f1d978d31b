package interp

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/scanner"
	"go/token"
	"maps"
	"strings"
)

// A cell is Go source mixing declarations and statements in any order. It
// is split at the semicolons (written or inserted) of its top level into
// items, and consecutive items of one kind are grouped: a group of
// declarations is compiled as a file, a group of statements as the body of
// yaegi's REPL function (whose := define globals), in the cell's order.
// Every item is preceded by a //line directive giving its position in the
// cell, so that every position yaegi reports is a cell position.

// item is one top-level declaration or statement of a cell: code[start:end].
type item struct {
	decl       bool
	imp        bool // an import declaration
	start, end int
	line, col  int // of start, in cell terms
}

// group is a run of items of one kind, parsed.
type group struct {
	decl  bool
	items []item
	file  *ast.File      // decl groups
	body  *ast.BlockStmt // statement groups
	src   string         // what was parsed, to parse again
	// genericDefine marks a group of one statement `x := e` where e calls a
	// generic function (see genericCalls and Session.runGenericDefine).
	genericDefine bool
}

// parse (re)parses the group's source.
func (g *group) parse(fset *token.FileSet) error {
	f, err := parser.ParseFile(fset, cellFile, g.src, parser.DeclarationErrors)
	if err != nil {
		if el, ok := err.(scanner.ErrorList); ok && len(el) > 0 {
			el.Sort()
			return el[0]
		}
		return err
	}
	if g.decl {
		g.file = f
	} else {
		g.body = f.Decls[0].(*ast.FuncDecl).Body
	}
	return nil
}

// splitItems splits code into top-level items. firstLine is the cell line of
// code's first line. It never fails: text the scanner rejects ends up in an
// item, and the parser reports it.
func splitItems(code string, firstLine int) []item {
	fset := token.NewFileSet()
	f := fset.AddFile("", -1, len(code))
	var sc scanner.Scanner
	sc.Init(f, []byte(code), func(token.Position, string) {}, 0)
	type tok struct {
		t   token.Token
		off int
		lit string
	}
	var items []item
	var toks []tok // of the current item, at any depth
	depth, header := 0, false
	flush := func(end int) {
		if len(toks) == 0 {
			return
		}
		it := item{start: toks[0].off, end: end}
		it.decl, it.imp = classify(func(i int) (token.Token, string) {
			if i < len(toks) {
				return toks[i].t, toks[i].lit
			}
			return token.EOF, ""
		})
		p := f.Position(f.Pos(it.start))
		it.line, it.col = p.Line+firstLine-1, p.Column
		items = append(items, it)
		toks = toks[:0]
	}
	for {
		pos, t, lit := sc.Scan()
		off := f.Offset(pos)
		if t == token.EOF {
			flush(len(code))
			break
		}
		switch t {
		case token.FOR, token.IF, token.SWITCH:
			// The semicolons of a statement header ("for i := 0; ; i++ {")
			// do not end an item: the header runs to its block's brace.
			if depth == 0 {
				header = true
			}
		case token.LPAREN, token.LBRACK, token.LBRACE:
			if t == token.LBRACE && depth == 0 {
				header = false
			}
			depth++
		case token.RPAREN, token.RBRACK, token.RBRACE:
			if depth > 0 {
				depth--
			}
		case token.SEMICOLON:
			if depth == 0 && !header {
				flush(off)
				continue
			}
		}
		toks = append(toks, tok{t, off, lit})
	}
	return items
}

// classify tells a declaration from a statement by its first tokens.
func classify(at func(int) (token.Token, string)) (decl, imp bool) {
	t0, _ := at(0)
	switch t0 {
	case token.IMPORT:
		return true, true
	case token.TYPE, token.VAR, token.CONST:
		return true, false
	case token.FUNC:
		t1, _ := at(1)
		if t1 == token.IDENT {
			return true, false
		}
		if t1 != token.LPAREN {
			return false, false
		}
		// func (recv T) Name( is a method; func(params) … is a literal.
		depth, i := 0, 1
		for ; ; i++ {
			t, _ := at(i)
			if t == token.EOF {
				return false, false
			}
			if t == token.LPAREN || t == token.LBRACK || t == token.LBRACE {
				depth++
			} else if t == token.RPAREN || t == token.RBRACK || t == token.RBRACE {
				depth--
				if depth == 0 {
					break
				}
			}
		}
		t2, _ := at(i + 1)
		t3, _ := at(i + 2)
		return t2 == token.IDENT && (t3 == token.LPAREN || t3 == token.LBRACK), false
	}
	return false, false
}

// groupItems groups consecutive items of one kind; imports get groups of
// their own since Go wants them before other declarations of a file.
func groupItems(items []item) []*group {
	var gs []*group
	for _, it := range items {
		if n := len(gs); n > 0 && gs[n-1].decl == it.decl && (!it.decl || gs[n-1].items[0].imp == it.imp) {
			gs[n-1].items = append(gs[n-1].items, it)
			continue
		}
		gs = append(gs, &group{decl: it.decl, items: []item{it}})
	}
	return gs
}

// source renders the group's items with //line directives naming file.
func (g *group) source(code, file string) string {
	var b strings.Builder
	b.WriteString("package main\n")
	if !g.decl {
		b.WriteString("func main() {\n")
	}
	for _, it := range g.items {
		fmt.Fprintf(&b, "//line %s:%d:%d\n", file, it.line, it.col)
		b.WriteString(code[it.start:it.end])
		b.WriteString("\n")
	}
	if !g.decl {
		b.WriteString("}\n")
	}
	return b.String()
}

// parseCell splits and parses code (starting at cell line firstLine) into
// groups, with positions in fset naming file. The first syntax error is
// returned as is (a scanner.ErrorList in cell positions).
//
// generics names the generic functions the session declared before; the
// cell's own are added to them.
func parseCell(fset *token.FileSet, code string, firstLine int, file string, generics map[string]bool) ([]*group, error) {
	gs := groupItems(splitItems(code, firstLine))
	for _, g := range gs {
		g.src = g.source(code, file)
		if err := g.parse(fset); err != nil {
			return nil, err
		}
	}
	gc := genericCalls{funcs: maps.Clone(generics)}
	if gc.funcs == nil {
		gc.funcs = map[string]bool{}
	}
	for _, g := range gs {
		if g.decl {
			gc.declared(g.file)
		}
	}
	var out []*group
	for _, g := range gs {
		if g.decl || len(g.body.List) != len(g.items) {
			out = append(out, g)
			continue
		}
		// Split before a definition that indexes a variable defined earlier
		// in the group, so that the variable has its value, and its type
		// is known, when the definition is compiled (see fixBinIndex).
		start := 0
		defined := map[string]bool{}
		for i, st := range g.body.List {
			names, values := definition(st)
			if i > start && (indexesAny(values, defined) || gc.define(st)) {
				out = append(out, &group{items: g.items[start:i]})
				start = i
				defined = map[string]bool{}
			}
			if gc.define(st) && i+1 < len(g.body.List) {
				out = append(out, &group{items: g.items[start : i+1]})
				start = i + 1
				defined = map[string]bool{}
				continue
			}
			for _, n := range names {
				defined[n] = true
			}
		}
		if start == 0 {
			out = append(out, g)
			continue
		}
		out = append(out, &group{items: g.items[start:]})
		for _, sg := range out {
			if sg.src == "" {
				sg.src = sg.source(code, file)
				if err := sg.parse(fset); err != nil {
					return nil, err
				}
			}
		}
	}
	for _, g := range out {
		if !g.decl && len(g.body.List) == 1 && gc.define(g.body.List[0]) {
			g.genericDefine = true
		}
	}
	return out, nil
}

// definition returns the names a top-level statement defines and the
// values it gives them.
func definition(st ast.Stmt) (names []string, values []ast.Expr) {
	switch st := st.(type) {
	case *ast.AssignStmt:
		if st.Tok == token.DEFINE {
			for _, l := range st.Lhs {
				if id, ok := l.(*ast.Ident); ok {
					names = append(names, id.Name)
				}
			}
			values = st.Rhs
		}
	case *ast.DeclStmt:
		if gd, ok := st.Decl.(*ast.GenDecl); ok && gd.Tok == token.VAR {
			for _, sp := range gd.Specs {
				vs := sp.(*ast.ValueSpec)
				for _, n := range vs.Names {
					names = append(names, n.Name)
				}
				values = append(values, vs.Values...)
			}
		}
	}
	return names, values
}

// indexesAny reports whether values index one of the names.
func indexesAny(values []ast.Expr, names map[string]bool) bool {
	found := false
	for _, v := range values {
		ast.Inspect(v, func(n ast.Node) bool {
			if ix, ok := n.(*ast.IndexExpr); ok {
				if id, ok := ix.X.(*ast.Ident); ok && names[id.Name] {
					found = true
				}
			}
			if sel, ok := n.(*ast.SelectorExpr); ok {
				_ = sel
			}
			return !found
		})
	}
	return found
}

// genericCalls tells, as far as the syntax shows, which calls are of generic
// functions: min and max, the functions of the generic standard packages
// (cmp, maps, slices), and the generic functions in funcs.
type genericCalls struct {
	funcs map[string]bool
}

// genericPackages are the standard packages whose functions are generic.
var genericPackages = map[string]bool{"cmp": true, "maps": true, "slices": true}

// declared notes the functions f declares: generic ones are added to
// funcs, others (a redeclaration without type parameters) removed.
func (gc genericCalls) declared(f *ast.File) {
	for _, d := range f.Decls {
		if fd, ok := d.(*ast.FuncDecl); ok && fd.Recv == nil {
			if fd.Type.TypeParams != nil {
				gc.funcs[fd.Name.Name] = true
			} else {
				delete(gc.funcs, fd.Name.Name)
			}
		}
	}
}

// is reports whether call calls a generic function.
func (gc genericCalls) is(call *ast.CallExpr) bool {
	fun := call.Fun
	switch ix := fun.(type) { // an explicit instantiation, f[int](…)
	case *ast.IndexExpr:
		fun = ix.X
	case *ast.IndexListExpr:
		fun = ix.X
	}
	switch f := fun.(type) {
	case *ast.Ident:
		return f.Obj == nil && (f.Name == "min" || f.Name == "max" || gc.funcs[f.Name])
	case *ast.SelectorExpr:
		pkg, ok := f.X.(*ast.Ident)
		return ok && pkg.Obj == nil && genericPackages[pkg.Name]
	}
	return false
}

// define reports whether st is `x := e` with a call of a generic function
// in e: yaegi cannot type a global from such an expression (see
// Session.runGenericDefine). `x := min(a, b)` alone is left to the rewrite
// of min and max.
func (gc genericCalls) define(st ast.Stmt) bool {
	as, ok := st.(*ast.AssignStmt)
	if !ok || as.Tok != token.DEFINE || len(as.Lhs) != 1 || len(as.Rhs) != 1 {
		return false
	}
	if _, ok := as.Lhs[0].(*ast.Ident); !ok {
		return false
	}
	if call, ok := as.Rhs[0].(*ast.CallExpr); ok {
		if id, ok := call.Fun.(*ast.Ident); ok && (id.Name == "min" || id.Name == "max") {
			return false
		}
	}
	found := false
	ast.Inspect(as.Rhs[0], func(n ast.Node) bool {
		if _, ok := n.(*ast.FuncLit); ok {
			return false
		}
		if call, ok := n.(*ast.CallExpr); ok && gc.is(call) {
			found = true
		}
		return !found
	})
	return found
}
