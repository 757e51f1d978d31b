package interp

import (
	"fmt"
	"os"
	"reflect"
	"runtime"
	"strings"
	"sync"
	"time"

	yaegi "github.com/traefik/yaegi/interp"

	"github.com/gohpc/gohpc/interp/internal/stackguard"
	"github.com/gohpc/gohpc/interp/render"
	"github.com/gohpc/gohpc/kernel"
)

// rtPath is the import path of the native helpers that rewritten cells call;
// rtName is the name cells see them under (no user identifier looks like it).
const (
	rtPath = "gohpc.internal/rt"
	rtName = "__gohpc"
)

// maxStack is the stack a goroutine running interpreted code may use before
// the guard stops it: far below Go's fatal limit (1 GB), and deep enough for
// about 100,000 levels of a simple recursive function.
const maxStack = 64 << 20

// loopMaxStack is the limit for %timeit's loop, which runs on the kernel's
// goroutine and must unwind by panic (see enter).
const loopMaxStack = 1 << 20

// StackOverflow is the panic value of the recursion guard.
type StackOverflow struct{ Used uintptr }

func (e StackOverflow) Error() string {
	return fmt.Sprintf("stack overflow: the goroutine's stack reached %s (infinite recursion?); call depth is limited to keep the kernel alive",
		render.FormatBytes(uint64(e.Used)))
}

// ExitError is the panic value of os.Exit called by a cell.
type ExitError struct{ Code int }

func (e ExitError) Error() string {
	return fmt.Sprintf("os.Exit(%d) refused: a cell cannot end the kernel (restart it from the Kernel menu instead)", e.Code)
}

// AllocError is the panic value of a make whose size the machine cannot hold.
type AllocError struct {
	Len   uint64
	Bytes float64
	Limit uint64
}

func (e AllocError) Error() string {
	return fmt.Sprintf("runtime error: make of %d elements needs %s, more than this machine's memory (%s)",
		e.Len, render.FormatBytes(uint64(e.Bytes)), render.FormatBytes(e.Limit))
}

// enter is called at the entry of every interpreted function. Past the
// limit it ends the goroutine with runtime.Goexit rather than a panic: the
// interpreter recovers and re-panics at every interpreted frame, which makes
// unwinding a deep stack by panic quadratic (minutes for 20,000 frames),
// while Goexit unwinds it in one pass. The run is then reported as a stack
// overflow. On the goroutine of a %timeit loop, which belongs to the kernel,
// it panics instead, at a smaller depth (loopMaxStack).
func (s *Session) enter() {
	u := stackguard.Used()
	if u <= loopMaxStack {
		return
	}
	g := stackguard.G()
	if g == s.loopG.Load() {
		// The kernel's goroutine, running a %timeit loop: it must not end,
		// so it panics, early enough for the unwinding to be quick.
		panic(StackOverflow{Used: u})
	}
	if u <= maxStack {
		return
	}
	so := StackOverflow{Used: u}
	switch {
	case g == s.execG.Load():
		s.overflow.Store(&so)
	case s.cellGs.Has(g):
		fmt.Fprintf(s.stderr, "goroutine stopped: %v\n", so)
	default:
		// A goroutine of native code (hpc's workers): it ends, its caller
		// goes on, and the cell fails when it ends.
		s.overflow.Store(&so)
	}
	runtime.Goexit()
}

// clearValue implements the clear builtin for maps and slices.
func clearValue(x any) {
	v := reflect.ValueOf(x)
	switch v.Kind() {
	case reflect.Map, reflect.Slice:
		v.Clear()
	case reflect.Invalid:
	default:
		panic(fmt.Sprintf("invalid argument: clear(%T): argument must be a map or slice", x))
	}
}

var (
	memOnce  sync.Once
	memLimit uint64
)

// totalMemory returns the machine's physical memory, or 0 if unknown.
func totalMemory() uint64 {
	memOnce.Do(func() {
		b, err := os.ReadFile("/proc/meminfo")
		if err != nil {
			return
		}
		for _, line := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(line, "MemTotal:") {
				var kb uint64
				fmt.Sscanf(strings.TrimPrefix(line, "MemTotal:"), "%d", &kb)
				memLimit = kb << 10
			}
		}
	})
	return memLimit
}

