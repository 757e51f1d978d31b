package hpc_test

import (
	"context"
	"io"
	"reflect"
	"testing"
	"time"

	"github.com/gohpc/gohpc/hpc"
	"github.com/traefik/yaegi/interp"
	"github.com/traefik/yaegi/stdlib"
)

// hpcExports is the part of the package a cell sees, as yaegi symbols
// (the kernel's generated map in interp/symbols holds the same values).
var hpcExports = interp.Exports{
	"github.com/gohpc/gohpc/hpc/hpc": {
		"NewPool":        reflect.ValueOf(hpc.NewPool),
		"ParallelFor":    reflect.ValueOf(hpc.ParallelFor),
		"ParallelRange":  reflect.ValueOf(hpc.ParallelRange),
		"ParallelSum":    reflect.ValueOf(hpc.ParallelSum),
		"ParallelMap":    reflect.ValueOf(hpc.ParallelMap),
		"SetWorkers":     reflect.ValueOf(hpc.SetWorkers),
		"Workers":        reflect.ValueOf(hpc.Workers),
		"ErrInterrupted": reflect.ValueOf(&hpc.ErrInterrupted).Elem(),
		"Pool":           reflect.ValueOf((*hpc.Pool)(nil)),
		"PanicError":     reflect.ValueOf((*hpc.PanicError)(nil)),
	},
}

// newCell returns a yaegi interpreter that has imported hpc, as a notebook
// cell has.
func newCell(tb testing.TB) *interp.Interpreter {
	tb.Helper()
	i := interp.New(interp.Options{Stderr: io.Discard}) // yaegi logs panics it propagates
	if err := i.Use(stdlib.Symbols); err != nil {
		tb.Fatal(err)
	}
	if err := i.Use(hpcExports); err != nil {
		tb.Fatal(err)
	}
	if _, err := i.Eval(`import "github.com/gohpc/gohpc/hpc"`); err != nil {
		tb.Fatal(err)
	}
	return i
}

func TestInterpretedClosures(t *testing.T) {
	i := newCell(t)
	_, err := i.Eval(`func run() []float64 {
	p := hpc.NewPool(2)
	hits := make([]float64, 10000)
	p.For(len(hits), func(i int) { hits[i] += float64(i) })
	s := hpc.ParallelSum(len(hits), func(i int) float64 { return hits[i] })
	m := hpc.ParallelMap([]float64{1, 2, 3}, func(x float64) float64 { return x * x })
	n := 0.0
	hpc.ParallelRange(100, func(lo, hi int) { _ = lo })
	_ = n
	return append([]float64{s}, m...)
}`)
	if err != nil {
		t.Fatal(err)
	}
	v, err := i.Eval("run()")
	if err != nil {
		t.Fatal(err)
	}
	got := v.Interface().([]float64)
	if want := []float64{49995000, 1, 4, 9}; !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
}

// TestInterpretedClosuresRunConcurrently proves that interpreted bodies run
// at the same time on the pool's workers (no global lock): each of two
// bodies waits for the other to start, which would never end if they ran
// one after the other. (The bodies avoid select: yaegi v0.16.1 shares a
// select statement's case list between concurrent executions.)
func TestInterpretedClosuresRunConcurrently(t *testing.T) {
	i := newCell(t)
	if _, err := i.Eval(`import "sync"
func meet() bool {
	var started sync.WaitGroup
	started.Add(2)
	ok := make([]bool, 2)
	hpc.NewPool(2).For(2, func(i int) {
		started.Done()
		started.Wait()
		ok[i] = true
	})
	return ok[0] && ok[1]
}`); err != nil {
		t.Fatal(err)
	}
	done := make(chan bool, 1)
	go func() {
		v, err := i.Eval("meet()")
		done <- err == nil && v.Bool()
	}()
	select {
	case ok := <-done:
		if !ok {
			t.Fatal("meet() failed")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the two interpreted bodies did not run concurrently")
	}
}

// TestInterpretedPanic checks that a panic in an interpreted body reaches
// the cell as a *PanicError naming the index.
func TestInterpretedPanic(t *testing.T) {
	i := newCell(t)
	_, err := i.Eval(`func bad() (msg string) {
	defer func() { msg = recover().(*hpc.PanicError).Error() }()
	hpc.ParallelFor(100, func(i int) {
		if i == 37 {
			panic("bad cell")
		}
	})
	return ""
}`)
	if err != nil {
		t.Fatal(err)
	}
	v, err := i.Eval("bad()")
	if err != nil {
		t.Fatal(err)
	}
	if want := "hpc: ParallelFor: panic at index 37: bad cell"; v.String() != want {
		t.Fatalf("got %q, want %q", v.String(), want)
	}
}

// TestInterpretedInterrupt cancels a cell's long ParallelFor: it stops with
// ErrInterrupted within 200 ms.
func TestInterpretedInterrupt(t *testing.T) {
	i := newCell(t)
	ctx, cancel := context.WithCancel(context.Background())
	prev := hpc.SetContext(ctx)
	defer hpc.SetContext(prev)
	if _, err := i.Eval(`func spin() (err error) {
	defer func() { err = recover().(error) }()
	hpc.ParallelFor(1<<40, func(i int) {})
	return nil
}`); err != nil {
		t.Fatal(err)
	}
	var cancelled time.Time
	time.AfterFunc(100*time.Millisecond, func() { cancelled = time.Now(); cancel() })
	v, err := i.Eval("spin()")
	if err != nil {
		t.Fatal(err)
	}
	if lag := time.Since(cancelled); lag > 200*time.Millisecond {
		t.Errorf("returned %v after the interrupt", lag)
	}
	if got, _ := v.Interface().(error); got != hpc.ErrInterrupted {
		t.Fatalf("got %v, want ErrInterrupted", v)
	}
}
