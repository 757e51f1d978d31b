package hpc

import (
	"context"
	"errors"
	"fmt"
	"math"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// poolImpls are the implementations every pool test runs against: serial,
// the machine's width, and oversubscribed.
func poolImpls() []struct {
	name string
	pool *Pool
} {
	return []struct {
		name string
		pool *Pool
	}{
		{"serial", NewPool(1)},
		{"two", NewPool(2)},
		{"gomaxprocs", NewPool(0)},
		{"seven", NewPool(7)},
	}
}

var poolSizes = []int{0, 1, 2, 3, 17, 1000, 65537}

func TestPoolFor(t *testing.T) {
	for _, im := range poolImpls() {
		for _, n := range poolSizes {
			t.Run(fmt.Sprintf("%s/n=%d", im.name, n), func(t *testing.T) {
				hits := make([]atomic.Int32, n)
				im.pool.For(n, func(i int) { hits[i].Add(1) })
				for i := range hits {
					if h := hits[i].Load(); h != 1 {
						t.Fatalf("index %d called %d times", i, h)
					}
				}
			})
		}
	}
}

func TestPoolRange(t *testing.T) {
	for _, im := range poolImpls() {
		for _, n := range poolSizes {
			t.Run(fmt.Sprintf("%s/n=%d", im.name, n), func(t *testing.T) {
				hits := make([]atomic.Int32, n)
				var chunks atomic.Int32
				im.pool.Range(n, func(lo, hi int) {
					if lo < 0 || hi > n || lo >= hi {
						panic(fmt.Sprintf("bad chunk [%d, %d)", lo, hi))
					}
					chunks.Add(1)
					for i := lo; i < hi; i++ {
						hits[i].Add(1)
					}
				})
				for i := range hits {
					if h := hits[i].Load(); h != 1 {
						t.Fatalf("index %d covered %d times", i, h)
					}
				}
				if n > 0 && chunks.Load() == 0 {
					t.Fatal("no chunks")
				}
			})
		}
	}
}

// TestPoolSumDeterministic checks that Sum gives bit-identical results for
// every worker count, equal to the documented fixed-block order.
func TestPoolSumDeterministic(t *testing.T) {
	term := func(i int) float64 { return 1 / (1 + float64(i)) * math.Sin(float64(i)) }
	for _, n := range []int{0, 1, 5, maxSumBlocks - 1, maxSumBlocks, maxSumBlocks + 1, 1 << 20, 1<<20 + 12345} {
		// The documented order: fixed blocks of bs, each summed left to
		// right, block sums added in order.
		bs := max(1, (n+maxSumBlocks-1)/maxSumBlocks)
		want := 0.0
		for b := 0; b < n; b += bs {
			s := 0.0
			for i := b; i < min(b+bs, n); i++ {
				s += term(i)
			}
			want += s
		}
		for _, im := range poolImpls() {
			if got := im.pool.Sum(n, term); got != want {
				t.Errorf("%s n=%d: Sum = %.17g, want %.17g", im.name, n, got, want)
			}
		}
	}
}

func TestPoolMap(t *testing.T) {
	for _, im := range poolImpls() {
		for _, n := range poolSizes {
			xs := make([]float64, n)
			for i := range xs {
				xs[i] = float64(i)
			}
			got := im.pool.Map(xs, func(x float64) float64 { return 2*x + 1 })
			if got == nil || len(got) != n {
				t.Fatalf("%s n=%d: len %d (nil %v)", im.name, n, len(got), got == nil)
			}
			for i, v := range got {
				if v != 2*float64(i)+1 || xs[i] != float64(i) {
					t.Fatalf("%s n=%d: out[%d] = %v, xs[%d] = %v", im.name, n, i, v, i, xs[i])
				}
			}
		}
	}
}

func TestPoolWorkers(t *testing.T) {
	p := NewPool(3)
	if w := p.Workers(); w != 3 {
		t.Fatalf("Workers = %d, want 3", w)
	}
	if prev := p.SetWorkers(5); prev != 3 {
		t.Fatalf("SetWorkers returned %d, want 3", prev)
	}
	if prev := p.SetWorkers(0); prev != 5 {
		t.Fatalf("SetWorkers returned %d, want 5", prev)
	}
	if w, want := p.Workers(), runtime.GOMAXPROCS(0); w != want {
		t.Fatalf("Workers after SetWorkers(0) = %d, want GOMAXPROCS %d", w, want)
	}
	p.SetWorkers(-4)
	if w, want := p.Workers(), runtime.GOMAXPROCS(0); w != want {
		t.Fatalf("Workers after SetWorkers(-4) = %d, want %d", w, want)
	}
	prev := SetWorkers(1)
	defer SetWorkers(prev)
	if Workers() != 1 {
		t.Fatalf("package Workers = %d, want 1", Workers())
	}
}

// TestPoolUsesWorkers checks that a call runs on the configured number of
// goroutines at once.
func TestPoolUsesWorkers(t *testing.T) {
	p := NewPool(2)
	var running, peak atomic.Int32
	p.For(64, func(i int) {
		r := running.Add(1)
		for {
			pk := peak.Load()
			if r <= pk || peak.CompareAndSwap(pk, r) {
				break
			}
		}
		time.Sleep(2 * time.Millisecond)
		running.Add(-1)
	})
	if pk := peak.Load(); pk != 2 {
		t.Fatalf("peak concurrency %d, want 2", pk)
	}
}

// catch runs f and returns what it panicked with.
func catch(f func()) (v any) {
	defer func() { v = recover() }()
	f()
	return nil
}

func TestPoolPanicNamesIndex(t *testing.T) {
	calls := []struct {
		name string
		task string
		run  func(p *Pool, bad int)
	}{
		{"For", "ParallelFor", func(p *Pool, bad int) {
			p.For(1000, func(i int) {
				if i == bad {
					panic("boom")
				}
			})
		}},
		{"Sum", "ParallelSum", func(p *Pool, bad int) {
			p.Sum(100000, func(i int) float64 {
				if i == bad {
					panic("boom")
				}
				return 1
			})
		}},
		{"Map", "ParallelMap", func(p *Pool, bad int) {
			p.Map(make([]float64, 1000), func(x float64) float64 {
				if x != 0 {
					return x
				}
				panic("boom") // every element: the first one seen is reported
			})
		}},
		{"Range", "ParallelRange", func(p *Pool, bad int) {
			p.Range(1000, func(lo, hi int) {
				if lo <= bad && bad < hi {
					panic("boom")
				}
			})
		}},
	}
	for _, im := range poolImpls() {
		for _, c := range calls {
			t.Run(im.name+"/"+c.name, func(t *testing.T) {
				const bad = 777
				v := catch(func() { c.run(im.pool, bad) })
				pe, ok := v.(*PanicError)
				if !ok {
					t.Fatalf("panicked with %T %v, want *PanicError", v, v)
				}
				if pe.Task != c.task || pe.Value != "boom" || len(pe.Stack) == 0 {
					t.Fatalf("PanicError %+v", pe)
				}
				switch c.name {
				case "Range":
					if !(pe.Index <= bad && bad < pe.End) {
						t.Fatalf("chunk [%d, %d) does not hold %d", pe.Index, pe.End, bad)
					}
					if want := fmt.Sprintf("hpc: ParallelRange: panic in chunk [%d, %d): boom", pe.Index, pe.End); pe.Error() != want {
						t.Fatalf("message %q, want %q", pe.Error(), want)
					}
				case "Map":
					if !strings.Contains(pe.Error(), fmt.Sprintf("index %d", pe.Index)) {
						t.Fatalf("message %q", pe.Error())
					}
				default:
					if pe.Index != bad {
						t.Fatalf("index %d, want %d", pe.Index, bad)
					}
					if want := fmt.Sprintf("hpc: %s: panic at index %d: boom", c.task, bad); pe.Error() != want {
						t.Fatalf("message %q, want %q", pe.Error(), want)
					}
				}
			})
		}
	}
}

func TestPoolPanicUnwrap(t *testing.T) {
	sentinel := errors.New("sentinel")
	v := catch(func() { NewPool(2).For(10, func(i int) { panic(sentinel) }) })
	err, _ := v.(error)
	if !errors.Is(err, sentinel) {
		t.Fatalf("panic %v does not wrap the body's error", v)
	}
}

func TestPoolNilBody(t *testing.T) {
	p := NewPool(2)
	for name, f := range map[string]func(){
		"For":   func() { p.For(1, nil) },
		"Range": func() { p.Range(1, nil) },
		"Sum":   func() { p.Sum(1, nil) },
		"Map":   func() { p.Map([]float64{1}, nil) },
	} {
		if v := catch(f); v != nilBody {
			t.Errorf("%s(nil) panicked with %v", name, v)
		}
	}
}

func TestPoolNested(t *testing.T) {
	p := NewPool(2)
	var total atomic.Int64
	p.For(8, func(i int) {
		p.For(100, func(j int) { total.Add(1) })
	})
	if total.Load() != 800 {
		t.Fatalf("nested calls ran %d bodies, want 800", total.Load())
	}
}

// TestPoolConcurrentCalls runs calls on one pool from several goroutines
// (for the race detector).
func TestPoolConcurrentCalls(t *testing.T) {
	p := NewPool(3)
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n := 1000 + g
			if s := p.Sum(n, func(i int) float64 { return 1 }); s != float64(n) {
				t.Errorf("Sum = %v, want %d", s, n)
			}
			if g == 0 {
				p.SetWorkers(2)
			}
		}()
	}
	wg.Wait()
}

