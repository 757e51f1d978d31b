package hpc_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"sync"
	"time"

	"github.com/gohpc/gohpc/hpc"
)

func ExampleParallelFor() {
	// Each index is visited exactly once, on up to Workers() goroutines;
	// bodies writing to distinct elements need no lock.
	squares := make([]int, 8)
	hpc.ParallelFor(len(squares), func(i int) { squares[i] = i * i })
	fmt.Println(squares)
	// Output: [0 1 4 9 16 25 36 49]
}

func ExampleParallelRange() {
	// Contiguous chunks: a body can keep a running value over its chunk.
	xs := make([]float64, 1000)
	hpc.ParallelRange(len(xs), func(lo, hi int) {
		for i := lo; i < hi; i++ {
			xs[i] = math.Sqrt(float64(i))
		}
	})
	fmt.Println(xs[0], xs[9], xs[999] > 31.6)
	// Output: 0 3 true
}

func ExampleParallelSum() {
	// The talk's gauss(n): count 0..n. The result does not depend on the
	// number of workers.
	n := 10_000_000
	count := hpc.ParallelSum(n+1, func(i int) float64 { return 1 })
	fmt.Println(count)
	// Output: 1.0000001e+07
}

func ExampleParallelMap() {
	out := hpc.ParallelMap([]float64{1, 4, 9}, math.Sqrt)
	fmt.Println(out)
	// Output: [1 2 3]
}

func ExampleNewPool() {
	// A pool of its own, for a fixed number of workers.
	p := hpc.NewPool(2)
	sum := p.Sum(100, func(i int) float64 { return float64(i) })
	prev := p.SetWorkers(1)
	same := p.Sum(100, func(i int) float64 { return float64(i) })
	fmt.Println(sum, same, prev, p.Workers())
	// Output: 4950 4950 2 1
}

func ExamplePanicError() {
	// A panic in a body stops the call and panics in the caller with a
	// *PanicError naming the index.
	defer func() {
		pe := recover().(*hpc.PanicError)
		fmt.Println(pe.Index, pe)
	}()
	hpc.ParallelFor(100, func(i int) {
		if i == 42 {
			panic("bad sample")
		}
	})
	// Output: 42 hpc: ParallelFor: panic at index 42: bad sample
}

func ExampleSetContext() {
	// The kernel installs each cell's context; an interrupt cancels it and
	// long calls stop between chunks: the pool panics with ErrInterrupted,
	// the locators return it.
	ctx, cancel := context.WithCancel(context.Background())
	prev := hpc.SetContext(ctx)
	defer hpc.SetContext(prev)
	cancel()
	defer func() { fmt.Println(recover() == hpc.ErrInterrupted) }()
	hpc.ParallelFor(1_000_000, func(i int) {})
	// Output: true
}

func ExampleLocate() {
	// Three stations above the datum, and one event: a source at
	// (4, 6, 2) km with amplitude 3, observed without noise.
	stations := []hpc.Station{
		{Name: "s1", X: 1.5, Y: 2.5, Z: -0.2},
		{Name: "s2", X: 8.5, Y: 3.5, Z: -0.3},
		{Name: "s3", X: 5.5, Y: 9.5, Z: -0.1},
	}
	const B = 0.05 // attenuation, 1/km
	amp := make([]float64, len(stations))
	for s, st := range stations {
		r := math.Sqrt((4-st.X)*(4-st.X) + (6-st.Y)*(6-st.Y) + (2-st.Z)*(2-st.Z))
		amp[s] = 3 * math.Exp(-B*r) / r
	}
	events := []hpc.Event{{ID: "quake", Amp: amp}}
	grid := hpc.Grid{
		X: hpc.Axis{Start: 0, Stop: 10, Step: 1},
		Y: hpc.Axis{Start: 0, Stop: 10, Step: 1},
		Z: hpc.Axis{Start: 0, Stop: 5, Step: 0.5},
		A: hpc.Axis{Start: 1, Stop: 5, Step: 0.5},
	}
	locs, err := hpc.Locate(stations, events, grid, B)
	if err != nil {
		fmt.Println(err)
		return
	}
	l := locs[0]
	fmt.Printf("%s: x=%g y=%g z=%g A=%g misfit=%.3g%%\n", l.Event, l.X, l.Y, l.Z, l.A, l.Misfit)
	// Output: quake: x=4 y=6 z=2 A=3 misfit=0%
}

func ExampleLocateExhaustive() {
	stations := hpc.SyntheticStations(8, 1)
	events, truth := hpc.SyntheticEvents(stations, 3, 0.05, 0.01, 2)
	grid := hpc.Grid{
		X: hpc.Axis{Start: 0, Stop: 20, Step: 1},
		Y: hpc.Axis{Start: 0, Stop: 20, Step: 1},
		Z: hpc.Axis{Start: 0, Stop: 10, Step: 1},
		A: hpc.Axis{Start: 1, Stop: 10, Step: 1},
	}
	exh, _ := hpc.LocateExhaustive(stations, events, grid, 0.05)
	fast, _ := hpc.Locate(stations, events, grid, 0.05)
	for i, l := range exh {
		t := truth[i]
		fmt.Printf("event %s: true (%.1f, %.1f, %.1f) found (%g, %g, %g), same as Locate: %v\n",
			l.Event, t.X, t.Y, t.Z, l.X, l.Y, l.Z, l == fast[i])
	}
	// Output:
	// event 0: true (15.1, 13.8, 3.2) found (15, 14, 4), same as Locate: true
	// event 1: true (6.5, 5.8, 2.5) found (6, 4, 5), same as Locate: true
	// event 2: true (4.7, 17.5, 5.5) found (5, 17, 3), same as Locate: true
}

