package interp

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unicode/utf8"

	"golang.org/x/sys/unix"

	"github.com/gohpc/gohpc/display"
	"github.com/gohpc/gohpc/kernel"
)

// cellOutput adapts kernel.Output to magic.Output and display.Sink.
type cellOutput struct{ out kernel.Output }

func (o cellOutput) Stream(name, text string) { o.out.Stream(name, text) }
func (o cellOutput) Display(d display.Data)   { o.out.Display(toKernel(d)) }
func (o cellOutput) UpdateDisplay(d display.Data) {
	o.out.UpdateDisplay(toKernel(d))
}
func (o cellOutput) ClearOutput(wait bool) { o.out.ClearOutput(wait) }
func (o cellOutput) Input(ctx context.Context, prompt string, password bool) (string, error) {
	return o.out.Input(ctx, prompt, password)
}

func toKernel(d display.Data) kernel.DisplayData {
	return kernel.DisplayData{Data: map[string]any(d.Bundle), Metadata: map[string]any(d.Metadata), DisplayID: d.DisplayID}
}

// discardOutput is the output before the first cell.
type discardOutput struct{ w io.Writer }

func (d discardOutput) Stream(name, text string)       { io.WriteString(d.w, text) }
func (discardOutput) Display(kernel.DisplayData)       {}
func (discardOutput) UpdateDisplay(kernel.DisplayData) {}
func (discardOutput) ClearOutput(bool)                 {}
func (discardOutput) Input(context.Context, string, bool) (string, error) {
	return "", kernel.ErrStdinNotAllowed
}

// Stream is the type of os.Stdout and os.Stderr in cells: it writes to the
// running cell's stream (a goroutine printing after its cell ended writes to
// the cell running then, or to the last one). It has the writing methods of
// *os.File.
type Stream struct {
	s    *Session
	name string
	fd   uintptr
	mu   sync.Mutex
	part []byte // an incomplete UTF-8 sequence held back
}

// Write sends p to the running cell's stream.
func (w *Stream) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	buf := p
	if len(w.part) > 0 {
		buf = append(w.part, p...)
		w.part = nil
	}
	// Hold back a trailing incomplete rune so messages stay valid UTF-8.
	cut := len(buf)
	for i := len(buf) - 1; i >= 0 && i >= len(buf)-utf8.UTFMax; i-- {
		if utf8.RuneStart(buf[i]) {
			if !utf8.FullRune(buf[i:]) {
				cut = i
			}
			break
		}
	}
	if cut < len(buf) {
		w.part = append([]byte(nil), buf[cut:]...)
	}
	if cut > 0 {
		w.s.output().Stream(w.name, string(buf[:cut]))
	}
	return len(p), nil
}

// WriteString writes s.
func (w *Stream) WriteString(s string) (int, error) { return w.Write([]byte(s)) }

// Sync does nothing: writes are sent as they come.
func (w *Stream) Sync() error { return nil }

// Close does nothing: a cell cannot close the notebook's streams.
func (w *Stream) Close() error { return nil }

// Name returns "/dev/stdout" or "/dev/stderr".
func (w *Stream) Name() string { return "/dev/" + w.name }

// Fd returns the file descriptor the name stands for (1 or 2).
func (w *Stream) Fd() uintptr { return w.fd }

// ErrStdin is returned by reads of os.Stdin when the front-end does not
// accept input.
var ErrStdin = errors.New("stdin: this front-end does not accept input (allow_stdin is false), so os.Stdin cannot be read")

// Input is the type of os.Stdin in cells: reading it asks the front-end for
// a line (input_request) whenever the buffer is empty.
type Input struct {
	s   *Session
	mu  sync.Mutex
	buf bytes.Buffer
}

