package interp

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

// gaussLoop is the loop timed interpreted, native and in CPython: the sum
// of i*i/(i+1) over n iterations, floats.
const gaussLoop = `func GaussLoop(n int) float64 {
	s := 0.0
	for i := 0; i < n; i++ {
		x := float64(i)
		s += x * x / (x + 1)
	}
	return s
}`

// BenchmarkNativeLoop times one float loop of 10⁶ iterations compiled by
// %%native against the same loop interpreted, and reports ns per
// iteration of each and the ratio (and against CPython when python3 is
// installed).
func BenchmarkNativeLoop(b *testing.B) {
	const n = 1_000_000
	s := newSession(b)
	if ok, why := s.NativeStatus(); !ok {
		b.Skipf("native cells unavailable here: %s", why)
	}
	if r := runCell(b, s, "%%native\n"+gaussLoop); r.err != nil {
		b.Fatalf("%s: %s", r.err.Name, r.err.Value)
	}
	if r := runCell(b, s, strings.Replace(gaussLoop, "GaussLoop", "GaussLoopI", 1)); r.err != nil {
		b.Fatalf("%s: %s", r.err.Name, r.err.Value)
	}
	ctx := context.Background()
	timeCall := func(call string, reps int) time.Duration {
		fn, err := s.Compile(ctx, call, 1)
		if err != nil {
			b.Fatal(err)
		}
		best := time.Duration(1 << 62)
		for range reps {
			t0 := time.Now()
			if err := fn(); err != nil {
				b.Fatal(err)
			}
			best = min(best, time.Since(t0))
		}
		return best
	}
	var native, interp time.Duration
	for b.Loop() {
		native = timeCall(fmt.Sprintf("GaussLoop(%d)", n), 20)
		interp = timeCall(fmt.Sprintf("GaussLoopI(%d)", n), 2)
	}
	nsN := float64(native.Nanoseconds()) / n
	nsI := float64(interp.Nanoseconds()) / n
	b.ReportMetric(nsN, "ns/iter-native")
	b.ReportMetric(nsI, "ns/iter-interp")
	b.ReportMetric(nsI/nsN, "speedup")
	if py := pythonLoopNs(n); py > 0 {
		b.ReportMetric(py, "ns/iter-cpython")
		b.ReportMetric(py/nsN, "speedup-vs-cpython")
	}
}

// pythonLoopNs times the loop in CPython, 0 if python3 is missing.
func pythonLoopNs(n int) float64 {
	py, err := exec.LookPath("python3")
	if err != nil {
		return 0
	}
	prog := `import time
def f(n):
    s = 0.0
    for i in range(n):
        x = float(i)
        s += x * x / (x + 1)
    return s
best = min((lambda t0: (f(` + strconv.Itoa(n) + `), time.perf_counter() - t0)[1])(time.perf_counter()) for _ in range(3))
print(best * 1e9 / ` + strconv.Itoa(n) + `)`
	out, err := exec.Command(py, "-c", prog).Output()
	if err != nil {
		return 0
	}
	v, _ := strconv.ParseFloat(strings.TrimSpace(string(out)), 64)
	return v
}

// TestNativeLatency logs the compile latency of %%native cells (the first
// one in the process, then warm) and the memory each compile keeps (Go
// plugins cannot be unloaded). GOHPC_NATIVE_LATENCY=1 runs it.
func TestNativeLatency(t *testing.T) {
	if os.Getenv("GOHPC_NATIVE_LATENCY") == "" {
		t.Skip("set GOHPC_NATIVE_LATENCY=1 to measure compile latency and memory")
	}
	s := nativeSession(t)
	rss := func() float64 {
		b, _ := os.ReadFile("/proc/self/statm")
		f := strings.Fields(string(b))
		if len(f) < 2 {
			return 0
		}
		p, _ := strconv.ParseFloat(f[1], 64)
		return p * float64(os.Getpagesize()) / (1 << 20)
	}
	const k = 10
	var times []time.Duration
	runtime.GC()
	m0 := rss()
	for i := range k {
		t0 := time.Now()
		code := fmt.Sprintf("%%%%native\nimport \"gonum.org/v1/gonum/floats\"\nfunc F%d(x []float64) float64 { return floats.Sum(x) + %d }", i, i)
		if r := runCell(t, s, code); r.err != nil {
			t.Fatalf("%s: %s", r.err.Name, r.err.Value)
		}
		times = append(times, time.Since(t0))
	}
	runtime.GC()
	t.Logf("compile times: %v", times)
	t.Logf("RSS: %.1f MiB over %d compiles: %.2f MiB a compile", rss()-m0, k, (rss()-m0)/k)
}
