package hpc

import (
	"errors"
	"fmt"
	"math"
	"sync"
)

// Station is a recording station. Coordinates are in km, Z positive down.
type Station struct {
	Name    string
	X, Y, Z float64
}

// Axis is a uniform grid axis: the values Start + i*Step for i = 0, 1, …
// that do not exceed Stop by more than 1e-9*Step, so that Stop is included
// when (Stop-Start)/Step is an integer up to rounding.
type Axis struct {
	Start, Stop, Step float64
}

// Grid is the search grid of the locators: source positions X, Y, Z (km, Z
// positive down) and source amplitudes A.
type Grid struct {
	X, Y, Z, A Axis
}

// Event is one event to locate: an identifier and one observed amplitude per
// station, in station order.
type Event struct {
	ID  string
	Amp []float64
}

// Location is the result for one event: the grid point and amplitude of least
// misfit, and the relative misfit in percent,
//
//	Misfit = 100 * sqrt(minErr / Σ_s obs_s²).
type Location struct {
	Event      string
	X, Y, Z, A float64
	Misfit     float64
}

// Limits on grids, to keep indices and memory sane.
const (
	maxAxisLen    = 1 << 24
	maxGridPoints = 1 << 40
)

// axisTol is the relative (to Step) tolerance by which the last value of an
// Axis may exceed Stop.
const axisTol = 1e-9

// Len returns the number of values of a, or 0 if a is invalid (see Values).
func (a Axis) Len() int {
	n, err := a.count()
	if err != nil {
		return 0
	}
	return n
}

// Values returns the values of a: Start + i*Step for i = 0, …, Len()-1.
// It returns an error if Start, Stop or Step is NaN or infinite, if Step ≤ 0,
// if Stop < Start, or if the axis has more than 2²⁴ values.
func (a Axis) Values() ([]float64, error) {
	n, err := a.count()
	if err != nil {
		return nil, err
	}
	v := make([]float64, n)
	for i := range v {
		v[i] = a.Start + float64(i)*a.Step
	}
	return v, nil
}

func (a Axis) count() (int, error) {
	switch {
	case !isFinite(a.Start) || !isFinite(a.Stop) || !isFinite(a.Step):
		return 0, fmt.Errorf("start %v, stop %v, step %v: not finite", a.Start, a.Stop, a.Step)
	case a.Step <= 0:
		return 0, fmt.Errorf("step %v is not positive", a.Step)
	case a.Stop < a.Start:
		return 0, fmt.Errorf("inverted: stop %v < start %v", a.Stop, a.Start)
	}
	span := (a.Stop - a.Start) / a.Step
	if !(span < maxAxisLen) {
		return 0, fmt.Errorf("start %v, stop %v, step %v: more than %d values", a.Start, a.Stop, a.Step, maxAxisLen)
	}
	limit := a.Stop + axisTol*a.Step
	m := int(span + axisTol)
	for m > 0 && a.Start+float64(m)*a.Step > limit {
		m--
	}
	for a.Start+float64(m+1)*a.Step <= limit {
		m++
	}
	if m+1 > maxAxisLen {
		return 0, fmt.Errorf("start %v, stop %v, step %v: more than %d values", a.Start, a.Stop, a.Step, maxAxisLen)
	}
	return m + 1, nil
}

func isFinite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// locProblem is a validated locator input.
type locProblem struct {
	task           string
	xs, ys, zs, as []float64
	ny, nz, np     int
	sx, sy, sz     []float64
	a0, da         float64 // Start and Step of the A axis
	b              float64
	events         []Event
	soo            []float64 // Σ obs² per event
}

