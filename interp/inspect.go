package interp

import (
	"fmt"
	"go/ast"
	"go/doc"
	"go/parser"
	"go/printer"
	"go/token"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/gohpc/gohpc/kernel"
)

// Inspect implements kernel.Inspector: the declaration and documentation of
// the name at the cursor, for the session's declarations and for packages
// (from their sources under GOROOT or the module cache, when present).
func (s *Session) Inspect(code string, cursor int, detailLevel int) (res kernel.InspectResult) {
	defer func() {
		if r := recover(); r != nil {
			res = kernel.InspectResult{}
		}
	}()
	off := runeOffset(code, cursor)
	end := off
	for end < len(code) {
		r, size := utf8.DecodeRuneInString(code[end:])
		if !isIdentRune(r) {
			break
		}
		end += size
	}
	start := identBefore(code, off)
	if start == end && start > 0 && code[start-1] == '(' {
		// Just after "f(": inspect f.
		end = start - 1
		start = identBefore(code, end)
	}
	name := code[start:end]
	if name == "" {
		return kernel.InspectResult{}
	}
	qual := ""
	if start > 0 && code[start-1] == '.' {
		qual = code[identBefore(code, start-1) : start-1]
	}
	text := s.inspectText(qual, name, detailLevel)
	if text == "" {
		return kernel.InspectResult{}
	}
	md := "```go\n" + text + "\n```"
	if decl, doc, ok := strings.Cut(text, "\n\n"); ok {
		md = "```go\n" + decl + "\n```\n\n" + doc
	}
	return kernel.InspectResult{Found: true, Data: map[string]any{"text/plain": text, "text/markdown": md}, Metadata: map[string]any{}}
}

func (s *Session) inspectText(qual, name string, detail int) string {
	if qual == "" {
		if d, ok := s.decls[name]; ok {
			text := d.text
			if d.kind == "var" {
				if v, ok := s.in.Globals()[name]; ok && v.IsValid() && v.CanInterface() {
					text = fmt.Sprintf("var %s %s\n\nValue: %s", name, undoRenames(strings.ReplaceAll(v.Type().String(), "main.", "")),
						clipText(fmt.Sprintf("%v", v.Interface()), 2000))
					if detail > 0 {
						text += "\n\nDeclared by: " + d.text
					}
				}
			}
			return text
		}
		if p := s.pkgPath(name); p != "" {
			if pkg := docPackage(p); pkg != nil {
				return fmt.Sprintf("package %s // import %q\n\n%s", pkg.Name, p, pkg.Doc)
			}
			return fmt.Sprintf("package %s // import %q", name, p)
		}
		if universe[name] {
			if pkg := docPackage("builtin"); pkg != nil {
				if t := docSymbol(pkg, name); t != "" {
					return t
				}
			}
			return name + " is predeclared"
		}
		return ""
	}
	if s.isUser(qual) {
		return s.memberDoc(qual, name)
	}
	p := s.pkgPath(qual)
	if p == "" {
		return ""
	}
	if pkg := docPackage(p); pkg != nil {
		if t := docSymbol(pkg, name); t != "" {
			return t
		}
	}
	// No sources: the symbol's Go type.
	for _, m := range symbolMaps() {
		for k, syms := range m {
			if filepath.Dir(k) == p {
				if v, ok := syms[name]; ok {
					return fmt.Sprintf("%s.%s %s", qual, name, v.Type())
				}
			}
		}
	}
	return ""
}

// memberDoc describes field or method name of the session variable x.
func (s *Session) memberDoc(x, name string) string {
	if t, ok := s.methodText[s.varTypes[x]+"."+name]; ok {
		return t
	}
	if t, ok := s.methodText[x+"."+name]; ok {
		return t // a method expression: Point.Norm
	}
	v, ok := s.in.Globals()[x]
	if !ok || !v.IsValid() {
		return ""
	}
	t := v.Type()
	for _, tt := range []reflect.Type{t, reflect.PointerTo(t)} {
		if m, ok := tt.MethodByName(name); ok {
			return fmt.Sprintf("method %s.%s %s", x, name, m.Type)
		}
	}
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() == reflect.Struct {
		if f, ok := t.FieldByName(name); ok {
			return fmt.Sprintf("field %s.%s %s", x, name, f.Type)
		}
	}
	return ""
}

