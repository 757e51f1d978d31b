package gemm

import (
	"fmt"
	"runtime"
	"testing"
)

// BenchmarkMicroKernel times full micro-tiles over one KC block with the
// packed operands in cache: the ceiling the blocked product can reach.
func BenchmarkMicroKernel(b *testing.B) {
	for _, name := range Kernels() {
		k := lookup(name)
		for _, kc := range []int{128, 256, 384} {
			b.Run(fmt.Sprintf("kernel=%s/kc=%d", name, kc), func(b *testing.B) {
				const panels = 8
				ap := getBuffer(&aPool, k.mr*kc).data
				bp := getBuffer(&bPool, panels*k.nr*kc).data
				for i := range ap {
					ap[i] = 1
				}
				for i := range bp {
					bp[i] = 1e-9
				}
				c := make([]float64, k.mr*k.nr*panels)
				fn := k.fns[k.mr]
				runtime.LockOSThread()
				defer runtime.UnlockOSThread()
				cpu0 := threadCPU()
				b.ResetTimer()
				for b.Loop() {
					for p := 0; p < panels; p++ {
						fn(kc, &ap[0], &bp[p*k.nr*kc], &c[p*k.nr], k.nr*panels, 1)
					}
				}
				flops := 2 * float64(k.mr*k.nr*kc*panels) * float64(b.N)
				b.ReportMetric(flops/b.Elapsed().Seconds()/1e9, "GFLOP/s")
				if cpu := threadCPU() - cpu0; cpu > 0 {
					b.ReportMetric(flops/cpu.Seconds()/1e9, "cpuGFLOP/s")
				}
			})
		}
	}
}
