package native

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"plugin"
	"reflect"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Config configures a Builder.
type Config struct {
	// GoMod and GoSum are the kernel's module files (gohpc.GoMod and
	// gohpc.GoSum): plugins are built against exactly these versions.
	GoMod, GoSum []byte
	// SourceDir is the gohpc source tree the kernel was built from, for the
	// replace directive that lets native cells import gohpc's own packages;
	// "" means the tree this package was compiled from, if it is still there
	// and its go.mod is GoMod (else gohpc packages cannot be imported).
	SourceDir string
	// Go is the go command; "" looks it up in PATH, then in GOROOT.
	Go string
	// Log receives diagnostics (build commands and their times); nil discards.
	Log io.Writer
}

// Builder builds and loads plugins for one process. It is safe for
// concurrent use; builds run one at a time.
type Builder struct {
	cfg Config
	log io.Writer

	// The checks' results, set once by check and read-only after.
	checkOnce sync.Once
	avail     error
	goBin     string
	env       []string
	flags     []string
	srcDir    string

	mu     sync.Mutex // one build at a time; guards the fields below
	dir    string     // the scratch module
	seq    int
	base   map[string]string     // kernel's module versions
	mods   []Module              // modules added with Get
	loaded map[string]string     // module path -> version loaded in this process
	names  map[string]cellName   // exported names of native cells, latest definition
	got    map[string]*GetResult // Get's results by path

	warmOnce    sync.Once
	warmStarted atomic.Bool
	warmDone    chan struct{}
	warmErr     error
	warmTime    time.Duration
}

// Module is a third-party module added with Get.
type Module struct {
	Path, Version string
}

// Package is a loaded plugin package, bound into an interpreter with
// yaegi's Use and then imported by Path.
type Package struct {
	// Path is the import path; Name the package name.
	Path, Name string
	// Symbols maps exported names to values as yaegi extract does: functions
	// and variables (addressable), types as a nil pointer to the type.
	Symbols map[string]reflect.Value
	// Decls lists the cell's top-level names in source order (Compile only).
	Decls []Decl
	// Skipped lists the generic declarations, which cannot be bound: for a
	// cell each with a hint, for Get as "func Name" or "type Name".
	Skipped []string
	// Build and Load are the times the go build and plugin.Open took; Wait
	// the time spent waiting for another build (the warm-up) to finish.
	Build, Load, Wait time.Duration
}

// Decl is a top-level name of a native cell.
type Decl struct {
	Name string
	Kind string // "func", "type", "var" or "const"
}

// New returns a Builder. Nothing is built or checked until used.
func New(cfg Config) *Builder {
	b := &Builder{cfg: cfg, log: cfg.Log, warmDone: make(chan struct{}), loaded: map[string]string{}, names: map[string]cellName{}, got: map[string]*GetResult{}}
	if b.log == nil {
		b.log = io.Discard
	}
	return b
}

// Error is a failure of native building at one stage, with what the user
// can do about it.
type Error struct {
	// Stage is one of "platform", "toolchain", "cgo", "compile", "build",
	// "load", "proxy", "clash", "unbindable" (only generic API), "trial" (source mode:
	// the trial import failed), "usage".
	Stage string
	Msg   string
	// Output is the go command's output, if any, for the log.
	Output string
}

func (e *Error) Error() string { return "native: " + e.Msg }

func errorf(stage, format string, args ...any) *Error {
	return &Error{Stage: stage, Msg: fmt.Sprintf(format, args...)}
}

// CompileError is a compile error of a %%native cell: Msg holds the
// compiler's lines, positioned at cell lines.
type CompileError struct {
	Msg string
}

func (e *CompileError) Error() string { return e.Msg }

// Available reports whether plugins can be built and loaded in this
// process, and if not why (an *Error). The first call runs the checks
// (a few tens of milliseconds); later calls return the same answer.
func (b *Builder) Available() error {
	return b.check()
}