// Read reads what the user typed, asking for a new line when none is left.
func (r *Input) Read(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.buf.Len() == 0 {
		c := r.s.cell()
		ctx := context.Background()
		if c != nil {
			ctx = c.ctx
		}
		line, err := r.s.output().Input(ctx, "", false)
		if err != nil {
			if errors.Is(err, kernel.ErrStdinNotAllowed) {
				if c != nil {
					c.setStdinErr(ErrStdin)
				}
				return 0, ErrStdin
			}
			if ctx.Err() != nil {
				return 0, fmt.Errorf("stdin: %w", ctx.Err())
			}
			return 0, fmt.Errorf("stdin: %w", err)
		}
		r.buf.WriteString(line)
		r.buf.WriteByte('\n')
	}
	return r.buf.Read(p)
}

// Close does nothing.
func (r *Input) Close() error { return nil }

// Name returns "/dev/stdin".
func (r *Input) Name() string { return "/dev/stdin" }

// Fd returns 0.
func (r *Input) Fd() uintptr { return 0 }

// panicLine matches the lines yaegi writes to its stderr for each
// interpreted frame a panic unwinds: "In[3]:2:5: panic: main.f(...)".
var panicLine = regexp.MustCompile(`^(.*?):(\d+):(\d+): panic: (.*)\(\.\.\.\)\n?$`)

// formatFrame describes an interpreted frame of a traceback. yaegi gives
// the position of the statement for the cell's own frame, but only that of
// the function's body for functions.
func formatFrame(line, col, fn string) string {
	fn = strings.TrimPrefix(fn, "main.")
	switch {
	case fn == "main":
		return fmt.Sprintf("in the cell, line %s:%s", line, col)
	case strings.HasPrefix(fn, "main") || strings.HasPrefix(fn, "func"):
		fn = "a function literal"
	case strings.HasSuffix(fn, ".func"):
		fn = "a function literal in " + strings.TrimSuffix(fn, ".func")
	}
	return fmt.Sprintf("in %s, defined at line %s", fn, line)
}

// maxTrace bounds the frames kept for a traceback.
const maxTrace = 12

// yaegiStderr receives what yaegi itself writes (panic frames, log output):
// panic frames go to the traceback of the cell, the rest to its stderr.
type yaegiStderr struct{ s *Session }

func (w yaegiStderr) Write(p []byte) (int, error) {
	if m := panicLine.FindSubmatch(p); m != nil {
		w.s.addTrace(formatFrame(string(m[2]), string(m[3]), string(m[4])))
		return len(p), nil
	}
	return w.s.stderr.Write(p)
}

// fdCapture redirects file descriptors 1 and 2 into pipes and forwards what
// native code writes there to the running cell.
type fdCapture struct {
	saved   [3]int // dups of the original fds 1 and 2 (index 1, 2)
	origErr *os.File
	wg      sync.WaitGroup
	readers []*os.File
	busy    atomic.Int32 // forwarders holding bytes they read but have not passed on

	inFatalLine bool // keepFatal has copied the start of the fatal error line, not its end
}

// settle waits, at most limit, until the bytes written to fds 1 and 2 so
// far have reached the session's streams: the pipes are empty and no
// forwarder holds bytes. The end of a cell calls it so that a native write
// just before the cell returned still belongs to the cell.
func (c *fdCapture) settle(limit time.Duration) {
	deadline := time.Now().Add(limit)
	quiet := 0
	for quiet < 2 && time.Now().Before(deadline) {
		if c.busy.Load() == 0 && c.pipesEmpty() {
			quiet++
			runtime.Gosched()
			continue
		}
		quiet = 0
		time.Sleep(20 * time.Microsecond)
	}
}

// pipesEmpty reports whether the capture pipes hold no unread bytes.
func (c *fdCapture) pipesEmpty() bool {
	for _, r := range c.readers {
		if n, err := unix.IoctlGetInt(int(r.Fd()), fionread); err != nil || n > 0 {
			return err != nil // cannot tell: do not wait
		}
	}
	return true
}

