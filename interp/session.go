package interp

import (
	"context"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/printer"
	"go/token"
	"io"
	"log"
	"maps"
	"os"
	"reflect"
	"runtime"
	"runtime/debug"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	yaegi "github.com/traefik/yaegi/interp"
	"github.com/traefik/yaegi/stdlib"
	"github.com/traefik/yaegi/stdlib/syscall"
	"github.com/traefik/yaegi/stdlib/unrestricted"

	"github.com/gohpc/gohpc/display"
	"github.com/gohpc/gohpc/hpc"
	"github.com/gohpc/gohpc/interp/internal/stackguard"
	"github.com/gohpc/gohpc/interp/magic"
	"github.com/gohpc/gohpc/interp/render"
	"github.com/gohpc/gohpc/interp/stdgeneric"
	"github.com/gohpc/gohpc/interp/symbols"
	"github.com/gohpc/gohpc/kernel"
)

// Options configure a Session.
type Options struct {
	// CaptureFDs redirects file descriptors 1 and 2 into pipes so what native code writes there
	// (syscall.Write(1,…), C code, child processes inheriting them) reaches the running cell's stdout/stderr.
	// The kernel sets it; `gohpc run` and tests leave it false.
	CaptureFDs bool
	// Dir is the working directory of cells; "" keeps the process's.
	Dir string
	// Log receives the session's own diagnostics; nil discards.
	Log io.Writer
}

// stopGrace is how long an interrupted run may take to unwind before
// Execute returns without it.
const stopGrace = 60 * time.Millisecond

// Session is a notebook's Go session: a yaegi interpreter and what the
// cells declared. It implements kernel.Interpreter (with completion,
// inspection, completeness and shutdown) and magic.Session and magic.HPC.
type Session struct {
	opts Options
	log  io.Writer

	execMu sync.Mutex // one Execute at a time

	in      *yaegi.Interpreter
	ctl     *runCtl
	lastRun chan struct{}        // closed when the last exec's run has returned
	decls   map[string]*declared // user's top-level names
	// stdGenericLoaded: stdgeneric.Sources are compiled into the interpreter.
	stdGenericLoaded bool
	// methods lists the methods declared on each user type; varTypes the
	// type name of variables when their declaration tells it.
	methods    map[string][]string
	methodText map[string]string // "Type.Method" -> signature
	varTypes   map[string]string
	imps       map[string]string // imported package name -> path
	// renames maps a redefined type's name to its current internal name.
	renames map[string]string
	seq     int

	stdout, stderr *Stream
	stdin          *Input
	osStdout       *Stream
	osStderr       *Stream
	osStdin        *Input

	cur  atomic.Pointer[cellState]
	last atomic.Pointer[cellState]

	traceMu sync.Mutex
	trace   []string
	traceN  int

	resMu  sync.Mutex
	res    []any
	hasRes bool

	fds *fdCapture

	// The goroutine running cell code, the one running a %timeit loop, and
	// the stack overflow that ended the former (see enter).
	execG, loopG atomic.Uintptr
	overflow     atomic.Pointer[StackOverflow]
	cellGs       goroutineSet // goroutines the cells' go statements started
}

// declared is a user's top-level declaration.
type declared struct {
	kind    string // "var", "const", "type", "func"
	text    string // the declaration's source, for inspection and type redefinition
	generic bool   // a func with type parameters
}

// genericFuncs names the generic functions the session declared.
func (s *Session) genericFuncs() map[string]bool {
	fs := map[string]bool{}
	for name, d := range s.decls {
		if d.generic {
			fs[name] = true
		}
	}
	return fs
}

// cellState is the running cell.
type cellState struct {
	ctx   context.Context
	out   kernel.Output
	file  string // name of the cell in positions, e.g. "In[3]"
	mu    sync.Mutex
	stdin error
}

func (c *cellState) setStdinErr(err error) {
	c.mu.Lock()
	c.stdin = err
	c.mu.Unlock()
}

var (
	renderOnce sync.Once
	_          kernel.Interpreter         = (*Session)(nil)
	_          kernel.Completer           = (*Session)(nil)
	_          kernel.Inspector           = (*Session)(nil)
	_          kernel.CompletenessChecker = (*Session)(nil)
	_          kernel.Shutdowner          = (*Session)(nil)
	_          magic.Session              = (*Session)(nil)
	_          magic.HPC                  = (*Session)(nil)
)

