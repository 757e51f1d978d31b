package hpc

import "math"

// Locate locates every event with the same answers as LocateExhaustive —
// the same grid point and amplitude (the first minimum in x, y, z, A order)
// and the same misfit up to rounding (relative 1e-9) — at a small fraction
// of its cost.
//
// For grid point g, with model amplitudes g_s = exp(-B·r_s)/r_s, and event
// o, the misfit is a convex quadratic in the amplitude,
//
//	err(A) = A²·Σg_s² - 2A·Σg_s·o_s + Σo_s²,
//
// minimised over all real A at A* = Σg·o / Σg², where err(A*) = Σo² - (ĝ·o)²
// with ĝ = g/|g|, and over the A grid at the grid value nearest A* (clamped to
// the axis). For all events at once the products ĝ·o form a matrix product,
// (grid points × stations) times (stations × events). Locate computes it
// over compact blocks of 4×4×4 grid points and batches of events, and skips
// a block for an event when the bound |ĝ_c·o| + ρ·|o| on |ĝ·o| over the block
// (ĝ_c the unit model of the block's centre, ρ the largest distance of the
// block's unit models from it) shows that no point of the block can beat the
// event's best misfit so far, which starts from the best block centre. The
// points that pass the bound test are evaluated with the reference
// arithmetic at every amplitude whose quadratic misfit lies within a relative
// 1e-9 of the best: near-ties are settled exactly as the exhaustive search
// settles them, and the reported misfit is the reference misfit of the
// chosen trial. Memory grows with the grid (the unit model vectors are kept
// for grids up to 2²⁷ bytes of them) and not with the catalog beyond a few
// words per event.
//
// The work is spread over the default Pool (see SetWorkers). The result has
// one Location per event, in event order; an empty event list gives an empty
// result. See the package documentation for the errors returned. If the
// context installed with SetContext is cancelled, Locate stops between
// chunks of work and returns ErrInterrupted. It reports progress under the
// task name "Locate".
func Locate(stations []Station, events []Event, g Grid, B float64) ([]Location, error) {
	return locate(defaultPool, stations, events, g, B)
}

const (
	// blockEdge is the edge, in grid points, of Locate's blocks.
	blockEdge = 4
	// fastMaxBatch is the largest batch of events Locate's workers keep
	// state for.
	fastMaxBatch = 4096
	// rtol is the relative tolerance, on Σobs² + best misfit, within which
	// a trial whose bound or quadratic misfit is not above the event's best
	// so far is evaluated exactly. It is far above the rounding error of the
	// quadratic form (about 1e-14 relative) and far below any misfit
	// difference that matters.
	rtol = 1e-9
	// tinyNorm is the model norm |g| below which the closed form for A is
	// not trusted and every amplitude of a point is evaluated.
	tinyNorm = 1e-150
)

// modelCacheBytes bounds the memory Locate uses to keep the unit model
// vectors of the whole grid; above it they are recomputed per batch of
// events. A variable so that tests can exercise both paths.
var modelCacheBytes = 1 << 27

// blocking cuts the grid into blocks of at most blockEdge³ points.
type blocking struct {
	n  [3]int // points per axis: x, y, z
	m  [3]int // blocks per axis
	nb int
}

func newBlocking(nx, ny, nz int) blocking {
	bk := blocking{n: [3]int{nx, ny, nz}, nb: 1}
	for a, n := range bk.n {
		bk.m[a] = (n + blockEdge - 1) / blockEdge
		bk.nb *= bk.m[a]
	}
	return bk
}

// block returns the point index ranges [lo, hi) of block b on each axis.
// Blocks are numbered in x, y, z order.
func (bk *blocking) block(b int) (lo, hi [3]int) {
	i := [3]int{b / (bk.m[1] * bk.m[2]), b / bk.m[2] % bk.m[1], b % bk.m[2]}
	for a := range i {
		lo[a] = i[a] * blockEdge
		hi[a] = min(lo[a]+blockEdge, bk.n[a])
	}
	return lo, hi
}

// point returns the linear grid index of the i-th point of the block with
// ranges lo, hi, points taken in x, y, z order.
func (bk *blocking) point(lo, hi [3]int, i int) int {
	wy, wz := hi[1]-lo[1], hi[2]-lo[2]
	ix, iy, iz := lo[0]+i/(wy*wz), lo[1]+i/wz%wy, lo[2]+i%wz
	return (ix*bk.n[1]+iy)*bk.n[2] + iz
}

