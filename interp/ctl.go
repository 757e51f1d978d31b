package interp

import (
	"fmt"
	"reflect"
	"sync"
	"sync/atomic"
	"unsafe"

	yaegi "github.com/traefik/yaegi/interp"
)

// runCtl starts and stops runs of a yaegi interpreter. yaegi only stops
// code through EvalWithContext and ExecuteWithContext, which return at once
// on cancellation while the interpreted code goes on in a goroutine nobody
// can wait for. The session instead runs Execute in a goroutine of its own
// and stops it the way yaegi does (a new run id, which every interpreted
// loop checks, and a closed channel, which every interpreted channel
// operation selects on), through the interpreter's unexported fields. The
// layout is checked at construction against yaegi v0.16.1.
type runCtl struct {
	id         *uint64
	mutex      *sync.RWMutex
	done       *chan struct{}
	cancelChan *bool
	roots      *[]unsafe.Pointer // yaegi's list of every compiled tree, kept for its debugger only

	frame *globalFrame // the global frame; forgets each cell's blocks as the cell starts

	mu      sync.Mutex
	current chan struct{} // the done channel of the current run, nil once closed
}

func newRunCtl(in *yaegi.Interpreter) (*runCtl, error) {
	v := reflect.ValueOf(in).Elem()
	field := func(name string, want reflect.Type) (unsafe.Pointer, error) {
		f := v.FieldByName(name)
		if !f.IsValid() || f.Type() != want {
			return nil, fmt.Errorf("interp: yaegi's Interpreter has no field %s of type %s (unsupported yaegi version)", name, want)
		}
		return unsafe.Pointer(f.UnsafeAddr()), nil
	}
	c := &runCtl{}
	p, err := field("id", reflect.TypeOf(uint64(0)))
	if err != nil {
		return nil, err
	}
	c.id = (*uint64)(p)
	if p, err = field("mutex", reflect.TypeOf(sync.RWMutex{})); err != nil {
		return nil, err
	}
	c.mutex = (*sync.RWMutex)(p)
	if p, err = field("done", reflect.TypeOf((chan struct{})(nil))); err != nil {
		return nil, err
	}
	c.done = (*chan struct{})(p)
	if p, err = field("cancelChan", reflect.TypeOf(false)); err != nil {
		return nil, err
	}
	c.cancelChan = (*bool)(p)
	// roots ([]*node) grows by one syntax tree per cell and is read only by
	// yaegi's debugger: dropping it keeps a long session's memory flat.
	r := v.FieldByName("roots")
	if !r.IsValid() || r.Kind() != reflect.Slice || r.Type().Elem().Kind() != reflect.Pointer {
		return nil, fmt.Errorf("interp: yaegi's Interpreter has no field roots of pointers (unsupported yaegi version)")
	}
	c.roots = (*[]unsafe.Pointer)(unsafe.Pointer(r.UnsafeAddr()))
	if c.frame, err = newGlobalFrame(in); err != nil {
		return nil, err
	}
	return c, nil
}

// begin prepares the interpreter for a cancellable run.
func (c *runCtl) begin() {
	ch := make(chan struct{})
	c.mutex.Lock()
	*c.done = ch
	*c.cancelChan = true
	*c.roots = nil
	c.frame.forgetBlocks()
	c.mutex.Unlock()
	c.mu.Lock()
	c.current = ch
	c.mu.Unlock()
}

// stop stops the current run: interpreted loops end at their next step and
// blocked interpreted channel operations return. It may be called more than
// once.
func (c *runCtl) stop() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.current == nil {
		return
	}
	atomic.AddUint64(c.id, 1)
	close(c.current)
	c.current = nil
}
