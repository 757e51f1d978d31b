package lastwords

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The test binary is its own witness: with GOHPC_LASTWORDS_WITNESS=1 it
// serves instead of running the tests.
func TestMain(m *testing.M) {
	if os.Getenv("GOHPC_LASTWORDS_WITNESS") == "1" {
		os.Exit(Serve(os.Stderr))
	}
	os.Exit(m.Run())
}

// startWitness starts this test binary as the witness of a fresh pipe
// (standing for the captured fd 2) with a log file; it returns the pipe's
// ends, the witness and the log's path.
func startWitness(t *testing.T) (r, w *os.File, wit *Witness, logPath string) {
	t.Helper()
	t.Setenv("GOHPC_LASTWORDS_WITNESS", "1")
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close(); w.Close() })
	logPath = filepath.Join(t.TempDir(), "log")
	log, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	wit, err = Start(os.Args[0], nil, r, log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { wit.Dismiss(time.Second) })
	return r, w, wit, logPath
}

// abandon stands for the watched process's death: the lifeline closes
// without a dismissal.
func (w *Witness) abandon(t *testing.T) {
	t.Helper()
	w.lifeline.Close()
	select {
	case <-w.exited:
	case <-time.After(10 * time.Second):
		t.Fatal("the witness did not exit after its lifeline broke")
	}
}

func readLog(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestDeath(t *testing.T) {
	cases := []struct {
		name    string
		written string // left unread in the captured pipe at death
		want    []string
	}{
		{"fatal error", "cell output\nfatal error: concurrent map writes\n",
			[]string{"ended without shutting down; the last it wrote to stderr:\n", "cell output\nfatal error: concurrent map writes\n"}},
		{"no newline", "fatal error: runtime: out of memory",
			[]string{"fatal error: runtime: out of memory\n"}},
		{"nothing left", "", []string{"left nothing unread on stderr"}},
		{"stacks cut", "fatal error: concurrent map writes\n\ngoroutine 39 [running]:\nmain.f()\n",
			[]string{"stderr:\nfatal error: concurrent map writes\ngohpc: (then 33 bytes of stack traces, as in the crash report above)\n"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, w, wit, logPath := startWitness(t)
			if _, err := w.WriteString(c.written); err != nil {
				t.Fatal(err)
			}
			// A writer that outlives the process (a cell's child) keeps the
			// pipe open: the witness must not wait for its end.
			wit.abandon(t)
			log := readLog(t, logPath)
			// The dead process is named by its pid, not by the witness's
			// parent at the time it looks (init, once the parent is gone).
			for _, want := range append(c.want, fmt.Sprintf("gohpc: process %d ended without shutting down", os.Getpid())) {
				if !strings.Contains(log, want) {
					t.Errorf("log %q lacks %q", log, want)
				}
			}
		})
	}
}

func TestSplitStacks(t *testing.T) {
	cases := []struct {
		left, words string
		stacks      int
	}{
		{"plain words\n", "plain words\n", 0},
		{"fatal error: x\n\ngoroutine 1 [running]:\nmain.main()\n", "fatal error: x", 35},
		{"fatal error: runtime: out of memory\n\nruntime stack:\nruntime.throw()\n", "fatal error: runtime: out of memory", 31},
		{"\nruntime stack:\nruntime.throw()\n", "", 31},
		// A cell's own text that merely mentions a goroutine is kept.
		{"the goroutine 7 [running] is mine\n", "the goroutine 7 [running] is mine\n", 0},
	}
	for _, c := range cases {
		words, stacks := splitStacks([]byte(c.left))
		if string(words) != c.words || stacks != c.stacks {
			t.Errorf("splitStacks(%q) = %q, %d; want %q, %d", c.left, words, stacks, c.words, c.stacks)
		}
	}
}

func TestDeathKeepsAtMostMaxSaved(t *testing.T) {
	_, w, wit, logPath := startWitness(t)
	// A pipe holds 64 KiB by default; raise its capacity (Linux) so that
	// more than MaxSaved is left unread.
	if err := growPipe(w, 16*MaxSaved); err != nil {
		t.Skipf("cannot grow the pipe: %v", err)
	}
	big := strings.Repeat("x", MaxSaved+1000)
	if _, err := w.WriteString(big); err != nil {
		t.Fatal(err)
	}
	wit.abandon(t)
	if n := strings.Count(readLog(t, logPath), "x"); n != MaxSaved {
		t.Errorf("the log kept %d bytes of the pipe, want MaxSaved = %d", n, MaxSaved)
	}
}

func TestDismissLeavesThePipeAlone(t *testing.T) {
	r, w, wit, logPath := startWitness(t)
	const line = "still for the cell\n"
	if _, err := w.WriteString(line); err != nil {
		t.Fatal(err)
	}
	wit.Dismiss(10 * time.Second)
	select {
	case <-wit.exited:
	default:
		t.Fatal("the witness was still running 10 s after its dismissal")
	}
	if log := readLog(t, logPath); log != "" {
		t.Errorf("a dismissed witness wrote %q", log)
	}
	buf := make([]byte, 100)
	n, err := r.Read(buf)
	if err != nil || string(buf[:n]) != line {
		t.Errorf("after the dismissal the pipe held %q, %v; want %q", buf[:n], err, line)
	}
}

func TestStartNeedsFiles(t *testing.T) {
	if _, err := Start(os.Args[0], nil, nil, os.Stderr); err == nil {
		t.Error("Start without a captured pipe succeeded")
	}
}
