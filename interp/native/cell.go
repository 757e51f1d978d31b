package native

import (
	"bytes"
	"context"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Compile builds a %%native cell into a plugin and loads it. code is the
// cell's body: Go declarations (functions, types, constants, variables) and
// imports, with or without a package clause; file and firstLine name the
// cell and the line code starts at, so that compile errors point at cell
// lines ("In[3]:5:2: undefined: x"). Each call builds a new package, so a
// name may be declared again by a later cell.
//
// Every top-level name is in the returned package's Symbols (unexported
// ones too); generic functions and types cannot be bound and are listed in
// Skipped. Compile errors are *CompileError, other failures *Error.
func (b *Builder) Compile(ctx context.Context, code, file string, firstLine int) (*Package, error) {
	if firstLine < 1 {
		firstLine = 1
	}
	if file == "" {
		file = "cell"
	}
	fset := token.NewFileSet()
	// Parse as written to find the declarations; compile errors come from
	// the compiler, at cell lines, so a parse error is left to it.
	body := stripPackage(code)
	f, perr := parser.ParseFile(fset, file, "package p;"+body, parser.SkipObjectResolution)
	t0 := time.Now()
	b.mu.Lock()
	defer b.mu.Unlock()
	wait := time.Since(t0)
	dir, err := b.module()
	if err != nil {
		return nil, err
	}
	b.seq++
	rel := fmt.Sprintf("c%d", b.seq)
	pkgPath := scratchModule + "/" + rel
	pkg := &Package{Path: pkgPath, Name: rel, Wait: wait}
	var table bytes.Buffer
	declared := map[string]bool{}
	if perr == nil {
		pkg.Decls, pkg.Skipped = cellDecls(f)
		for _, d := range pkg.Decls {
			fmt.Fprintf(&table, "\t\t%q: %s,\n", d.Name, symbolExpr(d.Kind, d.Name))
		}
		for _, d := range f.Decls {
			for _, n := range declNames(d) {
				declared[n] = true
			}
		}
	}
	pdir := filepath.Join(dir, rel)
	if err := os.MkdirAll(filepath.Join(pdir, "plugin"), 0o755); err != nil {
		return nil, errorf("build", "%v", err)
	}
	ok := false
	defer func() {
		// A compiled cell's package stays: later cells may use its names.
		os.RemoveAll(filepath.Join(pdir, "plugin"))
		if !ok {
			os.RemoveAll(pdir)
		}
	}()
	// The directive names the line before the cell's first, left blank: a
	// comment right after it would be part of a cgo preamble.
	src := fmt.Sprintf("package %s\n\n//line %s:%d:1\n\n%s\n", rel, file, firstLine-1, body)
	if firstLine == 1 {
		src = fmt.Sprintf("package %s\n\n//line %s:1:1\n%s\n", rel, file, body)
	}
	sym := fmt.Sprintf("package %s\n\nimport gohpcreflect %q\n\n// %s is the cell's symbol table.\nvar %s = map[string]map[string]gohpcreflect.Value{\n\t%q: {\n%s\t},\n}\n",
		rel, "reflect", symbolsVar, symbolsVar, pkgPath+"/"+rel, table.String())
	main := fmt.Sprintf("package main\n\nimport cell %q\n\nvar %s = cell.%s\n", pkgPath, symbolsVar, symbolsVar)
	files := map[string]string{
		"cell.go":                   src,
		"zz_gohpc_symbols.go":       sym,
		"plugin/zz_gohpc_plugin.go": main,
		"zz_gohpc_earlier_cells.go": b.earlierNames(rel, f, perr == nil, declared),
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(pdir, name), []byte(text), 0o644); err != nil {
			return nil, errorf("build", "%v", err)
		}
	}
	syms, dBuild, dLoad, err := b.build(ctx, rel+"/plugin")
	pkg.Build, pkg.Load = dBuild, dLoad
	if err != nil {
		if e, ok := err.(*Error); ok && e.Stage == "build" {
			return nil, cellCompileError(e.Output, file)
		}
		return nil, err
	}
	ok = true
	pkg.Symbols = syms[pkgPath+"/"+rel]
	for _, d := range pkg.Decls {
		if token.IsExported(d.Name) && d.Kind != "var" {
			b.names[d.Name] = cellName{pkg: pkgPath, kind: d.Kind}
		}
	}
	return pkg, nil
}

// cellName is an exported name of an earlier native cell, seen by later ones.
type cellName struct {
	pkg  string // the cell's package path
	kind string // "func", "type" or "const"
}

