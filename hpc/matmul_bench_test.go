package hpc

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
	"gonum.org/v1/gonum/mat"

	"github.com/gohpc/gohpc/hpc/internal/gemm"
)

// The matrix-product benchmarks: C = A·B for n×n matrices on 1 and 2
// workers, with every micro-kernel this CPU runs, gonum's pure-Go BLAS, and
// (built with -tags openblas) OpenBLAS through cgo. NumPy's matmul (OpenBLAS,
// testdata/anchors/gemm_numpy.py run by /usr/bin/python3) is timed in the
// same run, just before the first Go product of each size and worker count,
// and every result is reported as a ratio to it. GFLOP/s are from the median
// time per product on both sides (the xNumPy metric is their ratio): the
// machines are shared, and the median shrugs off a descheduled worker.
// Contention only ever slows a product down, so the ratio of the best times
// (bestxNumPy) is the steadier figure when the machine is busy.
//
// MATMUL_SIZES (e.g. "256 1024 2048") replaces the default sizes.

const (
	pythonPath  = "/usr/bin/python3"
	numpyScript = "testdata/anchors/gemm_numpy.py"
	// gonumMaxN is the largest n timed with gonum's BLAS (n = 4096 takes
	// ten seconds a product there).
	gonumMaxN = 2048
)

var matmulSizes = []int{256, 512, 1024, 2048, 4096}

func benchSizes(b *testing.B) []int {
	env := os.Getenv("MATMUL_SIZES")
	if env == "" {
		return matmulSizes
	}
	var sizes []int
	for _, f := range strings.Fields(env) {
		var n int
		if _, err := fmt.Sscan(f, &n); err != nil || n <= 0 {
			b.Fatalf("MATMUL_SIZES: bad size %q", f)
		}
		sizes = append(sizes, n)
	}
	return sizes
}

// benchImpl is one way of computing dst = a·b with a given worker count.
type benchImpl struct {
	name string
	mul  func(workers int) func(dst, a, b *mat.Dense)
	maxN int // 0: no limit
}

func benchImpls() []benchImpl {
	var impls []benchImpl
	for _, k := range gemm.Kernels() {
		if k == "go-generic" && len(gemm.Kernels()) > 1 {
			continue
		}
		impls = append(impls, benchImpl{name: k, mul: func(w int) func(dst, a, b *mat.Dense) {
			o := &gemm.Options{Kernel: k, Workers: w}
			if BLAS() != "openblas" {
				return func(dst, a, b *mat.Dense) { matMulTo(o, dst, a, b) }
			}
			// With the openblas tag matMulTo calls OpenBLAS: call the
			// engine directly.
			return func(dst, a, b *mat.Dense) {
				ra, rb, rc := a.RawMatrix(), b.RawMatrix(), dst.RawMatrix()
				gemm.Dgemm(o, false, false, ra.Rows, rb.Cols, ra.Cols, 1, ra.Data, ra.Stride, rb.Data, rb.Stride, 0, rc.Data, rc.Stride)
			}
		}})
	}
	if BLAS() == "openblas" {
		impls = append(impls, benchImpl{name: "openblas-cgo", mul: func(w int) func(dst, a, b *mat.Dense) {
			o := &gemm.Options{Workers: w}
			return func(dst, a, b *mat.Dense) { matMulTo(o, dst, a, b) }
		}})
	}
	impls = append(impls, benchImpl{name: "gonum", maxN: gonumMaxN, mul: func(w int) func(dst, a, b *mat.Dense) {
		// gonum's Dgemm uses GOMAXPROCS goroutines.
		return func(dst, a, b *mat.Dense) {
			prev := runtime.GOMAXPROCS(w)
			defer runtime.GOMAXPROCS(prev)
			ra, rb, rc := a.RawMatrix(), b.RawMatrix(), dst.RawMatrix()
			gonum.Implementation{}.Dgemm(blas.NoTrans, blas.NoTrans, ra.Rows, rb.Cols, ra.Cols, 1, ra.Data, ra.Stride, rb.Data, rb.Stride, 0, rc.Data, rc.Stride)
		}
	}})
	return impls
}

// numpyRunner times NumPy's matmul once per size and thread count.
type numpyRunner struct {
	mu      sync.Mutex
	missing string // why NumPy cannot run, once known
	checked bool
	gflops  map[[2]int][2]float64 // median, best
}

