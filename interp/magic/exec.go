package magic

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/gohpc/gohpc/display"
)

// Session is the interpreter as the magics see it. The yaegi session
// implements it; tests use a fake.
type Session interface {
	// Run runs Go code in the session, keeping its state (declarations
	// persist), and returns the value of a trailing expression, or nil.
	// firstLine is the cell line of code's first line: errors must report
	// cell lines. Run must return promptly once ctx is done.
	Run(ctx context.Context, code string, firstLine int) (result any, err error)
	// Compile compiles code once, for %timeit and %scaling, into a function
	// that runs it each time it is called, in the session's global scope (so
	// it sees variables a setup statement declared with Run). The function
	// is called many times in a tight loop and should be as cheap as the
	// interpreter allows; it must stop with an error once ctx is done.
	Compile(ctx context.Context, code string, firstLine int) (run func() error, err error)
	// Vars lists the session's variables, for %who and %whos.
	Vars() []Var
	// Assign sets the session variable name to value, declaring it if
	// define is true ("name := %timeit -o …"), for magics whose value is
	// assigned.
	Assign(name string, value any, define bool) error
	// Reset clears the session's state (variables, functions, types,
	// imports), for %reset.
	Reset() error
}

// Var is a session variable.
type Var struct {
	Name  string
	Type  string // as Go spells it, e.g. "[]float64", "*mat.Dense"
	Value any
}

// HPC controls and describes the native side, for %scaling and %hpc. The
// session implements it over package hpc; a Session that also implements
// HPC is used as such when Executor.HPC is nil.
type HPC interface {
	// Workers returns the number of workers hpc functions use.
	Workers() int
	// SetWorkers sets it and returns the previous value.
	SetWorkers(n int) (previous int)
	// BLAS names the matrix-multiply backend, e.g. "gonum (pure Go)".
	BLAS() string
}

// Native builds Go code with the Go toolchain, for %%native and %go get.
// The session implements it over package interp/native; an Executor whose
// Session does not implement it answers those magics with an error.
type Native interface {
	// CompileNative compiles the Go declarations in code (the body of a
	// %%native cell, starting at cell line firstLine) into native code and
	// binds its top-level names in the session, telling out what it bound
	// and how long the compile took. Compile errors are at cell lines.
	CompileNative(ctx context.Context, code string, firstLine int, out Output) error
	// GoGet adds a third-party module or package ("path[@version]") to the
	// session, so that cells can import its packages: compiled (native
	// mode), or interpreted from source when source is true.
	GoGet(ctx context.Context, module string, source bool, out Output) error
	// NativeStatus tells whether native building works here and, if not,
	// why, for %hpc.
	NativeStatus() (ok bool, detail string)
}

// ProgressMuter is implemented by a Session (or HPC) that shows progress
// bars for long native calls. %timeit and %scaling mute them while they run
// a statement over and over: a bar per run would flood the output and its
// updates would be timed too. MuteProgress returns the function that
// restores them.
type ProgressMuter interface {
	MuteProgress() (restore func())
}

// Output is where magics write: the streams and rich display of the running
// cell. The session's adapter over kernel.Output satisfies it, the same
// value it installs with display.SetSink.
type Output interface {
	// Stream appends text to "stdout" or "stderr".
	Stream(name, text string)
	display.Sink
}

// Inputter is implemented by an Output that can ask the user for a line
// (kernel.Output can); %reset uses it to confirm.
type Inputter interface {
	Input(ctx context.Context, prompt string, password bool) (string, error)
}

// Executor runs Plans against a Session.
type Executor struct {
	Session Session
	// HPC is used by %scaling and %hpc; nil means Session, if it implements
	// HPC.
	HPC HPC
	// Now is the clock of the timing magics; nil means time.Now.
	Now func() time.Time
	// Shell runs "!" commands, %sx and %%sh as Shell -c COMMAND; "" means
	// /bin/sh.
	Shell string
	// Dir is the working directory of shell commands and %%writefile's
	// relative paths; "" means the process's.
	Dir string
}