// New starts a session.
func New(opts Options) (*Session, error) {
	s := &Session{opts: opts, log: opts.Log}
	if s.log == nil {
		s.log = io.Discard
	}
	s.stdout = &Stream{s: s, name: "stdout", fd: 1}
	s.stderr = &Stream{s: s, name: "stderr", fd: 2}
	s.stdin = &Input{s: s}
	s.osStdout, s.osStderr, s.osStdin = s.stdout, s.stderr, s.stdin
	renderOnce.Do(func() { display.SetRenderFunc(render.ValueMeta) })
	if opts.Dir != "" {
		// Cells open files relative to the notebook: the process's working
		// directory is theirs (one session per process).
		if err := os.Chdir(opts.Dir); err != nil {
			return nil, fmt.Errorf("interp: working directory: %w", err)
		}
	}
	if opts.CaptureFDs {
		fds, err := captureFDs(s)
		if err != nil {
			return nil, err
		}
		s.fds = fds
		// A fatal runtime error must reach the real stderr (the kernel's
		// log), not a pipe nobody reads once the process is gone.
		debug.SetCrashOutput(fds.origErr, debug.CrashOptions{})
		// The process's standard logger (yaegi logs there before some of its
		// panics) belongs to the kernel's log, not to the running cell.
		log.SetOutput(fds.origErr)
	}
	if err := s.reset(); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// reset makes a new interpreter with no user state.
func (s *Session) reset() (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("interp: starting yaegi: %v", r)
		}
	}()
	in := yaegi.New(yaegi.Options{
		Stdin:        s.stdin,
		Stdout:       s.stdout,
		Stderr:       yaegiStderr{s},
		Unrestricted: true,
		Args:         []string{"gohpc"},
		// Packages of %go get -s modules are read from nativeSources.
		GoPath:               ".",
		SourcecodeFilesystem: nativeSources,
	})
	ctl, err := newRunCtl(in)
	if err != nil {
		return err
	}
	for _, ex := range []yaegi.Exports{
		stdlib.Symbols,
		syscall.Symbols,
		{"os/exec/exec": unrestricted.Symbols["os/exec/exec"]},
		symbols.Symbols,
		s.overrides(),
		s.rtExports(),
		stdgeneric.Exports(),
	} {
		if err := in.Use(ex); err != nil {
			return fmt.Errorf("interp: loading symbols: %w", err)
		}
	}
	s.in, s.ctl = in, ctl
	s.stdGenericLoaded = false
	s.nativeRebind()
	if err := s.evalFile(prelude); err != nil {
		return fmt.Errorf("interp: prelude: %w", err)
	}
	s.decls = map[string]*declared{}
	s.methods = map[string][]string{}
	s.methodText = map[string]string{}
	s.varTypes = map[string]string{}
	s.imps = map[string]string{}
	s.renames = map[string]string{}
	return nil
}

// overrides replaces the symbols a cell must not use as they are.
func (s *Session) overrides() yaegi.Exports {
	exit := func(code int) { panic(ExitError{Code: code}) }
	fatal := func(v ...any) { panic(strings.TrimSuffix(fmt.Sprintln(v...), "\n")) }
	fatalf := func(f string, v ...any) { panic(fmt.Sprintf(f, v...)) }
	return yaegi.Exports{
		"os/os": {
			"Exit":   reflect.ValueOf(exit),
			"Stdout": reflect.ValueOf(&s.osStdout).Elem(),
			"Stderr": reflect.ValueOf(&s.osStderr).Elem(),
			"Stdin":  reflect.ValueOf(&s.osStdin).Elem(),
		},
		"time/time": {"Sleep": reflect.ValueOf(s.sleep)},
		"log/log": {
			"Fatal":   reflect.ValueOf(fatal),
			"Fatalln": reflect.ValueOf(fatal),
			"Fatalf":  reflect.ValueOf(fatalf),
		},
	}
}

// OriginalStderr returns the process's stderr before capture (kernel logs go there).
func (s *Session) OriginalStderr() *os.File {
	if s.fds != nil {
		return s.fds.origErr
	}
	return os.Stderr
}

// CapturedStderr returns the read end of the pipe that is fd 2 while
// Options.CaptureFDs holds, or nil. The session reads it; it is exposed for
// a process that outlives this one (see internal/lastwords) and must not be
// read by anyone else while the session lives.
func (s *Session) CapturedStderr() *os.File {
	if s.fds != nil {
		return s.fds.readers[1]
	}
	return nil
}

// Close restores file descriptors 1 and 2. The session must not be used after.
func (s *Session) Close() error {
	if s.fds != nil {
		s.fds.restore()
		debug.SetCrashOutput(nil, debug.CrashOptions{})
		s.fds = nil
	}
	return nil
}

// Shutdown implements kernel.Shutdowner.
func (s *Session) Shutdown(restart bool) error { return s.Close() }