// run returns NumPy's median and best GFLOP/s for n×n on threads OpenBLAS
// threads, or zeros if NumPy is missing (logged once).
func (r *numpyRunner) run(b *testing.B, n, threads int) (med, best float64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.checked {
		r.checked = true
		if out, err := exec.Command(pythonPath, "-c", "import numpy").CombinedOutput(); err != nil {
			r.missing = fmt.Sprintf("%s cannot import numpy (%v: %s): no NumPy ratios; apt-get install python3-numpy", pythonPath, err, strings.TrimSpace(string(out)))
			b.Log(r.missing)
		}
	}
	if r.missing != "" {
		return 0, 0
	}
	key := [2]int{n, threads}
	if g, ok := r.gflops[key]; ok {
		return g[0], g[1]
	}
	// About a second of products, at least 3.
	est := 2 * float64(n) * float64(n) * float64(n) / (25e9 * float64(threads))
	reps := min(max(int(1/est), 3), 100)
	cmd := exec.Command(pythonPath, numpyScript, fmt.Sprint(n), fmt.Sprint(reps))
	cmd.Env = append(os.Environ(), fmt.Sprintf("OPENBLAS_NUM_THREADS=%d", threads))
	out, err := cmd.Output()
	if err != nil {
		b.Fatalf("%s %s: %v", pythonPath, numpyScript, err)
	}
	var res struct {
		Gflops []float64 `json:"gflops"`
	}
	if err := json.Unmarshal(out, &res); err != nil || len(res.Gflops) == 0 {
		b.Fatalf("%s: bad output %q: %v", numpyScript, out, err)
	}
	g := [2]float64{median(res.Gflops), slices.Max(res.Gflops)}
	if r.gflops == nil {
		r.gflops = map[[2]int][2]float64{}
	}
	r.gflops[key] = g
	return g[0], g[1]
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// BenchmarkMatMul is the comparison with NumPy; see the top of this file.
// It ends by printing a table of the results to standard output (a parent
// benchmark's log shows only with -v).
func BenchmarkMatMul(b *testing.B) {
	var np numpyRunner
	impls := benchImpls()
	type key struct {
		n, w int
		impl string
	}
	gf := map[key][2]float64{} // median and best GFLOP/s
	sizes := benchSizes(b)
	for _, n := range sizes {
		rnd := rand.New(rand.NewPCG(42, uint64(n)))
		a, bm := randDense(rnd, n, n, 0), randDense(rnd, n, n, 0)
		dst := mat.NewDense(n, n, nil)
		for _, w := range []int{1, 2} {
			for _, im := range impls {
				if im.maxN > 0 && n > im.maxN {
					continue
				}
				warm := false
				b.Run(fmt.Sprintf("n=%d/workers=%d/impl=%s", n, w, im.name), func(b *testing.B) {
					ref, refBest := np.run(b, n, w)
					mul := im.mul(w)
					if !warm { // page faults, pools, thread start
						mul(dst, a, bm)
						warm = true
					}
					ts := make([]float64, 0, 64)
					for b.Loop() {
						t0 := time.Now()
						mul(dst, a, bm)
						ts = append(ts, time.Since(t0).Seconds())
					}
					// At least 3 products for the median, as on NumPy's side
					// (large n: b.Loop stops after one).
					for len(ts) < 3 {
						t0 := time.Now()
						mul(dst, a, bm)
						ts = append(ts, time.Since(t0).Seconds())
					}
					flop := 2 * float64(n) * float64(n) * float64(n) / 1e9
					g, best := flop/median(ts), flop/slices.Min(ts)
					b.ReportMetric(g, "GFLOP/s")
					if ref > 0 {
						b.ReportMetric(ref, "numpyGFLOP/s")
						b.ReportMetric(g/ref, "xNumPy")
						b.ReportMetric(best/refBest, "bestxNumPy")
						gf[key{n, w, "numpy"}] = [2]float64{ref, refBest}
					}
					gf[key{n, w, im.name}] = [2]float64{g, best}
				})
			}
		}
	}

	// The table: GFLOP/s, (ratio to NumPy), and the 2-worker speed-up.
	var sb strings.Builder
	fmt.Fprintf(&sb, "MatMul, n×n float64: median GFLOP/s (ratio to NumPy/OpenBLAS timed in this run: of medians / of best times)\n")
	fmt.Fprintf(&sb, "%6s %2s %8s", "n", "w", "numpy")
	for _, im := range impls {
		fmt.Fprintf(&sb, " %24s", im.name)
	}
	sb.WriteString("\n")
	for _, n := range sizes {
		for _, w := range []int{1, 2} {
			ref := gf[key{n, w, "numpy"}]
			fmt.Fprintf(&sb, "%6d %2d %8.1f", n, w, ref[0])
			for _, im := range impls {
				g, ok := gf[key{n, w, im.name}]
				switch {
				case !ok:
					fmt.Fprintf(&sb, " %24s", "-")
				case ref[0] > 0:
					fmt.Fprintf(&sb, " %9.1f (%.2f× / %.2f×)", g[0], g[0]/ref[0], g[1]/ref[1])
				default:
					fmt.Fprintf(&sb, " %24.1f", g[0])
				}
			}
			sb.WriteString("\n")
		}
	}
	sb.WriteString("speed-up on 2 workers (median GFLOP/s, w=2 / w=1)\n")
	for _, n := range sizes {
		fmt.Fprintf(&sb, "%6d %2s", n, "")
		for _, name := range append([]string{"numpy"}, implNames(impls)...) {
			g1, g2 := gf[key{n, 1, name}][0], gf[key{n, 2, name}][0]
			if g1 > 0 && g2 > 0 {
				fmt.Fprintf(&sb, " %s %.2f", name, g2/g1)
			}
		}
		sb.WriteString("\n")
	}
	fmt.Print(sb.String())
}

func implNames(impls []benchImpl) []string {
	names := make([]string, len(impls))
	for i, im := range impls {
		names[i] = im.name
	}
	return names
}
