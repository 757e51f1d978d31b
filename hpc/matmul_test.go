package hpc

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"gonum.org/v1/gonum/mat"

	"github.com/gohpc/gohpc/hpc/internal/gemm"
)

// randDense returns an r×c matrix of uniform values in [-1, 1), as a view
// into a larger matrix when pad > 0 so that its stride exceeds c.
func randDense(rnd *rand.Rand, r, c, pad int) *mat.Dense {
	big := mat.NewDense(r+pad, c+2*pad, nil)
	raw := big.RawMatrix()
	for i := range raw.Data {
		raw.Data[i] = rnd.Float64()*2 - 1
	}
	if pad == 0 {
		return big
	}
	return big.Slice(pad, pad+r, pad, pad+c).(*mat.Dense)
}

// naiveMul is the reference: a triple loop over At.
func naiveMul(a, b mat.Matrix) (*mat.Dense, *mat.Dense) {
	m, k := a.Dims()
	_, n := b.Dims()
	c, bound := mat.NewDense(m, n, nil), mat.NewDense(m, n, nil)
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			var s, sa float64
			for l := 0; l < k; l++ {
				s += a.At(i, l) * b.At(l, j)
				sa += math.Abs(a.At(i, l) * b.At(l, j))
			}
			c.Set(i, j, s)
			bound.Set(i, j, sa)
		}
	}
	return c, bound
}

func sameProduct(got, want, bound *mat.Dense, k int) error {
	m, n := want.Dims()
	if r, c := got.Dims(); r != m || c != n {
		return fmt.Errorf("result is %d×%d, want %d×%d", r, c, m, n)
	}
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			tol := 1e-14*float64(k+4)*bound.At(i, j) + 1e-300
			if d := math.Abs(got.At(i, j) - want.At(i, j)); !(d <= tol) {
				return fmt.Errorf("C[%d][%d] = %v, want %v", i, j, got.At(i, j), want.At(i, j))
			}
		}
	}
	return nil
}

func TestMatMul(t *testing.T) {
	rnd := rand.New(rand.NewPCG(7, 8))
	shapes := [][3]int{{1, 1, 1}, {15, 17, 3}, {14, 16, 8}, {3, 40, 29}, {65, 31, 70}}
	if !testing.Short() && !raceEnabled {
		shapes = append(shapes, [3]int{257, 255, 513})
	}
	for _, kernel := range gemm.Kernels() {
		for _, s := range shapes {
			for _, pad := range []int{0, 2} {
				a, b := randDense(rnd, s[0], s[2], pad), randDense(rnd, s[2], s[1], pad)
				want, bound := naiveMul(a, b)
				for _, w := range []int{1, 2, 3} {
					name := fmt.Sprintf("%s/%dx%dx%d/pad=%d/workers=%d", kernel, s[0], s[1], s[2], pad, w)
					dst := randDense(rnd, s[0], s[1], pad)
					matMulTo(&gemm.Options{Kernel: kernel, Workers: w, Interrupt: interrupted}, dst, a, b)
					if err := sameProduct(dst, want, bound, s[2]); err != nil {
						t.Errorf("%s: %v", name, err)
					}
				}
			}
		}
	}
	// The public entry points, with the default kernel and workers.
	a, b := randDense(rnd, 33, 21, 1), randDense(rnd, 21, 19, 3)
	want, bound := naiveMul(a, b)
	if err := sameProduct(MatMul(a, b), want, bound, 21); err != nil {
		t.Errorf("MatMul: %v", err)
	}
	var dst mat.Dense
	MatMulTo(&dst, a, b)
	if err := sameProduct(&dst, want, bound, 21); err != nil {
		t.Errorf("MatMulTo into an empty Dense: %v", err)
	}
}

