package hpc_test

import (
	"fmt"
	"math"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/gohpc/gohpc/hpc"
)

// gaussN is the talk's gauss(n): count 0..n.
const gaussN = 10_000_000

// BenchmarkGauss is the talk's Myth 1 and 2 loop, gauss(n), as a native Go
// loop, as hpc.ParallelSum, and interpreted by yaegi (a cell's loop), with
// the CPython loop and NumPy's np.ones(n+1).sum() timed in the same run.
// Every sub-benchmark reports ns/iter; the anchors report the ratios
// "x-<figure>" = anchor ns/iter / figure ns/iter (> 1: the figure is faster).
func BenchmarkGauss(b *testing.B) {
	nsPerIter := map[string]float64{}
	record := func(b *testing.B, name string, n int) {
		v := float64(b.Elapsed().Nanoseconds()) / float64(b.N) / float64(n+1)
		nsPerIter[name] = v
		b.ReportMetric(v, "ns/iter")
	}
	b.Run("go-loop", func(b *testing.B) {
		for b.Loop() {
			count := 0
			for i := 0; i <= gaussN; i++ {
				count++
			}
			if count != gaussN+1 {
				b.Fatal(count)
			}
		}
		record(b, "go-loop", gaussN)
	})
	b.Run("ParallelSum", func(b *testing.B) {
		for b.Loop() {
			if s := hpc.ParallelSum(gaussN+1, func(int) float64 { return 1 }); s != gaussN+1 {
				b.Fatal(s)
			}
		}
		record(b, "ParallelSum", gaussN)
	})
	const interpN = 1_000_000
	b.Run("interpreted", func(b *testing.B) {
		cell := newCell(b)
		if _, err := cell.Eval(`func gauss(n int) int {
	count := 0
	for i := 0; i <= n; i++ {
		count++
	}
	return count
}`); err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			if v, err := cell.Eval("gauss(" + strconv.Itoa(interpN) + ")"); err != nil || v.Int() != interpN+1 {
				b.Fatal(v, err)
			}
		}
		record(b, "interpreted", interpN)
	})
	b.Run("interpreted-ParallelSum", func(b *testing.B) {
		cell := newCell(b)
		for b.Loop() {
			if v, err := cell.Eval(`hpc.ParallelSum(` + strconv.Itoa(interpN+1) + `, func(i int) float64 { return 1 })`); err != nil || v.Float() != interpN+1 {
				b.Fatal(v, err)
			}
		}
		record(b, "interpreted-ParallelSum", interpN)
	})
	ratios := func(b *testing.B, anchor string, v float64) {
		b.ReportMetric(v, "ns/iter")
		msg := fmt.Sprintf("gauss: %s %.3g ns/iter;", anchor, v)
		for _, f := range []string{"go-loop", "ParallelSum", "interpreted", "interpreted-ParallelSum"} {
			if g := nsPerIter[f]; g > 0 {
				b.ReportMetric(v/g, "x-"+f)
				msg += fmt.Sprintf(" %s %.3g ns/iter = %.3g×;", f, g, v/g)
			}
		}
		hpc.AnchorLog(b, "%s", msg)
	}
	b.Run("anchor=cpython", func(b *testing.B) {
		out := hpc.RunAnchor(b, nil, "interp_python.py", "5000000", "3")
		ratios(b, "CPython", hpc.AnchorFloat(b, out, "gauss_ns_per_iter"))
	})
	b.Run("anchor=numpy", func(b *testing.B) {
		out := hpc.RunAnchor(b, []string{"numpy"}, "sum_numpy.py", strconv.Itoa(gaussN), "3")
		ratios(b, "NumPy", hpc.AnchorFloat(b, out, "gauss_ns_per_elem"))
	})
}

// uniform is a stateless uniform [0, 1) generator: splitmix64 of the index,
// so that a parallel sum draws the same numbers in any order.
func uniform(i int) float64 {
	z := uint64(i)*0x9e3779b97f4a7c15 + 0x6a09e667f3bcc909
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	z ^= z >> 31
	return float64(z>>11) * 0x1p-53
}

