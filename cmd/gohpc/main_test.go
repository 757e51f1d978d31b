package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestMain lets tests run this binary as the gohpc command: with
// GOHPC_TEST_MAIN=1 the test binary is gohpc.
func TestMain(m *testing.M) {
	if os.Getenv("GOHPC_TEST_MAIN") == "1" {
		main()
		return
	}
	os.Exit(m.Run())
}

// runGohpc runs the command in a child process and returns its exit code and
// combined output.
func runGohpc(t *testing.T, dir string, args ...string) (int, string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), "GOHPC_TEST_MAIN=1")
	cmd.Dir = dir
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode(), out.String()
	}
	if err != nil {
		t.Fatal(err)
	}
	return 0, out.String()
}

func TestDispatch(t *testing.T) {
	tests := []struct {
		args     []string
		code     int
		contains string
	}{
		{nil, 2, "Usage: gohpc COMMAND"},
		{[]string{"help"}, 0, "kernel"},
		{[]string{"help", "run"}, 0, "Usage: gohpc run NOTEBOOK.ipynb"},
		{[]string{"help", "nope"}, 2, `unknown command "nope"`},
		{[]string{"nope"}, 2, `unknown command "nope"`},
		{[]string{"kernel"}, 2, "Usage: gohpc kernel -f CONNECTION_FILE"},
		{[]string{"kernel", "-h"}, 0, "-f FILE"},
		{[]string{"run"}, 2, "Usage: gohpc run"},
		{[]string{"run", "--param", "1x=2", "a.ipynb"}, 2, "NAME a Go identifier"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := dispatch(tt.args, &stdout, &stderr)
			if code != tt.code {
				t.Errorf("exit code %d, want %d", code, tt.code)
			}
			if got := stdout.String() + stderr.String(); !strings.Contains(got, tt.contains) {
				t.Errorf("output %q does not contain %q", got, tt.contains)
			}
		})
	}
}

func TestKernelBadConnectionFile(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`{"transport": "tcp", "ip": `), 0o600)
	for _, tt := range []struct{ file, want string }{
		{filepath.Join(dir, "missing.json"), "no such file"},
		{bad, "bad.json"},
	} {
		code, out := runGohpc(t, dir, "kernel", "-f", tt.file)
		if code != 1 || !strings.Contains(out, tt.want) {
			t.Errorf("kernel -f %s: exit %d, output %q; want exit 1 mentioning %q", tt.file, code, out, tt.want)
		}
	}
}

// gohpc lastwords is the kernel's to start, with the captured pipe and the
// lifeline as fds 3 and 4; run by hand it must say so, not wait forever.
func TestLastwordsByHand(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"lastwords"}, "the kernel starts this command"},
		{[]string{"lastwords", "extra"}, "Usage: gohpc lastwords"},
	} {
		code, out := runGohpc(t, t.TempDir(), tt.args...)
		if code != 2 || !strings.Contains(out, tt.want) {
			t.Errorf("%v: exit %d, output %q; want exit 2 mentioning %q", tt.args, code, out, tt.want)
		}
	}
}

func TestKernelPortInUse(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	busy := l.Addr().(*net.TCPAddr).Port
	free := func() int {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		return l.Addr().(*net.TCPAddr).Port
	}
	conn := map[string]any{
		"transport": "tcp", "ip": "127.0.0.1", "signature_scheme": "hmac-sha256", "key": "k",
		"shell_port": busy, "iopub_port": free(), "stdin_port": free(), "control_port": free(), "hb_port": free(),
	}
	data, _ := json.Marshal(conn)
	dir := t.TempDir()
	file := filepath.Join(dir, "conn.json")
	os.WriteFile(file, data, 0o600)
	start := time.Now()
	code, out := runGohpc(t, dir, "kernel", "-f", file)
	if code != 1 || !strings.Contains(out, "cannot start the kernel") {
		t.Errorf("exit %d, output %q; want exit 1 and a log line", code, out)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("took %v to fail", d)
	}
}