// TestMatMulConcurrent runs products on several goroutines at once (as a
// cell calling MatMul inside ParallelFor would): each call has its own
// workers and buffers.
func TestMatMulConcurrent(t *testing.T) {
	rnd := rand.New(rand.NewPCG(23, 24))
	const calls = 4
	var as, bs, wants, bounds [calls]*mat.Dense
	for i := range calls {
		n := 60 + 9*i
		as[i], bs[i] = randDense(rnd, n, n+3, 1), randDense(rnd, n+3, n-5, 0)
		wants[i], bounds[i] = naiveMul(as[i], bs[i])
	}
	errs := make(chan error, calls)
	for i := range calls {
		go func() {
			var err error
			for range 5 {
				if err = sameProduct(MatMul(as[i], bs[i]), wants[i], bounds[i], 63+9*i); err != nil {
					break
				}
			}
			errs <- err
		}()
	}
	for range calls {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}

func TestMatMulEmpty(t *testing.T) {
	var e mat.Dense
	if c := MatMul(&e, &e); !c.IsEmpty() {
		t.Errorf("MatMul(empty, empty) is not empty")
	}
	var dst mat.Dense
	MatMulTo(&dst, &e, &e)
	if !dst.IsEmpty() {
		t.Errorf("MatMulTo(empty, empty, empty) resized dst")
	}
}

func TestMatMulAliasing(t *testing.T) {
	rnd := rand.New(rand.NewPCG(9, 10))
	for _, kernel := range gemm.Kernels() {
		o := &gemm.Options{Kernel: kernel}
		// dst is a itself.
		a := randDense(rnd, 40, 40, 0)
		b := randDense(rnd, 40, 40, 0)
		want, bound := naiveMul(a, b)
		matMulTo(o, a, a, b)
		if err := sameProduct(a, want, bound, 40); err != nil {
			t.Errorf("%s: dst == a: %v", kernel, err)
		}
		// dst is b, and a == b.
		a = randDense(rnd, 30, 30, 0)
		want, bound = naiveMul(a, a)
		matMulTo(o, a, a, a)
		if err := sameProduct(a, want, bound, 30); err != nil {
			t.Errorf("%s: dst == a == b: %v", kernel, err)
		}
		// dst is a view overlapping b's storage.
		big := randDense(rnd, 50, 50, 0)
		av := randDense(rnd, 20, 20, 0)
		bv := big.Slice(0, 20, 0, 20).(*mat.Dense)
		dv := big.Slice(10, 30, 5, 25).(*mat.Dense)
		want, bound = naiveMul(av, bv)
		matMulTo(o, dv, av, bv)
		if err := sameProduct(dv, want, bound, 20); err != nil {
			t.Errorf("%s: dst overlapping b: %v", kernel, err)
		}
	}
}

func TestMatMulPanics(t *testing.T) {
	panics := func(f func()) (msg string) {
		defer func() {
			if r := recover(); r != nil {
				msg = fmt.Sprint(r)
			}
		}()
		f()
		return ""
	}
	a, b := mat.NewDense(3, 4, nil), mat.NewDense(5, 2, nil)
	for _, c := range []struct {
		f    func()
		want string
	}{
		{func() { MatMul(a, b) }, "hpc: MatMul: a is 3×4, b is 5×2"},
		{func() { MatMulTo(mat.NewDense(3, 2, nil), a, b) }, "hpc: MatMulTo: a is 3×4, b is 5×2"},
		{func() { MatMulTo(mat.NewDense(3, 3, nil), a, mat.NewDense(4, 2, nil)) }, "hpc: MatMulTo: dst is 3×3, want 3×2"},
		{func() { MatMul(nil, b) }, "hpc: MatMul: nil matrix"},
		{func() { MatMulTo(nil, a, mat.NewDense(4, 2, nil)) }, "hpc: MatMulTo: nil dst"},
	} {
		if got := panics(c.f); got != c.want {
			t.Errorf("panic %q, want %q", got, c.want)
		}
	}
}

// TestMatMulInterrupt cancels the installed context while MatMul runs a
// large product and checks that MatMul panics with ErrInterrupted within
// 200 ms: at a block boundary (from the first progress report) and in the
// middle of a block (from another goroutine, a little later).
func TestMatMulInterrupt(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("multiplies 2048×2048 matrices")
	}
	if BLAS() == "openblas" {
		t.Skip("OpenBLAS cannot be interrupted")
	}
	const n = 2048 // 17 GFLOP in 16 blocks
	rnd := rand.New(rand.NewPCG(21, 22))
	a, b := randDense(rnd, n, n, 0), randDense(rnd, n, n, 0)
	for _, delay := range []time.Duration{0, 7 * time.Millisecond} {
		t.Run(fmt.Sprintf("delay=%v", delay), func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			defer SetContext(SetContext(ctx))
			cancelled := make(chan time.Time, 1)
			stop := func() {
				cancelled <- time.Now()
				cancel()
			}
			var reports, total atomic.Int64
			defer SetProgress(SetProgress(func(task string, done, tot int) {
				reports.Store(int64(done))
				total.Store(int64(tot))
				if done != 1 {
					return
				}
				if delay == 0 {
					stop()
				} else {
					time.AfterFunc(delay, stop)
				}
			}))
			r := func() (r any) {
				defer func() { r = recover() }()
				MatMul(a, b)
				return nil
			}()
			end := time.Now()
			if err, _ := r.(error); !errors.Is(err, ErrInterrupted) {
				t.Fatalf("MatMul panicked with %v, want ErrInterrupted", r)
			}
			var at time.Time
			select {
			case at = <-cancelled:
			default:
				t.Fatal("MatMul returned before the interrupt")
			}
			lat := end.Sub(at)
			t.Logf("stopped %v after the interrupt, after %d of %d blocks", lat, reports.Load(), total.Load())
			if lat > 200*time.Millisecond {
				t.Errorf("MatMul took %v to stop after the interrupt, want ≤ 200ms", lat)
			}
			if reports.Load() >= total.Load() {
				t.Errorf("MatMul finished all %d blocks despite the interrupt", total.Load())
			}
		})
	}
}