// Run parses cell and executes it with a default Executor over sess.
func Run(ctx context.Context, sess Session, cell string, out Output) (any, error) {
	plan, err := Parse(cell)
	if err != nil {
		return nil, err
	}
	return (&Executor{Session: sess}).Execute(ctx, plan, out)
}

// Execute runs the segments of p in order and returns the value of the last
// one: the trailing expression of a final code segment, the value of a final
// %time statement, the TimeitResult of a final %timeit -o, and so on; nil if
// the last segment has none. It stops at the first error: a Session error
// is returned as is (a compile error keeps its cell lines); a misuse of a
// magic is a *UsageError; an interrupt is ctx.Err().
func (e *Executor) Execute(ctx context.Context, p Plan, out Output) (any, error) {
	var result any
	for _, seg := range p.Segments {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		var err error
		if seg.Magic == nil {
			result, err = e.Session.Run(ctx, seg.Code, seg.Line)
		} else {
			result, err = e.runMagic(ctx, seg.Line, seg.Magic, out)
		}
		if err != nil {
			return nil, err
		}
	}
	return result, nil
}

func (e *Executor) runMagic(ctx context.Context, line int, m *Magic, out Output) (any, error) {
	var v any
	var err error
	if m.Help {
		if s := lookup(m.Name); s != nil {
			printf(out, "%%%s: %s\nUsage: %s\n", s.name, s.help, s.usage)
		}
		return nil, nil
	}
	switch m.Name {
	case "!":
		err = e.shell(ctx, m.Args, out)
	case "sh":
		err = e.shell(ctx, m.Body, out)
	case "bash":
		err = e.shellWith(ctx, "bash", m.Body, out)
	case "sx":
		v, err = e.capture(ctx, m.Args)
	case "time":
		v, err = e.time(ctx, line, m, out)
	case "timeit":
		v, err = e.timeit(ctx, line, m, out)
	case "scaling":
		v, err = e.scaling(ctx, line, m, out)
	case "who":
		e.who(m, out)
	case "whos":
		e.whos(m, out)
	case "env":
		v, err = e.env(line, m, out)
	case "lsmagic":
		lsmagic(out)
	case "writefile":
		err = e.writefile(line, m, out)
	case "hpc":
		e.hpcInfo(out)
	case "html":
		out.Display(display.Data{Bundle: display.HTML(m.Body)})
	case "markdown":
		out.Display(display.Data{Bundle: display.Markdown(m.Body)})
	case "latex":
		out.Display(display.Data{Bundle: display.LaTeX(m.Body)})
	case "svg":
		out.Display(display.Data{Bundle: display.SVG(m.Body)})
	case "reset":
		err = e.reset(ctx, m, out)
	case "native":
		if n, ok := e.Session.(Native); ok {
			err = n.CompileNative(ctx, m.Body, m.BodyLine, out)
		} else {
			err = usagef(line, "%%%%native is not available in this session")
		}
	case "go":
		if n, ok := e.Session.(Native); ok {
			f := strings.Fields(m.Args)
			err = n.GoGet(ctx, f[len(f)-1], len(f) == 3, out)
		} else {
			err = usagef(line, "%%go get is not available in this session")
		}
	default:
		err = usagef(line, "magic %%%s is not implemented", m.Name)
	}
	if err != nil {
		return nil, err
	}
	if m.Assign != "" {
		if err := e.Session.Assign(m.Assign, v, m.Define); err != nil {
			return nil, err
		}
		return nil, nil
	}
	return v, nil
}

func (e *Executor) now() time.Time {
	if e.Now != nil {
		return e.Now()
	}
	return time.Now()
}

func (e *Executor) hpc() HPC {
	if e.HPC != nil {
		return e.HPC
	}
	if h, ok := e.Session.(HPC); ok {
		return h
	}
	return nil
}

// muteProgress mutes progress bars if the session can, and returns the
// function that restores them.
func (e *Executor) muteProgress() func() {
	if m, ok := e.Session.(ProgressMuter); ok {
		return m.MuteProgress()
	}
	if m, ok := e.hpc().(ProgressMuter); ok {
		return m.MuteProgress()
	}
	return func() {}
}

func printf(out Output, format string, args ...any) {
	out.Stream("stdout", fmt.Sprintf(format, args...))
}