// makeLen checks the length (or capacity) n of a make of a value of proto's
// type against the machine's memory, so that a huge allocation is a panic
// rather than a fatal out-of-memory error. It returns n as an int.
func makeLen(n any, proto any) int {
	v := reflect.ValueOf(n)
	var l uint64
	switch v.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if v.Int() < 0 {
			panic(fmt.Sprintf("runtime error: makeslice: len out of range (%d)", v.Int()))
		}
		l = uint64(v.Int())
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		l = v.Uint()
	case reflect.Float32, reflect.Float64:
		l = uint64(v.Float())
	default:
		panic(fmt.Sprintf("invalid argument: make length %v (%T) is not an integer", n, n))
	}
	size := 1.0
	if t := reflect.TypeOf(proto); t != nil {
		switch t.Kind() {
		case reflect.Slice, reflect.Chan:
			size = float64(max(t.Elem().Size(), 1))
		case reflect.Map:
			size = float64(t.Key().Size()+t.Elem().Size()) + 8
		}
	}
	if lim := totalMemory(); lim > 0 && float64(l)*size > float64(lim) {
		panic(AllocError{Len: l, Bytes: float64(l) * size, Limit: lim})
	}
	if l > uint64(^uint(0)>>1) {
		panic("runtime error: makeslice: len out of range")
	}
	return int(l)
}

// sleep is time.Sleep for cells: it returns early when the cell is interrupted.
func (s *Session) sleep(d time.Duration) {
	if d <= 0 {
		runtime.Gosched()
		return
	}
	done := s.cellDone()
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-done:
	}
}

// goPanic reports the panic r (if any) of a goroutine cell started, on the
// cell's stderr, so that the kernel survives it.
func (s *Session) goPanic(cell any, r any) {
	s.cellGs.Delete(stackguard.G())
	if r == nil {
		return
	}
	var out kernel.Output = discardOutput{s.log}
	if c, ok := cell.(*cellState); ok && c != nil && c.out != nil {
		out = c.out
	} else {
		out = s.output()
	}
	tb := s.takeTrace()
	var b strings.Builder
	fmt.Fprintf(&b, "panic in a goroutine: %s\n", panicText(r))
	for _, l := range tb {
		b.WriteString("    " + l + "\n")
	}
	out.Stream("stderr", b.String())
}

// currentCell is the token of the running cell, for goroutines to report to.
func (s *Session) currentCell() any {
	if c := s.cur.Load(); c != nil {
		return c
	}
	return nil
}

// result receives the value(s) of a cell's trailing expression.
func (s *Session) result(vs ...any) {
	s.resMu.Lock()
	s.res = vs
	s.hasRes = true
	s.resMu.Unlock()
}

// rtExports returns the native helpers package and its interface mappings.
func (s *Session) rtExports() yaegi.Exports {
	res := reflect.ValueOf(s.result)
	return yaegi.Exports{
		rtPath + "/rt": {
			"Enter":   reflect.ValueOf(s.enter),
			"Clear":   reflect.ValueOf(clearValue),
			"MakeLen": reflect.ValueOf(makeLen),
			"GoPanic": reflect.ValueOf(s.goPanic),
			"Cell":    reflect.ValueOf(s.currentCell),
			"GoStart": reflect.ValueOf(func() { s.cellGs.Add(stackguard.G()) }),
			"Result":  res,
		},
		".": {"MapTypes": reflect.ValueOf(map[reflect.Value][]reflect.Type{res: resultInterfaces()})},
	}
}

// prelude is compiled into every new interpreter: the generic helpers that
// replace the min and max builtins.
const prelude = `import __gohpc "` + rtPath + `"

func __gohpc_min[__gohpcT int | int8 | int16 | int32 | int64 | uint | uint8 | uint16 | uint32 | uint64 | uintptr | float32 | float64 | string](__x __gohpcT, __ys ...__gohpcT) __gohpcT {
	for _, __y := range __ys {
		if __y < __x || __y != __y {
			__x = __y
		}
	}
	return __x
}

func __gohpc_max[__gohpcT int | int8 | int16 | int32 | int64 | uint | uint8 | uint16 | uint32 | uint64 | uintptr | float32 | float64 | string](__x __gohpcT, __ys ...__gohpcT) __gohpcT {
	for _, __y := range __ys {
		if __y > __x || __y != __y {
			__x = __y
		}
	}
	return __x
}
`

// goroutineSet is a set of goroutines (by stackguard.G).
type goroutineSet struct {
	mu sync.Mutex
	m  map[uintptr]bool
}

func (gs *goroutineSet) Add(g uintptr) {
	gs.mu.Lock()
	if gs.m == nil {
		gs.m = map[uintptr]bool{}
	}
	gs.m[g] = true
	gs.mu.Unlock()
}

func (gs *goroutineSet) Delete(g uintptr) {
	gs.mu.Lock()
	delete(gs.m, g)
	gs.mu.Unlock()
}

func (gs *goroutineSet) Has(g uintptr) bool {
	gs.mu.Lock()
	defer gs.mu.Unlock()
	return gs.m[g]
}
