package gemm

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"sync/atomic"
	"testing"
	"unsafe"
)

// sentinel fills the guard bands around C and the gaps between its rows; a
// kernel that writes outside the m×n region changes its bits.
var sentinel = math.Float64frombits(0x7ff8_dead_beef_0001)

// problem is one Dgemm call with its inputs laid out in padded storage.
type problem struct {
	tA, tB          bool
	m, n, k         int
	alpha, beta     float64
	lda, ldb, ldc   int
	a, b            []float64
	c               []float64 // with guards
	cOff            int       // offset of C[0][0] in c
	want            []float64 // m×n reference
	bound           []float64 // m×n error scale: |alpha|·Σ|a||b| + |beta·c|
	betaZeroHasNaNs bool
}

const guard = 37

// newProblem makes a random problem with leading dimensions padded by pad.
func newProblem(rnd *rand.Rand, tA, tB bool, m, n, k, pad int, alpha, beta float64) *problem {
	p := &problem{tA: tA, tB: tB, m: m, n: n, k: k, alpha: alpha, beta: beta}
	ar, ac := m, k
	if tA {
		ar, ac = k, m
	}
	br, bc := k, n
	if tB {
		br, bc = n, k
	}
	p.lda, p.ldb, p.ldc = max(ac+pad, 1), max(bc+pad, 1), max(n+pad, 1)
	p.a = randSlice(rnd, max(ar*p.lda, 0))
	p.b = randSlice(rnd, max(br*p.ldb, 0))
	size := 0
	if m > 0 && n > 0 {
		size = (m-1)*p.ldc + n
	}
	p.c = make([]float64, guard+size+guard)
	for i := range p.c {
		p.c[i] = sentinel
	}
	p.cOff = guard
	opA := func(i, l int) float64 {
		if tA {
			return p.a[l*p.lda+i]
		}
		return p.a[i*p.lda+l]
	}
	opB := func(l, j int) float64 {
		if tB {
			return p.b[j*p.ldb+l]
		}
		return p.b[l*p.ldb+j]
	}
	p.want = make([]float64, m*n)
	p.bound = make([]float64, m*n)
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			c0 := math.NaN() // beta = 0 must not read C
			if beta != 0 {
				c0 = rnd.Float64()*2 - 1
			}
			p.c[p.cOff+i*p.ldc+j] = c0
			var s, sa float64
			for l := 0; l < k; l++ {
				s += opA(i, l) * opB(l, j)
				sa += math.Abs(opA(i, l) * opB(l, j))
			}
			w := alpha * s
			bd := math.Abs(alpha) * sa
			if beta != 0 {
				w += beta * c0
				bd += math.Abs(beta * c0)
			}
			p.want[i*n+j] = w
			p.bound[i*n+j] = bd
		}
	}
	return p
}

func randSlice(rnd *rand.Rand, n int) []float64 {
	s := make([]float64, n)
	for i := range s {
		s[i] = rnd.Float64()*2 - 1
	}
	return s
}

func (p *problem) run(o *Options) error {
	c := p.c[p.cOff:]
	return Dgemm(o, p.tA, p.tB, p.m, p.n, p.k, p.alpha, p.a, p.lda, p.b, p.ldb, p.beta, c, p.ldc)
}

// check reports the first wrong element of C and any touched sentinel.
func (p *problem) check() error {
	inC := func(idx int) (i, j int, ok bool) {
		d := idx - p.cOff
		if d < 0 || p.m == 0 || p.n == 0 {
			return 0, 0, false
		}
		i, j = d/p.ldc, d%p.ldc
		return i, j, i < p.m && j < p.n
	}
	for idx, v := range p.c {
		i, j, ok := inC(idx)
		if !ok {
			if math.Float64bits(v) != math.Float64bits(sentinel) {
				return fmt.Errorf("guard at offset %d (row %d col %d of ldc %d) overwritten with %v", idx-p.cOff, (idx-p.cOff)/p.ldc, (idx-p.cOff)%p.ldc, p.ldc, v)
			}
			continue
		}
		want := p.want[i*p.n+j]
		tol := 1e-14*float64(p.k+4)*p.bound[i*p.n+j] + 1e-300
		if !(math.Abs(v-want) <= tol) {
			return fmt.Errorf("C[%d][%d] = %v, want %v (tol %g)", i, j, v, want, tol)
		}
	}
	return nil
}

