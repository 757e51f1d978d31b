package interp

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gohpc/gohpc/kernel"
)

func TestMagics(t *testing.T) {
	s := newSession(t)
	r := mustRun(t, s, "%time x := 21 * 2\nx")
	if r.result != "42" || !strings.Contains(r.out.stdout(), "Wall time") {
		t.Errorf("%%time: %q %q", r.result, r.out.stdout())
	}
	r = mustRun(t, s, "%timeit -n 10 -r 2 x * 2")
	if !strings.Contains(r.out.stdout(), "per loop") {
		t.Errorf("%%timeit: %q", r.out.stdout())
	}
	r = mustRun(t, s, "res := %timeit -o -q -n 5 -r 2 math.Sqrt(2)\nres.Loops")
	if r.result != "5" {
		t.Errorf("%%timeit -o: %q", r.result)
	}
	r = mustRun(t, s, "%who")
	if !strings.Contains(r.out.stdout(), "x") || !strings.Contains(r.out.stdout(), "res") {
		t.Errorf("%%who: %q", r.out.stdout())
	}
	r = runCell(t, s, "%timeit -n 1 -r 1 panic(\"in timeit\")")
	if r.err == nil || !strings.Contains(r.err.Value, "in timeit") {
		t.Errorf("%%timeit panic: %+v", r.err)
	}
	r = runCell(t, s, "%nosuchmagic")
	if r.err == nil || r.err.Name != "UsageError" {
		t.Errorf("unknown magic: %+v", r.err)
	}
	r = runCell(t, s, "y := 1\n%time y +* 2")
	if r.err == nil || r.err.Name != "CompileError" || !strings.HasPrefix(r.err.Value, "2:") {
		t.Errorf("compile error in a magic's line: %+v", r.err)
	}
	mustRun(t, s, "%reset -f")
	if r := runCell(t, s, "x"); r.err == nil {
		t.Errorf("x survived %%reset")
	}
	if r := mustRun(t, s, "fmt.Sprint(3)"); r.result != "3" {
		t.Errorf("after reset: %q", r.result)
	}
}

func TestTimeitInterrupt(t *testing.T) {
	s := newSession(t)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(200*time.Millisecond, cancel)
	t0 := time.Now()
	r := runCellCtx(t, ctx, s, "%timeit for i := 0; i < 1000; i++ {}", newFakeOutput())
	if r.err == nil || r.err.Name != "Interrupted" || time.Since(t0) > 500*time.Millisecond {
		t.Errorf("%+v after %v", r.err, time.Since(t0))
	}
	mustRun(t, s, "1")
}

func TestUserExpressions(t *testing.T) {
	s := newSession(t)
	out := newFakeOutput()
	res, err := s.Execute(context.Background(), kernel.ExecuteRequest{Code: "z := 5",
		UserExpressions: map[string]string{"double": "z * 2", "bad": "nope"}}, out)
	if err != nil {
		t.Fatal(err)
	}
	d := res.UserExpressions["double"].(map[string]any)
	if d["status"] != "ok" || d["data"].(map[string]any)["text/plain"] != "10" {
		t.Errorf("double: %v", d)
	}
	if b := res.UserExpressions["bad"].(map[string]any); b["status"] != "error" {
		t.Errorf("bad: %v", b)
	}
}

func TestCaptureFDs(t *testing.T) {
	s, err := New(Options{CaptureFDs: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	out := newFakeOutput()
	r := runCellCtx(t, context.Background(), s, "import \"syscall\"\nsyscall.Write(1, []byte(\"raw fd write\\n\"))\nsyscall.Write(2, []byte(\"raw err\\n\"))", out)
	if r.err != nil {
		t.Fatal(r.err)
	}
	deadline := time.Now().Add(2 * time.Second)
	for time.Now().Before(deadline) && (!strings.Contains(out.stdout(), "raw fd write") || !strings.Contains(out.stderr(), "raw err")) {
		time.Sleep(10 * time.Millisecond)
	}
	if !strings.Contains(out.stdout(), "raw fd write") || !strings.Contains(out.stderr(), "raw err") {
		t.Errorf("stdout %q stderr %q", out.stdout(), out.stderr())
	}
	if s.OriginalStderr() == os.Stderr {
		t.Errorf("OriginalStderr is the captured stderr")
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	// fd 1 is back: writing to it must not reach the cell.
	syscall.Write(1, []byte(""))
}

// A chunk of fd 2 with the runtime's "fatal error: " line goes to the
// original stderr as well: the process may die before the cell gets it.
func TestCaptureFDsKeepsFatalErrorLine(t *testing.T) {
	logFile, err := os.Create(filepath.Join(t.TempDir(), "log"))
	if err != nil {
		t.Fatal(err)
	}
	defer logFile.Close()
	saved, err := syscall.Dup(2)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { dup2(saved, 2); syscall.Close(saved) }()
	if err := dup2(int(logFile.Fd()), 2); err != nil {
		t.Fatal(err)
	}
	s, err := New(Options{CaptureFDs: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	out := newFakeOutput()
	for _, code := range []string{
		"import \"syscall\"\nsyscall.Write(2, []byte(\"ordinary\\n\"))",
		"syscall.Write(2, []byte(\"fatal error: pretend\\n\"))",
	} {
		if r := runCellCtx(t, context.Background(), s, code, out); r.err != nil {
			t.Fatal(r.err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	logged, _ := os.ReadFile(logFile.Name())
	if !strings.Contains(string(logged), "fatal error: pretend\n") {
		t.Errorf("the log got %q, not the fatal error line", logged)
	}
	if strings.Contains(string(logged), "ordinary") {
		t.Errorf("ordinary stderr reached the log: %q", logged)
	}
	if got := out.stderr(); got != "ordinary\nfatal error: pretend\n" {
		t.Errorf("the cells' stderr is %q", got)
	}
}

func TestDir(t *testing.T) {
	wd, _ := os.Getwd()
	defer os.Chdir(wd)
	dir := t.TempDir()
	os.WriteFile(dir+"/data.txt", []byte("from the notebook's directory"), 0o644)
	s, err := New(Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if r := mustRun(t, s, "b, _ := os.ReadFile(\"data.txt\")\nstring(b)"); r.result != "from the notebook's directory" {
		t.Errorf("relative read: %q", r.result)
	}
	if _, err := New(Options{Dir: dir + "/missing"}); err == nil {
		t.Errorf("no error for a missing directory")
	}
}