// earlierNames writes the file that gives a cell the exported functions,
// types and constants of earlier native cells that it uses and does not
// declare itself, as aliases of their latest definitions: a type declared
// in one native cell can be used by the next.
func (b *Builder) earlierNames(rel string, f *ast.File, parsed bool, declared map[string]bool) string {
	used := map[string]bool{}
	if parsed {
		ast.Inspect(f, func(n ast.Node) bool {
			if id, ok := n.(*ast.Ident); ok {
				used[id.Name] = true
			}
			return true
		})
	}
	var names []string
	for n := range b.names {
		if (!parsed || used[n]) && !declared[n] {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	aliases := map[string]string{}
	var imps, decls strings.Builder
	for _, n := range names {
		cn := b.names[n]
		a, ok := aliases[cn.pkg]
		if !ok {
			a = fmt.Sprintf("gohpcearlier%d", len(aliases))
			aliases[cn.pkg] = a
			fmt.Fprintf(&imps, "import %s %q\n", a, cn.pkg)
		}
		switch cn.kind {
		case "type":
			fmt.Fprintf(&decls, "type %s = %s.%s\n", n, a, n)
		case "const":
			fmt.Fprintf(&decls, "const %s = %s.%s\n", n, a, n)
		default:
			fmt.Fprintf(&decls, "var %s = %s.%s\n", n, a, n)
		}
	}
	return fmt.Sprintf("package %s\n\n%s\n%s", rel, imps.String(), decls.String())
}

// declNames lists the top-level names a declaration declares.
func declNames(d ast.Decl) []string {
	var ns []string
	switch d := d.(type) {
	case *ast.FuncDecl:
		if d.Recv == nil {
			ns = append(ns, d.Name.Name)
		}
	case *ast.GenDecl:
		for _, sp := range d.Specs {
			switch sp := sp.(type) {
			case *ast.TypeSpec:
				ns = append(ns, sp.Name.Name)
			case *ast.ValueSpec:
				for _, n := range sp.Names {
					ns = append(ns, n.Name)
				}
			case *ast.ImportSpec:
				if sp.Name != nil {
					ns = append(ns, sp.Name.Name)
				} else if p, err := strconv.Unquote(sp.Path.Value); err == nil {
					ns = append(ns, path.Base(p))
				}
			}
		}
	}
	return ns
}

// stripPackage blanks a leading package clause, keeping line numbers.
func stripPackage(code string) string {
	lines := strings.Split(code, "\n")
	for i, l := range lines {
		t := strings.TrimSpace(l)
		if t == "" || strings.HasPrefix(t, "//") {
			continue
		}
		if strings.HasPrefix(t, "package ") {
			lines[i] = ""
		}
		break
	}
	return strings.Join(lines, "\n")
}

// cellDecls lists a cell's bindable top-level names, and those it cannot
// bind.
func cellDecls(f *ast.File) (decls []Decl, skipped []string) {
	seen := map[string]bool{}
	add := func(name, kind string) {
		if name == "_" || name == "init" || name == "main" || name == symbolsVar || seen[name] {
			return
		}
		seen[name] = true
		decls = append(decls, Decl{Name: name, Kind: kind})
	}
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.FuncDecl:
			if d.Recv != nil {
				continue
			}
			if d.Type.TypeParams != nil && len(d.Type.TypeParams.List) > 0 {
				skipped = append(skipped, fmt.Sprintf("func %s: generic functions cannot be bound into the interpreter (write a wrapper with concrete types)", d.Name.Name))
				continue
			}
			add(d.Name.Name, "func")
		case *ast.GenDecl:
			for _, sp := range d.Specs {
				switch sp := sp.(type) {
				case *ast.TypeSpec:
					if sp.TypeParams != nil && len(sp.TypeParams.List) > 0 {
						skipped = append(skipped, fmt.Sprintf("type %s: generic types cannot be bound into the interpreter (declare an instance: type %sFloat = %s[float64])", sp.Name.Name, sp.Name.Name, sp.Name.Name))
						continue
					}
					add(sp.Name.Name, "type")
				case *ast.ValueSpec:
					for _, n := range sp.Names {
						add(n.Name, d.Tok.String())
					}
				}
			}
		}
	}
	return decls, skipped
}

// symbolExpr is the symbol-table value of a declaration, as yaegi extract
// writes it.
func symbolExpr(kind, name string) string {
	switch kind {
	case "type":
		return fmt.Sprintf("gohpcreflect.ValueOf((*%s)(nil))", name)
	case "var":
		return fmt.Sprintf("gohpcreflect.ValueOf(&%s).Elem()", name)
	}
	return fmt.Sprintf("gohpcreflect.ValueOf(%s)", name)
}

// posLine matches a compiler message positioned in the cell.
var posLine = regexp.MustCompile(`^(?:\./)?(?:[^:\s]*/)?([^/:\s]+):(\d+)(?::(\d+))?: (.*)$`)

// cellCompileError keeps the compiler's messages about the cell, at its
// lines, dropping those about the generated symbol table that only repeat
// them (a name that did not compile).
func cellCompileError(out, file string) error {
	var keep, other []string
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		if l == "" || strings.HasPrefix(l, "# ") {
			continue
		}
		if strings.Contains(l, "zz_gohpc_symbols.go") || strings.Contains(l, "zz_gohpc_") {
			other = append(other, l)
			continue
		}
		if m := posLine.FindStringSubmatch(l); m != nil && strings.HasSuffix(file, m[1]) {
			col := m[3]
			if col == "" {
				col = "1"
			}
			keep = append(keep, fmt.Sprintf("%s:%s:%s: %s", file, m[2], col, m[4]))
			continue
		}
		keep = append(keep, l)
	}
	if len(keep) == 0 {
		keep = other
	}
	return &CompileError{Msg: strings.Join(keep, "\n")}
}