// cell returns the running cell, or the last one.
func (s *Session) cell() *cellState {
	if c := s.cur.Load(); c != nil {
		return c
	}
	return s.last.Load()
}

// output is where streams go now.
func (s *Session) output() kernel.Output {
	if c := s.cell(); c != nil && c.out != nil {
		return c.out
	}
	return discardOutput{s.log}
}

// cellDone is the Done channel of the running cell (nil, never ready, if none).
func (s *Session) cellDone() <-chan struct{} {
	if c := s.cur.Load(); c != nil {
		return c.ctx.Done()
	}
	return nil
}

func (s *Session) addTrace(l string) {
	s.traceMu.Lock()
	if len(s.trace) < maxTrace {
		s.trace = append(s.trace, l)
	}
	s.traceN++
	s.traceMu.Unlock()
}

// takeTrace returns and clears the frames recorded since the last call.
func (s *Session) takeTrace() []string {
	s.traceMu.Lock()
	defer s.traceMu.Unlock()
	t := s.trace
	if s.traceN > len(t) {
		t = append(t, fmt.Sprintf("… %d more frames", s.traceN-len(t)))
	}
	s.trace, s.traceN = nil, 0
	return t
}

// KernelInfo implements kernel.Interpreter.
func (s *Session) KernelInfo() kernel.KernelInfo {
	v := strings.TrimPrefix(runtime.Version(), "go")
	return kernel.KernelInfo{
		Implementation:        "gohpc",
		ImplementationVersion: Version,
		Banner: "gohpc " + Version + " — Go " + v + " cells interpreted by yaegi, with gonum and native parallel kernels.\n" +
			"Magics: %lsmagic. Help: Shift-Tab on a name, or a cell holding name? (name?? for more).",
		LanguageName:    "go",
		LanguageVersion: v,
		MimeType:        "text/x-go",
		FileExtension:   ".go",
		PygmentsLexer:   "go",
		CodeMirrorMode:  "go",
		HelpLinks: []kernel.HelpLink{
			{Text: "Go documentation", URL: "https://go.dev/doc/"},
			{Text: "Go standard library", URL: "https://pkg.go.dev/std"},
			{Text: "gonum", URL: "https://pkg.go.dev/gonum.org/v1/gonum"},
			{Text: "gohpc", URL: "https://github.com/gohpc/gohpc"},
		},
	}
}

// Version is the session's implementation version.
var Version = "0.1.0"

// Execute implements kernel.Interpreter: it runs one cell.
func (s *Session) Execute(ctx context.Context, req kernel.ExecuteRequest, out kernel.Output) (res kernel.ExecuteResult, err error) {
	defer func() {
		if r := recover(); r != nil {
			fmt.Fprintf(s.log, "interp: Execute panicked: %v\n%s", r, debug.Stack())
			res, err = kernel.ExecuteResult{}, &kernel.CellError{Name: "InternalError", Value: fmt.Sprint(r),
				Traceback: []string{"InternalError: " + fmt.Sprint(r)}}
		}
	}()
	s.execMu.Lock()
	defer s.execMu.Unlock()
	if name, detail, ok := parseHelpCell(req.Code); ok {
		return kernel.ExecuteResult{Payload: s.help(name, detail, out)}, nil
	}

	file := "cell"
	if req.ExecutionCount > 0 {
		file = fmt.Sprintf("In[%d]", req.ExecutionCount)
	}
	c := &cellState{ctx: ctx, out: out, file: file}
	s.cur.Store(c)
	s.last.Store(c)
	defer s.cur.Store(nil)
	adapter := cellOutput{out}
	// The cell's sink stays installed after it ends, so that goroutines it
	// started display in it (as they print in its streams).
	display.SetSink(adapter)
	prevCtx := hpc.SetContext(ctx)
	defer hpc.SetContext(prevCtx)
	prog := render.NewProgress(adapter)
	prevProg := hpc.SetProgress(prog.Report)
	defer func() { hpc.SetProgress(prevProg); prog.Close() }()
	s.takeTrace()

	v, err := s.executeCell(ctx, req.Code, adapter)
	if s.fds != nil {
		s.fds.settle(5 * time.Millisecond) // the cell's last native writes belong to it
	}
	if err == nil {
		c.mu.Lock()
		err = c.stdin
		c.mu.Unlock()
	}
	if err != nil {
		return kernel.ExecuteResult{}, s.cellError(err, req.Code)
	}
	if v != nil {
		b, m := render.ValueMeta(v)
		res.Value = &kernel.DisplayData{Data: map[string]any(b), Metadata: map[string]any(m)}
	}
	if len(req.UserExpressions) > 0 {
		res.UserExpressions = s.userExpressions(ctx, req.UserExpressions)
	}
	return res, nil
}

