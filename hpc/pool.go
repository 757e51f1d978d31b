package hpc

import (
	"errors"
	"fmt"
	"runtime"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"
)

// Pool runs loop bodies on a bounded number of goroutines. Its zero value is
// not usable; create one with NewPool. A Pool holds no goroutines between
// calls and takes no lock while a call runs, so one Pool may serve any number
// of concurrent and nested calls.
//
// The package-level functions ParallelFor, ParallelRange, ParallelSum,
// ParallelMap, Workers and SetWorkers use a default Pool that follows
// GOMAXPROCS.
type Pool struct {
	workers atomic.Int64 // ≤ 0: GOMAXPROCS at call time
}

// NewPool returns a Pool that runs calls on up to workers goroutines.
// If workers ≤ 0 the Pool follows runtime.GOMAXPROCS(0).
func NewPool(workers int) *Pool {
	p := &Pool{}
	p.workers.Store(int64(max(workers, 0)))
	return p
}

var defaultPool = NewPool(0)

// Workers returns the number of goroutines a call on p may use.
func (p *Pool) Workers() int {
	if w := p.workers.Load(); w > 0 {
		return int(w)
	}
	return runtime.GOMAXPROCS(0)
}

// SetWorkers sets the number of goroutines a call on p may use and returns the
// previous value of Workers. If n ≤ 0, p follows runtime.GOMAXPROCS(0).
// A count above GOMAXPROCS is allowed: the extra goroutines interleave on the
// available threads. Calls already running keep their worker count.
func (p *Pool) SetWorkers(n int) int {
	prev := p.Workers()
	p.workers.Store(int64(max(n, 0)))
	return prev
}

// Workers returns the number of goroutines used by the package-level parallel
// functions (the default Pool).
func Workers() int { return defaultPool.Workers() }

// SetWorkers sets the number of goroutines used by the package-level parallel
// functions and by Locate and LocateExhaustive, and returns the previous
// value. If n ≤ 0 they follow runtime.GOMAXPROCS(0).
func SetWorkers(n int) int { return defaultPool.SetWorkers(n) }

// ParallelFor calls body(i) for every i in [0, n) on the default Pool.
// See Pool.For.
func ParallelFor(n int, body func(i int)) { defaultPool.For(n, body) }

// ParallelRange calls body(lo, hi) on contiguous chunks covering [0, n) on the
// default Pool. See Pool.Range.
func ParallelRange(n int, body func(lo, hi int)) { defaultPool.Range(n, body) }

// ParallelSum returns Σ term(i) for i in [0, n) computed on the default Pool.
// See Pool.Sum.
func ParallelSum(n int, term func(i int) float64) float64 { return defaultPool.Sum(n, term) }

// ParallelMap returns a new slice holding f(xs[i]) for every i, computed on
// the default Pool. See Pool.Map.
func ParallelMap(xs []float64, f func(float64) float64) []float64 { return defaultPool.Map(xs, f) }

// For calls body(i) exactly once for every i in [0, n), concurrently on up to
// p.Workers() goroutines, and returns when all calls have returned. Indices are
// handed out dynamically in contiguous chunks, so the order of calls is
// unspecified; body must be safe for concurrent use on distinct indices.
// If n ≤ 0, For does nothing.
//
// If body panics, For stops handing out work, waits for the running calls and
// panics in the caller with a *PanicError naming the index. If the context
// installed with SetContext is cancelled, For stops handing out work, waits
// for the running calls and panics with ErrInterrupted.
//
// It panics if body is nil.
func (p *Pool) For(n int, body func(i int)) {
	if body == nil {
		panic(nilBody)
	}
	if n <= 0 {
		return
	}
	err := p.runAll("ParallelFor", n, func() (chunkFunc, func()) {
		return func(lo, hi int, cur *cursor) error {
			for i := lo; i < hi; i++ {
				cur.index = i
				body(i)
			}
			return nil
		}, nil
	})
	if err != nil {
		panic(err)
	}
}

// Range calls body(lo, hi) on disjoint contiguous chunks [lo, hi) that
// together cover [0, n), concurrently on up to p.Workers() goroutines.
// Chunk sizes are unspecified and vary during a call: they grow until a chunk
// takes about a millisecond, so that cancellation is checked often while the
// per-chunk overhead stays small. If n ≤ 0, Range does nothing.
//
// Panics in body and cancellation are handled as in For; a *PanicError from
// Range names the chunk.
//
// It panics if body is nil.
func (p *Pool) Range(n int, body func(lo, hi int)) {
	if body == nil {
		panic(nilBody)
	}
	if n <= 0 {
		return
	}
	err := p.runAll("ParallelRange", n, func() (chunkFunc, func()) {
		return func(lo, hi int, cur *cursor) error {
			cur.index, cur.end = lo, hi
			body(lo, hi)
			return nil
		}, nil
	})
	if err != nil {
		panic(err)
	}
}