func captureFDs(s *Session) (*fdCapture, error) {
	c := &fdCapture{}
	for _, fd := range []int{1, 2} {
		saved, err := syscall.Dup(fd)
		if err != nil {
			c.restore()
			return nil, fmt.Errorf("interp: dup fd %d: %w", fd, err)
		}
		syscall.CloseOnExec(saved)
		c.saved[fd] = saved
		r, w, err := os.Pipe()
		if err != nil {
			c.restore()
			return nil, fmt.Errorf("interp: pipe for fd %d: %w", fd, err)
		}
		if err := dup2(int(w.Fd()), fd); err != nil {
			r.Close()
			w.Close()
			c.restore()
			return nil, fmt.Errorf("interp: dup2 onto fd %d: %w", fd, err)
		}
		w.Close()
		c.readers = append(c.readers, r)
		name, pr := "stdout", pipeReader(consumingReader{r})
		if fd == 2 {
			name = "stderr"
			if pr, err = newPeekingReader(r); err != nil {
				c.restore()
				return nil, err
			}
		}
		c.wg.Add(1)
		go c.forward(s, pr, name)
	}
	c.origErr = os.NewFile(uintptr(c.saved[2]), "/dev/stderr")
	return c, nil
}

// pipeReader reads a capture pipe: peek copies unread bytes into buf and
// consume drops them once they have been passed on. Where peek leaves the
// bytes in the pipe (Linux, for fd 2), a process that dies in between leaves
// them to its witness.
type pipeReader interface {
	peek(buf []byte) (int, error)
	consume(n int) error
	release() // frees what the reader added; the pipe is fdCapture's
}

// consumingReader is a pipeReader whose peek takes the bytes out at once.
type consumingReader struct{ *os.File }

func (consumingReader) release() {}

func (r consumingReader) peek(buf []byte) (int, error) { return r.Read(buf) }
func (consumingReader) consume(int) error              { return nil }

func (c *fdCapture) forward(s *Session, r pipeReader, name string) {
	defer c.wg.Done()
	defer r.release()
	buf := make([]byte, 32<<10)
	for {
		n, err := r.peek(buf)
		if n > 0 {
			c.busy.Add(1)
			if name == "stdout" {
				s.stdout.Write(buf[:n])
			} else {
				c.keepFatal(buf[:n])
				s.stderr.Write(buf[:n])
			}
			if cerr := r.consume(n); err == nil {
				err = cerr
			}
			c.busy.Add(-1)
		}
		if err != nil {
			return
		}
	}
}

// fatalMarker begins the Go runtime's report of an error it cannot recover
// from ("fatal error: concurrent map writes").
var fatalMarker = []byte("fatal error: ")

// keepFatal copies a chunk read from fd 2 that holds the runtime's fatal
// error line to the original stderr (the kernel's log) at once: the process
// is about to die and will not live to publish the chunk to the cell. The
// runtime writes the line in pieces ("fatal error: ", the reason, "\n"), so
// the chunks after the marker are copied too, up to the end of the line.
// The bytes the forwarder has not read yet are internal/lastwords's to save.
// Only the stderr forwarder calls it.
func (c *fdCapture) keepFatal(chunk []byte) {
	rest := chunk
	if i := bytes.Index(chunk, fatalMarker); i >= 0 {
		c.inFatalLine = true
		rest = chunk[i+len(fatalMarker):]
	}
	if !c.inFatalLine {
		return
	}
	c.origErr.Write(chunk)
	if bytes.IndexByte(rest, '\n') >= 0 {
		c.inFatalLine = false
	}
}

// restore puts the original fds 1 and 2 back and ends the forwarding.
func (c *fdCapture) restore() {
	for _, fd := range []int{1, 2} {
		if c.saved[fd] > 0 {
			dup2(c.saved[fd], fd)
		}
	}
	// The pipes' write ends are now closed everywhere but in children that
	// inherited them; do not wait for those forever.
	done := make(chan struct{})
	go func() { c.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(200 * time.Millisecond):
		for _, r := range c.readers {
			r.Close()
		}
	}
}