// BenchmarkSumRandom is the talk's memory rumor: the sum of n uniform random
// numbers. hpc.ParallelSum streams them (no allocation); NumPy allocates them
// all at once (n*8 bytes) or draws them in rows, timed in the same run.
func BenchmarkSumRandom(b *testing.B) {
	const n = 1 << 24
	var goNs float64
	b.Run("ParallelSum", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if s := hpc.ParallelSum(n, uniform); math.Abs(s/n-0.5) > 1e-3 {
				b.Fatal(s / n)
			}
		}
		goNs = float64(b.Elapsed().Nanoseconds()) / float64(b.N) / n
		b.ReportMetric(goNs, "ns/elem")
	})
	b.Run("anchor=numpy", func(b *testing.B) {
		out := hpc.RunAnchor(b, []string{"numpy"}, "sum_numpy.py", strconv.Itoa(n), "3")
		alloc := hpc.AnchorFloat(b, out, "alloc_ns_per_elem")
		stream := hpc.AnchorFloat(b, out, "stream_ns_per_elem")
		b.ReportMetric(alloc, "ns/elem")
		b.ReportMetric(hpc.AnchorFloat(b, out, "alloc_bytes")/(1<<20), "alloc-MiB")
		if goNs > 0 {
			b.ReportMetric(alloc/goNs, "x-alloc")
			b.ReportMetric(stream/goNs, "x-stream")
			hpc.AnchorLog(b, "sum of %d random numbers: NumPy all at once %.3g ns/elem (%d MiB), in rows %.3g ns/elem; ParallelSum %.3g ns/elem (no allocation) = %.3g× and %.3g×",
				n, alloc, n*8>>20, stream, goNs, alloc/goNs, stream/goNs)
		}
	})
}

// interpBody is the work of one index of the interpreted ParallelFor
// benchmark: a float loop, as a cell would write it.
const interpBody = `func body(i int) {
	x := 0.0
	for j := 0; j < 10000; j++ {
		x = x*0.999999 + 1.0
	}
	out[i] = x
}`

// BenchmarkInterpretedParallelFor runs a yaegi-interpreted closure on
// hpc.ParallelFor with 1, 2, … workers, and the same body compiled, and
// reports the speed-up of each worker count over one worker; the CPython
// anchor runs the talk's gauss loop on 1 and 2 threads (the GIL) in the same
// run. Worker counts alternate within each iteration and the best time of
// each counts, which keeps the ratio steady on a busy machine.
func BenchmarkInterpretedParallelFor(b *testing.B) {
	const n = 64
	cell := newCell(b)
	if _, err := cell.Eval("var out = make([]float64, " + strconv.Itoa(n) + ")\n" + interpBody); err != nil {
		b.Fatal(err)
	}
	out := make([]float64, n)
	native := func(i int) {
		x := 0.0
		for j := 0; j < 200000; j++ {
			x = x*0.999999 + 1.0
		}
		out[i] = x
	}
	maxW := max(2, runtime.GOMAXPROCS(0))
	var interp2 float64
	for _, body := range []struct {
		name string
		run  func() error
	}{
		{"interpreted", func() error { _, err := cell.Eval("hpc.ParallelFor(len(out), body)"); return err }},
		{"native", func() error { hpc.ParallelFor(n, native); return nil }},
	} {
		b.Run(body.name, func(b *testing.B) {
			bestT := make([]time.Duration, maxW+1)
			for b.Loop() {
				for w := 1; w <= maxW; w++ {
					prev := hpc.SetWorkers(w)
					t0 := time.Now()
					err := body.run()
					dt := time.Since(t0)
					hpc.SetWorkers(prev)
					if err != nil {
						b.Fatal(err)
					}
					if bestT[w] == 0 || dt < bestT[w] {
						bestT[w] = dt
					}
				}
			}
			b.ReportMetric(float64(bestT[1].Nanoseconds())/1e6, "ms-1w")
			for w := 2; w <= maxW; w++ {
				sp := float64(bestT[1]) / float64(bestT[w])
				b.ReportMetric(sp, fmt.Sprintf("speedup-%dw", w))
				if w == 2 && body.name == "interpreted" {
					interp2 = sp
				}
			}
		})
	}
	b.Run("anchor=cpython-threads", func(b *testing.B) {
		out := hpc.RunAnchor(b, nil, "interp_python.py", "3000000", "3")
		py := hpc.AnchorFloat(b, out, "speedup_2_threads")
		b.ReportMetric(py, "speedup-2w")
		if interp2 > 0 {
			b.ReportMetric(interp2/py, "x-speedup")
			hpc.AnchorLog(b, "2 workers over 1: interpreted closures on hpc.ParallelFor %.2f×, CPython threads %.2f× (GIL)", interp2, py)
		}
	})
}