func (s *Session) executeCell(ctx context.Context, code string, out magic.Output) (any, error) {
	plan, err := magic.Parse(code)
	if err != nil {
		return nil, err
	}
	return (&magic.Executor{Session: s, Dir: s.opts.Dir}).Execute(ctx, plan, out)
}

func (s *Session) userExpressions(ctx context.Context, exprs map[string]string) map[string]any {
	m := map[string]any{}
	for name, expr := range exprs {
		v, err := s.Run(ctx, expr, 1)
		if err != nil {
			ce := s.cellError(err, expr)
			m[name] = map[string]any{"status": "error", "ename": ce.Name, "evalue": ce.Value, "traceback": ce.Traceback}
			continue
		}
		b, md := render.ValueMeta(v)
		m[name] = map[string]any{"status": "ok", "data": map[string]any(b), "metadata": nonNil(md)}
	}
	return m
}

func nonNil(m display.Metadata) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}

// cellFile is the file name of every position in cells. yaegi keys
// imports by file name, so all cells share one for imports to persist.
const cellFile = "cell"

// evalFile compiles and runs src, a file's declarations without the
// package clause, as cells are (Eval would name the file differently).
func (s *Session) evalFile(src string) error {
	f, err := parser.ParseFile(s.in.FileSet(), cellFile, "package main\n"+src, 0)
	if err != nil {
		return err
	}
	prog, err := s.compile(f)
	if err != nil {
		return err
	}
	_, err = s.exec(context.Background(), prog)
	return err
}

// Run implements magic.Session: it runs Go code in the session and returns
// the value of a trailing expression, or nil.
func (s *Session) Run(ctx context.Context, code string, firstLine int) (result any, err error) {
	defer func() {
		if r := recover(); r != nil {
			result, err = nil, &yaegiPanic{value: r, stack: debug.Stack()}
		}
	}()
	if firstLine < 1 {
		firstLine = 1
	}
	fset := s.in.FileSet()
	groups, err := parseCell(fset, code, firstLine, cellFile, s.genericFuncs())
	if err != nil {
		return nil, &compileError{err: err}
	}
	for gi, g := range groups {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		last := gi == len(groups)-1
		v, has, err := s.runGroup(ctx, g, last)
		if err != nil {
			return nil, err
		}
		if last && has {
			result = v
		}
	}
	return result, nil
}

// runGenericDefine runs `x := e` where e calls a generic function (see
// genericCalls): yaegi cannot type a global from an expression holding a
// generic call, so e is evaluated alone and its value assigned as magics'
// values are.
func (s *Session) runGenericDefine(ctx context.Context, g *group) error {
	as := g.body.List[0].(*ast.AssignStmt)
	name := as.Lhs[0].(*ast.Ident).Name
	eg := &group{body: &ast.BlockStmt{Lbrace: g.body.Lbrace, List: []ast.Stmt{&ast.ExprStmt{X: as.Rhs[0]}}, Rbrace: g.body.Rbrace}}
	v, has, err := s.runGroup(ctx, eg, true)
	if err != nil {
		return err
	}
	if !has || v == nil {
		return errNotGeneric
	}
	// A variable declared with a source type ([]int) rather than defined
	// from a native value can be passed to generic functions later.
	typ, declare := predeclaredTypeText(reflect.TypeOf(v))
	if declare {
		if _, err := s.Run(ctx, "var "+name+" "+typ, 1); err != nil {
			return err
		}
	}
	if err := s.Assign(name, v, !declare); err != nil {
		return err
	}
	if d, ok := s.decls[name]; ok {
		d.text = nodeText(s.in.FileSet(), as)
	}
	return nil
}

var errNotGeneric = errors.New("interp: not a generic definition")

// predeclaredTypeText returns t in Go syntax when it is built from
// predeclared types only (int, []float64, map[string][]int, …).
func predeclaredTypeText(t reflect.Type) (string, bool) {
	switch t.Kind() {
	case reflect.Slice, reflect.Array, reflect.Pointer, reflect.Map:
		if t.Name() != "" {
			return "", false
		}
		if t.Kind() == reflect.Map {
			if _, ok := predeclaredTypeText(t.Key()); !ok {
				return "", false
			}
		}
		if _, ok := predeclaredTypeText(t.Elem()); !ok {
			return "", false
		}
		return t.String(), true
	case reflect.Struct, reflect.Interface, reflect.Func, reflect.Chan, reflect.UnsafePointer:
		return "", false
	}
	// A basic kind: predeclared when it is named as its kind.
	return t.String(), t.PkgPath() == "" && t.Name() == t.Kind().String()
}