// check runs the checks once. It sets goBin, env, flags and srcDir, read
// only after it.
func (b *Builder) check() error {
	b.checkOnce.Do(func() {
		b.avail = b.checkEnv()
		if b.avail != nil {
			fmt.Fprintf(b.log, "native: not available: %v\n", b.avail)
		}
	})
	return b.avail
}

func (b *Builder) checkEnv() error {
	if runtime.GOOS != "linux" && runtime.GOOS != "darwin" && runtime.GOOS != "freebsd" {
		return errorf("platform", "native cells need Go plugins, which exist on Linux, macOS and FreeBSD, not on %s", runtime.GOOS)
	}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return errorf("platform", "the kernel binary carries no build information: rebuild it with go build")
	}
	set := map[string]string{}
	for _, s := range bi.Settings {
		set[s.Key] = s.Value
	}
	if set["CGO_ENABLED"] != "1" {
		return errorf("cgo", "the kernel was built without cgo, so it cannot load plugins: install a C compiler (gcc) and rebuild it with CGO_ENABLED=1 (make build)")
	}
	if m := set["-buildmode"]; m != "" && m != "exe" && m != "pie" {
		return errorf("platform", "the kernel was built with -buildmode=%s; plugins need an executable", m)
	}
	goBin := b.cfg.Go
	if goBin == "" {
		goBin = findGo()
	}
	if goBin == "" {
		return errorf("toolchain", "no go command found (PATH, GOROOT, /usr/local/go/bin): install Go %s to use native cells", runtime.Version())
	}
	b.goBin = goBin
	b.env = append(os.Environ(),
		"GOTOOLCHAIN="+runtime.Version(), // the exact toolchain of the kernel
		"CGO_ENABLED=1",
		"GOWORK=off",
		"GOFLAGS="+goflags(),
		"GOOS="+runtime.GOOS, "GOARCH="+runtime.GOARCH,
	)
	for _, k := range []string{"GOAMD64", "GOARM64", "GO386", "GOARM", "GOEXPERIMENT", "CGO_CFLAGS", "CGO_CPPFLAGS", "CGO_CXXFLAGS", "CGO_LDFLAGS"} {
		if v, ok := set[k]; ok {
			b.env = append(b.env, k+"="+v)
		}
	}
	b.flags = hostFlags(set)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out, err := b.goCmd(ctx, "", "env", "GOVERSION", "CC")
	if err != nil {
		return errorf("toolchain", "go %s cannot run (%s): native cells need the kernel's exact Go version", runtime.Version(), firstLines(out, 3))
	}
	f := strings.Fields(out)
	if len(f) < 2 {
		return errorf("toolchain", "go env printed %q", out)
	}
	if f[0] != runtime.Version() {
		return errorf("toolchain", "the go command is %s, the kernel %s: plugins must be built by the kernel's exact toolchain", f[0], runtime.Version())
	}
	if _, err := exec.LookPath(f[1]); err != nil {
		return errorf("cgo", "no C compiler (%s): Go plugins are built with cgo; install gcc (apt-get install gcc) or set CC", f[1])
	}
	b.srcDir = b.sourceDir()
	return nil
}

// findGo looks for the go command.
func findGo() string {
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	for _, d := range []string{os.Getenv("GOROOT"), runtime.GOROOT(), "/usr/local/go", "/usr/lib/go"} {
		if d == "" {
			continue
		}
		p := filepath.Join(d, "bin", "go")
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() {
			return p
		}
	}
	return ""
}

// goflags is GOFLAGS without the flags that would make a plugin differ
// from the kernel (those are set from the kernel's build settings).
func goflags() string {
	var keep []string
	for _, f := range strings.Fields(os.Getenv("GOFLAGS")) {
		name, _, _ := strings.Cut(strings.TrimLeft(f, "-"), "=")
		switch name {
		case "trimpath", "race", "msan", "asan", "tags", "gcflags", "asmflags", "ldflags", "mod", "modfile", "buildmode", "cover", "coverpkg", "covermode":
			continue
		}
		keep = append(keep, f)
	}
	return strings.Join(keep, " ")
}

