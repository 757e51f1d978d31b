package magic

import (
	"context"
	"fmt"
	"math"
	"runtime"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gohpc/gohpc/display"
	"github.com/gohpc/gohpc/interp/render"
)

// IPython's timing constants.
const (
	calibrationTarget = 0.2 // seconds: a batch at least this long fixes the loop count
	calibrationSteps  = 10  // loop counts tried: 1, 10, …, 1e9
	defaultRepeat     = 7   // runs of %timeit
	defaultPrecision  = 3   // significant digits
	compileReportMin  = 0.1 // seconds: compile times above this are reported
	cachedRatio       = 4   // slowest/fastest ratio that triggers the caching warning
	scalingRepeat     = 3   // runs per worker count of %scaling (best is kept)
)

// TimeitResult is the value of %timeit -o, as IPython's TimeitResult: a
// later cell can use it ("r := %timeit -o f()", then r.Best).
type TimeitResult struct {
	Loops       int       // loops per run
	Repeat      int       // runs
	Best        float64   // seconds per loop of the fastest run
	Worst       float64   // seconds per loop of the slowest run
	All         []float64 // seconds per loop of each run
	Average     float64   // mean of All
	Stdev       float64   // population standard deviation of All
	CompileTime float64   // seconds spent compiling the statement
	Precision   int       // significant digits of String
}

// NewTimeitResult builds the result of repeat runs of loops loops each,
// from the total seconds of each run.
func NewTimeitResult(loops int, runs []float64, compileTime float64, precision int) TimeitResult {
	r := TimeitResult{Loops: loops, Repeat: len(runs), CompileTime: compileTime, Precision: precision}
	if len(runs) == 0 || loops < 1 {
		return r
	}
	r.All = make([]float64, len(runs))
	r.Best, r.Worst = math.Inf(1), math.Inf(-1)
	for i, t := range runs {
		per := t / float64(loops)
		r.All[i] = per
		r.Best, r.Worst = min(r.Best, per), max(r.Worst, per)
	}
	// Mean and deviation around it, summed with compensation as IPython's
	// math.fsum-based ones are, so that equal runs give a deviation of
	// exactly 0 ns.
	r.Average = fsum(r.All, func(x float64) float64 { return x }) / float64(len(r.All))
	r.Stdev = math.Sqrt(fsum(r.All, func(x float64) float64 { return (x - r.Average) * (x - r.Average) }) / float64(len(r.All)))
	return r
}

// fsum returns the sum of f(x) over xs with Neumaier's compensated
// summation, which is exact to rounding for the few terms %timeit sums.
func fsum(xs []float64, f func(float64) float64) float64 {
	var sum, c float64
	for _, x := range xs {
		v := f(x)
		t := sum + v
		if math.Abs(sum) >= math.Abs(v) {
			c += (sum - t) + v
		} else {
			c += (v - t) + sum
		}
		sum = t
	}
	return sum + c
}

// String is IPython's line: "1.23 ms ± 45.6 µs per loop (mean ± std. dev. of
// 7 runs, 1,000 loops each)", with "run" and "loop" singular for one.
func (r TimeitResult) String() string {
	runs, loops := "runs", "loops"
	if r.Repeat == 1 {
		runs = "run"
	}
	if r.Loops == 1 {
		loops = "loop"
	}
	return fmt.Sprintf("%s ± %s per loop (mean ± std. dev. of %d %s, %s %s each)",
		render.FormatTime(r.Average, r.Precision), render.FormatTime(r.Stdev, r.Precision),
		r.Repeat, runs, render.FormatCount(int64(r.Loops)), loops)
}

// MIMEBundle shows the result as IPython shows a TimeitResult value:
// "<TimeitResult : 1.23 ms ± 45.6 µs per loop (…)>".
func (r TimeitResult) MIMEBundle() (display.Bundle, display.Metadata) {
	return display.Text("<TimeitResult : " + r.String() + ">"), nil
}

// CachedWarning returns IPython's warning when the slowest run took more than
// four times as long as the fastest (and over a microsecond), or "".
func (r TimeitResult) CachedWarning() string {
	if r.Worst > cachedRatio*r.Best && r.Best > 0 && r.Worst > 1e-6 {
		return fmt.Sprintf("The slowest run took %0.2f times longer than the fastest. "+
			"This could mean that an intermediate result is being cached.", r.Worst/r.Best)
	}
	return ""
}

// timer runs a compiled statement in batches, as IPython's Timer.timeit:
// the setup (if any) before each batch, untimed; the statement compiled
// once, before the first batch.
type timer struct {
	e                   *Executor
	ctx                 context.Context
	setup, stmt         string
	setupLine, stmtLine int
	fn                  func() error
	compileTime         float64
	stop                atomic.Bool
	cancelWatch         func() bool
	unmute              func()
}

