package interp

import (
	"context"
	"errors"
	"fmt"
	"go/scanner"
	"regexp"
	"runtime"
	"strconv"
	"strings"

	yaegi "github.com/traefik/yaegi/interp"

	"github.com/gohpc/gohpc/hpc"
	"github.com/gohpc/gohpc/interp/magic"
	"github.com/gohpc/gohpc/kernel"
)

// ANSI colours of tracebacks, as IPython's.
const (
	red   = "\x1b[0;31m"
	green = "\x1b[0;32m"
	reset = "\x1b[0m"
)

// posPrefix matches a position at the start of a message: "In[3]:2:5: ".
var posPrefix = regexp.MustCompile(`^((?:In\[\d+\]|cell|_\.go)):(\d+):(\d+): `)

// cellError turns what went wrong in a cell into the error reply.
func (s *Session) cellError(err error, code string) *kernel.CellError {
	var ce *kernel.CellError
	if errors.As(err, &ce) {
		return ce
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, hpc.ErrInterrupted) {
		return &kernel.CellError{Name: "Interrupted", Value: errInterrupted.Error(),
			Traceback: []string{red + "Interrupted" + reset + ": " + errInterrupted.Error()}}
	}
	if errors.Is(err, ErrStdin) {
		return &kernel.CellError{Name: "StdinNotAllowed", Value: ErrStdin.Error(),
			Traceback: []string{red + "StdinNotAllowed" + reset + ": " + ErrStdin.Error()}}
	}
	var ue *magic.UsageError
	if errors.As(err, &ue) {
		return &kernel.CellError{Name: "UsageError", Value: ue.Error(), Traceback: []string{red + "UsageError" + reset + ": " + ue.Error()}}
	}
	var cpe *compileError
	if errors.As(err, &cpe) {
		return s.compileCellError(cpe, code)
	}
	var p yaegi.Panic
	if errors.As(err, &p) {
		return s.panicError(p.Value)
	}
	var yp *yaegiPanic
	if errors.As(err, &yp) {
		fmt.Fprintf(s.log, "interp: panic escaped yaegi: %v\n%s", yp.value, yp.stack)
		if isUserPanic(yp.value) {
			return s.panicError(yp.value)
		}
		msg := "the interpreter failed on this cell: " + undoRenames(panicText(yp.value))
		return &kernel.CellError{Name: "InterpreterError", Value: msg, Traceback: []string{red + "InterpreterError" + reset + ": " + msg}}
	}
	msg := undoRenames(err.Error())
	return &kernel.CellError{Name: "Error", Value: msg, Traceback: []string{red + "Error" + reset + ": " + msg}}
}

func isUserPanic(v any) bool {
	switch v.(type) {
	case StackOverflow, ExitError, AllocError, runtime.Error:
		return true
	}
	return false
}

// compileCellError reports a syntax or type error at its cell position, with
// the line and a caret.
func (s *Session) compileCellError(e *compileError, code string) *kernel.CellError {
	msg := e.err.Error()
	var se *scanner.Error
	if errors.As(e.err, &se) {
		msg = fmt.Sprintf("%d:%d: %s", se.Pos.Line, se.Pos.Column, se.Msg)
	}
	// yaegi's errors may carry "In[3]:" or nest positions; keep the first.
	msg = strings.TrimSpace(undoRenames(msg))
	line, col := 0, 0
	if m := posPrefix.FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[2])
		col, _ = strconv.Atoi(m[3])
		msg = fmt.Sprintf("%d:%d: %s", line, col, msg[len(m[0]):])
	} else if m := regexp.MustCompile(`^(\d+):(\d+): `).FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
		col, _ = strconv.Atoi(m[2])
	}
	if e.internal {
		msg = "yaegi cannot compile this cell: " + msg
	}
	msg = strings.ReplaceAll(msg, "__gohpc_min", "min")
	msg = strings.ReplaceAll(msg, "__gohpc_max", "max")
	tb := []string{red + "CompileError" + reset + ": " + msg}
	lines := strings.Split(code, "\n")
	if line >= 1 && line <= len(lines) {
		src := strings.ReplaceAll(lines[line-1], "\t", "    ")
		tb = append(tb, fmt.Sprintf("%s%4d%s %s", green, line, reset, src))
		if col >= 1 {
			pre := lines[line-1]
			if col-1 <= len(pre) {
				pre = pre[:col-1]
			}
			pad := len(strings.ReplaceAll(pre, "\t", "    "))
			tb = append(tb, strings.Repeat(" ", 5+pad)+red+"^"+reset)
		}
	}
	return &kernel.CellError{Name: "CompileError", Value: msg, Traceback: tb}
}

// panicError reports a panic of the cell with the interpreted frames it
// unwound.
func (s *Session) panicError(v any) *kernel.CellError {
	name, msg := "panic", undoRenames(panicText(v))
	if strings.Contains(msg, "on zero Value") || strings.Contains(msg, "of nil pointer") {
		// yaegi dereferences nil pointers through reflect.
		msg = "runtime error: invalid memory address or nil pointer dereference (" + msg + ")"
	}
	switch v := v.(type) {
	case StackOverflow:
		name = "StackOverflow"
	case ExitError:
		name = "Exit"
	case AllocError:
		name = "OutOfMemory"
	case error:
		if errors.Is(v, hpc.ErrInterrupted) {
			name = "Interrupted"
		}
	}
	tb := []string{red + name + reset + ": " + msg}
	frames := s.takeTrace()
	if len(frames) > 0 {
		tb = append(tb, "", "Interpreted frames, innermost first:")
		for _, f := range frames {
			tb = append(tb, "    "+undoRenames(f))
		}
	}
	return &kernel.CellError{Name: name, Value: msg, Traceback: tb}
}