// hostFlags are the go build flags that make plugin packages match the
// kernel's: every setting that changes a package's compiled form.
func hostFlags(set map[string]string) []string {
	var fl []string
	for _, k := range []string{"-race", "-msan", "-asan", "-trimpath"} {
		if set[k] == "true" {
			fl = append(fl, k)
		}
	}
	for _, k := range []string{"-tags", "-gcflags", "-asmflags"} {
		if v := set[k]; v != "" {
			fl = append(fl, k+"="+v)
		}
	}
	return fl
}

// sourceDir finds the gohpc tree for the replace directive.
func (b *Builder) sourceDir() string {
	dir := b.cfg.SourceDir
	if dir == "" {
		dir = os.Getenv("GOHPC_SOURCE")
	}
	if dir == "" {
		_, file, _, ok := runtime.Caller(0)
		if !ok || !filepath.IsAbs(file) {
			return ""
		}
		dir = filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
	}
	mod, err := os.ReadFile(filepath.Join(dir, "go.mod"))
	if err != nil || (len(b.cfg.GoMod) > 0 && !bytes.Equal(mod, b.cfg.GoMod)) {
		fmt.Fprintf(b.log, "native: gohpc source %s not used (missing or its go.mod differs from the kernel's)\n", dir)
		return ""
	}
	return dir
}

// goCmd runs the go command in dir with the pinned environment and returns
// its combined output.
func (b *Builder) goCmd(ctx context.Context, dir string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, b.goBin, args...)
	cmd.Dir = dir
	cmd.Env = b.env
	cmd.WaitDelay = 5 * time.Second
	ownGroup(cmd)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	t0 := time.Now()
	err := cmd.Run()
	fmt.Fprintf(b.log, "native: go %s (%v)\n", strings.Join(args, " "), time.Since(t0).Round(time.Millisecond))
	if ctx.Err() != nil {
		return out.String(), ctx.Err()
	}
	return out.String(), err
}

// module creates the scratch module on first use; b.mu is held.
func (b *Builder) module() (string, error) {
	if b.dir != "" {
		return b.dir, nil
	}
	if err := b.check(); err != nil {
		return "", err
	}
	if len(b.cfg.GoMod) == 0 {
		return "", errorf("platform", "the kernel's go.mod is missing from the builder's configuration")
	}
	dir, err := scratchDir()
	if err != nil {
		return "", errorf("build", "scratch module: %v", err)
	}
	mod, base, err := scratchGoMod(b.cfg.GoMod, b.srcDir)
	if err != nil {
		os.RemoveAll(dir)
		return "", errorf("build", "kernel go.mod: %v", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), mod, 0o644); err != nil {
		return "", errorf("build", "scratch module: %v", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "go.sum"), b.cfg.GoSum, 0o644); err != nil {
		return "", errorf("build", "scratch module: %v", err)
	}
	b.dir, b.base = dir, base
	return dir, nil
}

// Close removes the scratch module. Loaded plugins stay loaded.
func (b *Builder) Close() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.dir == "" {
		return nil
	}
	err := os.RemoveAll(b.dir)
	b.dir = ""
	return err
}

// Modules returns the third-party modules added with Get, in order.
func (b *Builder) Modules() []Module {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]Module(nil), b.mods...)
}