// runGroup rewrites, compiles and runs one group.
func (s *Session) runGroup(ctx context.Context, g *group, last bool) (v any, has bool, err error) {
	if g.genericDefine {
		g.genericDefine = false
		if err := s.runGenericDefine(ctx, g); err != errNotGeneric {
			return nil, false, err
		}
		if perr := g.parse(s.in.FileSet()); perr != nil {
			return nil, false, perr
		}
	}
	if g.decl {
		saved := maps.Clone(s.renames)
		defer func() {
			if err != nil {
				s.renames = saved
			}
		}()
		s.noteTypes(g.file)
	}
	prog, root, trailing, direct, err := s.prepare(ctx, g, last, false)
	if err != nil && root != nil && root.ambiguous {
		// A range over something the rewrite could not type, which yaegi
		// failed on: most likely an integer (yaegi panics on those).
		if perr := g.parse(s.in.FileSet()); perr == nil {
			if prog2, root2, trailing2, direct2, err2 := s.prepare(ctx, g, last, true); err2 == nil {
				prog, root, trailing, direct, err = prog2, root2, trailing2, direct2, nil
			}
		}
	}
	if err != nil {
		return nil, false, err
	}
	s.resMu.Lock()
	s.res, s.hasRes = nil, false
	s.resMu.Unlock()
	rv, err := s.exec(ctx, prog)
	if err != nil {
		return nil, false, err
	}
	s.noteDecls(root.node)
	if !trailing {
		return nil, false, nil
	}
	if direct {
		if !rv.IsValid() || !rv.CanInterface() {
			return nil, false, nil
		}
		return rv.Interface(), true, nil
	}
	s.resMu.Lock()
	defer s.resMu.Unlock()
	if s.hasRes && len(s.res) == 1 {
		return s.res[0], true, nil
	}
	return nil, false, nil
}

// prepared is a group's rewritten AST.
type prepared struct {
	node      ast.Node
	ambiguous bool // a range over an expression of unknown type was left alone
}

// prepare rewrites and compiles a parsed group. The trailing expression of
// the cell's last group is passed to Result (trailing), or its value taken
// from Execute (direct).
func (s *Session) prepare(ctx context.Context, g *group, last, forceInt bool) (prog *yaegi.Program, p *prepared, trailing, direct bool, err error) {
	var root ast.Node
	if g.decl {
		root = g.file
	} else {
		root = g.body
	}
	p = &prepared{node: root}
	rw := &rewriter{user: s.isUser, intGlobal: s.intGlobal, renames: s.renames, seq: &s.seq, forceIntRange: forceInt}
	rw.rename(root)
	s.fixBinIndex(root)
	if err := s.autoImport(ctx, root); err != nil {
		return nil, nil, false, false, err
	}
	if !g.decl && last && len(g.body.List) > 0 {
		if es, ok := g.body.List[len(g.body.List)-1].(*ast.ExprStmt); ok && !voidCall(rw, es.X) {
			trailing = true
		}
	}
	if !g.decl {
		rw.topDefines(g.body)
	}
	rw.stmts(root)
	rw.calls(root)
	rw.guard(root)
	p.ambiguous = rw.ambiguous

	// The trailing expression's value reaches Result, which also tells how
	// many values it has; calls of the generic min and max cannot be passed
	// to it (yaegi fails), so such an expression's value is taken from
	// Execute instead.
	var orig ast.Expr
	if trailing {
		es := g.body.List[len(g.body.List)-1].(*ast.ExprStmt)
		orig = es.X
		if usesGeneric(orig) {
			direct = true
		} else {
			es.X = rtCall("Result", es.X.Pos(), orig)
		}
	}
	prog, err = s.compile(root)
	if err != nil && strings.Contains(err.Error(), "definition loop") {
		if id := s.undefined(root); id != nil {
			pos := s.in.FileSet().Position(id.Pos())
			err = &compileError{err: fmt.Errorf("%d:%d: undefined: %s", pos.Line, pos.Column, id.Name)}
		}
	}
	if err != nil && trailing && !direct {
		// The trailing call has no value after all ("cannot use func() as
		// type ()"), or yaegi cannot pass this value to Result: take it
		// from Execute.
		g.body.List[len(g.body.List)-1].(*ast.ExprStmt).X = orig
		if strings.Contains(err.Error(), "as type ()") {
			trailing = false
			prog, err = s.compile(root)
		} else if prog2, err2 := s.compile(root); err2 == nil {
			prog, err, direct = prog2, nil, true
		}
	}
	return prog, p, trailing, direct, err
}