// maxSumBlocks bounds the number of partial sums kept by Sum.
const maxSumBlocks = 1 << 14

// Sum returns the sum of term(i) for i in [0, n), computing the terms
// concurrently on up to p.Workers() goroutines. If n ≤ 0, Sum returns 0.
//
// The result does not depend on the number of workers or on scheduling:
// [0, n) is cut into at most 16384 fixed blocks of equal size (the last one
// shorter) that depend only on n, each block is summed left to right, and the
// block sums are added in block order. It may therefore differ in the last
// bits from a plain left-to-right loop.
//
// Panics in term and cancellation are handled as in For.
//
// It panics if term is nil.
func (p *Pool) Sum(n int, term func(i int) float64) float64 {
	if term == nil {
		panic(nilBody)
	}
	if n <= 0 {
		return 0
	}
	bs := (n + maxSumBlocks - 1) / maxSumBlocks
	nb := (n + bs - 1) / bs
	partial := make([]float64, nb)
	prog := newProgress("ParallelSum", n)
	err := p.run(prog, nb, bs, func() (chunkFunc, func()) {
		return func(lo, hi int, cur *cursor) error {
			for b := lo; b < hi; b++ {
				end := min((b+1)*bs, n)
				s := 0.0
				for i := b * bs; i < end; i++ {
					cur.index = i
					s += term(i)
				}
				partial[b] = s
			}
			return nil
		}, nil
	})
	if err != nil {
		panic(err)
	}
	prog.finish()
	s := 0.0
	for _, v := range partial {
		s += v
	}
	return s
}

// Map returns a new slice of len(xs) holding f(xs[i]) for every i, computing
// the values concurrently on up to p.Workers() goroutines. xs is not
// modified. If xs is empty, Map returns an empty non-nil slice.
//
// Panics in f and cancellation are handled as in For.
//
// It panics if f is nil.
func (p *Pool) Map(xs []float64, f func(float64) float64) []float64 {
	if f == nil {
		panic(nilBody)
	}
	out := make([]float64, len(xs))
	if len(xs) == 0 {
		return out
	}
	err := p.runAll("ParallelMap", len(xs), func() (chunkFunc, func()) {
		return func(lo, hi int, cur *cursor) error {
			xs := xs[lo:hi]
			out := out[lo:hi]
			for i, x := range xs {
				cur.index = lo + i
				out[i] = f(x)
			}
			return nil
		}, nil
	})
	if err != nil {
		panic(err)
	}
	return out
}

const nilBody = "hpc: nil function"

// PanicError is the value a parallel call panics with in the caller when a
// loop body panicked on one of the workers.
type PanicError struct {
	Task  string // the call that failed, e.g. "ParallelFor"
	Index int    // the index whose body panicked (the chunk start for ParallelRange)
	End   int    // for ParallelRange, the end of the chunk; 0 otherwise
	Value any    // the value the body panicked with
	Stack []byte // the worker's stack at the panic
}

func (e *PanicError) Error() string {
	if e.End > e.Index {
		return fmt.Sprintf("hpc: %s: panic in chunk [%d, %d): %v", e.Task, e.Index, e.End, e.Value)
	}
	return fmt.Sprintf("hpc: %s: panic at index %d: %v", e.Task, e.Index, e.Value)
}

// Unwrap returns the panic value if it is an error.
func (e *PanicError) Unwrap() error {
	err, _ := e.Value.(error)
	return err
}

// chunkFunc runs the units [lo, hi) of a call. It records the index it is
// working on in cur so that a panic can be attributed, and returns a non-nil
// error to stop the call.
type chunkFunc func(lo, hi int, cur *cursor) error

// cursor is where a chunk function records what it is working on: an index,
// or a chunk [index, end) when end > index.
type cursor struct{ index, end int }

// Chunk sizing: a worker grabs units in chunks that it resizes after each one
// so that a chunk takes about chunkTarget. Cancellation and progress are
// checked once per chunk.
const (
	chunkTarget = time.Millisecond
	maxGrowth   = 8
)

// job is the shared state of one call.
type job struct {
	n    int
	next atomic.Int64 // the first unit not yet handed out
	stop atomic.Bool

	mu  sync.Mutex
	err error // first failure: *PanicError, ErrInterrupted or a chunk's error

	prog   *progress
	weight int
}