func clipText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// docSymbol renders the declaration and documentation of name in pkg.
func docSymbol(pkg *doc.Package, name string) string {
	fset := token.NewFileSet()
	decl := func(n ast.Node, docText string) string {
		var b strings.Builder
		printer.Fprint(&b, fset, n)
		if docText != "" {
			b.WriteString("\n\n" + strings.TrimSpace(docText))
		}
		return b.String()
	}
	funcDecl := func(f *doc.Func) string {
		d := *f.Decl
		d.Body = nil
		return decl(&d, f.Doc)
	}
	for _, f := range pkg.Funcs {
		if f.Name == name {
			return funcDecl(f)
		}
	}
	for _, t := range pkg.Types {
		if t.Name == name {
			return decl(t.Decl, t.Doc)
		}
		for _, f := range append(t.Funcs, t.Methods...) {
			if f.Name == name {
				return funcDecl(f)
			}
		}
	}
	for _, vs := range append(pkg.Vars, pkg.Consts...) {
		for _, n := range vs.Names {
			if n == name {
				return decl(vs.Decl, vs.Doc)
			}
		}
	}
	return ""
}

var (
	docMu    sync.Mutex
	docCache = map[string]*doc.Package{}
)

// docPackage parses the sources of the package at path p for go/doc, or
// returns nil if they are not on this machine.
func docPackage(p string) *doc.Package {
	docMu.Lock()
	defer docMu.Unlock()
	if pkg, ok := docCache[p]; ok {
		return pkg
	}
	var pkg *doc.Package
	if dir := sourceDir(p); dir != "" {
		fset := token.NewFileSet()
		pkgs, err := parser.ParseDir(fset, dir, func(fi fs.FileInfo) bool {
			return !strings.HasSuffix(fi.Name(), "_test.go")
		}, parser.ParseComments)
		if err == nil {
			for name, ap := range pkgs {
				if name == "main" || strings.HasSuffix(name, "_test") {
					continue
				}
				pkg = doc.New(ap, p, doc.AllDecls)
				break
			}
		}
	}
	docCache[p] = pkg
	return pkg
}

var (
	rootOnce sync.Once
	goroot   string
	modCache string
)

// sourceDir finds the directory of package p's sources.
func sourceDir(p string) string {
	rootOnce.Do(func() {
		goroot = os.Getenv("GOROOT")
		if goroot == "" {
			goroot = runtime.GOROOT()
		}
		modCache = os.Getenv("GOMODCACHE")
		if !isDir(filepath.Join(goroot, "src", "fmt")) || modCache == "" {
			if out, err := exec.Command("go", "env", "GOROOT", "GOMODCACHE").Output(); err == nil {
				lines := strings.Split(strings.TrimSpace(string(out)), "\n")
				if len(lines) == 2 {
					if !isDir(filepath.Join(goroot, "src", "fmt")) {
						goroot = lines[0]
					}
					if modCache == "" {
						modCache = lines[1]
					}
				}
			}
		}
	})
	if d := filepath.Join(goroot, "src", p); isDir(d) {
		return d
	}
	// gohpc's own packages: the sources this binary was built from, if
	// they are still where they were.
	const self = "github.com/gohpc/gohpc"
	if p == self || strings.HasPrefix(p, self+"/") {
		if _, file, _, ok := runtime.Caller(0); ok {
			root := filepath.Dir(filepath.Dir(file))
			if d := filepath.Join(root, strings.TrimPrefix(p, self)); isDir(d) {
				return d
			}
		}
	}
	bi, ok := debug.ReadBuildInfo()
	if !ok || modCache == "" {
		return ""
	}
	for _, m := range bi.Deps {
		if p == m.Path || strings.HasPrefix(p, m.Path+"/") {
			if d := filepath.Join(modCache, m.Path+"@"+m.Version, strings.TrimPrefix(p, m.Path)); isDir(d) {
				return d
			}
		}
	}
	return ""
}

func isDir(d string) bool {
	fi, err := os.Stat(d)
	return err == nil && fi.IsDir()
}
