package interp

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/gohpc/gohpc/kernel"
)

// fakeOutput records what a cell sends to the notebook.
type fakeOutput struct {
	mu       sync.Mutex
	streams  map[string]*strings.Builder
	displays []kernel.DisplayData
	updates  []kernel.DisplayData
	inputs   []string // answers, consumed in order
	prompts  []string
	noStdin  bool
	block    bool // Input waits for ctx
}

func newFakeOutput() *fakeOutput {
	return &fakeOutput{streams: map[string]*strings.Builder{"stdout": {}, "stderr": {}}}
}

func (f *fakeOutput) Stream(name, text string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.streams[name].WriteString(text)
}

func (f *fakeOutput) Display(d kernel.DisplayData) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.displays = append(f.displays, d)
}

func (f *fakeOutput) UpdateDisplay(d kernel.DisplayData) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.updates = append(f.updates, d)
}

func (f *fakeOutput) ClearOutput(bool) {}

func (f *fakeOutput) Input(ctx context.Context, prompt string, password bool) (string, error) {
	if f.block {
		<-ctx.Done()
		return "", ctx.Err()
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.noStdin {
		return "", kernel.ErrStdinNotAllowed
	}
	f.prompts = append(f.prompts, prompt)
	if len(f.inputs) == 0 {
		return "", context.Canceled
	}
	in := f.inputs[0]
	f.inputs = f.inputs[1:]
	return in, nil
}

func (f *fakeOutput) stdout() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.streams["stdout"].String()
}

func (f *fakeOutput) stderr() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.streams["stderr"].String()
}

// cellRun is the outcome of one cell.
type cellRun struct {
	result string // text/plain of the execute_result, "" if none
	has    bool
	out    *fakeOutput
	err    *kernel.CellError
}

func newSession(t testing.TB) *Session {
	t.Helper()
	s, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

var execCount int

func runCell(t testing.TB, s *Session, code string) cellRun {
	t.Helper()
	return runCellCtx(t, context.Background(), s, code, newFakeOutput())
}

func runCellCtx(t testing.TB, ctx context.Context, s *Session, code string, out *fakeOutput) cellRun {
	t.Helper()
	execCount++
	res, err := s.Execute(ctx, kernel.ExecuteRequest{Code: code, ExecutionCount: execCount, StoreHistory: true, AllowStdin: !out.noStdin}, out)
	r := cellRun{out: out}
	if err != nil {
		ce, ok := err.(*kernel.CellError)
		if !ok {
			t.Fatalf("Execute(%q) returned %T %v, want *kernel.CellError", code, err, err)
		}
		r.err = ce
		return r
	}
	if res.Value != nil {
		r.has = true
		r.result, _ = res.Value.Data["text/plain"].(string)
	}
	return r
}

// mustRun runs code and fails on a cell error.
func mustRun(t testing.TB, s *Session, code string) cellRun {
	t.Helper()
	r := runCell(t, s, code)
	if r.err != nil {
		t.Fatalf("cell %q failed: %s: %s\n%s", code, r.err.Name, r.err.Value, strings.Join(r.err.Traceback, "\n"))
	}
	return r
}
