package gemm

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"
)

var benchSizes = []int{256, 512, 1024, 2048, 4096}

// benchGemm times C = A·B for n×n matrices and reports GFLOP/s.
func benchGemm(b *testing.B, n int, o *Options) {
	rnd := rand.New(rand.NewPCG(42, uint64(n)))
	a, bm, c := randSlice(rnd, n*n), randSlice(rnd, n*n), make([]float64, n*n)
	Dgemm(o, false, false, n, n, n, 1, a, n, bm, n, 0, c, n) // warm the pools
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	cpu0 := threadCPU()
	b.ResetTimer()
	for b.Loop() {
		Dgemm(o, false, false, n, n, n, 1, a, n, bm, n, 0, c, n)
	}
	flops := 2 * float64(n) * float64(n) * float64(n) * float64(b.N)
	b.ReportMetric(flops/b.Elapsed().Seconds()/1e9, "GFLOP/s")
	if cpu := threadCPU() - cpu0; o.Workers == 1 && cpu > 0 {
		b.ReportMetric(flops/cpu.Seconds()/1e9, "cpuGFLOP/s")
	}
}

func BenchmarkGemm(b *testing.B) {
	for _, kernel := range Kernels() {
		for _, n := range benchSizes {
			for _, w := range []int{1, 2} {
				b.Run(fmt.Sprintf("kernel=%s/n=%d/workers=%d", kernel, n, w), func(b *testing.B) {
					benchGemm(b, n, &Options{Kernel: kernel, Workers: w})
				})
			}
		}
	}
}