// usesGeneric reports whether e calls the generic min or max helpers.
func usesGeneric(e ast.Expr) bool {
	found := false
	ast.Inspect(e, func(n ast.Node) bool {
		if id, ok := n.(*ast.Ident); ok && (id.Name == "__gohpc_min" || id.Name == "__gohpc_max") {
			found = true
		}
		return !found
	})
	return found
}

// voidCall reports whether e is a call of a builtin without a value.
func voidCall(rw *rewriter, e ast.Expr) bool {
	call, ok := e.(*ast.CallExpr)
	if !ok {
		return false
	}
	_, ok = rw.isBuiltin(call, "print", "println", "panic", "close", "delete", "clear", "copy")
	return ok
}

// compile compiles an AST under recover: yaegi panics on some inputs.
// loadStdGeneric compiles stdgeneric's replacements into cmp, slices and
// maps, once per interpreter, before the first code that mentions them:
// about 3 ms that a session which never uses them does not pay at start.
func (s *Session) loadStdGeneric() error {
	s.stdGenericLoaded = true
	for _, src := range stdgeneric.Sources {
		if _, err := s.in.Compile(src); err != nil {
			return fmt.Errorf("generic standard packages: %w", err)
		}
	}
	return nil
}

// compile compiles root. A compile that fails leaves the session's symbols
// as they were (see symbolSnapshot).
func (s *Session) compile(root ast.Node) (prog *yaegi.Program, err error) {
	var snap *symbolSnapshot
	defer func() {
		if r := recover(); r != nil {
			prog, err = nil, &compileError{err: fmt.Errorf("%v", r), internal: true}
		}
		if err != nil && snap != nil {
			snap.restore()
		}
	}()
	if !s.stdGenericLoaded && stdgeneric.Mentioned(root) {
		if err := s.loadStdGeneric(); err != nil {
			return nil, &compileError{err: err, internal: true}
		}
	}
	before := s.ctl.frame.slots()
	snap = s.ctl.frame.snapshotSymbols(root)
	prog, err = s.in.CompileAST(root)
	if err != nil {
		return nil, &compileError{err: err}
	}
	s.ctl.frame.compiled(root, before, snap)
	return prog, nil
}

// exec runs a compiled program, stopping it when ctx is done.
func (s *Session) exec(ctx context.Context, prog *yaegi.Program) (reflect.Value, error) {
	// The values the last run left in the global frame can go, unless it
	// is still running (interrupted in native code).
	if s.lastRun == nil || isClosed(s.lastRun) {
		s.ctl.frame.reclaim()
	}
	s.ctl.frame.grow()
	s.ctl.begin()
	done := make(chan struct{})
	s.lastRun = done
	var res reflect.Value
	var err error
	s.overflow.Store(nil)
	go func() {
		defer close(done)
		defer func() {
			if r := recover(); r != nil {
				err = &yaegiPanic{value: r, stack: debug.Stack()}
			}
			if so := s.overflow.Swap(nil); so != nil {
				err = yaegi.Panic{Value: *so}
			}
		}()
		s.execG.Store(stackguard.G())
		res, err = s.in.Execute(prog)
	}()
	select {
	case <-done:
		if ctx.Err() != nil {
			s.ctl.frame.ran(false)
			return res, ctx.Err()
		}
		if so := s.overflow.Swap(nil); so != nil && err == nil {
			err = yaegi.Panic{Value: *so} // in a goroutine of native code
		}
		s.ctl.frame.ran(err == nil)
		return res, err
	case <-ctx.Done():
		s.ctl.stop()
		select {
		case <-done:
			s.ctl.frame.ran(false)
		case <-time.After(stopGrace):
			s.ctl.frame.abandon()
			fmt.Fprintf(s.log, "interp: interrupted code still running after %v (blocked in native code)\n", stopGrace)
		}
		return reflect.Value{}, ctx.Err()
	}
}

