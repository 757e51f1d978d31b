package magic

import (
	"context"
	"errors"
	"math"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gohpc/gohpc/display"
	"github.com/gohpc/gohpc/internal/testclock"
)

func TestTimeitResultString(t *testing.T) {
	for _, tc := range []struct {
		name  string
		loops int
		runs  []float64 // seconds per run
		prec  int
		want  string
	}{
		{"ipython example", 1000, []float64{1.2, 1.3, 1.25, 1.2, 1.3, 1.25, 1.25}, 3,
			"1.25 ms ± 37.8 µs per loop (mean ± std. dev. of 7 runs, 1,000 loops each)"},
		{"one run one loop", 1, []float64{2.5}, 3,
			"2.5 s ± 0 ns per loop (mean ± std. dev. of 1 run, 1 loop each)"},
		{"nanoseconds", 10000000, []float64{0.0826, 0.0826}, 3,
			"8.26 ns ± 0 ns per loop (mean ± std. dev. of 2 runs, 10,000,000 loops each)"},
		{"precision", 10, []float64{0.0123456, 0.0123456, 0.0123456}, 5,
			"1.2346 ms ± 0 ns per loop (mean ± std. dev. of 3 runs, 10 loops each)"},
		{"minutes", 1, []float64{65, 75}, 3,
			"1min 10s ± 5 s per loop (mean ± std. dev. of 2 runs, 1 loop each)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := NewTimeitResult(tc.loops, tc.runs, 0, tc.prec)
			if got := r.String(); got != tc.want {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
}

func TestTimeitResultStats(t *testing.T) {
	r := NewTimeitResult(10, []float64{1, 2, 3}, 0.5, 3)
	want := TimeitResult{Loops: 10, Repeat: 3, Best: 0.1, Worst: 0.3, All: []float64{0.1, 0.2, 0.3},
		Average: 0.2, Stdev: math.Sqrt(2.0 / 3 / 100), CompileTime: 0.5, Precision: 3}
	if math.Abs(r.Average-want.Average) > 1e-15 || math.Abs(r.Stdev-want.Stdev) > 1e-15 {
		t.Fatalf("mean %g std %g, want %g %g", r.Average, r.Stdev, want.Average, want.Stdev)
	}
	r.Average, r.Stdev = want.Average, want.Stdev
	if !reflect.DeepEqual(r, want) {
		t.Errorf("got %+v\nwant %+v", r, want)
	}
	if empty := NewTimeitResult(0, nil, 0, 3); empty.Repeat != 0 || empty.All != nil {
		t.Errorf("empty result %+v", empty)
	}
}

func TestCachedWarning(t *testing.T) {
	for _, tc := range []struct {
		runs []float64
		want string
	}{
		{[]float64{1, 1, 1}, ""},
		{[]float64{1, 4, 1}, ""}, // exactly four times: no warning
		{[]float64{1, 5.03, 1}, "The slowest run took 5.03 times longer than the fastest. This could mean that an intermediate result is being cached."},
		{[]float64{1e-10, 1e-8}, ""}, // slowest under a microsecond
		{[]float64{0, 1}, ""},        // fastest zero
	} {
		r := NewTimeitResult(1, tc.runs, 0, 3)
		if got := r.CachedWarning(); got != tc.want {
			t.Errorf("%v: %q, want %q", tc.runs, got, tc.want)
		}
	}
}

// TestTimeitCalibration checks IPython's calibration: 1, 10, 100, … loops
// until a batch takes 0.2 s, then 7 runs.
func TestTimeitCalibration(t *testing.T) {
	for _, tc := range []struct {
		per   time.Duration
		loops int
		want  string
	}{
		{time.Millisecond, 1000, "1 ms ± 0 ns per loop (mean ± std. dev. of 7 runs, 1,000 loops each)\n"},
		{20 * time.Millisecond, 10, "20 ms ± 0 ns per loop (mean ± std. dev. of 7 runs, 10 loops each)\n"},
		{300 * time.Millisecond, 1, "300 ms ± 0 ns per loop (mean ± std. dev. of 7 runs, 1 loop each)\n"},
		{50 * time.Microsecond, 10000, "50 µs ± 0 ns per loop (mean ± std. dev. of 7 runs, 10,000 loops each)\n"},
	} {
		t.Run(tc.per.String(), func(t *testing.T) {
			clock := testclock.New()
			s := &fakeSession{clock: clock, cost: func(string, int) time.Duration { return tc.per }}
			out := &fakeOut{}
			if _, err := run(context.Background(), s, "%timeit f()", out); err != nil {
				t.Fatal(err)
			}
			if got := out.text("stdout"); got != tc.want {
				t.Errorf("output %q, want %q", got, tc.want)
			}
			// Calibration batches 1, 10, … loops, then 7 runs.
			calib := 0
			for n := 1; n <= tc.loops; n *= 10 {
				calib += n
			}
			if want := calib + 7*tc.loops; s.execs != want {
				t.Errorf("%d executions, want %d", s.execs, want)
			}
			if len(s.calls) != 1 || s.calls[0] != (call{"compile", "f()", 1}) {
				t.Errorf("calls %v, want one compile", s.calls)
			}
		})
	}
}

func TestTimeitOptions(t *testing.T) {
	clock := testclock.New()
	s := &fakeSession{clock: clock, cost: func(string, int) time.Duration { return time.Microsecond }}
	out := &fakeOut{}
	v, err := run(context.Background(), s, "%timeit -n 5 -r 3 -p 2 -o f()", out)
	if err != nil {
		t.Fatal(err)
	}
	r, ok := v.(TimeitResult)
	if !ok {
		t.Fatalf("value %T, want TimeitResult", v)
	}
	if r.Loops != 5 || r.Repeat != 3 || len(r.All) != 3 || s.execs != 15 {
		t.Errorf("result %+v after %d executions", r, s.execs)
	}
	if got, want := out.text("stdout"), "1 µs ± 0 ns per loop (mean ± std. dev. of 3 runs, 5 loops each)\n"; got != want {
		t.Errorf("output %q, want %q", got, want)
	}

	// -q prints nothing; without -o there is no value.
	out = &fakeOut{}
	v, err = run(context.Background(), s, "%timeit -q -n 1 -r 1 f()", out)
	if err != nil || v != nil || len(out.streams) != 0 {
		t.Errorf("-q: value %v, err %v, output %q", v, err, out.streams)
	}

	// r := %timeit -o assigns the result.
	out = &fakeOut{}
	if _, err := run(context.Background(), s, "r := %timeit -o -q -n 1 -r 2 f()\nr.Best", out); err != nil {
		t.Fatal(err)
	}
	if want := []string{"r := magic.TimeitResult"}; !reflect.DeepEqual(s.assigns, want) {
		t.Errorf("assigns %q, want %q", s.assigns, want)
	}
	if last := s.calls[len(s.calls)-1]; last != (call{"run", "r.Best", 2}) {
		t.Errorf("last call %v, want the rest of the cell run", last)
	}
}

func TestTimeitWarningAndCompileTime(t *testing.T) {
	clock := testclock.New()
	n := 0
	s := &fakeSession{clock: clock, cost: func(string, int) time.Duration {
		n++
		if n == 1 {
			return 10 * time.Millisecond // the first (cold) run
		}
		return time.Millisecond
	}}
	out := &fakeOut{}
	if _, err := run(context.Background(), s, "%timeit -n 1 -r 3 f()", out); err != nil {
		t.Fatal(err)
	}
	want := "The slowest run took 10.00 times longer than the fastest. This could mean that an intermediate result is being cached.\n" +
		"4 ms ± 4.24 ms per loop (mean ± std. dev. of 3 runs, 1 loop each)\n"
	if got := out.text("stdout"); got != want {
		t.Errorf("output\n%q\nwant\n%q", got, want)
	}
}

func TestTimeitCell(t *testing.T) {
	clock := testclock.New()
	s := &fakeSession{clock: clock, cost: func(code string, _ int) time.Duration {
		if code == "xs := make([]int, 9)" {
			return time.Second // setup: not timed
		}
		return 100 * time.Millisecond
	}}
	out := &fakeOut{}
	if _, err := run(context.Background(), s, "%%timeit -r 2 xs := make([]int, 9)\nsort.Ints(xs)\nuse(xs)", out); err != nil {
		t.Fatal(err)
	}
	if got, want := out.text("stdout"), "100 ms ± 0 ns per loop (mean ± std. dev. of 2 runs, 10 loops each)\n"; got != want {
		t.Errorf("output %q, want %q", got, want)
	}
	// Setup before each batch (calibration 1 and 10, then 2 runs), compiled body once.
	var ops []string
	for _, c := range s.calls {
		ops = append(ops, c.op+"@"+strconv.Itoa(c.line))
	}
	if want := []string{"run@1", "compile@2", "run@1", "run@1", "run@1"}; !reflect.DeepEqual(ops, want) {
		t.Errorf("calls %v, want %v", ops, want)
	}
}

func TestTimeitErrors(t *testing.T) {
	s := &fakeSession{clock: testclock.New()}
	compileErr := errors.New("1:3: undefined: g")
	s.compileErr = compileErr
	if _, err := run(context.Background(), s, "%timeit g()", &fakeOut{}); !errors.Is(err, compileErr) {
		t.Errorf("compile error: got %v", err)
	}
	s.compileErr = nil
	out := &fakeOut{}
	if _, err := run(context.Background(), s, "%timeit fail()", out); err == nil || err.Error() != "fail: boom" {
		t.Errorf("runtime error: got %v", err)
	}
	if len(out.streams) != 0 {
		t.Errorf("output after an error: %q", out.streams)
	}
}

// TestTimeitInterrupt cancels a long %timeit and expects it back promptly.
func TestTimeitInterrupt(t *testing.T) {
	s := &fakeSession{} // real clock; every call is free, so calibration goes to 1e9 loops
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := run(ctx, s, "%timeit f()", &fakeOut{})
		done <- err
	}()
	time.Sleep(50 * time.Millisecond)
	start := time.Now()
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("got %v, want context.Canceled", err)
		}
		if d := time.Since(start); d > interruptBound {
			t.Errorf("returned %v after the interrupt", d)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("timeit did not stop on interrupt")
	}
}

func TestTimeReport(t *testing.T) {
	for _, tc := range []struct {
		user, sys, wall time.Duration
		bytes, allocs   uint64
		gcs             uint32
		want            string
	}{
		{1200 * time.Millisecond, 10 * time.Millisecond, 1220 * time.Millisecond, 80 << 20, 1024, 3,
			"CPU times: user 1.2 s, sys: 10 ms, total: 1.21 s\nWall time: 1.22 s\nGo heap: 80.0 MiB allocated (1,024 allocations), 3 GC cycles\n"},
		{0, 0, 1500 * time.Nanosecond, 0, 1, 1,
			"CPU times: user 0 ns, sys: 0 ns, total: 0 ns\nWall time: 1.5 µs\nGo heap: 0 B allocated (1 allocation), 1 GC cycle\n"},
		{90 * time.Second, 0, 95 * time.Second, 1536, 2, 0,
			"CPU times: user 1min 30s, sys: 0 ns, total: 1min 30s\nWall time: 1min 35s\nGo heap: 1.50 KiB allocated (2 allocations), 0 GC cycles\n"},
	} {
		if got := TimeReport(tc.user, tc.sys, tc.wall, tc.bytes, tc.allocs, tc.gcs); got != tc.want {
			t.Errorf("got\n%s\nwant\n%s", got, tc.want)
		}
	}
}

var timeReportRE = regexp.MustCompile(`^CPU times: user ` + timeRE + `, sys: ` + timeRE + `, total: ` + timeRE + `\n` +
	`Wall time: ` + timeRE + `\n` +
	`Go heap: [0-9.]+ (B|KiB|MiB|GiB) allocated \([0-9,]+ allocations?\), \d+ GC cycles?\n$`)

const timeRE = `(\d+(\.\d+)? (s|ms|µs|ns)|(\d+(d|h|min|s) ?)+)`

func TestTime(t *testing.T) {
	s := &fakeSession{result: func(code string) (any, error) {
		switch code {
		case "f()":
			return 42, nil
		case "bad()":
			return nil, errors.New("panic: bad")
		}
		return nil, nil
	}}
	out := &fakeOut{}
	v, err := run(context.Background(), s, "x := 1\n%time f()", out)
	if err != nil || v != 42 {
		t.Fatalf("value %v, err %v; want 42", v, err)
	}
	if got := out.text("stdout"); !timeReportRE.MatchString(got) {
		t.Errorf("output does not match the %%time format:\n%s", got)
	}
	if want := []call{{"run", "x := 1", 1}, {"run", "f()", 2}}; !reflect.DeepEqual(s.calls, want) {
		t.Errorf("calls %v, want %v", s.calls, want)
	}

	// An error: reported by the caller, no timing, as IPython.
	out = &fakeOut{}
	if _, err := run(context.Background(), s, "%time bad()", out); err == nil || len(out.streams) != 0 {
		t.Errorf("err %v, output %q", err, out.streams)
	}

	// %%time runs its body's plan, magics included.
	s.calls = nil
	out = &fakeOut{}
	v, err = run(context.Background(), s, "%%time\na := 1\n!true\nf()", out)
	if err != nil || v != 42 {
		t.Fatalf("%%%%time: value %v, err %v", v, err)
	}
	if want := []call{{"run", "a := 1", 2}, {"run", "f()", 4}}; !reflect.DeepEqual(s.calls, want) {
		t.Errorf("%%%%time calls %v, want %v", s.calls, want)
	}
	if got := out.text("stdout"); !timeReportRE.MatchString(got) {
		t.Errorf("%%%%time output:\n%s", got)
	}
}

func TestScaling(t *testing.T) {
	clock := testclock.New()
	s := &fakeSession{clock: clock, workers: 8, cost: func(_ string, w int) time.Duration {
		// Perfect scaling up to 2 workers, none beyond.
		return 120 * time.Millisecond / time.Duration(min(w, 2))
	}}
	out := &fakeOut{}
	v, err := run(context.Background(), s, "%scaling -w 1,2,4 -r 2 -o work()", out)
	if err != nil {
		t.Fatal(err)
	}
	if s.workers != 8 {
		t.Errorf("workers left at %d, want 8 restored", s.workers)
	}
	r, ok := v.(ScalingResult)
	if !ok {
		t.Fatalf("value %T, want ScalingResult", v)
	}
	// Calibrated with 1 worker: 1 loop is 120 ms < 0.2 s, 10 loops 1.2 s.
	if r.Loops != 10 || r.Repeat != 2 || !reflect.DeepEqual(r.Workers, []int{1, 2, 4}) {
		t.Errorf("result %+v", r)
	}
	if !reflect.DeepEqual(r.Speedup, []float64{1, 2, 2}) || !reflect.DeepEqual(r.Efficiency, []float64{1, 1, 0.5}) {
		t.Errorf("speed-up %v efficiency %v", r.Speedup, r.Efficiency)
	}
	// One table shown and updated in place, then the chart.
	if len(out.shown) != 2 || len(out.updated) != 2 {
		t.Fatalf("%d displays, %d updates; want 2 and 2", len(out.shown), len(out.updated))
	}
	id := out.shown[0].DisplayID
	if id == "" || out.updated[0].DisplayID != id || out.updated[1].DisplayID != id {
		t.Errorf("display ids %q %q %q", id, out.updated[0].DisplayID, out.updated[1].DisplayID)
	}
	wantText := "workers        time  speed-up  efficiency\n" +
		"      1      120 ms     1.00×        100%\n" +
		"      2       60 ms     2.00×        100%\n" +
		"      4       60 ms     2.00×         50%\n"
	if got := out.updated[1].Bundle[display.MIMEText]; got != wantText {
		t.Errorf("table\n%s\nwant\n%s", got, wantText)
	}
	if _, ok := out.updated[1].Bundle[display.MIMEHTML]; !ok {
		t.Error("table without text/html")
	}
	chart := out.shown[1]
	if _, ok := chart.Bundle[display.MIMEPNG].(string); !ok || chart.Metadata[display.MIMEPNG] == nil {
		t.Errorf("chart bundle %v, metadata %v", keys(chart.Bundle), chart.Metadata)
	}
	if r.String() != wantText {
		t.Errorf("String() = %q", r.String())
	}

	// -q shows nothing; without -o no value.
	out = &fakeOut{}
	v, err = run(context.Background(), s, "%scaling -q -w 2 -n 1 -r 1 work()", out)
	if err != nil || v != nil || len(out.shown)+len(out.updated)+len(out.streams) != 0 {
		t.Errorf("-q: %v %v %d outputs", v, err, len(out.shown)+len(out.updated)+len(out.streams))
	}
}

func TestScalingWithoutHPC(t *testing.T) {
	p, _ := Parse("%scaling f()")
	e := &Executor{Session: noHPC{&fakeSession{}}}
	_, err := e.Execute(context.Background(), p, &fakeOut{})
	var ue *UsageError
	if !errors.As(err, &ue) || !strings.Contains(ue.Msg, "cannot set the number of hpc workers") {
		t.Errorf("got %v", err)
	}
}

// noHPC hides the fake session's HPC methods.
type noHPC struct{ s *fakeSession }

func (n noHPC) Run(ctx context.Context, code string, line int) (any, error) {
	return n.s.Run(ctx, code, line)
}
func (n noHPC) Compile(ctx context.Context, code string, line int) (func() error, error) {
	return n.s.Compile(ctx, code, line)
}
func (n noHPC) Vars() []Var { return n.s.Vars() }
func (n noHPC) Assign(name string, value any, define bool) error {
	return n.s.Assign(name, value, define)
}
func (n noHPC) Reset() error { return n.s.Reset() }

func TestDefaultWorkers(t *testing.T) {
	for n, want := range map[int][]int{1: {1}, 4: {1, 2, 3, 4}, 16: {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}, 48: {1, 2, 4, 8, 16, 32, 48}, 64: {1, 2, 4, 8, 16, 32, 64}} {
		if got := DefaultWorkers(n); !reflect.DeepEqual(got, want) {
			t.Errorf("DefaultWorkers(%d) = %v, want %v", n, got, want)
		}
	}
}

func keys(b display.Bundle) []string {
	var ks []string
	for k := range b {
		ks = append(ks, k)
	}
	return ks
}

func TestTimeitResultDisplay(t *testing.T) {
	r := NewTimeitResult(10, []float64{0.01, 0.01}, 0, 3)
	b, _ := display.Render(r)
	if got, want := b[display.MIMEText], "<TimeitResult : 1 ms ± 0 ns per loop (mean ± std. dev. of 2 runs, 10 loops each)>"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

// muting is a fake session that can mute progress bars.
type muting struct {
	*fakeSession
	muted, restored int
}

func (m *muting) MuteProgress() func() {
	m.muted++
	return func() { m.restored++ }
}

func TestTimingMutesProgress(t *testing.T) {
	for _, cell := range []string{"%timeit -n 1 -r 2 f()", "%scaling -q -w 1,2 -n 1 -r 1 f()", "%time f()"} {
		m := &muting{fakeSession: &fakeSession{workers: 2}}
		p, err := Parse(cell)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := (&Executor{Session: m, HPC: m}).Execute(context.Background(), p, &fakeOut{}); err != nil {
			t.Fatal(err)
		}
		want := 1
		if strings.HasPrefix(cell, "%time ") {
			want = 0 // one run: its bar is useful
		}
		if m.muted != want || m.restored != want {
			t.Errorf("%s: muted %d, restored %d; want %d", cell, m.muted, m.restored, want)
		}
	}
}

// interruptBound is how soon a magic must return after an interrupt. The
// target is 200 ms; the bound leaves room for a loaded machine under -race.
const interruptBound = 500 * time.Millisecond
