package native

import (
	"bytes"
	"context"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"strings"
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
	b.mu.Lock()
	defer b.mu.Unlock()
	dir, err := b.module()
	if err != nil {
		return nil, err
	}
	b.seq++
	rel := fmt.Sprintf("c%d", b.seq)
	pkgPath := scratchModule + "/" + rel
	pkg := &Package{Path: pkgPath, Name: "main"}
	var table bytes.Buffer
	if perr == nil {
		pkg.Decls, pkg.Skipped = cellDecls(f)
		for _, d := range pkg.Decls {
			fmt.Fprintf(&table, "\t\t%q: %s,\n", d.Name, symbolExpr(d.Kind, d.Name))
		}
	}
	pdir := filepath.Join(dir, rel)
	if err := os.MkdirAll(pdir, 0o755); err != nil {
		return nil, errorf("build", "%v", err)
	}
	defer os.RemoveAll(pdir)
	src := fmt.Sprintf("package main\n\n//line %s:%d:1\n%s\n", file, firstLine, body)
	sym := fmt.Sprintf("package main\n\nimport gohpcreflect %q\n\nvar %s = map[string]map[string]gohpcreflect.Value{\n\t%q: {\n%s\t},\n}\n",
		"reflect", symbolsVar, pkgPath+"/main", table.String())
	if err := os.WriteFile(filepath.Join(pdir, "cell.go"), []byte(src), 0o644); err != nil {
		return nil, errorf("build", "%v", err)
	}
	if err := os.WriteFile(filepath.Join(pdir, "zz_gohpc_symbols.go"), []byte(sym), 0o644); err != nil {
		return nil, errorf("build", "%v", err)
	}
	syms, dBuild, dLoad, err := b.build(ctx, rel)
	pkg.Build, pkg.Load = dBuild, dLoad
	if err != nil {
		if e, ok := err.(*Error); ok && e.Stage == "build" {
			return nil, cellCompileError(e.Output, file)
		}
		return nil, err
	}
	pkg.Symbols = syms[pkgPath+"/main"]
	return pkg, nil
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
		if strings.Contains(l, "zz_gohpc_symbols.go") {
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
