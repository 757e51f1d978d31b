//go:build unix

package magic

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestShell(t *testing.T) {
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("no shell")
	}
	for _, tc := range []struct {
		name, cell     string
		stdout, stderr string
	}{
		{"echo", "!echo hello", "hello\n", ""},
		{"stderr", "!echo out; echo err >&2", "out\n", "err\n"},
		{"exit status", "!echo partial; exit 3", "partial\n", "exit status 3\n"},
		{"no final newline", "!printf 'a\\nb'", "a\nb", ""},
		{"sh cell", "%%sh\nfor i in 1 2; do echo $i; done", "1\n2\n", ""},
		{"no input", "!cat", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := &fakeOut{}
			if _, err := run(context.Background(), &fakeSession{}, tc.cell, out); err != nil {
				t.Fatal(err)
			}
			if got := out.text("stdout"); got != tc.stdout {
				t.Errorf("stdout %q, want %q", got, tc.stdout)
			}
			if got := out.text("stderr"); got != tc.stderr {
				t.Errorf("stderr %q, want %q", got, tc.stderr)
			}
		})
	}
}

func TestShellDir(t *testing.T) {
	dir := t.TempDir()
	p, _ := Parse("!pwd")
	out := &fakeOut{}
	if _, err := (&Executor{Session: &fakeSession{}, Dir: dir}).Execute(context.Background(), p, out); err != nil {
		t.Fatal(err)
	}
	got, _ := filepath.EvalSymlinks(strings.TrimSpace(out.text("stdout")))
	want, _ := filepath.EvalSymlinks(dir)
	if got != want || got == "" {
		t.Errorf("pwd %q, want %q", got, want)
	}
}

func TestBash(t *testing.T) {
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("no bash")
	}
	out := &fakeOut{}
	if _, err := run(context.Background(), &fakeSession{}, "%%bash\nxs=(a b c)\necho ${#xs[@]}", out); err != nil {
		t.Fatal(err)
	}
	if got := out.text("stdout"); got != "3\n" {
		t.Errorf("got %q", got)
	}
}

func TestSx(t *testing.T) {
	s := &fakeSession{}
	out := &fakeOut{}
	v, err := run(context.Background(), s, "%sx printf 'a\\nb\\n'; echo oops >&2", out)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(v, []string{"a", "b"}) {
		t.Errorf("value %#v", v)
	}
	if _, err := run(context.Background(), s, "files := %sx true", out); err != nil {
		t.Fatal(err)
	}
	if want := []string{"files := []string"}; !reflect.DeepEqual(s.assigns, want) {
		t.Errorf("assigns %q", s.assigns)
	}
}

// TestShellStreams checks that output arrives while the command runs.
func TestShellStreams(t *testing.T) {
	out := &fakeOut{}
	done := make(chan error, 1)
	go func() {
		_, err := run(context.Background(), &fakeSession{}, "!echo first; sleep 2; echo second", out)
		done <- err
	}()
	deadline := time.Now().Add(1900 * time.Millisecond)
	for out.text("stdout") != "first\n" {
		if time.Now().After(deadline) {
			t.Fatalf("no output while the command runs: %q", out.text("stdout"))
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if got := out.text("stdout"); got != "first\nsecond\n" {
		t.Errorf("got %q", got)
	}
}

// TestShellInterrupt cancels a command that started background children
// and checks that the cell returns at once and that every process is gone.
func TestShellInterrupt(t *testing.T) {
	for _, cell := range []string{
		"!echo $$; sleep 30 & echo $!; wait",
		"%%sh\necho $$\n(sleep 30; echo never) &\necho $!\nsleep 30",
	} {
		t.Run(strings.Fields(cell)[0], func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			out := &fakeOut{}
			done := make(chan error, 1)
			go func() {
				_, err := run(ctx, &fakeSession{}, cell, out)
				done <- err
			}()
			deadline := time.Now().Add(5 * time.Second)
			for strings.Count(out.text("stdout"), "\n") < 2 {
				if time.Now().After(deadline) {
					t.Fatalf("command did not start: %q", out.text("stdout"))
				}
				time.Sleep(10 * time.Millisecond)
			}
			start := time.Now()
			cancel()
			select {
			case err := <-done:
				if !errors.Is(err, context.Canceled) {
					t.Errorf("got %v, want context.Canceled", err)
				}
				if d := time.Since(start); d > interruptBound {
					t.Errorf("returned %v after the interrupt", d)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("the command was not killed")
			}
			for _, f := range strings.Fields(out.text("stdout")) {
				pid, err := strconv.Atoi(f)
				if err != nil {
					t.Fatalf("output %q", out.text("stdout"))
				}
				waitGone(t, pid)
			}
			if strings.Contains(out.text("stdout"), "never") {
				t.Error("a background child kept running")
			}
		})
	}
}

// waitGone waits for process pid to exit (a zombie counts as gone).
func waitGone(t *testing.T, pid int) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for {
		if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
			return
		}
		if b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat"); err == nil {
			if f := strings.Fields(string(b)); len(f) > 2 && f[2] == "Z" {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Errorf("process %d still running after the interrupt", pid)
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestLineWriter(t *testing.T) {
	for _, tc := range []struct {
		name   string
		writes []string
		want   []string
	}{
		{"lines", []string{"a\nb\n"}, []string{"a\nb\n"}},
		{"partial", []string{"ab", "c\nd", "e\n"}, []string{"abc\n", "de\n"}},
		{"carriage return", []string{"10%\r", "20%\r", "done\n"}, []string{"10%\r", "20%\r", "done\n"}},
		{"unfinished", []string{"x"}, []string{"x"}},
		{"long line", []string{strings.Repeat("a", lineMax+10)}, []string{strings.Repeat("a", lineMax), strings.Repeat("a", 10)}},
		{"long utf-8", []string{strings.Repeat("a", lineMax-1) + "é" + "z"}, []string{strings.Repeat("a", lineMax-1), "éz"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := &fakeOut{}
			w := &lineWriter{out: out, name: "stdout"}
			for _, s := range tc.writes {
				if n, err := w.Write([]byte(s)); n != len(s) || err != nil {
					t.Fatalf("Write = %d, %v", n, err)
				}
			}
			w.flush()
			var got []string
			for _, s := range out.streams {
				got = append(got, strings.TrimPrefix(s, "stdout: "))
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}
