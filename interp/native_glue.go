package interp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	yaegi "github.com/traefik/yaegi/interp"
	"github.com/traefik/yaegi/stdlib"

	gohpc "github.com/gohpc/gohpc"
	"github.com/gohpc/gohpc/interp/magic"
	"github.com/gohpc/gohpc/interp/native"
	"github.com/gohpc/gohpc/interp/symbols"
	"github.com/gohpc/gohpc/kernel"
)

// The process's plugin builder: plugins are loaded into the process, so
// there is one, shared by the sessions.
var (
	nativeOnce    sync.Once
	nativeBuilder *native.Builder
)

func (s *Session) native() *native.Builder {
	nativeOnce.Do(func() {
		nativeBuilder = native.New(native.Config{GoMod: gohpc.GoMod, GoSum: gohpc.GoSum, Log: s.log})
	})
	return nativeBuilder
}

// nativeState is what a session bound from plugins.
type nativeState struct {
	in   *yaegi.Interpreter // the interpreter the packages were bound into
	pkgs []*native.Package  // third-party packages, bound again after a reset
}

// nativeStates maps a *Session to its *nativeState.
var nativeStates sync.Map

func (s *Session) nativeState() *nativeState {
	v, _ := nativeStates.LoadOrStore(s, &nativeState{})
	ns := v.(*nativeState)
	ns.rebind(s)
	return ns
}

// rebind binds the third-party packages into the session's interpreter if
// it is not the one they were bound into.
func (ns *nativeState) rebind(s *Session) {
	if ns.in != s.in {
		// A new interpreter (%reset): bind the third-party packages again.
		ns.in = s.in
		for _, p := range ns.pkgs {
			s.in.Use(yaegi.Exports{p.Path + "/" + p.Name: p.Symbols})
		}
	}
}

var (
	_ magic.Native = (*Session)(nil)
)

// WarmNative starts the background build that warms the Go build cache for
// %%native cells (see native.Builder.Warm), if native cells are available.
// The kernel calls it once at start.
func (s *Session) WarmNative() {
	b := s.native()
	go func() {
		if b.Available() == nil {
			b.Warm(context.Background())
		}
	}()
}

// NativeStatus implements magic.Native.
func (s *Session) NativeStatus() (bool, string) { return s.native().Status() }

// nativeError reports a failure of native building as a cell error.
func nativeError(err error) error {
	var ce *native.CompileError
	if errors.As(err, &ce) {
		return &compileError{err: errors.New(ce.Msg)}
	}
	var ne *native.Error
	if errors.As(err, &ne) {
		name := "NativeError"
		switch ne.Stage {
		case "platform", "toolchain", "cgo":
			name = "NativeUnavailable"
		case "clash":
			name = "VersionClash"
		case "unbindable":
			name = "GenericAPI"
		case "trial":
			name = "TrialImportFailed"
		}
		msg := ne.Msg
		return &kernel.CellError{Name: name, Value: msg, Traceback: []string{red + name + reset + ": " + msg}}
	}
	return err
}

// CompileNative implements magic.Native: the body of a %%native cell is
// built into a plugin and its top-level names bound in the session.
func (s *Session) CompileNative(ctx context.Context, code string, firstLine int, out magic.Output) error {
	b := s.native()
	if err := b.Available(); err != nil {
		return nativeError(err)
	}
	s.nativeState() // after a %reset, binds the %go get packages again
	file := cellFile
	if c := s.cur.Load(); c != nil && c.file != "" {
		file = c.file
	}
	t0 := time.Now()
	pkg, err := b.Compile(ctx, code, file, firstLine)
	if err != nil {
		return nativeError(err)
	}
	t1 := time.Now()
	if err := s.bindNative(ctx, pkg); err != nil {
		return err
	}
	dBind := time.Since(t1)
	var names []string
	for _, d := range pkg.Decls {
		names = append(names, d.Name)
	}
	msg := fmt.Sprintf("native: compiled in %s (go build %s, load and bind %s",
		fmtDur(time.Since(t0)), fmtDur(pkg.Build), fmtDur(pkg.Load+dBind))
	if pkg.Wait > 100*time.Millisecond {
		msg += fmt.Sprintf(", waiting for the warm-up build %s", fmtDur(pkg.Wait))
	}
	msg += ")"
	if len(names) > 0 {
		msg += ": " + strings.Join(names, ", ")
	}
	out.Stream("stdout", msg+"\n")
	for _, sk := range pkg.Skipped {
		out.Stream("stderr", "native: not bound: "+sk+"\n")
	}
	return nil
}

