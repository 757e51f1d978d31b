package native

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"go/build"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sort"
	"strings"
	"sync"
	"time"
)

// SourceFS presents the source of modules in the module cache to yaegi in
// GOPATH layout ("src/IMPORTPATH/FILE.go"), for the interpreter's source
// mode: give it as yaegi's Options.SourcecodeFilesystem with GoPath ".".
// A directory lists only the .go files that build for this platform with
// cgo off and the tags purego and noasm (yaegi v0.16 reads only the old
// "// +build" lines, so the filesystem applies //go:build itself); tests
// are left out.
type SourceFS struct {
	mu   sync.RWMutex
	mods map[string]string // module path -> directory
	ctx  build.Context
}

// NewSourceFS returns an empty SourceFS.
func NewSourceFS() *SourceFS {
	ctx := build.Default
	ctx.GOOS, ctx.GOARCH = runtime.GOOS, runtime.GOARCH
	ctx.CgoEnabled = false
	ctx.BuildTags = []string{"purego", "noasm"}
	return &SourceFS{mods: map[string]string{}, ctx: ctx}
}

// Add makes module modPath's source at dir visible.
func (f *SourceFS) Add(modPath, dir string) {
	f.mu.Lock()
	f.mods[modPath] = dir
	f.mu.Unlock()
}

// Modules returns the visible modules, path to directory.
func (f *SourceFS) Modules() map[string]string {
	f.mu.RLock()
	defer f.mu.RUnlock()
	m := make(map[string]string, len(f.mods))
	for k, v := range f.mods {
		m[k] = v
	}
	return m
}

// resolve maps "src/IMPORTPATH[/FILE]" to a path on disk.
func (f *SourceFS) resolve(name string) (string, bool) {
	rest, ok := strings.CutPrefix(name, "src/")
	if !ok {
		return "", false
	}
	f.mu.RLock()
	defer f.mu.RUnlock()
	best := ""
	for m := range f.mods {
		if (rest == m || strings.HasPrefix(rest, m+"/")) && len(m) > len(best) {
			best = m
		}
	}
	if best == "" {
		return "", false
	}
	return f.mods[best] + strings.TrimPrefix(rest, best), true
}

// Open implements fs.FS.
func (f *SourceFS) Open(name string) (fs.File, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	p, ok := f.resolve(name)
	if !ok {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	if strings.HasSuffix(name, ".go") && !f.match(path.Dir(p), path.Base(p)) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	return os.Open(p)
}

// ReadDir implements fs.ReadDirFS: the package's buildable Go files.
func (f *SourceFS) ReadDir(name string) ([]fs.DirEntry, error) {
	p, ok := f.resolve(name)
	if !ok {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: fs.ErrNotExist}
	}
	es, err := os.ReadDir(p)
	if err != nil {
		return nil, err
	}
	var keep []fs.DirEntry
	for _, e := range es {
		if !e.IsDir() && f.match(p, e.Name()) {
			keep = append(keep, e)
		}
	}
	return keep, nil
}

func (f *SourceFS) match(dir, name string) bool {
	if !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
		return false
	}
	ok, err := f.ctx.MatchFile(dir, name)
	return err == nil && ok
}

// Environment of the trial-import child process.
const (
	trialEnv     = "GOHPC_NATIVE_TRIAL"
	trialModsEnv = "GOHPC_NATIVE_TRIAL_MODULES"
	trialMemEnv  = "GOHPC_NATIVE_TRIAL_MEMORY"
)

// Limits of a trial import.
var (
	TrialTimeout = 60 * time.Second
	TrialMemory  = uint64(2 << 30)
)

// Exit codes of the trial child.
const (
	trialExitFailed = 10 // the interpreter returned an error
	trialExitMemory = 11 // over the memory limit
)

// RunTrialChild is called at the start of a program that can serve trial
// imports (the kernel: package interp calls it from an init function). In
// the child process that TrialImport starts, it imports the package named
// in the environment with importFn (a fresh interpreter over fsys, with
// the kernel's binary symbols) under a memory limit and a stack limit, and
// exits; anywhere else it returns at once.
func RunTrialChild(importFn func(fsys fs.FS, importPath string) error) {
	imp := os.Getenv(trialEnv)
	if imp == "" {
		return
	}
	var mods map[string]string
	if err := json.Unmarshal([]byte(os.Getenv(trialModsEnv)), &mods); err != nil {
		fmt.Fprintf(os.Stderr, "trial: bad module list: %v\n", err)
		os.Exit(trialExitFailed)
	}
	limit := TrialMemory
	fmt.Sscan(os.Getenv(trialMemEnv), &limit)
	debug.SetMaxStack(256 << 20) // a runaway recursion ends as a fatal error, fast
	go func() {
		s := []metrics.Sample{{Name: "/memory/classes/total:bytes"}}
		for range time.Tick(10 * time.Millisecond) {
			metrics.Read(s)
			if v := s[0].Value.Uint64(); v > limit {
				fmt.Fprintf(os.Stderr, "trial: the interpreter used more than %d MiB\n", limit>>20)
				os.Exit(trialExitMemory)
			}
		}
	}()
	fsys := NewSourceFS()
	for m, d := range mods {
		fsys.Add(m, d)
	}
	err := func() (err error) {
		defer func() {
			if r := recover(); r != nil {
				err = fmt.Errorf("the interpreter panicked: %v", r)
			}
		}()
		return importFn(fsys, imp)
	}()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(trialExitFailed)
	}
	os.Exit(0)
}