func isClosed(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// noteTypes records the type declarations of a declaration group and
// renames those that redefine a type differently.
func (s *Session) noteTypes(f *ast.File) {
	for _, d := range f.Decls {
		gd, ok := d.(*ast.GenDecl)
		if !ok || gd.Tok != token.TYPE {
			continue
		}
		for _, sp := range gd.Specs {
			ts := sp.(*ast.TypeSpec)
			name := ts.Name.Name
			text := nodeText(s.in.FileSet(), ts)
			if old, ok := s.decls[name]; ok && old.kind == "type" && old.text != text {
				s.seq++
				s.renames[name] = fmt.Sprintf("%s%s%d", name, renameSep, s.seq)
			} else if ok && old.kind != "type" {
				delete(s.renames, name)
			}
		}
	}
}

// noteDecls records the top-level names a group declared, once it ran.
func (s *Session) noteDecls(root ast.Node) {
	fset := s.in.FileSet()
	add := func(name, kind, text string) {
		if name == "_" || strings.HasPrefix(name, "__gohpc") {
			return
		}
		name = s.userName(name)
		if kind != "type" {
			if _, renamed := s.renames[name]; renamed && s.decls[name] != nil && s.decls[name].kind == "type" {
				delete(s.renames, name)
			}
		}
		s.decls[name] = &declared{kind: kind, text: text}
	}
	switch x := root.(type) {
	case *ast.File:
		for _, d := range x.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				if d.Recv == nil {
					add(d.Name.Name, "func", funcText(fset, d))
					if dd := s.decls[s.userName(d.Name.Name)]; dd != nil && d.Type.TypeParams != nil {
						dd.generic = true
					}
				} else if len(d.Recv.List) == 1 {
					if t := s.userName(typeName(d.Recv.List[0].Type)); t != "" {
						if _, seen := s.methodText[t+"."+d.Name.Name]; !seen {
							s.methods[t] = append(s.methods[t], d.Name.Name)
						}
						s.methodText[t+"."+d.Name.Name] = funcText(fset, d)
					}
				}
			case *ast.GenDecl:
				for _, sp := range d.Specs {
					switch sp := sp.(type) {
					case *ast.TypeSpec:
						add(sp.Name.Name, "type", nodeText(fset, sp))
					case *ast.ValueSpec:
						for i, n := range sp.Names {
							add(n.Name, d.Tok.String(), d.Tok.String()+" "+nodeText(fset, sp))
							s.noteVarType(n.Name, sp.Type, sp.Values, i)
						}
					case *ast.ImportSpec:
					}
				}
			}
		}
	case *ast.BlockStmt:
		for _, st := range x.List {
			switch st := st.(type) {
			case *ast.AssignStmt:
				if st.Tok == token.DEFINE {
					for i, l := range st.Lhs {
						if id, ok := l.(*ast.Ident); ok {
							add(id.Name, "var", nodeText(fset, st))
							s.noteVarType(id.Name, nil, st.Rhs, i)
						}
					}
				}
			case *ast.DeclStmt:
				if gd, ok := st.Decl.(*ast.GenDecl); ok {
					for _, sp := range gd.Specs {
						if vs, ok := sp.(*ast.ValueSpec); ok {
							for i, n := range vs.Names {
								add(n.Name, gd.Tok.String(), gd.Tok.String()+" "+nodeText(fset, vs))
								s.noteVarType(n.Name, vs.Type, vs.Values, i)
							}
						}
					}
				}
			}
		}
	}
}

// noteVarType records the type name of variable name when its declaration
// shows it (var x T, x := T{…}, x := &T{…}), for completing its methods.
func (s *Session) noteVarType(name string, typ ast.Expr, values []ast.Expr, i int) {
	delete(s.varTypes, name)
	if typ == nil && i < len(values) {
		v := values[i]
		if u, ok := v.(*ast.UnaryExpr); ok && u.Op == token.AND {
			v = u.X
		}
		if cl, ok := v.(*ast.CompositeLit); ok {
			typ = cl.Type
		}
	}
	if t := typeName(typ); t != "" {
		s.varTypes[name] = s.userName(t)
	}
}

// typeName is the name of a (pointer to a) named type expression.
func typeName(e ast.Expr) string {
	switch x := e.(type) {
	case *ast.Ident:
		return x.Name
	case *ast.StarExpr:
		return typeName(x.X)
	case *ast.IndexExpr:
		return typeName(x.X)
	}
	return ""
}

// userName maps an internal name back to the user's.
func (s *Session) userName(name string) string {
	if i := strings.Index(name, renameSep); i > 0 {
		return name[:i]
	}
	return name
}

func (s *Session) isUser(name string) bool {
	_, ok := s.decls[s.userName(name)]
	return ok
}

func (s *Session) intGlobal(name string) bool {
	d, ok := s.decls[name]
	if !ok || (d.kind != "var" && d.kind != "const") {
		return false
	}
	v, ok := s.in.Globals()[name]
	return ok && isIntKind(v)
}

func nodeText(fset *token.FileSet, n ast.Node) string {
	var b strings.Builder
	printer.Fprint(&b, fset, n)
	return undoRenames(b.String())
}