func fmtDur(d time.Duration) string {
	if d < time.Second {
		return fmt.Sprintf("%d ms", d.Milliseconds())
	}
	return fmt.Sprintf("%.2f s", d.Seconds())
}

// bindNative imports a native cell's package under a fresh alias and binds
// each of its names: a function or variable of the same type as the
// session's variable of that name is assigned (so that earlier code calling
// it sees the new version), anything else declared anew.
func (s *Session) bindNative(ctx context.Context, pkg *native.Package) error {
	if err := s.in.Use(yaegi.Exports{pkg.Path + "/" + pkg.Name: pkg.Symbols}); err != nil {
		return fmt.Errorf("native: binding %s: %w", pkg.Path, err)
	}
	s.seq++
	alias := fmt.Sprintf("__gohpc_native%d", s.seq)
	if err := s.evalFile(fmt.Sprintf("import %s %q", alias, pkg.Path)); err != nil {
		return fmt.Errorf("native: importing %s: %w", pkg.Path, err)
	}
	globals := s.in.Globals()
	for _, d := range pkg.Decls {
		v, ok := pkg.Symbols[d.Name]
		if !ok {
			continue
		}
		var src string
		switch d.Kind {
		case "type":
			src = fmt.Sprintf("type %s = %s.%s", d.Name, alias, d.Name)
		default:
			src = fmt.Sprintf("var %s = %s.%s", d.Name, alias, d.Name)
			if old, ok := s.decls[d.Name]; ok && old.kind == "var" {
				if g, ok := globals[d.Name]; ok && g.IsValid() && g.Type() == v.Type() && g.CanSet() {
					src = fmt.Sprintf("%s = %s.%s", d.Name, alias, d.Name)
				}
			}
		}
		if _, err := s.Run(ctx, src, 1); err != nil {
			return fmt.Errorf("native: binding %s: %w", d.Name, err)
		}
	}
	return nil
}

// nativeSources is the module source the interpreter reads in source mode
// (%go get -s). A session's interpreter sees it when created with
// yaegi.Options{GoPath: ".", SourcecodeFilesystem: nativeSources}.
var nativeSources = native.NewSourceFS()

// The kernel run again as the child process of a trial import (see
// native.TrialImport) imports the package and exits here.
func init() { native.RunTrialChild(trialImport) }

// trialImport imports importPath from fsys into a fresh interpreter with
// the session's binary packages.
func trialImport(fsys fs.FS, importPath string) error {
	in := yaegi.New(yaegi.Options{GoPath: ".", SourcecodeFilesystem: fsys, Unrestricted: true, Stdout: io.Discard, Stderr: io.Discard})
	for _, ex := range []yaegi.Exports{stdlib.Symbols, symbols.Symbols} {
		if err := in.Use(ex); err != nil {
			return err
		}
	}
	_, err := in.Eval(fmt.Sprintf("import _ %q", importPath))
	return err
}

