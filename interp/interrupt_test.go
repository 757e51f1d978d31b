package interp

import (
	"context"
	"strings"
	"testing"
	"time"
)

func TestInterrupt(t *testing.T) {
	if raceEnabled {
		t.Skip("yaegi v0.16.1 races on its own frames when goroutines a cell started outlive it or run interpreted closures concurrently (interp/run.go:1922, interp.go:486); make test runs this without -race")
	}
	s := newSession(t)
	mustRun(t, s, "kept := 99")
	codes := []string{
		"for {}",
		"import \"time\"\ntime.Sleep(time.Hour)",
		"ch := make(chan int)\n<-ch",
		"n := 0\nfor { n++ }",
		"select {}",
		"func spin() { for {} }\nspin()",
		"<-time.After(time.Hour)",
		"var line string\nfmt.Scanln(&line)",
		"go func() { for {} }()\nfor {}",
	}
	if !raceEnabled {
		// Returns, but leaves the goroutine blocked in native code.
		codes = append(codes, "var wg sync.WaitGroup\nwg.Add(1)\nwg.Wait()")
	}
	for _, code := range codes {
		ctx, cancel := context.WithCancel(context.Background())
		var elapsed time.Duration
		time.AfterFunc(100*time.Millisecond, func() { cancel() })
		t0 := time.Now()
		out := newFakeOutput()
		out.block = true
		r := runCellCtx(t, ctx, s, code, out)
		elapsed = time.Since(t0) - 100*time.Millisecond
		if r.err == nil || !strings.Contains(r.err.Name+r.err.Value, "nterrupt") {
			t.Errorf("%q: %+v", code, r.err)
		}
		if elapsed > 150*time.Millisecond {
			t.Errorf("%q: interrupt took %v", code, elapsed)
		}
		if r := mustRun(t, s, "kept"); r.result != "99" {
			t.Errorf("after %q: kept = %q", code, r.result)
		}
	}
}

func TestStreaming(t *testing.T) {
	s := newSession(t)
	out := newFakeOutput()
	done := make(chan cellRun)
	go func() {
		done <- runCellCtx(t, context.Background(), s, "import \"time\"\nfmt.Println(\"first\")\ntime.Sleep(300 * time.Millisecond)\nfmt.Println(\"second\")", out)
	}()
	time.Sleep(150 * time.Millisecond)
	if got := out.stdout(); got != "first\n" {
		t.Errorf("while running: stdout %q", got)
	}
	r := <-done
	if r.err != nil || out.stdout() != "first\nsecond\n" {
		t.Errorf("after: %+v %q", r.err, out.stdout())
	}
	r = mustRun(t, s, "import \"os\"\nfmt.Fprintln(os.Stderr, \"to stderr\")\nos.Stdout.WriteString(\"ws\\n\")")
	if r.out.stderr() != "to stderr\n" || r.out.stdout() != "ws\n" {
		t.Errorf("stderr %q stdout %q", r.out.stderr(), r.out.stdout())
	}
}

func TestStdin(t *testing.T) {
	s := newSession(t)
	out := newFakeOutput()
	out.inputs = []string{"gopher"}
	r := runCellCtx(t, context.Background(), s, "var name string\nfmt.Print(\"name? \")\nfmt.Scanln(&name)\nfmt.Println(\"hello\", name)", out)
	if r.err != nil || !strings.Contains(out.stdout(), "hello gopher") || len(out.prompts) != 1 {
		t.Errorf("Scanln: %+v %q %q", r.err, out.stdout(), out.prompts)
	}
	out = newFakeOutput()
	out.inputs = []string{"line one"}
	r = runCellCtx(t, context.Background(), s, "import (\"bufio\"; \"os\")\nsc := bufio.NewScanner(os.Stdin)\nsc.Scan()\nfmt.Println(\"got\", sc.Text())", out)
	if r.err != nil || !strings.Contains(out.stdout(), "got line one") {
		t.Errorf("Scanner: %+v %q", r.err, out.stdout())
	}
	out = newFakeOutput()
	out.noStdin = true
	r = runCellCtx(t, context.Background(), s, "var s string\nfmt.Scanln(&s)", out)
	if r.err == nil || !strings.Contains(strings.ToLower(r.err.Name+r.err.Value), "stdin") {
		t.Errorf("no stdin: %+v", r.err)
	}
}