func (e *Executor) newTimer(ctx context.Context, setup string, setupLine int, stmt string, stmtLine int) *timer {
	t := &timer{e: e, ctx: ctx, setup: setup, setupLine: setupLine, stmt: stmt, stmtLine: stmtLine}
	// The loop polls an atomic flag rather than ctx, which costs a mutex.
	t.cancelWatch = context.AfterFunc(ctx, func() { t.stop.Store(true) })
	t.unmute = e.muteProgress()
	return t
}

func (t *timer) close() {
	t.cancelWatch()
	t.unmute()
}

// batch runs the statement n times and returns the seconds taken.
func (t *timer) batch(n int) (float64, error) {
	if strings.TrimSpace(t.setup) != "" {
		if _, err := t.e.Session.Run(t.ctx, t.setup, t.setupLine); err != nil {
			return 0, err
		}
	}
	if t.fn == nil {
		t0 := t.e.now()
		fn, err := t.e.Session.Compile(t.ctx, t.stmt, t.stmtLine)
		if err != nil {
			return 0, err
		}
		t.fn = fn
		t.compileTime = t.e.now().Sub(t0).Seconds()
	}
	fn := t.fn
	t0 := t.e.now()
	for i := 0; i < n; i++ {
		if err := fn(); err != nil {
			return 0, err
		}
		if t.stop.Load() {
			return 0, t.ctx.Err()
		}
	}
	return t.e.now().Sub(t0).Seconds(), nil
}

// calibrate picks the loop count as IPython does: 1, 10, 100, … until one
// batch takes at least 0.2 s.
func (t *timer) calibrate() (int, error) {
	number := 1
	for index := 0; index < calibrationSteps; index++ {
		number = pow10(index)
		d, err := t.batch(number)
		if err != nil {
			return 0, err
		}
		if d >= calibrationTarget {
			break
		}
	}
	return number, nil
}

func pow10(n int) int {
	p := 1
	for ; n > 0; n-- {
		p *= 10
	}
	return p
}

// stmtOf returns the setup and the statement of a timing magic: in line form
// the arguments are the statement; in cell form they are the setup and the
// body is the statement.
func stmtOf(line int, m *Magic) (setup string, setupLine int, stmt string, stmtLine int) {
	if m.Cell {
		return m.Args, line, m.Body, m.BodyLine
	}
	return "", line, m.Args, line
}

func (e *Executor) timeit(ctx context.Context, line int, m *Magic, out Output) (any, error) {
	setup, setupLine, stmt, stmtLine := stmtOf(line, m)
	t := e.newTimer(ctx, setup, setupLine, stmt, stmtLine)
	defer t.close()
	number := m.Int("n", 0)
	repeat := m.Int("r", defaultRepeat)
	precision := m.Int("p", defaultPrecision)
	if number == 0 {
		var err error
		if number, err = t.calibrate(); err != nil {
			return nil, err
		}
	}
	runs := make([]float64, repeat)
	for i := range runs {
		d, err := t.batch(number)
		if err != nil {
			return nil, err
		}
		runs[i] = d
	}
	res := NewTimeitResult(number, runs, t.compileTime, precision)
	if !m.Has("q") {
		if w := res.CachedWarning(); w != "" {
			printf(out, "%s\n", w)
		}
		printf(out, "%s\n", res)
		if res.CompileTime > compileReportMin {
			printf(out, "Compiler time: %.2f s\n", res.CompileTime)
		}
	}
	if m.Has("o") {
		return res, nil
	}
	return nil, nil
}

// usage is a sample of the process's resource counters.
type usage struct {
	wall         time.Time
	user, sys    time.Duration
	alloc, count uint64 // bytes and objects allocated so far
	gcs          uint32
}

func (e *Executor) sample() usage {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	u := usage{alloc: ms.TotalAlloc, count: ms.Mallocs, gcs: ms.NumGC}
	u.user, u.sys = cpuTimes()
	u.wall = e.now()
	return u
}

// TimeReport formats the output of %time from the differences of two
// samples: IPython's two lines, then gohpc's allocation line:
//
//	CPU times: user 1.2 s, sys: 10 ms, total: 1.21 s
//	Wall time: 1.22 s
//	Go heap: 76.3 MiB allocated (1,024 allocations), 3 GC cycles
func TimeReport(user, sys, wall time.Duration, bytes, allocs uint64, gcs uint32) string {
	var b strings.Builder
	fmt.Fprintf(&b, "CPU times: user %s, sys: %s, total: %s\n",
		render.FormatTime(user.Seconds(), 3), render.FormatTime(sys.Seconds(), 3), render.FormatTime((user+sys).Seconds(), 3))
	fmt.Fprintf(&b, "Wall time: %s\n", render.FormatTime(wall.Seconds(), 3))
	fmt.Fprintf(&b, "Go heap: %s allocated (%s %s), %d GC %s\n",
		render.FormatBytes(bytes), render.FormatCount(int64(allocs)), plural(int64(allocs), "allocation", "allocations"),
		gcs, plural(int64(gcs), "cycle", "cycles"))
	return b.String()
}