// build builds package ./rel of the scratch module as a plugin and opens it;
// b.mu is held. It returns the plugin's symbol table.
func (b *Builder) build(ctx context.Context, rel string) (map[string]map[string]reflect.Value, time.Duration, time.Duration, error) {
	so := filepath.Join(b.dir, rel, "p.so")
	args := append([]string{"build", "-buildmode=plugin", "-o", so}, b.flags...)
	args = append(args, "./"+rel)
	t0 := time.Now()
	out, err := b.goCmd(ctx, b.dir, args...)
	dBuild := time.Since(t0)
	if err != nil {
		if ctx.Err() != nil {
			return nil, dBuild, 0, ctx.Err()
		}
		return nil, dBuild, 0, buildError(out, err)
	}
	t1 := time.Now()
	p, err := plugin.Open(so)
	os.Remove(so)
	if err != nil {
		return nil, dBuild, 0, loadError(err)
	}
	v, err := p.Lookup(symbolsVar)
	if err != nil {
		return nil, dBuild, 0, errorf("load", "the plugin has no symbol table: %v", err)
	}
	m, ok := v.(*map[string]map[string]reflect.Value)
	if !ok {
		return nil, dBuild, 0, errorf("load", "the plugin's symbol table has type %T", v)
	}
	return *m, dBuild, time.Since(t1), nil
}

// symbolsVar is the generated symbol table's name in every plugin.
const symbolsVar = "GohpcNativeSymbols"

func loadError(err error) error {
	msg := err.Error()
	switch {
	case strings.Contains(msg, "not implemented"):
		return errorf("cgo", "this kernel cannot load plugins (%s): rebuild it with CGO_ENABLED=1", msg)
	case strings.Contains(msg, "different version of package"):
		hint := "rebuild the kernel (make build) from the source it runs with, with the same flags"
		if strings.Contains(msg, "github.com/gohpc/gohpc") {
			hint = "gohpc's source changed since the kernel was built: rebuild the kernel (make build)"
		}
		return &Error{Stage: "load", Msg: "the plugin does not match the kernel: " + msg + "; " + hint}
	}
	return errorf("load", "%s", msg)
}

func buildError(out string, err error) error {
	var lines []string
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		if strings.HasPrefix(l, "# ") || l == "" {
			continue
		}
		lines = append(lines, l)
	}
	msg := strings.Join(lines, "\n")
	var ee *exec.ExitError
	if msg == "" && !errors.As(err, &ee) {
		msg = err.Error()
	}
	if strings.Contains(msg, "no required module provides package") {
		msg += "\n(add third-party modules with %go get MODULE@VERSION first)"
	}
	return &Error{Stage: "build", Msg: "go build failed:\n" + msg, Output: out}
}

func firstLines(s string, n int) string {
	ls := strings.Split(strings.TrimSpace(s), "\n")
	if len(ls) > n {
		ls = ls[:n]
	}
	return strings.Join(ls, "; ")
}

// Status tells whether native building works here and describes it: the
// toolchain and flags, and whether gohpc's own packages can be imported; or
// why not.
func (b *Builder) Status() (ok bool, detail string) {
	if err := b.check(); err != nil {
		return false, strings.TrimPrefix(err.Error(), "native: ")
	}
	detail = runtime.Version()
	if len(b.flags) > 0 {
		detail += " " + strings.Join(b.flags, " ")
	}
	if b.srcDir == "" {
		detail += "; gohpc's packages cannot be imported in native cells (its source tree was not found: set GOHPC_SOURCE)"
	}
	return true, detail
}

// scratchDir makes the scratch module's directory, named after the process
// in a directory shared by the kernels of the machine, and removes those of
// processes that are gone (a kernel killed has no chance to clean up).
func scratchDir() (string, error) {
	root := filepath.Join(os.TempDir(), "gohpc-native")
	if err := os.MkdirAll(root, 0o755); err != nil {
		return "", err
	}
	if es, err := os.ReadDir(root); err == nil {
		for _, e := range es {
			pid, _, ok := strings.Cut(e.Name(), "-")
			if n, err := strconv.Atoi(pid); ok && err == nil && n != os.Getpid() && !processAlive(n) {
				os.RemoveAll(filepath.Join(root, e.Name()))
			}
		}
	}
	return os.MkdirTemp(root, strconv.Itoa(os.Getpid())+"-")
}