// newProblem validates the locator inputs and returns them in the form the
// searches use. It returns an error for every data-dependent failure.
func newProblem(task string, stations []Station, events []Event, g Grid, B float64) (*locProblem, error) {
	fail := func(format string, args ...any) error {
		return fmt.Errorf("hpc: %s: "+format, append([]any{task}, args...)...)
	}
	if len(stations) == 0 {
		return nil, fail("no stations")
	}
	pr := &locProblem{task: task, b: B, events: events}
	for i, s := range stations {
		if !isFinite(s.X) || !isFinite(s.Y) || !isFinite(s.Z) {
			return nil, fail("station %d (%q): coordinates (%v, %v, %v) not finite", i, s.Name, s.X, s.Y, s.Z)
		}
		pr.sx = append(pr.sx, s.X)
		pr.sy = append(pr.sy, s.Y)
		pr.sz = append(pr.sz, s.Z)
	}
	if !isFinite(B) || B < 0 {
		return nil, fail("attenuation B = %v: want a finite value ≥ 0", B)
	}
	var err error
	for _, ax := range []struct {
		name string
		a    Axis
		v    *[]float64
	}{{"X", g.X, &pr.xs}, {"Y", g.Y, &pr.ys}, {"Z", g.Z, &pr.zs}, {"A", g.A, &pr.as}} {
		if *ax.v, err = ax.a.Values(); err != nil {
			return nil, fail("grid axis %s: %v", ax.name, err)
		}
	}
	if float64(len(pr.xs))*float64(len(pr.ys))*float64(len(pr.zs)) > maxGridPoints {
		return nil, fail("grid has more than %d points", maxGridPoints)
	}
	pr.a0, pr.da = g.A.Start, g.A.Step
	pr.ny, pr.nz = len(pr.ys), len(pr.zs)
	pr.np = len(pr.xs) * pr.ny * pr.nz

	// Distances: the nearest grid point to each station must not coincide
	// with it (the model A·exp(-B·r)/r is infinite at r = 0), and the
	// farthest must be at a finite distance.
	rmin := math.Inf(1)
	for s := range stations {
		nx, fx := nearFar(pr.xs, pr.sx[s])
		ny, fy := nearFar(pr.ys, pr.sy[s])
		nz, fz := nearFar(pr.zs, pr.sz[s])
		r := dist(nx, ny, nz, pr.sx[s], pr.sy[s], pr.sz[s])
		if !(1/r < math.Inf(1)) {
			return nil, fail("grid point (%v, %v, %v) lies on station %d (%q): distance %v", nx, ny, nz, s, stations[s].Name, r)
		}
		if rf := dist(fx, fy, fz, pr.sx[s], pr.sy[s], pr.sz[s]); math.IsInf(rf, 0) {
			return nil, fail("grid point (%v, %v, %v) too far from station %d (%q): distance overflows", fx, fy, fz, s, stations[s].Name)
		}
		rmin = min(rmin, r)
	}

	amax := max(math.Abs(pr.as[0]), math.Abs(pr.as[len(pr.as)-1]))
	omax := 0.0
	pr.soo = make([]float64, len(events))
	for i, ev := range events {
		if len(ev.Amp) != len(stations) {
			return nil, fail("event %d (%q): %d amplitudes for %d stations", i, ev.ID, len(ev.Amp), len(stations))
		}
		soo := 0.0
		for s, o := range ev.Amp {
			if !isFinite(o) {
				return nil, fail("event %d (%q): amplitude at station %q is %v", i, ev.ID, stations[s].Name, o)
			}
			soo += o * o
			omax = max(omax, math.Abs(o))
		}
		if soo == 0 {
			return nil, fail("event %d (%q): all observed amplitudes are zero (Σobs² = 0), the relative misfit is undefined", i, ev.ID)
		}
		pr.soo[i] = soo
	}
	// Every model amplitude is at most amax/rmin, so every squared residual
	// is at most (amax/rmin + omax)²: keep the sum of S of them, and the
	// matrix-product form's terms, finite.
	if bound := amax/rmin + omax; !(bound < math.Sqrt(math.MaxFloat64/(16*float64(len(stations))))) {
		return nil, fail("amplitudes too large: the misfit would overflow (max |A| %v, min distance %v km, max |obs| %v)", amax, rmin, omax)
	}
	return pr, nil
}

// nearFar returns the values of v (sorted ascending) nearest to and farthest
// from c.
func nearFar(v []float64, c float64) (near, far float64) {
	lo, hi := v[0], v[len(v)-1]
	far = lo
	if math.Abs(hi-c) > math.Abs(lo-c) {
		far = hi
	}
	near = lo
	for _, x := range v {
		if math.Abs(x-c) < math.Abs(near-c) {
			near = x
		}
	}
	return near, far
}