func plural(n int64, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func (e *Executor) time(ctx context.Context, line int, m *Magic, out Output) (any, error) {
	before := e.sample()
	var v any
	var err error
	if m.Cell {
		v, err = e.Execute(ctx, *m.Sub, out)
	} else {
		v, err = e.Session.Run(ctx, m.Args, line)
	}
	after := e.sample()
	if err != nil {
		return nil, err
	}
	out.Stream("stdout", TimeReport(after.user-before.user, after.sys-before.sys, after.wall.Sub(before.wall),
		after.alloc-before.alloc, after.count-before.count, after.gcs-before.gcs))
	return v, nil
}

// ScalingResult is the value of %scaling -o: the best seconds per loop with
// each worker count, and the derived speed-up and efficiency (relative to the
// first worker count). It renders as the table.
type ScalingResult struct {
	Workers    []int
	Seconds    []float64
	Speedup    []float64
	Efficiency []float64
	Loops      int // loops per run
	Repeat     int // runs per worker count; the best is kept
}

func (r ScalingResult) rows() []render.ScalingRow {
	rows := make([]render.ScalingRow, len(r.Workers))
	for i := range rows {
		rows[i] = render.ScalingRow{Workers: r.Workers[i], Seconds: r.Seconds[i]}
	}
	return rows
}

// String is the text table.
func (r ScalingResult) String() string {
	return render.ScalingTable(r.rows())[display.MIMEText].(string)
}

// MIMEBundle renders the table in HTML and text.
func (r ScalingResult) MIMEBundle() (display.Bundle, display.Metadata) {
	return render.ScalingTable(r.rows()), nil
}

// DefaultWorkers lists the worker counts %scaling tries without -w: every
// count from 1 to n when n ≤ 16, else the powers of two below n, and n.
func DefaultWorkers(n int) []int {
	var ws []int
	if n <= 16 {
		for w := 1; w <= n; w++ {
			ws = append(ws, w)
		}
		return ws
	}
	for w := 1; w < n; w *= 2 {
		ws = append(ws, w)
	}
	return append(ws, n)
}

func (e *Executor) scaling(ctx context.Context, line int, m *Magic, out Output) (any, error) {
	h := e.hpc()
	if h == nil {
		return nil, usagef(line, "%%scaling: this session cannot set the number of hpc workers")
	}
	workers := DefaultWorkers(runtime.GOMAXPROCS(0))
	if w, ok := m.Opts["w"]; ok {
		workers, _ = ParseWorkers(w)
	}
	setup, setupLine, stmt, stmtLine := stmtOf(line, m)
	t := e.newTimer(ctx, setup, setupLine, stmt, stmtLine)
	defer t.close()
	prev := h.SetWorkers(workers[0])
	defer h.SetWorkers(prev)

	loops := m.Int("n", 0)
	repeat := m.Int("r", scalingRepeat)
	if loops == 0 {
		var err error
		if loops, err = t.calibrate(); err != nil {
			return nil, err
		}
	}
	res := ScalingResult{Loops: loops, Repeat: repeat}
	quiet := m.Has("q")
	id := display.NewHandle().ID()
	for i, w := range workers {
		h.SetWorkers(w)
		best := math.Inf(1)
		for r := 0; r < repeat; r++ {
			d, err := t.batch(loops)
			if err != nil {
				return nil, err
			}
			best = min(best, d/float64(loops))
		}
		res.Workers = append(res.Workers, w)
		res.Seconds = append(res.Seconds, best)
		res.Speedup, res.Efficiency = render.Speedups(res.rows())
		if quiet {
			continue
		}
		// The table grows in place as the measurements come.
		d := display.Data{Bundle: render.ScalingTable(res.rows()), DisplayID: id}
		if i == 0 {
			out.Display(d)
		} else {
			out.UpdateDisplay(d)
		}
	}
	if !quiet {
		b, meta := render.ScalingChart("Speed-up: "+shorten(stmt, 60), res.rows())
		out.Display(display.Data{Bundle: b, Metadata: meta})
	}
	if m.Has("o") {
		return res, nil
	}
	return nil, nil
}

// shorten returns the first line of s, cut to n runes.
func shorten(s string, n int) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = strings.TrimSpace(s[:i]) + " …"
	}
	if r := []rune(s); len(r) > n {
		s = string(r[:n-1]) + "…"
	}
	return s
}
