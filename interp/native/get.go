package native

import (
	"bytes"
	"context"
	"fmt"
	"go/constant"
	"go/importer"
	"go/token"
	"go/types"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strings"
	"time"
)

// GetResult is what Get added: the module and its packages, loaded.
type GetResult struct {
	Module   Module
	Packages []*Package
}

// maxGetPackages bounds how many packages of a module Get builds when the
// module's root is not a package.
const maxGetPackages = 40

// argRE is a module or package path with an optional @version.
var argRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._~/+-]*(@[A-Za-z0-9._+/-]+)?$`)

// Get adds a third-party module (or one package of it) at an optional
// version, "path[@version]" as `go get` takes it, and builds the exported,
// non-generic API of its packages into a plugin: the package named, or,
// if the path is a module without a package at its root, the module's
// non-internal packages. The packages are loaded and returned for binding
// (yaegi's Use; cells then import them by path).
//
// A version that would change any module the kernel was built with is
// refused before anything is built (*Error with Stage "clash"): a plugin
// cannot carry a second version of a package the kernel has. So is a second
// version of a module already loaded in this process (plugins cannot be
// unloaded).
func (b *Builder) Get(ctx context.Context, arg string) (*GetResult, error) {
	if !argRE.MatchString(arg) {
		return nil, errorf("usage", "%q is not a module path with an optional @version", arg)
	}
	path, version, _ := strings.Cut(arg, "@")
	path = strings.TrimSuffix(path, "/...")
	b.mu.Lock()
	defer b.mu.Unlock()
	dir, err := b.module()
	if err != nil {
		return nil, err
	}
	if path == kernelModule || strings.HasPrefix(path, kernelModule+"/") {
		return nil, errorf("usage", "%s is part of the kernel: import it directly (or use it in a %%%%native cell)", path)
	}
	if mod, v := b.kernelModuleOf(path); mod != "" {
		if version != "" && version != v && version != "latest" {
			return nil, errorf("clash", "the kernel is built with %s %s; it cannot load %s %s as well. Use %s@%s, or rebuild the kernel with the version you need", mod, v, mod, version, path, v)
		}
		version = ""
	}
	if r, ok := b.got[path]; ok && (version == "" || version == r.Module.Version) {
		return r, nil // already built and loaded
	}
	if len(b.loaded) > 0 {
		for mod, v := range b.loaded {
			if path == mod || strings.HasPrefix(path, mod+"/") {
				if version != "" && version != v {
					return nil, errorf("clash", "%s %s is already loaded in this kernel; plugins cannot be unloaded: restart the kernel to use %s", mod, v, version)
				}
			}
		}
	}

	modFile, sumFile := filepath.Join(dir, "go.mod"), filepath.Join(dir, "go.sum")
	oldMod, err := os.ReadFile(modFile)
	if err != nil {
		return nil, errorf("build", "%v", err)
	}
	oldSum, _ := os.ReadFile(sumFile)
	restore := func() {
		os.WriteFile(modFile, oldMod, 0o644)
		os.WriteFile(sumFile, oldSum, 0o644)
	}
	if version != "" {
		gctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
		out, err := b.goCmd(gctx, dir, "get", path+"@"+version)
		cancel()
		if err != nil {
			restore()
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			return nil, getError(out, err)
		}
	} else if _, v := b.kernelModuleOf(path); v == "" {
		gctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
		out, err := b.goCmd(gctx, dir, "get", path)
		cancel()
		if err != nil {
			restore()
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			return nil, getError(out, err)
		}
	}
	newMod, _ := os.ReadFile(modFile)
	if clash := clashes(b.base, requires(newMod)); clash != "" {
		restore()
		return nil, errorf("clash", "%s@%s needs %s; a plugin cannot load a second version of a module the kernel has. Pick a version of %s built against the kernel's (see go.mod of gohpc), or rebuild the kernel with the newer dependency", path, orLatest(version), clash, path)
	}

	pkgs, mod, err := b.listPackages(ctx, dir, path)
	if err != nil {
		restore()
		return nil, err
	}
	if len(pkgs) == 0 {
		restore()
		return nil, errorf("build", "%s has no importable package (internal and main packages cannot be bound)", path)
	}
	b.seq++
	rel := fmt.Sprintf("g%d", b.seq)
	pdir := filepath.Join(dir, rel)
	if err := os.MkdirAll(pdir, 0o755); err != nil {
		return nil, errorf("build", "%v", err)
	}
	defer os.RemoveAll(pdir)
	src, result, err := b.apiSymbols(ctx, dir, pkgs)
	if err != nil {
		restore()
		return nil, err
	}
	bindable := 0
	var generic []string
	for _, p := range result {
		bindable += len(p.Decls)
		generic = append(generic, p.Skipped...)
	}
	if bindable == 0 {
		// go.mod keeps the module: a %%native cell can import it and wrap
		// its generic API.
		msg := fmt.Sprintf("%s has no API the interpreter can call", path)
		if len(generic) > 0 {
			msg = fmt.Sprintf("every exported name of %s is generic (%s), and the interpreter cannot call generic code: import it in a %%%%native cell and write wrappers with concrete types, e.g. func MapF(x []float64, f func(float64) float64) []float64 { return %s.Map(x, ...) }", path, Summary(generic, 4, ", "), pkgs[0].name)
		}
		return nil, &Error{Stage: "unbindable", Msg: msg}
	}
	if err := os.WriteFile(filepath.Join(pdir, "symbols.go"), src, 0o644); err != nil {
		return nil, errorf("build", "%v", err)
	}
	syms, dBuild, dLoad, err := b.build(ctx, rel)
	if err != nil {
		restore()
		return nil, err
	}
	for _, p := range result {
		p.Symbols = syms[p.Path+"/"+p.Name]
		p.Build, p.Load = dBuild, dLoad
	}
	if mod.Path != "" {
		b.loaded[mod.Path] = mod.Version
		seen := false
		for _, m := range b.mods {
			seen = seen || m == mod
		}
		if !seen {
			b.mods = append(b.mods, mod)
		}
	}
	r := &GetResult{Module: mod, Packages: result}
	b.got[path] = r
	return r, nil
}

func orLatest(v string) string {
	if v == "" {
		return "latest"
	}
	return v
}

// Summary lists the first n items of xs and how many more there are.
func Summary(xs []string, n int, sep string) string {
	if len(xs) <= n {
		return strings.Join(xs, sep)
	}
	return fmt.Sprintf("%s%s… and %d more", strings.Join(xs[:n], sep), sep, len(xs)-n)
}

// kernelModuleOf returns the kernel's module that provides path, and its
// version, or "", "".
func (b *Builder) kernelModuleOf(path string) (string, string) {
	best := ""
	for m := range b.base {
		if (path == m || strings.HasPrefix(path, m+"/")) && len(m) > len(best) {
			best = m
		}
	}
	return best, b.base[best]
}

// clashes describes the kernel modules whose versions changed.
func clashes(base, now map[string]string) string {
	var cs []string
	for m, v := range base {
		if nv, ok := now[m]; ok && nv != v {
			cs = append(cs, fmt.Sprintf("%s %s (the kernel has %s)", m, nv, v))
		}
	}
	sort.Strings(cs)
	return strings.Join(cs, ", ")
}

func getError(out string, err error) error {
	msg := strings.TrimSpace(out)
	if msg == "" {
		msg = err.Error()
	}
	stage := "proxy"
	if strings.Contains(msg, "requires go >=") || strings.Contains(msg, "toolchain") {
		stage = "toolchain"
		msg += "\n(the module needs a newer Go than the kernel's " + strings.TrimPrefix(runtime.Version(), "go") + ": pick an older version)"
	}
	return &Error{Stage: stage, Msg: "go get failed:\n" + msg, Output: out}
}

// listPackages lists the packages Get builds: path itself, or the
// module's non-internal library packages when path has none.
func (b *Builder) listPackages(ctx context.Context, dir, path string) ([]listed, Module, error) {
	const format = "{{.ImportPath}}|{{.Name}}|{{with .Module}}{{.Path}}|{{.Version}}{{else}}|{{end}}|{{with .Error}}{{.Err}}{{end}}"
	parse := func(out string) []listed {
		var ls []listed
		for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
			f := strings.SplitN(l, "|", 5)
			if len(f) == 5 {
				ls = append(ls, listed{f[0], f[1], Module{f[2], f[3]}, f[4]})
			}
		}
		return ls
	}
	out, err := b.goCmd(ctx, dir, "list", "-e", "-f", format, path)
	if err != nil {
		return nil, Module{}, &Error{Stage: "build", Msg: "go list " + path + ": " + strings.TrimSpace(out), Output: out}
	}
	ls := parse(out)
	if len(ls) == 1 && ls[0].err == "" && ls[0].name != "main" {
		return ls, ls[0].mod, nil
	}
	if len(ls) == 1 && ls[0].err != "" && !strings.Contains(ls[0].err, "no Go files") {
		return nil, Module{}, &Error{Stage: "build", Msg: path + ": " + ls[0].err}
	}
	out, err = b.goCmd(ctx, dir, "list", "-e", "-f", format, path+"/...")
	if err != nil {
		return nil, Module{}, &Error{Stage: "build", Msg: "go list " + path + "/...: " + strings.TrimSpace(out), Output: out}
	}
	var keep []listed
	var mod Module
	for _, l := range parse(out) {
		if l.err != "" || l.name == "main" || strings.Contains(l.path+"/", "/internal/") || strings.Contains(l.path, "/testdata/") {
			continue
		}
		mod = l.mod
		keep = append(keep, l)
		if len(keep) == maxGetPackages {
			break
		}
	}
	return keep, mod, nil
}

type listed struct {
	path, name string
	mod        Module
	err        string
}

// apiSymbols type-checks the packages from their export data and writes a
// plugin's source whose symbol table holds their exported, non-generic API,
// as yaegi extract would.
func (b *Builder) apiSymbols(ctx context.Context, dir string, pkgs []listed) ([]byte, []*Package, error) {
	args := []string{"list", "-export", "-deps", "-f", "{{.ImportPath}}|{{.Export}}"}
	for _, p := range pkgs {
		args = append(args, p.path)
	}
	out, err := b.goCmd(ctx, dir, args...)
	if err != nil {
		return nil, nil, buildError(out, err)
	}
	exports := map[string]string{}
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		if p, e, ok := strings.Cut(l, "|"); ok && e != "" {
			exports[p] = e
		}
	}
	fset := token.NewFileSet()
	imp := importer.ForCompiler(fset, "gc", func(path string) (io.ReadCloser, error) {
		f, ok := exports[path]
		if !ok {
			return nil, fmt.Errorf("no export data for %s", path)
		}
		return os.Open(f)
	})
	// Imports: the packages bound, then those their interfaces' methods
	// mention (for the wrappers).
	aliases := map[string]string{}
	var importOrder []string
	for i, p := range pkgs {
		aliases[p.path] = fmt.Sprintf("p%d", i)
		importOrder = append(importOrder, p.path)
	}
	qual := func(tp *types.Package) string {
		a, ok := aliases[tp.Path()]
		if !ok {
			a = fmt.Sprintf("q%d", len(aliases))
			aliases[tp.Path()] = a
			importOrder = append(importOrder, tp.Path())
		}
		return a
	}
	var src, wrappers bytes.Buffer
	fmt.Fprintf(&src, "var %s = map[string]map[string]gohpcreflect.Value{\n", symbolsVar)
	var result []*Package
	for i, p := range pkgs {
		tp, err := imp.Import(p.path)
		if err != nil {
			return nil, nil, errorf("build", "reading the API of %s: %v", p.path, err)
		}
		pkg := &Package{Path: p.path, Name: tp.Name()}
		fmt.Fprintf(&src, "\t%q: {\n", p.path+"/"+tp.Name())
		scope := tp.Scope()
		for _, name := range scope.Names() {
			obj := scope.Lookup(name)
			if !obj.Exported() {
				continue
			}
			q := fmt.Sprintf("p%d.%s", i, name)
			var val string
			switch o := obj.(type) {
			case *types.Func:
				if o.Type().(*types.Signature).TypeParams().Len() > 0 {
					pkg.Skipped = append(pkg.Skipped, "func "+name)
					continue
				}
				val = fmt.Sprintf("gohpcreflect.ValueOf(%s)", q)
			case *types.TypeName:
				if n, ok := o.Type().(*types.Named); ok && n.TypeParams().Len() > 0 {
					pkg.Skipped = append(pkg.Skipped, "type "+name)
					continue
				}
				if a, ok := o.Type().(*types.Alias); ok && a.TypeParams().Len() > 0 {
					pkg.Skipped = append(pkg.Skipped, "type "+name)
					continue
				}
				val = fmt.Sprintf("gohpcreflect.ValueOf((*%s)(nil))", q)
				if w := interfaceWrapper(&wrappers, o, fmt.Sprintf("_p%d_%s", i, name), qual); w != "" {
					fmt.Fprintf(&src, "\t\t%q: gohpcreflect.ValueOf((*%s)(nil)),\n", "_"+name, w)
				}
			case *types.Var:
				val = fmt.Sprintf("gohpcreflect.ValueOf(&%s).Elem()", q)
			case *types.Const:
				val = constExpr(o, q)
			default:
				continue
			}
			fmt.Fprintf(&src, "\t\t%q: %s,\n", name, val)
			pkg.Decls = append(pkg.Decls, Decl{Name: name, Kind: kindOf(obj)})
		}
		src.WriteString("\t},\n")
		result = append(result, pkg)
	}
	src.WriteString("}\n")
	var file bytes.Buffer
	file.WriteString("package main\n\nimport (\n\tgohpcreflect \"reflect\"\n\tgohpcconstant \"go/constant\"\n\tgohpctoken \"go/token\"\n")
	for _, p := range importOrder {
		fmt.Fprintf(&file, "\t%s %q\n", aliases[p], p)
	}
	file.WriteString(")\n\nvar _ = gohpcconstant.MakeBool\nvar _ = gohpctoken.INT\n\n")
	file.Write(src.Bytes())
	file.Write(wrappers.Bytes())
	return file.Bytes(), result, nil
}

// interfaceWrapper writes the wrapper type of an interface, as yaegi
// extract does (a struct of one func field per method, whose methods call
// them), through which interpreted types implement the interface; it
// returns the wrapper's name, or "" when the type is no interface or has
// unexported methods.
func interfaceWrapper(w *bytes.Buffer, o *types.TypeName, name string, qual types.Qualifier) string {
	it, ok := o.Type().Underlying().(*types.Interface)
	if !ok || !it.IsMethodSet() || it.NumMethods() == 0 {
		return ""
	}
	importable := true
	probe := func(p *types.Package) string {
		if path := "/" + p.Path() + "/"; strings.Contains(path, "/internal/") || strings.Contains(path, "/vendor/") {
			importable = false
		}
		return p.Name()
	}
	for i := range it.NumMethods() {
		if !it.Method(i).Exported() {
			return ""
		}
		types.TypeString(it.Method(i).Type(), probe)
	}
	if !importable {
		return ""
	}
	fmt.Fprintf(w, "\n// %s is an interface wrapper for %s.\ntype %s struct {\n\tIValue interface{}\n", name, o.Name(), name)
	for i := range it.NumMethods() {
		m := it.Method(i)
		fmt.Fprintf(w, "\tW%s %s\n", m.Name(), types.TypeString(m.Type(), qual))
	}
	w.WriteString("}\n")
	for i := range it.NumMethods() {
		m := it.Method(i)
		sig := m.Type().(*types.Signature)
		var params, args []string
		for j := range sig.Params().Len() {
			t := sig.Params().At(j).Type()
			if sig.Variadic() && j == sig.Params().Len()-1 {
				params = append(params, fmt.Sprintf("a%d ...%s", j, types.TypeString(t.(*types.Slice).Elem(), qual)))
				args = append(args, fmt.Sprintf("a%d...", j))
				continue
			}
			params = append(params, fmt.Sprintf("a%d %s", j, types.TypeString(t, qual)))
			args = append(args, fmt.Sprintf("a%d", j))
		}
		var results []string
		for j := range sig.Results().Len() {
			results = append(results, types.TypeString(sig.Results().At(j).Type(), qual))
		}
		res := strings.Join(results, ", ")
		if len(results) > 1 {
			res = "(" + res + ")"
		}
		ret := "return "
		if len(results) == 0 {
			ret = ""
		}
		fmt.Fprintf(w, "\nfunc (W %s) %s(%s) %s {\n\t%sW.W%s(%s)\n}\n", name, m.Name(), strings.Join(params, ", "), res, ret, m.Name(), strings.Join(args, ", "))
	}
	return name
}

func kindOf(o types.Object) string {
	switch o.(type) {
	case *types.Func:
		return "func"
	case *types.TypeName:
		return "type"
	case *types.Var:
		return "var"
	}
	return "const"
}

// constExpr is a constant's symbol value: typed constants as values, untyped
// ones as go/constant values, as yaegi extract writes them (so that
// 1<<63 or a float's exact value survive).
func constExpr(o *types.Const, q string) string {
	b, ok := o.Type().(*types.Basic)
	if !ok || b.Info()&types.IsUntyped == 0 {
		return fmt.Sprintf("gohpcreflect.ValueOf(%s)", q)
	}
	v := o.Val()
	switch v.Kind() {
	case constant.Bool:
		return fmt.Sprintf("gohpcreflect.ValueOf(gohpcconstant.MakeBool(%v))", constant.BoolVal(v))
	case constant.String:
		return fmt.Sprintf("gohpcreflect.ValueOf(gohpcconstant.MakeString(%q))", constant.StringVal(v))
	case constant.Int:
		return fmt.Sprintf("gohpcreflect.ValueOf(gohpcconstant.MakeFromLiteral(%q, gohpctoken.INT, 0))", v.ExactString())
	case constant.Float:
		if r := v.ExactString(); !strings.Contains(r, "/") {
			return fmt.Sprintf("gohpcreflect.ValueOf(gohpcconstant.MakeFromLiteral(%q, gohpctoken.FLOAT, 0))", r)
		}
		num, den := constant.Num(v), constant.Denom(v)
		return fmt.Sprintf("gohpcreflect.ValueOf(gohpcconstant.BinaryOp(gohpcconstant.MakeFromLiteral(%q, gohpctoken.INT, 0), gohpctoken.QUO, gohpcconstant.MakeFromLiteral(%q, gohpctoken.INT, 0)))", num.ExactString(), den.ExactString())
	}
	return fmt.Sprintf("gohpcreflect.ValueOf(%s)", q)
}