// run executes units [0, n) on up to p.Workers() goroutines, the caller's
// included. newWorker is called once per worker and returns the worker's
// chunk function and an optional flush function called when the worker
// stops, whatever the reason. Each finished unit adds weight to prog. run
// returns the first failure: a *PanicError, ErrInterrupted, or an error
// returned by a chunk function.
func (p *Pool) run(prog *progress, n, weight int, newWorker func() (chunkFunc, func())) error {
	if n <= 0 {
		return nil
	}
	w := min(p.Workers(), n)
	j := &job{n: n, prog: prog, weight: weight}
	maxGrab := max(1, n/(4*w))
	if w == 1 {
		j.work(maxGrab, newWorker)
	} else {
		var wg sync.WaitGroup
		wg.Add(w - 1)
		for range w - 1 {
			go func() {
				defer wg.Done()
				j.work(maxGrab, newWorker)
			}()
		}
		j.work(maxGrab, newWorker)
		wg.Wait()
	}
	return j.err
}

// runAll is run for a call made of one pass: it reports progress under task
// in units, and the final report when the pass succeeds.
func (p *Pool) runAll(task string, n int, newWorker func() (chunkFunc, func())) error {
	prog := newProgress(task, n)
	if err := p.run(prog, n, 1, newWorker); err != nil {
		return err
	}
	prog.finish()
	return nil
}

func (j *job) fail(err error) {
	j.mu.Lock()
	if j.err == nil {
		j.err = err
	}
	j.mu.Unlock()
	j.stop.Store(true)
}

// work is one worker's loop: grab a chunk, run it, resize, until the units
// run out or the call stops.
func (j *job) work(maxGrab int, newWorker func() (chunkFunc, func())) {
	var cur cursor
	defer func() {
		if r := recover(); r != nil {
			if err, ok := r.(error); ok && errors.Is(err, ErrInterrupted) {
				// A nested call was interrupted: propagate as such.
				j.fail(ErrInterrupted)
				return
			}
			j.fail(&PanicError{Task: j.prog.task, Index: cur.index, End: cur.end, Value: r, Stack: debug.Stack()})
		}
	}()
	chunk, flush := newWorker()
	if flush != nil {
		defer flush()
	}
	grab := 1
	t0 := time.Now()
	for !j.stop.Load() {
		if err := interrupted(); err != nil {
			j.fail(err)
			return
		}
		lo := int(j.next.Load())
		var hi int
		for {
			if lo >= j.n {
				return
			}
			hi = lo + min(grab, j.n-lo)
			if j.next.CompareAndSwap(int64(lo), int64(hi)) {
				break
			}
			lo = int(j.next.Load())
		}
		if err := chunk(lo, hi, &cur); err != nil {
			j.fail(err)
			return
		}
		t1 := time.Now()
		j.prog.add((hi-lo)*j.weight, t1)
		grab = resize(grab, hi-lo, t1.Sub(t0), maxGrab)
		t0 = t1
	}
}

// resize returns the next chunk size for a worker whose last chunk of size
// last took d.
func resize(grab, last int, d time.Duration, maxGrab int) int {
	if last < grab {
		// The chunk was cut short by the end of the range: no information.
		return grab
	}
	switch {
	case d <= chunkTarget/maxGrowth:
		grab *= maxGrowth
	case d < chunkTarget/2 || d > 2*chunkTarget:
		grab = int(float64(grab) * float64(chunkTarget) / float64(d))
	}
	return min(max(grab, 1), maxGrab)
}

// progressDelay is how long a call runs before it starts reporting progress:
// short calls stay silent.
const progressDelay = 100 * time.Millisecond

// progress reports a call's progress through reportProgress, once per chunk
// after the call has run for progressDelay, and a final done == total report
// if it reported anything before.
type progress struct {
	task      string
	total     int
	start     time.Time
	on        bool // a ProgressFunc was installed when the call started
	done      atomic.Int64
	reporting atomic.Bool
}

func newProgress(task string, total int) *progress {
	p := &progress{task: task, total: total}
	if h := currentProgress.Load(); h != nil && h.f != nil {
		p.on = true
		p.start = time.Now()
	}
	return p
}

func (p *progress) add(units int, now time.Time) {
	if !p.on {
		return
	}
	d := int(p.done.Add(int64(units)))
	if d >= p.total {
		return // the final report is made by finish
	}
	if !p.reporting.Load() {
		if now.Sub(p.start) < progressDelay {
			return
		}
		p.reporting.Store(true)
	}
	reportProgress(p.task, d, p.total)
}

func (p *progress) finish() {
	if p.on && p.reporting.Load() {
		reportProgress(p.task, p.total, p.total)
	}
}
