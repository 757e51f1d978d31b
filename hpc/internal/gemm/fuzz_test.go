package gemm

import (
	"math/rand/v2"
	"testing"
)

// FuzzDgemm checks Dgemm against the triple loop, with guard bands around
// C, over shapes, transposes, alpha and beta, padding, workers, kernels and
// block sizes.
func FuzzDgemm(f *testing.F) {
	f.Add(uint8(1), uint8(1), uint8(1), uint8(0), uint8(0), uint8(1), uint8(0), uint8(0), uint64(1))
	f.Add(uint8(15), uint8(17), uint8(3), uint8(2), uint8(3), uint8(2), uint8(1), uint8(1), uint64(2))
	f.Add(uint8(29), uint8(33), uint8(70), uint8(1), uint8(13), uint8(3), uint8(2), uint8(2), uint64(3))
	f.Fuzz(func(t *testing.T, m, n, k, pad, flags, workers, kernel, blocks uint8, seed uint64) {
		rnd := rand.New(rand.NewPCG(seed, 17))
		tA, tB := flags&1 != 0, flags&2 != 0
		alpha := []float64{1, -0.5, 0, 2}[flags>>2&3]
		beta := []float64{0, 1, -1.5, 0.25}[flags>>4&3]
		p := newProblem(rnd, tA, tB, int(m%80), int(n%80), int(k%100), int(pad%5), alpha, beta)
		names := Kernels()
		bs := [][4]int{{0, 0, 0, 0}, {1, 1, 1, 1}, {5, 3, 7, 14}, {20, 16, 24, 48}}[blocks%4]
		o := &Options{Kernel: names[int(kernel)%len(names)], Workers: int(workers%3) + 1, MC: bs[0], KC: bs[1], NC: bs[2], NB: bs[3]}
		if err := p.run(o); err != nil {
			t.Fatal(err)
		}
		if err := p.check(); err != nil {
			t.Fatalf("%d×%d×%d tA=%v tB=%v alpha=%v beta=%v %+v: %v", p.m, p.n, p.k, tA, tB, alpha, beta, *o, err)
		}
	})
}