// TrialImport imports importPath from source in a child process (this
// program run again, which must call RunTrialChild at start), with a time
// limit (TrialTimeout) and a memory limit (TrialMemory): yaegi crashes the
// whole process on some real packages (stack overflows, runaway memory),
// which must not take the kernel with it. mods are the modules visible to
// the import, path to directory. The error says what went wrong.
func TrialImport(ctx context.Context, importPath string, mods map[string]string) error {
	exe, err := os.Executable()
	if err != nil {
		return errorf("trial", "cannot run the trial import: %v", err)
	}
	mj, _ := json.Marshal(mods)
	ctx, cancel := context.WithTimeout(ctx, TrialTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, exe)
	cmd.Env = append(os.Environ(), trialEnv+"="+importPath, trialModsEnv+"="+string(mj), fmt.Sprintf("%s=%d", trialMemEnv, TrialMemory))
	cmd.WaitDelay = 2 * time.Second
	ownGroup(cmd)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err = cmd.Run()
	if err == nil {
		return nil
	}
	msg := strings.TrimSpace(out.String())
	if ctx.Err() == context.DeadlineExceeded {
		return errorf("trial", "importing %s into the interpreter took longer than %v: use native mode (%%go get without -s)", importPath, TrialTimeout)
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		switch ee.ExitCode() {
		case trialExitFailed:
			return errorf("trial", "the interpreter cannot import %s: %s", importPath, firstLines(msg, 6))
		case trialExitMemory:
			return errorf("trial", "importing %s into the interpreter used more than %d MiB: use native mode (%%go get without -s)", importPath, TrialMemory>>20)
		}
	}
	return errorf("trial", "the interpreter crashed importing %s (%v): %s; use native mode (%%go get without -s)", importPath, err, firstLines(crashLine(msg), 3))
}

// crashLine picks the runtime's fatal message out of a crash's output.
func crashLine(out string) string {
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "fatal error:") || strings.HasPrefix(l, "runtime:") || strings.HasPrefix(l, "panic:") {
			return l
		}
	}
	return out
}

// GetSource adds a module for source mode: go get as Get does (refusing
// clashes with the kernel's modules), then the source of the package and of
// every module it depends on is made visible through fsys, after a trial
// import of the package in a child process succeeded. It returns the
// package's module.
func (b *Builder) GetSource(ctx context.Context, arg string, fsys *SourceFS) (Module, []string, error) {
	if !argRE.MatchString(arg) {
		return Module{}, nil, errorf("usage", "%q is not a module path with an optional @version", arg)
	}
	p, version, _ := strings.Cut(arg, "@")
	b.mu.Lock()
	defer b.mu.Unlock()
	dir, err := b.module()
	if err != nil {
		return Module{}, nil, err
	}
	if mod, v := b.kernelModuleOf(p); mod != "" && version != "" && version != v {
		return Module{}, nil, errorf("clash", "the kernel is built with %s %s; it cannot load %s %s as well", mod, v, mod, version)
	}
	if _, v := b.kernelModuleOf(p); v == "" {
		out, err := b.goCmd(ctx, dir, "get", arg)
		if err != nil {
			if ctx.Err() != nil {
				return Module{}, nil, ctx.Err()
			}
			return Module{}, nil, getError(out, err)
		}
	}
	pkgs, mod, err := b.listPackages(ctx, dir, p)
	if err != nil {
		return Module{}, nil, err
	}
	var paths []string
	for _, l := range pkgs {
		paths = append(paths, l.path)
	}
	// The modules the packages need, with their directories (downloading
	// them if need be).
	args := append([]string{"list", "-deps", "-f", "{{with .Module}}{{.Path}}|{{.Dir}}{{end}}"}, paths...)
	out, err := b.goCmd(ctx, dir, args...)
	if err != nil {
		return Module{}, nil, buildError(out, err)
	}
	mods := map[string]string{}
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		if m, d, ok := strings.Cut(l, "|"); ok && d != "" && m != scratchModule && m != kernelModule {
			mods[m] = d
		}
	}
	for m, d := range fsys.Modules() {
		mods[m] = d
	}
	sort.Strings(paths)
	for _, ip := range paths {
		if err := TrialImport(ctx, ip, mods); err != nil {
			return Module{}, nil, err
		}
	}
	for m, d := range mods {
		fsys.Add(m, d)
	}
	return mod, paths, nil
}
