package magic

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/gohpc/gohpc/display"
	"github.com/gohpc/gohpc/internal/testclock"
)

// call is one Run or Compile the fake session received.
type call struct {
	op   string // "run" or "compile"
	code string
	line int
}

// fakeSession is a Session (and HPC) whose code does what its funcs say:
// run(code) for Run and for each call of a compiled function; cost(code)
// advances the clock per call. Variables are a map.
type fakeSession struct {
	mu      sync.Mutex
	calls   []call
	vars    []Var
	assigns []string
	resets  int
	workers int
	clock   *testclock.Clock
	// cost is the clock time one execution of code takes (nil: none).
	cost func(code string, workers int) time.Duration
	// result returns Run's value and error (nil: nil, nil).
	result func(code string) (any, error)
	// compileErr fails Compile when non-nil.
	compileErr error
	// execs counts the executions of compiled functions.
	execs int
}

func (s *fakeSession) record(op, code string, line int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, call{op, code, line})
}

func (s *fakeSession) spend(code string) {
	if s.cost != nil && s.clock != nil {
		s.clock.Advance(s.cost(code, s.workers))
	}
}

func (s *fakeSession) Run(ctx context.Context, code string, line int) (any, error) {
	s.record("run", code, line)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.spend(code)
	if s.result != nil {
		return s.result(code)
	}
	return nil, nil
}

func (s *fakeSession) Compile(ctx context.Context, code string, line int) (func() error, error) {
	s.record("compile", code, line)
	if s.compileErr != nil {
		return nil, s.compileErr
	}
	return func() error {
		s.mu.Lock()
		s.execs++
		s.mu.Unlock()
		s.spend(code)
		if strings.Contains(code, "fail()") {
			return errors.New("fail: boom")
		}
		return nil
	}, nil
}

func (s *fakeSession) Vars() []Var { return s.vars }

func (s *fakeSession) Assign(name string, value any, define bool) error {
	op := "="
	if define {
		op = ":="
	}
	s.assigns = append(s.assigns, fmt.Sprintf("%s %s %T", name, op, value))
	return nil
}

func (s *fakeSession) Reset() error {
	s.resets++
	s.vars = nil
	return nil
}

func (s *fakeSession) Workers() int { return s.workers }

func (s *fakeSession) SetWorkers(n int) int {
	prev := s.workers
	s.workers = n
	return prev
}

func (s *fakeSession) BLAS() string { return "fake BLAS" }

// fakeOut records what magics write.
type fakeOut struct {
	mu      sync.Mutex
	streams []string // "stdout: text" pieces
	shown   []display.Data
	updated []display.Data
	// input answers %reset's question when non-nil.
	input func(prompt string) (string, error)
}

func (o *fakeOut) Stream(name, text string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.streams = append(o.streams, name+": "+text)
}

func (o *fakeOut) Display(d display.Data) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.shown = append(o.shown, d)
}

func (o *fakeOut) UpdateDisplay(d display.Data) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.updated = append(o.updated, d)
}

func (o *fakeOut) ClearOutput(bool) {}

// text returns everything written to stream name, concatenated.
func (o *fakeOut) text(name string) string {
	o.mu.Lock()
	defer o.mu.Unlock()
	var b strings.Builder
	for _, s := range o.streams {
		if t, ok := strings.CutPrefix(s, name+": "); ok {
			b.WriteString(t)
		}
	}
	return b.String()
}

// inputOut is a fakeOut that can ask for input.
type inputOut struct{ *fakeOut }

func (o inputOut) Input(ctx context.Context, prompt string, password bool) (string, error) {
	return o.input(prompt)
}

// run parses and executes cell with an Executor over s.
func run(ctx context.Context, s *fakeSession, cell string, out Output) (any, error) {
	p, err := Parse(cell)
	if err != nil {
		return nil, err
	}
	e := &Executor{Session: s}
	if s.clock != nil {
		e.Now = s.clock.Now
	}
	return e.Execute(ctx, p, out)
}