// withContext installs ctx for the duration of the test.
func withContext(t *testing.T, ctx context.Context) {
	prev := SetContext(ctx)
	t.Cleanup(func() { SetContext(prev) })
}

func TestPoolInterrupt(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	withContext(t, ctx)
	p := NewPool(2)
	var cancelled atomic.Int64 // unix nanos of the cancel
	start := time.Now()
	v := catch(func() {
		p.For(1<<30, func(i int) {
			if i == 1000 {
				cancelled.Store(time.Now().UnixNano())
				cancel()
			}
			_ = math.Sqrt(float64(i))
		})
	})
	if v != ErrInterrupted {
		t.Fatalf("panicked with %v, want ErrInterrupted", v)
	}
	if d := time.Since(time.Unix(0, cancelled.Load())); d > 200*time.Millisecond {
		t.Fatalf("returned %v after the cancel (%v total)", d, time.Since(start))
	}
	// The pool stays usable once a live context is installed.
	SetContext(context.Background())
	if s := p.Sum(10, func(i int) float64 { return 1 }); s != 10 {
		t.Fatalf("Sum after interrupt = %v", s)
	}
}

func TestPoolInterruptNested(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	withContext(t, ctx)
	p := NewPool(2)
	v := catch(func() {
		p.For(1000, func(i int) {
			p.For(1000, func(j int) {
				if i == 3 {
					cancel()
				}
			})
		})
	})
	if v != ErrInterrupted {
		t.Fatalf("panicked with %v, want ErrInterrupted", v)
	}
}