type shape struct{ m, n, k int }

var shapes = []shape{
	{1, 1, 1}, {0, 3, 4}, {3, 0, 4}, {3, 4, 0}, {0, 0, 0}, {1, 17, 1}, {17, 1, 5},
	{15, 17, 3}, {14, 16, 8}, {6, 8, 4}, {28, 32, 300}, {29, 33, 257},
	{33, 47, 129}, {64, 64, 64}, {100, 3, 50}, {3, 100, 50}, {70, 90, 110},
}

var bigShapes = []shape{{257, 255, 513}, {300, 160, 600}}

var transposes = [][2]bool{{false, false}, {true, false}, {false, true}, {true, true}}

func forEachKernel(t *testing.T, f func(t *testing.T, name string)) {
	for _, name := range Kernels() {
		t.Run(name, func(t *testing.T) { f(t, name) })
	}
}

func TestDgemmShapes(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 2))
	pads, abs := []int{0, 3}, [][2]float64{{1, 0}, {-1.5, 1}, {0.5, -2}, {0, 0.5}}
	if raceEnabled { // the race detector slows the plain-Go paths tenfold
		pads, abs = pads[1:], abs[1:3]
	}
	forEachKernel(t, func(t *testing.T, kernel string) {
		for _, s := range shapes {
			for _, tr := range transposes {
				for _, pad := range pads {
					for _, ab := range abs {
						p := newProblem(rnd, tr[0], tr[1], s.m, s.n, s.k, pad, ab[0], ab[1])
						for _, w := range []int{1, 2, 3} {
							copyC := append([]float64(nil), p.c...)
							if err := p.run(&Options{Kernel: kernel, Workers: w}); err != nil {
								t.Fatal(err)
							}
							if err := p.check(); err != nil {
								t.Fatalf("%v tA=%v tB=%v pad=%d alpha=%v beta=%v workers=%d: %v", s, tr[0], tr[1], pad, ab[0], ab[1], w, err)
							}
							copy(p.c, copyC)
						}
					}
				}
			}
		}
	})
}

// TestDgemmBlocks uses tiny block sizes so that every loop of the nest runs
// several times and every edge case of the blocking occurs.
func TestDgemmBlocks(t *testing.T) {
	rnd := rand.New(rand.NewPCG(3, 4))
	type config struct {
		blocks [4]int // MC, KC, NC, NB
		shapes []shape
	}
	configs := []config{
		{[4]int{1, 1, 1, 1}, shapes},
		{[4]int{7, 5, 9, 20}, shapes},
		{[4]int{20, 13, 17, 40}, shapes},
		{[4]int{64, 32, 48, 96}, shapes},
	}
	if raceEnabled {
		configs = configs[1:] // 1×1 blocks: a barrier per multiply-add
	} else if !testing.Short() {
		configs = append(configs, config{[4]int{64, 32, 48, 96}, bigShapes}, config{[4]int{100, 200, 50, 150}, bigShapes})
	}
	forEachKernel(t, func(t *testing.T, kernel string) {
		for _, cf := range configs {
			bs := cf.blocks
			for _, s := range cf.shapes {
				for _, tr := range transposes {
					p := newProblem(rnd, tr[0], tr[1], s.m, s.n, s.k, 2, 1.25, 0.75)
					for _, w := range []int{1, 2, 3} {
						copyC := append([]float64(nil), p.c...)
						o := &Options{Kernel: kernel, Workers: w, MC: bs[0], KC: bs[1], NC: bs[2], NB: bs[3]}
						if err := p.run(o); err != nil {
							t.Fatal(err)
						}
						if err := p.check(); err != nil {
							t.Fatalf("%v tA=%v tB=%v blocks=%v workers=%d: %v", s, tr[0], tr[1], bs, w, err)
						}
						copy(p.c, copyC)
					}
				}
			}
		}
	})
}