// notebook writes a notebook of the given code cells and returns its path.
func notebook(t *testing.T, dir string, cells ...string) string {
	t.Helper()
	var cs []map[string]any
	for i, c := range cells {
		cs = append(cs, map[string]any{"cell_type": "code", "execution_count": nil, "id": string(rune('a' + i)),
			"metadata": map[string]any{}, "outputs": []any{}, "source": c})
	}
	data, _ := json.Marshal(map[string]any{"cells": cs, "metadata": map[string]any{}, "nbformat": 4, "nbformat_minor": 5})
	path := filepath.Join(dir, "nb.ipynb")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestRun(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "data.txt"), []byte("from the notebook's directory"), 0o644)
	nb := notebook(t, dir,
		"x := 6 * 7\nfmt.Println(\"hello\")",
		"b, _ := os.ReadFile(\"data.txt\")\nstring(b)",
		"x + n",
	)
	out := filepath.Join(dir, "out.ipynb")
	// Run from another directory: cells see the notebook's.
	code, log := runGohpc(t, t.TempDir(), "run", nb, "-o", out, "--param", "n=8", "--timeout", "60")
	if code != 0 {
		t.Fatalf("exit %d:\n%s", code, log)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"hello\n"`, `"from the notebook's directory"`, `"50"`, `"injected-parameters"`} {
		if !strings.Contains(string(data), want) {
			t.Errorf("output notebook lacks %s:\n%s", want, data)
		}
	}
}

func TestRunFailure(t *testing.T) {
	dir := t.TempDir()
	nb := notebook(t, dir, "x := 1", "panic(\"stop here\")", "x")
	code, log := runGohpc(t, dir, "run", nb, "-o", nb)
	if code != 1 || !strings.Contains(log, "stop here") || !strings.Contains(log, "1 of 2 cells failed") {
		t.Errorf("exit %d, log:\n%s\nwant exit 1 naming the panic", code, log)
	}
	if strings.Contains(log, "\x1b[") {
		t.Errorf("log to a file has colour sequences:\n%q", log)
	}
	code, log = runGohpc(t, dir, "run", "--allow-errors", "-q", nb)
	if code != 1 || strings.Contains(log, " ok in ") {
		t.Errorf("-q --allow-errors: exit %d, log:\n%s", code, log)
	}
	code, log = runGohpc(t, dir, "run", filepath.Join(dir, "missing.ipynb"))
	if code != 1 || !strings.Contains(log, "missing.ipynb") {
		t.Errorf("missing notebook: exit %d, log %q", code, log)
	}
}

func TestRunTimeout(t *testing.T) {
	dir := t.TempDir()
	nb := notebook(t, dir, "for {}")
	start := time.Now()
	code, log := runGohpc(t, dir, "run", nb, "--timeout", "0.5")
	if code != 1 || !strings.Contains(log, "timed out") {
		t.Errorf("exit %d, log:\n%s\nwant a timeout failure", code, log)
	}
	if d := time.Since(start); d > 20*time.Second {
		t.Errorf("took %v", d)
	}
}

func TestWatchParent(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	called := make(chan struct{})
	// A parent pid that is not ours: as if the launcher had died.
	go watchParent(ctx, os.Getppid()+100000, 10*time.Millisecond, func() { close(called) })
	select {
	case <-called:
	case <-time.After(5 * time.Second):
		t.Fatal("gone was not called for a changed parent")
	}
	// Our real parent: never called, and returns when ctx is done.
	ctx2, cancel2 := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		watchParent(ctx2, os.Getppid(), 5*time.Millisecond, func() { t.Error("gone called while the parent lives") })
		close(done)
	}()
	time.Sleep(50 * time.Millisecond)
	cancel2()
	<-done
}

// TestRunRecordsModules: a %go get in a notebook is recorded in its
// metadata, and a later run restores it before the first cell. It needs the
// Go toolchain, a C compiler and the module proxy.
func TestRunRecordsModules(t *testing.T) {
	if testing.Short() {
		t.Skip("fetches a module and builds a plugin")
	}
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command")
	}
	dir := t.TempDir()
	use := "import \"github.com/google/uuid\"\nuuid.NewSHA1(uuid.NameSpaceDNS, []byte(\"gohpc\")).String()"
	nb := notebook(t, dir, "%go get github.com/google/uuid@v1.6.0", use)
	out := filepath.Join(dir, "out.ipynb")
	if code, log := runGohpc(t, dir, "run", nb, "-o", out, "--timeout", "300"); code != 0 {
		t.Skipf("%%go get unavailable here (exit %d):\n%s", code, log)
	}
	data, _ := os.ReadFile(out)
	if !strings.Contains(string(data), `"github.com/google/uuid@v1.6.0"`) {
		t.Fatalf("metadata does not record the module:\n%s", data)
	}
	// Without the %go get cell: the metadata alone brings the module back.
	var doc map[string]any
	json.Unmarshal(data, &doc)
	cells := doc["cells"].([]any)
	doc["cells"] = cells[1:]
	data, _ = json.Marshal(doc)
	os.WriteFile(nb, data, 0o644)
	code, log := runGohpc(t, dir, "run", nb, "-o", out, "--timeout", "300")
	if code != 0 || !strings.Contains(log, "restoring module github.com/google/uuid@v1.6.0") {
		t.Fatalf("exit %d:\n%s", code, log)
	}
}
