package magic

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// shellWaitDelay bounds how long a finished command's background children may
// keep its output open before the cell moves on.
const shellWaitDelay = time.Second

func (e *Executor) shellPath() string {
	if e.Shell != "" {
		return e.Shell
	}
	return "/bin/sh"
}

func (e *Executor) shell(ctx context.Context, command string, out Output) error {
	return e.shellWith(ctx, e.shellPath(), command, out)
}

// command prepares shell -c script in its own process group, killed with
// its whole group when ctx is done, with no input.
func (e *Executor) command(ctx context.Context, shell, script string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, shell, "-c", script)
	cmd.Dir = e.Dir
	inOwnGroup(cmd)
	cmd.Cancel = func() error { return killGroup(cmd) }
	cmd.WaitDelay = shellWaitDelay
	return cmd
}

// shellWith runs script with shell, streaming its output line by line as it
// comes. A non-zero exit status is reported on stderr, not as an error (as
// IPython does); an interrupt kills the process group and returns ctx.Err().
func (e *Executor) shellWith(ctx context.Context, shell, script string, out Output) error {
	cmd := e.command(ctx, shell, script)
	stdout := &lineWriter{out: out, name: "stdout"}
	stderr := &lineWriter{out: out, name: "stderr"}
	cmd.Stdout, cmd.Stderr = stdout, stderr
	err := cmd.Run()
	stdout.flush()
	stderr.flush()
	return e.shellResult(ctx, cmd, err, out)
}

func (e *Executor) shellResult(ctx context.Context, cmd *exec.Cmd, err error, out Output) error {
	if ctx.Err() != nil {
		killGroup(cmd) // whatever the shell left behind
		return ctx.Err()
	}
	var exit *exec.ExitError
	switch {
	case err == nil, errors.Is(err, exec.ErrWaitDelay):
		return nil
	case errors.As(err, &exit):
		out.Stream("stderr", exit.Error()+"\n")
		return nil
	}
	return fmt.Errorf("magic: running %s: %w", cmd.Path, err)
}

// capture runs a command for %sx and returns its output lines; stderr is
// streamed.
func (e *Executor) capture(ctx context.Context, script string) (any, error) {
	cmd := e.command(ctx, e.shellPath(), script)
	var buf bytes.Buffer
	cmd.Stdout = &buf
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	if ctx.Err() != nil {
		killGroup(cmd)
		return nil, ctx.Err()
	}
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) && !errors.Is(err, exec.ErrWaitDelay) {
		return nil, fmt.Errorf("magic: running %s: %w", cmd.Path, err)
	}
	text := strings.TrimSuffix(buf.String(), "\n")
	if text == "" {
		return []string{}, nil
	}
	return strings.Split(text, "\n"), nil
}

// lineWriter forwards a command's output to a stream, a line at a time (a
// line ends with \n or \r, so progress meters redraw), and in pieces of at
// most lineMax bytes, cut between UTF-8 characters, when a line is longer.
type lineWriter struct {
	mu   sync.Mutex
	out  Output
	name string
	buf  []byte
}

const lineMax = 4096

func (w *lineWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf = append(w.buf, p...)
	if i := bytes.LastIndexAny(w.buf, "\n\r"); i >= 0 {
		w.out.Stream(w.name, string(w.buf[:i+1]))
		w.buf = append(w.buf[:0], w.buf[i+1:]...)
	}
	for len(w.buf) > lineMax {
		cut := lineMax
		for cut > 0 && !utf8.RuneStart(w.buf[cut]) {
			cut--
		}
		if cut == 0 {
			cut = lineMax
		}
		w.out.Stream(w.name, string(w.buf[:cut]))
		w.buf = append(w.buf[:0], w.buf[cut:]...)
	}
	return len(p), nil
}

// flush forwards what is left of an unfinished last line.
func (w *lineWriter) flush() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.buf) > 0 {
		w.out.Stream(w.name, string(w.buf))
		w.buf = w.buf[:0]
	}
}