// unitModel fills gh (rows of S) with the unit model vectors ĝ and nrm with
// the norms |g| of the points of the block with ranges lo, hi, and returns
// the number of points. A point whose model amplitudes all underflow gets
// ĝ = 0 and |g| = 0.
func (pr *locProblem) unitModel(lo, hi [3]int, gh, nrm []float64) int {
	S := len(pr.sx)
	i := 0
	for ix := lo[0]; ix < hi[0]; ix++ {
		for iy := lo[1]; iy < hi[1]; iy++ {
			for iz := lo[2]; iz < hi[2]; iz++ {
				x, y, z := pr.xs[ix], pr.ys[iy], pr.zs[iz]
				g := gh[i*S : i*S+S]
				m := 0.0
				for s := range g {
					r := dist(x, y, z, pr.sx[s], pr.sy[s], pr.sz[s])
					g[s] = math.Exp(-pr.b*r) / r
					m = max(m, g[s])
				}
				if m == 0 {
					nrm[i] = 0
					i++
					continue
				}
				ss := 0.0
				for s := range g {
					g[s] /= m
					ss += g[s] * g[s]
				}
				n := math.Sqrt(ss)
				for s := range g {
					g[s] /= n
				}
				nrm[i] = m * n
				i++
			}
		}
	}
	return i
}

// fastModel is what Locate knows of the grid before it sees events.
type fastModel struct {
	pr *locProblem
	bk blocking
	S  int
	// The unit model vectors and norms of the whole grid, block after block
	// (block b's rows are [off[b], off[b+1])), or nil if over budget.
	off     []int
	gh, nrm []float64
	// Per block: the unit model vector of its centre point, the centre's
	// linear grid index, and the cosine and sine of the block's angular
	// radius α, the largest angle between the unit model vectors of its
	// points and the centre's (slightly enlarged to absorb rounding).
	center     []float64
	cidx       []int
	cosA, sinA []float64
}

func locate(pool *Pool, stations []Station, events []Event, g Grid, B float64) ([]Location, error) {
	pr, err := newProblem("Locate", stations, events, g, B)
	if err != nil {
		return nil, err
	}
	if len(events) == 0 {
		return []Location{}, nil
	}
	S := len(stations)
	fm := &fastModel{pr: pr, bk: newBlocking(len(pr.xs), len(pr.ys), len(pr.zs)), S: S}
	nb := fm.bk.nb
	fm.center = make([]float64, nb*S)
	fm.cidx = make([]int, nb)
	fm.cosA = make([]float64, nb)
	fm.sinA = make([]float64, nb)
	if pr.np*(S+1)*8 <= modelCacheBytes {
		fm.off = make([]int, nb+1)
		for b := range nb {
			lo, hi := fm.bk.block(b)
			fm.off[b+1] = fm.off[b] + (hi[0]-lo[0])*(hi[1]-lo[1])*(hi[2]-lo[2])
		}
		fm.gh = make([]float64, pr.np*S)
		fm.nrm = make([]float64, pr.np)
	}
	eb := min(len(events), fastMaxBatch)
	nBatch := (len(events) + eb - 1) / eb
	const (
		blockWeight = 20 * blockEdge * blockEdge * blockEdge // the model of a block, in dot products
		unitWeight  = 16                                     // one block for one event
	)
	prog := newProgress("Locate", nb*blockWeight+len(events)*nb/S+nb*len(events)*unitWeight/S)
	res := newResults(len(events))

	// Pass 1: unit model vectors (kept if within budget), centres and radii.
	err = pool.run(prog, nb, blockWeight, func() (chunkFunc, func()) {
		var gh, nrm []float64
		if fm.gh == nil {
			gh = make([]float64, blockEdge*blockEdge*blockEdge*S)
			nrm = make([]float64, blockEdge*blockEdge*blockEdge)
		}
		return func(lo, hi int, cur *cursor) error {
			for b := lo; b < hi; b++ {
				cur.index = b
				fm.summarize(b, gh, nrm)
			}
			return nil
		}, nil
	})
	if err != nil {
		return nil, locateFailure(err)
	}

	// Pass 2: a first guess per event, the best block centre.
	err = pool.run(prog, len(events), max(1, nb/S), func() (chunkFunc, func()) {
		ex, r := make([]float64, S), make([]float64, S)
		return func(lo, hi int, cur *cursor) error {
			for e := lo; e < hi; e++ {
				cur.index = e
				res.best[e] = fm.seed(e, ex, r)
			}
			return nil
		}, nil
	})
	if err != nil {
		return nil, locateFailure(err)
	}

	// Pass 3: every block for every event, skipping blocks that cannot win.
	err = pool.run(prog, nBatch*nb, eb*unitWeight/S, func() (chunkFunc, func()) {
		w := &fastWorker{
			fm:    fm,
			res:   res,
			ex:    make([]float64, S),
			r:     make([]float64, S),
			local: make([]best, eb),
			thr:   make([]float64, eb),
			cp:    make([]float64, eb),
			cq:    make([]float64, eb),
			batch: -1,
		}
		if fm.gh == nil {
			w.gh = make([]float64, blockEdge*blockEdge*blockEdge*S)
			w.nrm = make([]float64, blockEdge*blockEdge*blockEdge)
		}
		return func(lo, hi int, cur *cursor) error {
			for u := lo; u < hi; u++ {
				cur.index = u
				batch, b := u/nb, u%nb
				if batch != w.batch {
					w.flush()
					w.startBatch(batch, batch*eb, min((batch+1)*eb, len(events)))
				}
				w.block(b)
			}
			return nil
		}, w.flush
	})
	if err != nil {
		return nil, locateFailure(err)
	}
	prog.finish()
	return pr.locations(res)
}