// dist is the distance formula of the reference implementation.
func dist(x, y, z, sx, sy, sz float64) float64 {
	dx, dy, dz := x-sx, y-sy, z-sz
	return math.Sqrt(float64(dx*dx) + float64(dy*dy) + float64(dz*dz))
}

// point returns the coordinates of grid point p (x-major, then y, then z).
func (pr *locProblem) point(p int) (x, y, z float64) {
	iz := p % pr.nz
	q := p / pr.nz
	return pr.xs[q/pr.ny], pr.ys[q%pr.ny], pr.zs[iz]
}

// geometry fills, for the grid points [p0, p1) and every station s, the
// distance r and the attenuation exp(-B·r), computed as the reference does;
// rows are points, columns stations.
func (pr *locProblem) geometry(p0, p1 int, ex, r []float64) {
	S := len(pr.sx)
	iz := p0 % pr.nz
	q := p0 / pr.nz
	iy, ix := q%pr.ny, q/pr.ny
	for i := 0; i < p1-p0; i++ {
		x, y, z := pr.xs[ix], pr.ys[iy], pr.zs[iz]
		ri := r[i*S : i*S+S]
		ei := ex[i*S : i*S+S]
		for s := range ri {
			d := dist(x, y, z, pr.sx[s], pr.sy[s], pr.sz[s])
			ri[s] = d
			ei[s] = math.Exp(-pr.b * d)
		}
		if iz++; iz == pr.nz {
			iz = 0
			if iy++; iy == pr.ny {
				iy = 0
				ix++
			}
		}
	}
}

// trialErr is the reference misfit of one trial: Σ_s (A·exp(-B·r_s)/r_s - o_s)²
// summed in station order, with the operations in the reference order.
func trialErr(a float64, ex, r, o []float64) float64 {
	r = r[:len(ex)]
	o = o[:len(ex)]
	err := 0.0
	for s, e := range ex {
		d := a*e/r[s] - o[s]
		err += float64(d * d)
	}
	return err
}

// best is the best trial found so far for one event.
type best struct {
	err  float64
	p, k int // grid point and amplitude index; p < 0: none yet
}

// better reports whether b precedes c: a smaller misfit, or the same misfit
// earlier in x, y, z, A order.
func (b best) better(c best) bool {
	if b.p < 0 {
		return false
	}
	if c.p < 0 || b.err < c.err {
		return true
	}
	return b.err == c.err && (b.p < c.p || b.p == c.p && b.k < c.k)
}

// results collects the workers' per-event bests.
type results struct {
	mu   sync.Mutex
	best []best
}

func newResults(n int) *results {
	r := &results{best: make([]best, n)}
	for i := range r.best {
		r.best[i] = best{err: math.Inf(1), p: -1}
	}
	return r
}

// merge folds the bests of events [e0, e0+len(local)) into r.
func (r *results) merge(e0 int, local []best) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i, b := range local {
		if b.better(r.best[e0+i]) {
			r.best[e0+i] = b
		}
	}
}

// locations turns the per-event bests into Locations.
func (pr *locProblem) locations(r *results) ([]Location, error) {
	out := make([]Location, len(pr.events))
	for i, b := range r.best {
		if b.p < 0 || !isFinite(b.err) {
			return nil, fmt.Errorf("hpc: %s: event %d (%q): no finite misfit on the grid", pr.task, i, pr.events[i].ID)
		}
		x, y, z := pr.point(b.p)
		out[i] = Location{
			Event:  pr.events[i].ID,
			X:      x,
			Y:      y,
			Z:      z,
			A:      pr.as[b.k],
			Misfit: 100 * math.Sqrt(b.err/pr.soo[i]),
		}
	}
	return out, nil
}

// workUnits is the approximate number of floating-point operations in one
// unit of locator work: one block of grid points for one batch of events.
const workUnits = 1 << 18

// batching cuts the (events × grid points) work into units of about
// workUnits operations when one (point, event) pair costs pairCost: event
// batches of at most maxBatch events times blocks of at most maxBlock points.
type batching struct {
	eb, pb   int // events per batch, points per block
	nBatch   int
	nBlock   int
	nEvents  int
	nPoints  int
	maxBatch int
}

