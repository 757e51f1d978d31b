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
	universe   reflect.Value     // *scope: yaegi's outermost scope
	scopes     reflect.Value     // map[string]*scope: package scopes, by import path

	frame *globalFrame // the global frame; notes each cell's blocks before they are dropped

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
	// Every block a cell compiles (a loop, a function body) adds a child to
	// its package's scope, kept, with the block's tree, for the debugger
	// only: those lists are dropped too.
	c.universe, c.scopes = v.FieldByName("universe"), v.FieldByName("scopes")
	if !c.universe.IsValid() || c.universe.Kind() != reflect.Pointer || !c.scopes.IsValid() ||
		c.scopes.Kind() != reflect.Map || c.scopes.Type().Elem() != c.universe.Type() {
		return nil, fmt.Errorf("interp: yaegi's Interpreter has no scopes (unsupported yaegi version)")
	}
	if ch, ok := c.universe.Type().Elem().FieldByName("child"); !ok || ch.Type.Kind() != reflect.Slice ||
		ch.Type.Elem() != c.universe.Type() {
		return nil, fmt.Errorf("interp: yaegi's scope has no child scopes (unsupported yaegi version)")
	}
	if c.frame, err = newGlobalFrame(in); err != nil {
		return nil, err
	}
	return c, nil
}

// dropScopeChildren empties the child lists of the universe and of every
// package scope. Called with yaegi's mutex held.
func (c *runCtl) dropScopeChildren() {
	drop := func(sc reflect.Value) {
		if sc.IsNil() {
			return
		}
		f := sc.Elem().FieldByName("child")
		*(*[]unsafe.Pointer)(unsafe.Pointer(f.UnsafeAddr())) = nil
	}
	drop(c.universe)
	for it := c.scopes.MapRange(); it.Next(); {
		drop(it.Value())
	}
}

// begin prepares the interpreter for a cancellable run.
func (c *runCtl) begin() {
	ch := make(chan struct{})
	c.mutex.Lock()
	*c.done = ch
	*c.cancelChan = true
	*c.roots = nil
	c.frame.noteBlocks()
	c.dropScopeChildren()
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