// summarize computes block b's unit models (into the cache, or into gh and
// nrm), its centre and its radius.
func (fm *fastModel) summarize(b int, gh, nrm []float64) {
	S := fm.S
	lo, hi := fm.bk.block(b)
	if fm.gh != nil {
		gh = fm.gh[fm.off[b]*S : fm.off[b+1]*S]
		nrm = fm.nrm[fm.off[b]:fm.off[b+1]]
	}
	n := fm.pr.unitModel(lo, hi, gh, nrm)
	wx, wy, wz := hi[0]-lo[0], hi[1]-lo[1], hi[2]-lo[2]
	ic := ((wx/2)*wy+wy/2)*wz + wz/2
	c := fm.center[b*S : b*S+S]
	copy(c, gh[ic*S:ic*S+S])
	fm.cidx[b] = fm.bk.point(lo, hi, ic)
	chord := 0.0
	for i := range n {
		d := 0.0
		for s, v := range gh[i*S : i*S+S] {
			t := v - c[s]
			d += t * t
		}
		chord = max(chord, d)
	}
	// The angle between unit vectors at chord distance d is 2·asin(d/2).
	alpha := 2*math.Asin(min(1, math.Sqrt(chord)/2))*(1+1e-12) + 1e-15
	if alpha >= math.Pi/2 {
		// No useful bound (the block holds underflowed or very different
		// models): make the test always pass.
		fm.cosA[b], fm.sinA[b] = -1, 0
		return
	}
	fm.cosA[b], fm.sinA[b] = math.Cos(alpha), math.Sin(alpha)
}

// seed returns the best trial of event e at the centre of the block whose
// centre fits it best.
func (fm *fastModel) seed(e int, ex, r []float64) best {
	S := fm.S
	o := fm.pr.events[e].Amp[:S]
	bb, bc := 0, math.Inf(-1)
	for b := range fm.bk.nb {
		c := fm.center[b*S : b*S+S]
		d := 0.0
		for s, v := range o[:len(c)] {
			d += c[s] * v
		}
		if d > bc {
			bb, bc = b, d
		}
	}
	p := fm.cidx[bb]
	fm.pr.geometry(p, p+1, ex, r)
	bt := best{err: math.Inf(1), p: -1}
	for k, a := range fm.pr.as {
		if err := trialErr(a, ex, r, o); err < bt.err {
			bt = best{err: err, p: p, k: k}
		}
	}
	return bt
}

// fastWorker is one worker's state in Locate's main pass.
type fastWorker struct {
	fm  *fastModel
	res *results

	gh, nrm []float64 // the current block's unit models, when not cached
	ex, r   []float64 // one point's attenuations and distances

	batch, e0 int
	local     []best    // best trial so far per event of the batch
	thr       []float64 // per event: a point needs (ĝ·o)² ≥ thr to be examined
	cp, cq    []float64 // per event: √thr and √(Σo²-thr), for the block test
}

// flush merges the worker's bests into the results.
func (w *fastWorker) flush() {
	if w.batch >= 0 {
		w.res.merge(w.e0, w.local)
	}
}

// startBatch starts the events [e0, e1) from their best so far.
func (w *fastWorker) startBatch(batch, e0, e1 int) {
	w.batch, w.e0 = batch, e0
	n := e1 - e0
	w.local, w.thr, w.cp, w.cq = w.local[:n], w.thr[:n], w.cp[:n], w.cq[:n]
	w.res.mu.Lock()
	copy(w.local, w.res.best[e0:e1])
	w.res.mu.Unlock()
	for l, b := range w.local {
		w.setThreshold(l, b.err)
	}
}