func newBatching(nEvents, nPoints, pairCost, maxBatch, maxBlock int) batching {
	eb := min(nEvents, maxBatch, max(1, workUnits/pairCost))
	pb := min(nPoints, maxBlock, max(1, workUnits/(pairCost*eb)))
	return batching{
		eb: eb, pb: pb,
		nBatch:  (nEvents + eb - 1) / eb,
		nBlock:  (nPoints + pb - 1) / pb,
		nEvents: nEvents, nPoints: nPoints,
	}
}

func (bt batching) units() int { return bt.nBatch * bt.nBlock }

// unit returns the events [e0, e1) and points [p0, p1) of unit u. Units are
// numbered batch-major, so a worker sees batches in increasing order.
func (bt batching) unit(u int) (batch, e0, e1, p0, p1 int) {
	batch = u / bt.nBlock
	blk := u % bt.nBlock
	e0 = batch * bt.eb
	p0 = blk * bt.pb
	return batch, e0, min(e0+bt.eb, bt.nEvents), p0, min(p0+bt.pb, bt.nPoints)
}

// LocateExhaustive locates every event by exhaustive grid search, the
// reference semantics of the locator: for each event it evaluates the misfit
//
//	err(x, y, z, A) = Σ_s (A·exp(-B·r_s)/r_s - obs_s)²,   r_s = |(x, y, z) - station_s|,
//
// at every grid point and every grid amplitude, in x, y, z, A loop order with
// the reference arithmetic, and keeps the first minimum. The work is spread
// over the default Pool (see SetWorkers) by blocks of grid points and batches
// of events; the distances and attenuations, which do not depend on A or on
// the event, are computed once per block.
//
// The result has one Location per event, in event order; an empty event
// list gives an empty result. See the package documentation for the errors
// returned. If the context installed with SetContext is cancelled,
// LocateExhaustive stops between chunks of work and returns ErrInterrupted.
// It reports progress under the task name "LocateExhaustive".
func LocateExhaustive(stations []Station, events []Event, g Grid, B float64) ([]Location, error) {
	return locateExhaustive(defaultPool, stations, events, g, B)
}

func locateExhaustive(pool *Pool, stations []Station, events []Event, g Grid, B float64) ([]Location, error) {
	pr, err := newProblem("LocateExhaustive", stations, events, g, B)
	if err != nil {
		return nil, err
	}
	if len(events) == 0 {
		return []Location{}, nil
	}
	S := len(stations)
	bt := newBatching(len(events), pr.np, len(pr.as)*S*5, 64, 1024)
	res := newResults(len(events))
	err = pool.runAll("LocateExhaustive", bt.units(), func() (chunkFunc, func()) {
		ex := make([]float64, bt.pb*S)
		r := make([]float64, bt.pb*S)
		local := make([]best, bt.eb)
		batch, e0 := -1, 0
		flush := func() {
			if batch >= 0 {
				res.merge(e0, local)
			}
		}
		return func(lo, hi int, cur *cursor) error {
			for u := lo; u < hi; u++ {
				cur.index = u
				b, be0, be1, p0, p1 := bt.unit(u)
				if b != batch {
					flush()
					batch, e0 = b, be0
					local = local[:be1-be0]
					for i := range local {
						local[i] = best{err: math.Inf(1), p: -1}
					}
				}
				pr.geometry(p0, p1, ex, r)
				for e := be0; e < be1; e++ {
					o := pr.events[e].Amp
					lb := local[e-be0]
					for p := p0; p < p1; p++ {
						i := (p - p0) * S
						ep, rp := ex[i:i+S], r[i:i+S]
						for k, a := range pr.as {
							if err := trialErr(a, ep, rp, o); err < lb.err {
								lb = best{err: err, p: p, k: k}
							}
						}
					}
					local[e-be0] = lb
				}
			}
			return nil
		}, flush
	})
	if err != nil {
		return nil, locateFailure(err)
	}
	return pr.locations(res)
}

// locateFailure re-panics a panic recovered on a worker (a bug, not a data
// error) and returns any other failure.
func locateFailure(err error) error {
	var pe *PanicError
	if errors.As(err, &pe) {
		panic(pe)
	}
	return err
}