// GoGet implements magic.Native: %go get [-s] MODULE[@VERSION].
func (s *Session) GoGet(ctx context.Context, module string, source bool, out magic.Output) error {
	b := s.native()
	if path, _, _ := strings.Cut(module, "@"); kernelPackage(path) {
		out.Stream("stdout", fmt.Sprintf("%s comes with the kernel: import it directly\n", path))
		return nil
	}
	if source {
		return s.goGetSource(ctx, module, out)
	}
	if err := b.Available(); err != nil {
		return nativeError(err)
	}
	ns := s.nativeState()
	t0 := time.Now()
	res, err := b.Get(ctx, module)
	if err != nil {
		return nativeError(err)
	}
	for _, p := range res.Packages {
		if err := s.in.Use(yaegi.Exports{p.Path + "/" + p.Name: p.Symbols}); err != nil {
			return fmt.Errorf("native: binding %s: %w", p.Path, err)
		}
		if !slices.Contains(ns.pkgs, p) {
			ns.pkgs = append(ns.pkgs, p)
		}
	}
	var paths []string
	for _, p := range res.Packages {
		paths = append(paths, fmt.Sprintf("%q (%d names)", p.Path, len(p.Symbols)))
	}
	sort.Strings(paths)
	out.Stream("stdout", fmt.Sprintf("native: %s@%s compiled in %s; import %s\n",
		res.Module.Path, res.Module.Version, fmtDur(time.Since(t0)), strings.Join(paths, ", ")))
	for _, p := range res.Packages {
		if len(p.Skipped) > 0 {
			out.Stream("stderr", fmt.Sprintf("native: %s: %d generic names not bound (%s): the interpreter cannot call generic code; wrap what you need in a %%%%native cell with concrete types\n", p.Path, len(p.Skipped), native.Summary(p.Skipped, 3, ", ")))
		}
	}
	return nil
}

// goGetSource is %go get -s: the module's source, interpreted.
func (s *Session) goGetSource(ctx context.Context, module string, out magic.Output) error {
	b := s.native()
	if err := b.Available(); err != nil {
		var ne *native.Error
		// Source mode needs the go command, not cgo.
		if !errors.As(err, &ne) || ne.Stage != "cgo" {
			return nativeError(err)
		}
	}
	t0 := time.Now()
	mod, paths, err := b.GetSource(ctx, module, nativeSources)
	if err != nil {
		return nativeError(err)
	}
	for _, p := range paths {
		if err := s.evalFile(fmt.Sprintf("import _ %q", p)); err != nil {
			if strings.Contains(err.Error(), "unable to find source") {
				return &kernel.CellError{Name: "NativeUnavailable", Value: "source mode is not wired into this session's interpreter (it must read native.SourceFS): use %go get without -s",
					Traceback: []string{red + "NativeUnavailable" + reset + ": source mode is not wired into this session's interpreter: use %go get without -s"}}
			}
			return fmt.Errorf("native: the interpreter cannot import %s: %w", p, err)
		}
	}
	out.Stream("stdout", fmt.Sprintf("native: %s@%s ready in %s, INTERPRETED from source: slower than native mode, and results may differ from compiled Go (yaegi initialises package variables in file order): prefer %%go get without -s; import %s\n",
		mod.Path, mod.Version, fmtDur(time.Since(t0)), strings.Join(quoteAll(paths), ", ")))
	return nil
}

func quoteAll(xs []string) []string {
	q := make([]string, len(xs))
	for i, x := range xs {
		q[i] = fmt.Sprintf("%q", x)
	}
	return q
}

// nativeRebind binds the session's %go get packages into a new interpreter;
// reset calls it after loading the symbols, so that a cell after %reset
// imports them without another %go get.
func (s *Session) nativeRebind() {
	if v, ok := nativeStates.Load(s); ok {
		v.(*nativeState).rebind(s)
	}
}

// NativeModules lists the third-party modules added with %go get in this
// process, as "path@version", for a notebook's metadata (so that a fresh
// kernel or `gohpc run` can get them again before the first cell).
func (s *Session) NativeModules() []string {
	var ms []string
	for _, m := range s.native().Modules() {
		ms = append(ms, m.Path+"@"+m.Version)
	}
	return ms
}

// kernelPackage reports whether the kernel's binary symbols have package path.
func kernelPackage(path string) bool {
	for _, ex := range []yaegi.Exports{stdlib.Symbols, symbols.Symbols} {
		for k := range ex {
			if i := strings.LastIndexByte(k, '/'); i > 0 && k[:i] == path {
				return true
			}
		}
	}
	return false
}