// setThreshold sets the bound event l's points must reach given its best
// misfit so far: (ĝ·o)² ≥ thr = Σo² - lim, lim = best + rtol·(Σo² + best).
func (w *fastWorker) setThreshold(l int, err float64) {
	soo := w.fm.pr.soo[w.e0+l]
	thr := soo - err - rtol*(soo+err)
	w.thr[l] = thr
	if thr > 0 {
		w.cp[l], w.cq[l] = math.Sqrt(thr), math.Sqrt(max(0, soo-thr))
	} else {
		w.cp[l], w.cq[l] = math.Inf(-1), 0 // every block must be examined
	}
}

// block examines block b for the events of the current batch.
//
// The block test: let θ be the angle between a unit model ĝ of the block and
// o, θc the centre's, α the block's angular radius, and β = acos(√thr/|o|)
// (thr > 0). Every point of the block has |ĝ·o| < √thr, and none can beat the
// event's best, when [θc-α, θc+α] lies inside (β, π-β), that is when
// |cos θc| < cos(α+β). Multiplied by |o|, with ĝc·o = |o|·cos θc, that is
//
//	|ĝc·o| < cos α·√thr - sin α·√(Σo²-thr).
func (w *fastWorker) block(b int) {
	fm := w.fm
	S := fm.S
	lo, hi := fm.bk.block(b)
	gh, nrm := w.gh, w.nrm
	var n int
	if fm.gh != nil {
		gh = fm.gh[fm.off[b]*S : fm.off[b+1]*S]
		nrm = fm.nrm[fm.off[b]:fm.off[b+1]]
		n = len(nrm)
	} else {
		n = fm.pr.unitModel(lo, hi, gh, nrm)
	}
	gh = gh[:n*S]
	c := fm.center[b*S : b*S+S]
	cosA, sinA := fm.cosA[b], fm.sinA[b]
	events := fm.pr.events[w.e0 : w.e0+len(w.local)]
	cp, cq := w.cp[:len(events)], w.cq[:len(events)]
	for l := range events {
		o := events[l].Amp[:len(c)]
		d := 0.0
		for s, v := range c {
			d += v * o[s]
		}
		if math.Abs(d) < cosA*cp[l]-sinA*cq[l] {
			continue // no point of the block can beat the best so far
		}
		thr := w.thr[l]
		for i := 0; i < n; i++ {
			g := gh[i*S : i*S+S]
			o := o[:len(g)]
			d := 0.0
			for s, v := range g {
				d += v * o[s]
			}
			if d*d >= thr {
				w.examine(l, fm.bk.point(lo, hi, i), d, nrm[i], o)
				thr = w.thr[l]
			}
		}
	}
}

// examine evaluates grid point p for event l of the batch, given c = ĝ·o and
// the model norm nrm = |g|: if its bound and then its quadratic misfit at the
// nearest grid amplitude are within tolerance of the event's best, every
// amplitude whose quadratic misfit is within tolerance is evaluated with the
// reference arithmetic.
func (w *fastWorker) examine(l, p int, c, nrm float64, o []float64) {
	pr := w.fm.pr
	soo := pr.soo[w.e0+l]
	b := &w.local[l]
	lim := b.err + rtol*(soo+b.err) // +Inf when there is no best yet
	lb := soo - c*c                 // the misfit at the continuous optimum A*
	if !(lb <= lim) {
		return
	}
	nA := len(pr.as)
	kLo, kHi := 0, nA-1
	if nrm > tinyNorm && lim < math.Inf(1) {
		aStar := c / nrm
		// The grid amplitude nearest A* minimises the quadratic on the grid.
		kn := clampLo(math.Round((aStar-pr.a0)/pr.da), nA)
		if d := nrm*pr.as[kn] - c; lb+d*d > lim {
			return
		}
		// Every amplitude with (|g|·A - ĝ·o)² ≤ lim - lb, and one more each side.
		hw := math.Sqrt(lim-lb) / nrm
		kLo = clampLo(math.Floor((aStar-hw-pr.a0)/pr.da)-1, nA)
		kHi = clampHi(math.Ceil((aStar+hw-pr.a0)/pr.da)+1, nA)
	}
	pr.geometry(p, p+1, w.ex, w.r)
	improved := false
	for k := kLo; k <= kHi; k++ {
		if t := (best{err: trialErr(pr.as[k], w.ex, w.r, o), p: p, k: k}); t.better(*b) {
			*b = t
			improved = true
		}
	}
	if improved {
		w.setThreshold(l, b.err)
	}
}

// clampLo converts an index bound to [0, n), NaN to 0.
func clampLo(f float64, n int) int {
	if !(f > 0) {
		return 0
	}
	if f >= float64(n-1) {
		return n - 1
	}
	return int(f)
}

// clampHi converts an index bound to [0, n), NaN to n-1.
func clampHi(f float64, n int) int {
	if !(f < float64(n-1)) {
		return n - 1
	}
	if f <= 0 {
		return 0
	}
	return int(f)
}