// funcText is a function's signature (its declaration without the body).
func funcText(fset *token.FileSet, d *ast.FuncDecl) string {
	c := *d
	c.Body = nil
	return nodeText(fset, &c)
}

// undoRenames shows internal type names as the user wrote them.
func undoRenames(s string) string {
	if !strings.Contains(s, renameSep) {
		return s
	}
	var b strings.Builder
	for {
		i := strings.Index(s, renameSep)
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:i])
		s = s[i+len(renameSep):]
		s = strings.TrimLeft(s, "0123456789")
	}
}

// Compile implements magic.Session: code becomes a function run many times.
func (s *Session) Compile(ctx context.Context, code string, firstLine int) (func() error, error) {
	s.seq++
	name := fmt.Sprintf("__gohpc_fn%d", s.seq)
	src := name + " := func() {\n" + code + "\n}"
	if _, err := s.Run(ctx, src, firstLine-1); err != nil {
		return nil, err
	}
	v, ok := s.in.Globals()[name]
	if !ok {
		return nil, fmt.Errorf("interp: compiled function %s not found", name)
	}
	fn, ok := v.Interface().(func())
	if !ok {
		return nil, fmt.Errorf("interp: compiled function has type %s", v.Type())
	}
	var stop atomic.Bool
	cancel := context.AfterFunc(ctx, func() { stop.Store(true); s.ctl.stop() })
	_ = cancel
	s.ctl.begin()
	return func() (err error) {
		if stop.Load() {
			return ctx.Err()
		}
		defer func() {
			s.loopG.Store(0)
			if r := recover(); r != nil {
				err = &yaegiPanic{value: r, stack: debug.Stack()}
			}
		}()
		s.loopG.Store(stackguard.G())
		fn()
		if stop.Load() {
			return ctx.Err()
		}
		return nil
	}, nil
}

// Vars implements magic.Session.
func (s *Session) Vars() []magic.Var {
	g := s.in.Globals()
	var vs []magic.Var
	for name, d := range s.decls {
		if d.kind != "var" {
			continue
		}
		v, ok := g[name]
		if !ok || !v.IsValid() {
			continue
		}
		var x any
		if v.CanInterface() {
			x = v.Interface()
		}
		vs = append(vs, magic.Var{Name: name, Type: undoRenames(strings.ReplaceAll(v.Type().String(), "main.", "")), Value: x})
	}
	sort.Slice(vs, func(i, j int) bool { return vs[i].Name < vs[j].Name })
	return vs
}

// Assign implements magic.Session.
func (s *Session) Assign(name string, value any, define bool) error {
	if value == nil {
		return fmt.Errorf("interp: no value to assign to %s", name)
	}
	s.seq++
	path := fmt.Sprintf("gohpc.internal/assign%d", s.seq)
	holder := reflect.New(reflect.TypeOf(value)).Elem()
	holder.Set(reflect.ValueOf(value))
	if err := s.in.Use(yaegi.Exports{path + "/assign": {"V": holder}}); err != nil {
		return err
	}
	op := "="
	if define {
		op = ":="
	}
	alias := fmt.Sprintf("__gohpc_assign%d", s.seq)
	if err := s.evalFile(fmt.Sprintf("import %s %q", alias, path)); err != nil {
		return err
	}
	ctx := context.Background()
	if c := s.cur.Load(); c != nil {
		ctx = c.ctx
	}
	_, err := s.Run(ctx, fmt.Sprintf("%s %s %s.V", name, op, alias), 1)
	return err
}

// Reset implements magic.Session: a new interpreter, nothing declared.
func (s *Session) Reset() error {
	return s.reset()
}

// Workers implements magic.HPC.
func (s *Session) Workers() int { return hpc.Workers() }

// SetWorkers implements magic.HPC.
func (s *Session) SetWorkers(n int) int { return hpc.SetWorkers(n) }

// BLAS implements magic.HPC.
func (s *Session) BLAS() string { return hpc.BLAS() }

// errors

// compileError is a failure to parse or compile a cell.
type compileError struct {
	err      error
	internal bool // yaegi panicked
}

func (e *compileError) Error() string { return e.err.Error() }
func (e *compileError) Unwrap() error { return e.err }

// yaegiPanic is a panic that escaped yaegi.
type yaegiPanic struct {
	value any
	stack []byte
}

func (e *yaegiPanic) Error() string { return panicText(e.value) }

func panicText(r any) string {
	switch v := r.(type) {
	case error:
		return v.Error()
	case string:
		return v
	}
	return fmt.Sprintf("%v", r)
}

var errInterrupted = errors.New("execution was interrupted")