func ExampleLocate_errors() {
	// Bad input gives an error, never NaN.
	st := []hpc.Station{{Name: "s1", X: 2, Y: 2, Z: 0}}
	ev := []hpc.Event{{ID: "e1", Amp: []float64{1}}}
	g := hpc.Grid{X: hpc.Axis{Start: 0, Stop: 4, Step: 1}, Y: hpc.Axis{Start: 0, Stop: 4, Step: 1},
		Z: hpc.Axis{Start: 0, Stop: 2, Step: 1}, A: hpc.Axis{Start: 1, Stop: 2, Step: 0}}
	_, err := hpc.Locate(st, ev, g, 0.05)
	fmt.Println(err)
	g.A.Step = 0.5
	_, err = hpc.Locate(st, ev, g, 0.05)
	fmt.Println(err)
	st[0].Z = -0.5
	_, err = hpc.Locate(st, []hpc.Event{{ID: "e2", Amp: []float64{1, math.NaN()}}}, g, 0.05)
	fmt.Println(err)
	// Output:
	// hpc: Locate: grid axis A: step 0 is not positive
	// hpc: Locate: grid point (2, 2, 0) lies on station 0 ("s1"): distance 0
	// hpc: Locate: event 0 ("e2"): 2 amplitudes for 1 stations
}

func ExampleReadStations() {
	csv := `name,x,y,z
s1,5.092,6.702,-0.499
s2,13.173,8.04,-0.266
`
	st, err := hpc.ReadStations(strings.NewReader(csv))
	fmt.Println(st, err)
	_, err = hpc.ReadStations(strings.NewReader("name,x,y,z\ns1,1,2,3\ns2,1,two,3\n"))
	fmt.Println(err)
	// Output:
	// [{s1 5.092 6.702 -0.499} {s2 13.173 8.04 -0.266}] <nil>
	// hpc: ReadStations: line 3, column 6: station "s2": y: "two" is not a number
}

func ExampleReadEvents() {
	st := []hpc.Station{{Name: "s1"}, {Name: "s2"}}
	// Columns may come in any order; amplitudes are returned in station order.
	ev, err := hpc.ReadEvents(strings.NewReader("event,s2,s1\ne1,0.2,0.1\n"), st)
	fmt.Println(ev, err)
	_, err = hpc.ReadEvents(strings.NewReader("event,s1,s3\n"), st)
	fmt.Println(err)
	// Output:
	// [{e1 [0.1 0.2]}] <nil>
	// hpc: ReadEvents: line 1, column 10: header: column "s3" names no station
}

func ExampleAxis_Values() {
	v, _ := hpc.Axis{Start: 0.5, Stop: 2, Step: 0.5}.Values() // Stop included
	fmt.Println(v)
	_, err := hpc.Axis{Start: 2, Stop: 1, Step: 0.5}.Values()
	fmt.Println(err, errors.Unwrap(err) == nil)
	// Output:
	// [0.5 1 1.5 2]
	// inverted: stop 1 < start 2 true
}

func ExampleSetWorkers() {
	// The package-level functions, Locate and LocateExhaustive use the
	// default pool; SetWorkers returns the previous count, and n ≤ 0 means
	// GOMAXPROCS.
	prev := hpc.SetWorkers(1)
	fmt.Println(hpc.Workers())
	hpc.SetWorkers(prev)
	fmt.Println(hpc.Workers() == prev)
	// Output:
	// 1
	// true
}

func ExamplePool_Map() {
	p := hpc.NewPool(2)
	fmt.Println(p.Map([]float64{0, 1, 2}, func(x float64) float64 { return x * 10 }))
	// Output: [0 10 20]
}

func ExamplePool_Range() {
	// Each chunk keeps a running sum, then adds it to its slot: chunks are
	// contiguous and disjoint.
	p := hpc.NewPool(2)
	xs := make([]int, 100)
	p.Range(len(xs), func(lo, hi int) {
		for i := lo; i < hi; i++ {
			xs[i] = i
		}
	})
	fmt.Println(xs[0], xs[50], xs[99])
	// Output: 0 50 99
}

func ExampleSetProgress() {
	// Long calls report (task, done, total) once per chunk after their first
	// 100 ms, from any worker, and end with done == total.
	var mu sync.Mutex
	var last string
	prev := hpc.SetProgress(func(task string, done, total int) {
		mu.Lock()
		last = fmt.Sprintf("%s %d/%d", task, done, total)
		mu.Unlock()
	})
	defer hpc.SetProgress(prev)
	hpc.NewPool(2).For(300, func(int) { time.Sleep(time.Millisecond) })
	fmt.Println(last)
	// Output: ParallelFor 300/300
}
