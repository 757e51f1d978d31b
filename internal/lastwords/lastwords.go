package lastwords

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"regexp"
	"strconv"
	"syscall"
	"time"
)

// MaxSaved bounds the bytes a witness copies from the captured pipe: a
// pipe's default capacity, the most a blocked writer leaves unread.
const MaxSaved = 64 << 10

// Files the witness process receives: Start passes them as the child's
// ExtraFiles, so they are its file descriptors 3 and 4.
const (
	capturedFD = 3 // read end of the watched process's captured stderr pipe
	lifelineFD = 4 // read end of the lifeline; the watched process holds the write end
)

// watchedEnv names the watched process's pid in the witness's environment:
// by the time the witness reads its parent's pid, a parent killed at once
// may already be gone.
const watchedEnv = "GOHPC_LASTWORDS_PID"

// dismissal is the byte Dismiss writes before closing the lifeline.
const dismissal = 'q'

// Witness is the watched process's side of a running witness.
type Witness struct {
	lifeline *os.File // write end; closing it without the dismissal means death
	exited   chan struct{}
}

// Start launches name with args as the witness of the calling process;
// that command must call Serve. captured is the read end of the pipe that
// is the process's fd 2; log receives the last words (the process's
// original stderr). The witness runs in a process group of its own.
func Start(name string, args []string, captured, log *os.File) (*Witness, error) {
	if captured == nil || log == nil {
		return nil, errors.New("lastwords: no captured pipe or log to watch")
	}
	r, w, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("lastwords: lifeline: %w", err)
	}
	defer r.Close()
	cmd := exec.Command(name, args...)
	cmd.ExtraFiles = []*os.File{captured, r} // fds 3 and 4: see capturedFD, lifelineFD
	cmd.Stderr = log
	cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%d", watchedEnv, os.Getpid()))
	// A group of its own: Jupyter signals (and at last kills) the kernel's
	// process group, and the witness must outlive the kernel to speak.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		w.Close()
		return nil, fmt.Errorf("lastwords: starting the witness: %w", err)
	}
	wit := &Witness{lifeline: w, exited: make(chan struct{})}
	go func() { cmd.Wait(); close(wit.exited) }()
	return wit, nil
}

// Dismiss tells the witness that the process ends cleanly and waits, at
// most timeout, for it to exit. Its captured pipe is left unread.
func (w *Witness) Dismiss(timeout time.Duration) {
	if w == nil {
		return
	}
	w.lifeline.Write([]byte{dismissal})
	w.lifeline.Close()
	select {
	case <-w.exited:
	case <-time.After(timeout):
	}
}

// Serve is the witness: it waits on the lifeline (fd 4) and, if the
// process that started it dies, copies what is left in the captured pipe
// (fd 3) to log. It returns the exit code for the witness process.
func Serve(log io.Writer) int {
	// Signals are for the kernel, and the witness must outlive it (Start
	// also puts it in a process group of its own).
	signal.Ignore(syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	watched, err := strconv.Atoi(os.Getenv(watchedEnv))
	if err != nil {
		watched = os.Getppid()
	}
	if !isPipe(lifelineFD) || !isPipe(capturedFD) {
		fmt.Fprintln(log, "gohpc lastwords: fds 3 and 4 are not the captured pipe and the lifeline; the kernel starts this command")
		return 2
	}
	lifeline := os.NewFile(lifelineFD, "lifeline")
	var b [1]byte
	if n, _ := lifeline.Read(b[:]); n == 1 && b[0] == dismissal {
		return 0
	}
	left, err := drain(capturedFD, MaxSaved)
	report(log, watched, left, err)
	return 0
}

func isPipe(fd int) bool {
	var st syscall.Stat_t
	return syscall.Fstat(fd, &st) == nil && st.Mode&syscall.S_IFMT == syscall.S_IFIFO
}

// report writes the witness's account of the death to log.
func report(log io.Writer, pid int, left []byte, err error) {
	switch {
	case err != nil:
		fmt.Fprintf(log, "gohpc: process %d ended without shutting down; its captured stderr could not be read: %v\n", pid, err)
	case len(left) == 0:
		fmt.Fprintf(log, "gohpc: process %d ended without shutting down and left nothing unread on stderr "+
			"(killed by a signal: a forced restart or shutdown, or the out-of-memory killer)\n", pid)
	default:
		words, stacks := splitStacks(left)
		fmt.Fprintf(log, "gohpc: process %d ended without shutting down; the last it wrote to stderr:\n", pid)
		log.Write(words)
		if len(words) > 0 && words[len(words)-1] != '\n' {
			io.WriteString(log, "\n")
		}
		if stacks > 0 {
			fmt.Fprintf(log, "gohpc: (then %d bytes of stack traces, as in the crash report above)\n", stacks)
		}
	}
}

// tracebackStart matches the first line of a Go crash's stack traces.
var tracebackStart = regexp.MustCompile(`(?m)^(goroutine \d+ .*\[.*\]:|runtime stack:)$`)

// splitStacks cuts what a crashing Go process left on stderr where its
// stack traces begin: the runtime also writes those to the crash output
// (the log), so the witness keeps only the words before them and counts
// the rest.
func splitStacks(left []byte) (words []byte, stacks int) {
	loc := tracebackStart.FindIndex(left)
	if loc == nil {
		return left, 0
	}
	return bytes.TrimRight(left[:loc[0]], "\n"), len(left) - loc[0]
}

// drain reads what fd holds now, at most max bytes, without waiting for
// more: writers that outlive the dead process (a cell's child) may keep the
// pipe open.
func drain(fd, max int) ([]byte, error) {
	if err := syscall.SetNonblock(fd, true); err != nil {
		return nil, err
	}
	var out []byte
	buf := make([]byte, 32<<10)
	for len(out) < max {
		n, err := syscall.Read(fd, buf[:min(len(buf), max-len(out))])
		if n > 0 {
			out = append(out, buf[:n]...)
		}
		switch {
		case err == syscall.EINTR:
			continue
		case err == syscall.EAGAIN || n == 0:
			return out, nil
		case err != nil:
			return out, err
		}
	}
	return out, nil
}