func TestPoolProgress(t *testing.T) {
	type report struct {
		task        string
		done, total int
	}
	var mu sync.Mutex
	var reports []report
	prev := SetProgress(func(task string, done, total int) {
		mu.Lock()
		reports = append(reports, report{task, done, total})
		mu.Unlock()
	})
	defer SetProgress(prev)

	// A short call stays silent.
	NewPool(2).For(10, func(int) {})
	if len(reports) != 0 {
		t.Fatalf("short call reported %v", reports)
	}
	// A long one reports, ending with done == total.
	const n = 400
	NewPool(2).For(n, func(int) { time.Sleep(time.Millisecond) })
	mu.Lock()
	defer mu.Unlock()
	if len(reports) < 2 {
		t.Fatalf("reports %v", reports)
	}
	last := reports[len(reports)-1]
	if last != (report{"ParallelFor", n, n}) {
		t.Fatalf("last report %+v", last)
	}
	for _, r := range reports[:len(reports)-1] {
		if r.task != "ParallelFor" || r.total != n || r.done <= 0 || r.done >= n {
			t.Fatalf("report %+v", r)
		}
	}
}

func TestResize(t *testing.T) {
	tests := []struct {
		grab, last int
		d          time.Duration
		maxGrab    int
		want       int
	}{
		{1, 1, time.Microsecond, 100, 8},
		{8, 8, 100 * time.Microsecond, 100, 64},
		{64, 64, 10 * time.Millisecond, 100, 6},
		{10, 10, time.Millisecond, 100, 10},
		{10, 3, time.Nanosecond, 100, 10}, // cut short: unchanged
		{50, 50, time.Nanosecond, 100, 100},
		{1, 1, time.Second, 100, 1},
	}
	for _, tt := range tests {
		if got := resize(tt.grab, tt.last, tt.d, tt.maxGrab); got != tt.want {
			t.Errorf("resize(%d, %d, %v, %d) = %d, want %d", tt.grab, tt.last, tt.d, tt.maxGrab, got, tt.want)
		}
	}
}