// TestDgemmInterrupt checks that an error from Options.Interrupt stops the
// product and is returned, with one worker and with several.
func TestDgemmInterrupt(t *testing.T) {
	rnd := rand.New(rand.NewPCG(5, 6))
	n := 200
	a, b, c := randSlice(rnd, n*n), randSlice(rnd, n*n), make([]float64, n*n)
	stop := errors.New("stop")
	for _, w := range []int{1, 2, 3} {
		var calls atomic.Int64
		o := &Options{Workers: w, KC: 16, Interrupt: func() error {
			if calls.Add(1) > 20 {
				return stop
			}
			return nil
		}}
		if err := Dgemm(o, false, false, n, n, n, 1, a, n, b, n, 0, c, n); err != stop {
			t.Fatalf("workers=%d: Dgemm returned %v, want %v", w, err, stop)
		}
		// Workers stop at their next check: a few calls past the error.
		if got := calls.Load(); got > 20+int64(3*w) {
			t.Errorf("workers=%d: Interrupt called %d times after it failed", w, got-21)
		}
	}
}

// TestDgemmWorkerPanic checks that a panic on a worker goroutine reaches the
// caller instead of crashing the program or deadlocking the others.
func TestDgemmWorkerPanic(t *testing.T) {
	rnd := rand.New(rand.NewPCG(7, 8))
	n := 120
	a, b, c := randSlice(rnd, n*n), randSlice(rnd, n*n), make([]float64, n*n)
	for _, w := range []int{2, 3} {
		var calls atomic.Int64
		o := &Options{Workers: w, KC: 8, Interrupt: func() error {
			if calls.Add(1) == 30 {
				panic("boom")
			}
			return nil
		}}
		func() {
			defer func() {
				if r := recover(); r != "boom" {
					t.Errorf("workers=%d: recovered %v, want boom", w, r)
				}
			}()
			Dgemm(o, false, false, n, n, n, 1, a, n, b, n, 0, c, n)
		}()
	}
}

func TestDgemmProgress(t *testing.T) {
	n := 100
	a, b, c := make([]float64, n*n), make([]float64, n*n), make([]float64, n*n)
	for _, w := range []int{1, 2} {
		var calls, last, total int
		o := &Options{Workers: w, KC: 30, MC: 50, Progress: func(done, tot int) {
			calls++
			if done != last+1 {
				t.Errorf("workers=%d: progress %d after %d", w, done, last)
			}
			last, total = done, tot
		}}
		Dgemm(o, false, false, n, n, n, 1, a, n, b, n, 0, c, n)
		// 4 K blocks (100 = 4×25 rounded from 30) × 2 M blocks.
		if want := blockCount(n, 30) * blockCount(n, 50); calls != want || last != total || total != want {
			t.Errorf("workers=%d: %d calls, last %d of %d, want %d", w, calls, last, total, want)
		}
	}
}

func blockCount(total, size int) int { return ceilDiv(total, blockSize(total, size, 1)) }

func TestKernels(t *testing.T) {
	names := Kernels()
	if len(names) == 0 || names[len(names)-1] != "go-generic" {
		t.Fatalf("Kernels() = %v, want go-generic last", names)
	}
	if Kernel() != names[0] {
		t.Errorf("Kernel() = %q, want the fastest, %q", Kernel(), names[0])
	}
	for _, name := range names {
		prev, err := SetKernel(name)
		if err != nil {
			t.Fatal(err)
		}
		if Kernel() != name {
			t.Errorf("after SetKernel(%q), Kernel() = %q", name, Kernel())
		}
		SetKernel(prev)
	}
	if _, err := SetKernel("go-sse9"); err == nil {
		t.Error("SetKernel accepted an unknown kernel")
	}
	SetKernel("")
	if Kernel() != names[0] {
		t.Errorf("SetKernel(\"\") left %q", Kernel())
	}
}

func TestBufferAlignment(t *testing.T) {
	for _, n := range []int{1, 7, 100, 4096} {
		b := getBuffer(&aPool, n)
		if p := uintptr(unsafe.Pointer(&b.data[0])); p%align != 0 || len(b.data) != n {
			t.Errorf("getBuffer(%d): address %#x, length %d", n, p, len(b.data))
		}
		putBuffer(&aPool, b)
	}
}

func TestBlockSize(t *testing.T) {
	for _, c := range []struct{ total, size, mult, want int }{
		{256, 256, 1, 256}, {300, 256, 1, 300}, {330, 256, 1, 165}, {4096, 256, 1, 256},
		{1000, 1024, 14, 1008}, {5000, 4096, 16, 5008}, {6000, 4096, 16, 3008}, {1, 256, 16, 16},
	} {
		if got := blockSize(c.total, c.size, c.mult); got != c.want {
			t.Errorf("blockSize(%d, %d, %d) = %d, want %d", c.total, c.size, c.mult, got, c.want)
		}
	}
}