func TestMatMulProgress(t *testing.T) {
	if BLAS() == "openblas" {
		t.Skip("OpenBLAS reports no progress")
	}
	var calls, last, total int
	prev := SetProgress(func(task string, done, tot int) {
		if task != "MatMul" {
			t.Errorf("task %q", task)
		}
		calls++
		last, total = done, tot
	})
	defer SetProgress(prev)
	defer func(prev int) { gonumBelow = prev }(gonumBelow)
	gonumBelow = 0 // a tiny product on the engine, in 4 K blocks
	const n = 8
	a, b, c := mat.NewDense(n, n, nil), mat.NewDense(n, n, nil), mat.NewDense(n, n, nil)
	o := newGemmOptions()
	o.Workers = 1
	o.KC = 2
	o.Progress = func(done, tot int) { reportProgress("MatMul", done, tot) }
	matMulTo(o, c, a, b)
	if calls != 4 || last != total || total != 4 {
		t.Errorf("progress: %d calls, last %d of %d; want 4 calls ending 4 of 4", calls, last, total)
	}
}

func TestBLASName(t *testing.T) {
	name := BLAS()
	if name != "openblas" && !strings.HasPrefix(name, "go-") {
		t.Errorf("BLAS() = %q", name)
	}
}

// FuzzMatMul checks MatMulTo against the triple loop over shapes, views,
// worker counts, kernels and block sizes.
func FuzzMatMul(f *testing.F) {
	f.Add(uint8(1), uint8(1), uint8(1), uint8(0), uint8(1), uint8(0), uint8(0), uint64(1))
	f.Add(uint8(15), uint8(17), uint8(3), uint8(2), uint8(2), uint8(1), uint8(1), uint64(2))
	f.Add(uint8(29), uint8(33), uint8(70), uint8(1), uint8(3), uint8(2), uint8(2), uint64(3))
	f.Fuzz(func(t *testing.T, m, n, k, pad, workers, kernel, blocks uint8, seed uint64) {
		mi, ni, ki := int(m%96)+1, int(n%96)+1, int(k%128)+1
		rnd := rand.New(rand.NewPCG(seed, 11))
		a := randDense(rnd, mi, ki, int(pad%4))
		b := randDense(rnd, ki, ni, int(pad/4%4))
		dst := randDense(rnd, mi, ni, int(pad/16%4))
		names := gemm.Kernels()
		bs := [][3]int{{0, 0, 0}, {1, 1, 1}, {5, 3, 7}, {20, 16, 24}}[blocks%4]
		o := &gemm.Options{Kernel: names[int(kernel)%len(names)], Workers: int(workers%3) + 1, MC: bs[0], KC: bs[1], NC: bs[2], NB: 2 * bs[2]}
		matMulTo(o, dst, a, b)
		want, bound := naiveMul(a, b)
		if err := sameProduct(dst, want, bound, ki); err != nil {
			t.Fatalf("%d×%d×%d %+v: %v", mi, ni, ki, *o, err)
		}
	})
}
