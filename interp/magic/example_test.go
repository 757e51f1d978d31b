package magic_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/gohpc/gohpc/interp/magic"
)

func ExampleParse() {
	plan, err := magic.Parse("a := hpc.SyntheticStations(50, 1)\n%timeit -n 10 -o f(a)\n!ls *.csv\na")
	if err != nil {
		panic(err)
	}
	for _, s := range plan.Segments {
		if s.Magic == nil {
			fmt.Printf("line %d: Go %q\n", s.Line, s.Code)
			continue
		}
		fmt.Printf("line %d: magic %s, options %v, args %q\n", s.Line, s.Magic.Name, s.Magic.Opts, s.Magic.Args)
	}
	// Output:
	// line 1: Go "a := hpc.SyntheticStations(50, 1)"
	// line 2: magic timeit, options map[n:10 o:], args "f(a)"
	// line 3: magic !, options map[], args "ls *.csv"
	// line 4: Go "a"
}

func ExampleParse_unknown() {
	_, err := magic.Parse("%timit f()")
	var ue *magic.UsageError
	fmt.Println(errors.As(err, &ue), err)
	// Output:
	// true line 1: Line magic function `%timit` not found. Did you mean %timeit or %time?
}

func ExampleNewTimeitResult() {
	// Seven runs of 1,000 loops each, in seconds per run.
	r := magic.NewTimeitResult(1000, []float64{1.2, 1.3, 1.25, 1.2, 1.3, 1.25, 1.25}, 0, 3)
	fmt.Println(r)
	fmt.Printf("best %.2g s per loop\n", r.Best)
	// Output:
	// 1.25 ms ± 37.8 µs per loop (mean ± std. dev. of 7 runs, 1,000 loops each)
	// best 0.0012 s per loop
}

func ExampleTimeitResult_CachedWarning() {
	r := magic.NewTimeitResult(1, []float64{0.001, 0.0099, 0.001}, 0, 3)
	fmt.Println(r.CachedWarning())
	// Output:
	// The slowest run took 9.90 times longer than the fastest. This could mean that an intermediate result is being cached.
}

func ExampleTimeReport() {
	fmt.Print(magic.TimeReport(1200*time.Millisecond, 10*time.Millisecond, 1220*time.Millisecond, 80<<20, 1024, 3))
	// Output:
	// CPU times: user 1.2 s, sys: 10 ms, total: 1.21 s
	// Wall time: 1.22 s
	// Go heap: 80.0 MiB allocated (1,024 allocations), 3 GC cycles
}

func ExampleDefaultWorkers() {
	fmt.Println(magic.DefaultWorkers(6), magic.DefaultWorkers(48))
	ws, err := magic.ParseWorkers("1,2,8")
	fmt.Println(ws, err)
	// Output:
	// [1 2 3 4 5 6] [1 2 4 8 16 32 48]
	// [1 2 8] <nil>
}
