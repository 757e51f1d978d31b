package hpc

import (
	"math"
	"time"

	"github.com/gohpc/gohpc/hpc/internal/gemm"
)

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
// (grid points × stations) times (stations × events).
//
// Locate computes that product for batches of events over a tree of boxes
// of grid points (leaves of 4×4×4 points; parents of 2×2×2 children, two
// levels up) and skips most of it: a point can only beat the event's best
// misfit so far if (ĝ·o)² ≥ thr = Σo² - best, and a box whose unit models
// lie in a cone of angle α around its centre's ĝc can hold such a point only
// if |ĝc·o| reaches a bound computed from α and thr (see fastWorker.visit).
// Each event's best starts from the centre of a box found by descending the
// tree; the first level of that descent, the unit models of the roots'
// children times every event, is a dense skinny product computed by the
// package's GEMM engine. The points that pass are evaluated with the reference arithmetic at
// every amplitude whose quadratic misfit lies within a relative 1e-9 of the
// best: near-ties are settled exactly as the exhaustive search settles them,
// and the reported misfit is the reference misfit of the chosen trial.
// Memory grows with the grid (the unit model vectors are kept for grids up
// to 2²⁷ bytes of them, and recomputed per batch of events above that) and
// not with the catalog beyond a few words per event.
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
	// blockEdge is the edge, in grid points, of the leaves of Locate's tree.
	blockEdge = 4
	// treeLevels is the number of levels of parents above the leaves: a
	// root covers up to 4·2^treeLevels points along each axis.
	treeLevels = 2
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
				// Scaled by the largest amplitude first (a division: m may
				// be subnormal), so that the sum of squares neither
				// underflows nor overflows; then by the reciprocal of the
				// norm, in [1, √S]. Unit models only feed bounds and the
				// quadratic form, whose tolerance is far above rounding.
				ss := 0.0
				for s := range g {
					g[s] /= m
					ss += g[s] * g[s]
				}
				n := math.Sqrt(ss)
				inv := 1 / n
				for s := range g {
					g[s] *= inv
				}
				nrm[i] = m * n
				i++
			}
		}
	}
	return i
}

// treeBox is a box of blocks while the tree is built.
type treeBox struct {
	lo, hi [3]int // in blocks, per axis
	kids   []int  // indices into the level below
}

// node is a box of Locate's tree: the cone that holds its unit models, and
// its children.
type node struct {
	cosA, sinA float64 // of the angular radius α; cosA = -1 means no bound
	alpha      float64
	kids       [2]int32 // children: fm.kid[kids[0]:kids[1]]
	leaf       int32    // leaves: the position in the leaf order; -1 otherwise
	leaves     [2]int32 // the leaves under the node, in leaf order
	lo, hi     [3]int   // the node's grid points, per axis
}

// fastModel is what Locate knows of the grid before it sees events.
type fastModel struct {
	pr *locProblem
	bk blocking
	S  int
	// The tree: nodes (roots first), the unit models of their centre points
	// (rows of S), the children lists, and per leaf position its node.
	nodes  []node
	center []float64
	cidx   []int // per node, the linear grid index of its centre point
	kid    []int32
	roots  int
	leafNd []int32
	// The unit model vectors and norms of the whole grid, leaf after leaf
	// in leaf order (leaf i's rows are [off[i], off[i+1])). gh and nrm are
	// nil if over budget: workers then compute a root's models when they
	// start on it, at offsets relative to the root's first leaf.
	off     []int
	gh, nrm []float64
}

// buildTree makes the tree over the blocks: each level groups the previous
// one's boxes by 2×2×2, treeLevels times (fewer if the grid runs out). Nodes
// are numbered roots first, then depth first, so that every node's children
// are contiguous and every node's leaves are a range of the leaf order.
func (fm *fastModel) buildTree() {
	bk := &fm.bk
	level := make([]treeBox, 0, bk.nb)
	for b := range bk.nb {
		i := [3]int{b / (bk.m[1] * bk.m[2]), b / bk.m[2] % bk.m[1], b % bk.m[2]}
		level = append(level, treeBox{lo: i, hi: [3]int{i[0] + 1, i[1] + 1, i[2] + 1}})
	}
	levels := [][]treeBox{level}
	dims := bk.m
	for range treeLevels {
		if dims == [3]int{1, 1, 1} {
			break
		}
		up := [3]int{(dims[0] + 1) / 2, (dims[1] + 1) / 2, (dims[2] + 1) / 2}
		below := levels[len(levels)-1]
		next := make([]treeBox, 0, up[0]*up[1]*up[2])
		for i := range up[0] {
			for j := range up[1] {
				for k := range up[2] {
					var kids []int
					for ci := 2 * i; ci < min(2*i+2, dims[0]); ci++ {
						for cj := 2 * j; cj < min(2*j+2, dims[1]); cj++ {
							for ck := 2 * k; ck < min(2*k+2, dims[2]); ck++ {
								kids = append(kids, (ci*dims[1]+cj)*dims[2]+ck)
							}
						}
					}
					first, last := below[kids[0]], below[kids[len(kids)-1]]
					next = append(next, treeBox{lo: first.lo, hi: last.hi, kids: kids})
				}
			}
		}
		levels = append(levels, next)
		dims = up
	}
	top := levels[len(levels)-1]
	fm.roots = len(top)
	fm.nodes = make([]node, len(top), bk.nb*8/7+len(top)+1)
	fm.leafNd = make([]int32, 0, bk.nb)
	var fill func(id int32, lv, i int)
	fill = func(id int32, lv, i int) {
		bx := levels[lv][i]
		n := node{leaf: -1, leaves: [2]int32{int32(len(fm.leafNd)), 0}}
		for a := range 3 {
			n.lo[a] = bx.lo[a] * blockEdge
			n.hi[a] = min(bx.hi[a]*blockEdge, bk.n[a])
		}
		if lv == 0 {
			n.leaf = int32(len(fm.leafNd))
			fm.leafNd = append(fm.leafNd, id)
		} else {
			first := int32(len(fm.kid))
			for range bx.kids {
				fm.kid = append(fm.kid, int32(len(fm.nodes)))
				fm.nodes = append(fm.nodes, node{})
			}
			n.kids = [2]int32{first, int32(len(fm.kid))}
			for c, k := range bx.kids {
				fill(fm.kid[int(first)+c], lv-1, k)
			}
		}
		n.leaves[1] = int32(len(fm.leafNd))
		fm.nodes[id] = n
	}
	for i := range top {
		fill(int32(i), len(levels)-1, i)
	}
	fm.center = make([]float64, len(fm.nodes)*fm.S)
	fm.cidx = make([]int, len(fm.nodes))
	fm.off = make([]int, len(fm.leafNd)+1)
	for i, id := range fm.leafNd {
		n := &fm.nodes[id]
		fm.off[i+1] = fm.off[i] + (n.hi[0]-n.lo[0])*(n.hi[1]-n.lo[1])*(n.hi[2]-n.lo[2])
	}
}

// leafModels returns the unit models and norms of leaf i: from the cache,
// or from a worker's buffers holding the leaves from position base on.
func (fm *fastModel) leafModels(i int, gh, nrm []float64, base int) ([]float64, []float64) {
	if fm.gh != nil {
		gh, nrm, base = fm.gh, fm.nrm, 0
	}
	lo, hi := fm.off[i]-fm.off[base], fm.off[i+1]-fm.off[base]
	return gh[lo*fm.S : hi*fm.S], nrm[lo:hi]
}

// rootModels computes, into gh and nrm, the unit models of the leaves of
// root r (when the grid's models are not cached).
func (fm *fastModel) rootModels(r int, gh, nrm []float64) {
	n := &fm.nodes[r]
	base := int(n.leaves[0])
	for i := base; i < int(n.leaves[1]); i++ {
		ln := &fm.nodes[fm.leafNd[i]]
		g, m := fm.leafModels(i, gh, nrm, base)
		fm.pr.unitModel(ln.lo, ln.hi, g, m)
	}
}

// setCenter computes the unit model of node id's centre point, and returns
// its norm |g| (0 if every model amplitude underflows).
func (fm *fastModel) setCenter(id int) float64 {
	n := &fm.nodes[id]
	var lo, hi [3]int
	for a := range 3 {
		lo[a] = n.lo[a] + (n.hi[a]-n.lo[a])/2
		hi[a] = lo[a] + 1
	}
	var nrm [1]float64
	fm.pr.unitModel(lo, hi, fm.center[id*fm.S:(id+1)*fm.S], nrm[:])
	fm.cidx[id] = (lo[0]*fm.bk.n[1]+lo[1])*fm.bk.n[2] + lo[2]
	return nrm[0]
}

// setRadius sets node id's angular radius from the largest chord d between
// its centre's unit model and the unit vectors it must hold, plus the
// largest angular radius of what those vectors stand for (its children's).
func (fm *fastModel) setRadius(id int, chord, extra float64) {
	n := &fm.nodes[id]
	// The angle between unit vectors at chord distance d is 2·asin(d/2);
	// enlarged to absorb rounding.
	n.alpha = (2*math.Asin(min(1, chord/2))+extra)*(1+1e-12) + 1e-15
	if n.alpha >= math.Pi/2 {
		// No useful bound (underflowed or very different models): the
		// test always passes.
		n.cosA, n.sinA = -1, 0
		return
	}
	n.cosA, n.sinA = math.Cos(n.alpha), math.Sin(n.alpha)
}

// summarizeLeaf computes leaf i's unit models (into the cache, or into
// gh and nrm), its centre and its radius.
func (fm *fastModel) summarizeLeaf(i int, gh, nrm []float64) {
	id := int(fm.leafNd[i])
	n := &fm.nodes[id]
	g, m := gh, nrm
	if fm.gh != nil {
		g, m = fm.leafModels(i, nil, nil, 0)
	}
	np := fm.pr.unitModel(n.lo, n.hi, g, m)
	if fm.setCenter(id) == 0 {
		// A centre without a direction bounds nothing.
		fm.setRadius(id, 2, math.Pi)
		return
	}
	c := fm.center[id*fm.S : (id+1)*fm.S]
	chord := 0.0
	for p := range np {
		chord = max(chord, distSq(g[p*fm.S:(p+1)*fm.S], c))
	}
	fm.setRadius(id, math.Sqrt(chord), 0)
}

// summarizeParent computes parent id's centre, and its radius from its
// children's cones: a child's unit models lie within the child's α of the
// child's centre, so within angle(centre, child centre) + α of the centre.
func (fm *fastModel) summarizeParent(id int) {
	if fm.setCenter(id) == 0 {
		fm.setRadius(id, 2, math.Pi)
		return
	}
	n := &fm.nodes[id]
	c := fm.center[id*fm.S : (id+1)*fm.S]
	alpha := 0.0
	for _, k := range fm.kid[n.kids[0]:n.kids[1]] {
		kn := &fm.nodes[k]
		if kn.cosA < 0 {
			alpha = math.Pi
			break
		}
		d := math.Sqrt(distSq(fm.center[int(k)*fm.S:int(k+1)*fm.S], c))
		alpha = max(alpha, 2*math.Asin(min(1, d/2))*(1+1e-12)+kn.alpha)
	}
	fm.setRadius(id, 0, alpha)
}

// distSq is |a-b|².
func distSq(a, b []float64) float64 {
	b = b[:len(a)]
	d := 0.0
	for s, v := range a {
		t := v - b[s]
		d += t * t
	}
	return d
}

// dot is a·b.
func dot(a, b []float64) float64 {
	b = b[:len(a)]
	d := 0.0
	for s, v := range a {
		d += v * b[s]
	}
	return d
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
	fm.buildTree()
	nLeaves := len(fm.leafNd)
	if pr.np*(S+1)*8 <= modelCacheBytes {
		fm.gh = make([]float64, pr.np*S)
		fm.nrm = make([]float64, pr.np)
	}
	// The most points under one root, for the workers' buffers.
	rootPoints := 0
	for r := range fm.roots {
		n := &fm.nodes[r]
		rootPoints = max(rootPoints, fm.off[n.leaves[1]]-fm.off[n.leaves[0]])
	}
	eb := min(len(events), fastMaxBatch)
	nBatch := (len(events) + eb - 1) / eb
	const (
		leafWeight = 20 * blockEdge * blockEdge * blockEdge // a leaf's models, in dot products
		seedWeight = 64                                     // one event's first guess
	)
	rootWeight := max(1, eb*nLeaves/fm.roots) // one root for a batch: about one dot per leaf and event
	prog := newProgress("Locate", nLeaves*leafWeight+len(fm.nodes)*S+len(events)*seedWeight+nBatch*fm.roots*rootWeight)
	res := newResults(len(events))

	// Pass 1: the leaves' unit models (kept if within budget), centres and
	// radii; then the parents', level by level from the leaves up (a
	// parent's children come after it in depth-first order).
	err = pool.run(prog, nLeaves, leafWeight, func() (chunkFunc, func()) {
		var gh, nrm []float64
		if fm.gh == nil {
			gh = make([]float64, blockEdge*blockEdge*blockEdge*S)
			nrm = make([]float64, blockEdge*blockEdge*blockEdge)
		}
		return func(lo, hi int, cur *cursor) error {
			for i := lo; i < hi; i++ {
				cur.index = i
				fm.summarizeLeaf(i, gh, nrm)
			}
			return nil
		}, nil
	})
	if err != nil {
		return nil, locateFailure(err)
	}
	for id := len(fm.nodes) - 1; id >= 0; id-- {
		if fm.nodes[id].leaf < 0 {
			fm.summarizeParent(id)
		}
	}
	prog.add(len(fm.nodes)*S, time.Now())

	// Pass 2: a first guess per event: the centre of the leaf reached by
	// descending from the best centre among the roots' children. The dense
	// part, the products of those centres with every event, is a skinny
	// matrix product (events × stations times stations × centres), done by
	// the GEMM engine on chunks of events.
	sd := fm.newSeeder()
	nChunks := (len(events) + seedChunk - 1) / seedChunk
	err = pool.run(prog, nChunks, seedChunk*seedWeight, func() (chunkFunc, func()) {
		ex, r := make([]float64, S), make([]float64, S)
		obs := make([]float64, seedChunk*S)
		dots := make([]float64, seedChunk*len(sd.ids))
		return func(lo, hi int, cur *cursor) error {
			for c := lo; c < hi; c++ {
				e0, e1 := c*seedChunk, min((c+1)*seedChunk, len(events))
				cur.index = e0
				sd.seed(e0, e1, obs, dots, ex, r, res.best)
			}
			return nil
		}, nil
	})
	if err != nil {
		return nil, locateFailure(err)
	}

	// Pass 3: every root for every event, descending only into the boxes
	// that can hold a better trial.
	err = pool.run(prog, nBatch*fm.roots, rootWeight, func() (chunkFunc, func()) {
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
			w.gh = make([]float64, rootPoints*S)
			w.nrm = make([]float64, rootPoints)
		}
		return func(lo, hi int, cur *cursor) error {
			for u := lo; u < hi; u++ {
				cur.index = u
				batch, r := u/fm.roots, u%fm.roots
				if batch != w.batch {
					w.flush()
					w.startBatch(batch, batch*eb, min((batch+1)*eb, len(events)))
				}
				w.root(r)
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

// seedChunk is the number of events whose first guesses Locate computes
// with one matrix product.
const seedChunk = 64

// seeder finds first guesses: the unit models of the nodes where the
// descent starts (the roots' children, or roots that are leaves), as the
// rows of a matrix.
type seeder struct {
	fm  *fastModel
	ids []int     // node of each row
	c   []float64 // len(ids) × S, row-major
}

func (fm *fastModel) newSeeder() *seeder {
	sd := &seeder{fm: fm}
	for i := range fm.roots {
		n := &fm.nodes[i]
		if n.leaf >= 0 {
			sd.ids = append(sd.ids, i)
			continue
		}
		for _, k := range fm.kid[n.kids[0]:n.kids[1]] {
			sd.ids = append(sd.ids, int(k))
		}
	}
	sd.c = make([]float64, 0, len(sd.ids)*fm.S)
	for _, id := range sd.ids {
		sd.c = append(sd.c, fm.center[id*fm.S:(id+1)*fm.S]...)
	}
	return sd
}

// seed sets out[e] for the events [e0, e1) to the best trial at the centre
// of the leaf reached from the best-fitting start node through the
// best-fitting child at each level below. obs and dots are scratch space of
// at least seedChunk×S and seedChunk×len(sd.ids).
func (sd *seeder) seed(e0, e1 int, obs, dots, ex, r []float64, out []best) {
	fm := sd.fm
	S, m, n := fm.S, e1-e0, len(sd.ids)
	for l := range m {
		copy(obs[l*S:(l+1)*S], fm.pr.events[e0+l].Amp[:S])
	}
	// dots = obs · cᵀ: row l holds the products of event e0+l with every
	// start node's centre. Only a starting point depends on them: any
	// rounding is harmless.
	if err := gemm.Dgemm(&gemm.Options{Workers: 1}, false, true, m, n, S, 1, obs, S, sd.c, S, 0, dots, n); err != nil {
		panic(err) // no Interrupt option: cannot happen
	}
	for l := range m {
		o := obs[l*S : (l+1)*S]
		id, bc := sd.ids[0], math.Inf(-1)
		for i, d := range dots[l*n : (l+1)*n] {
			if d > bc {
				id, bc = sd.ids[i], d
			}
		}
		for fm.nodes[id].leaf < 0 {
			nd := &fm.nodes[id]
			bc = math.Inf(-1)
			for _, k := range fm.kid[nd.kids[0]:nd.kids[1]] {
				if d := dot(fm.center[int(k)*S:int(k+1)*S], o); d > bc {
					id, bc = int(k), d
				}
			}
		}
		p := fm.cidx[id]
		fm.pr.geometry(p, p+1, ex, r)
		bt := best{err: math.Inf(1), p: -1}
		for k, a := range fm.pr.as {
			if err := trialErr(a, ex, r, o); err < bt.err {
				bt = best{err: err, p: p, k: k}
			}
		}
		out[e0+l] = bt
	}
}

// fastWorker is one worker's state in Locate's main pass.
type fastWorker struct {
	fm  *fastModel
	res *results

	gh, nrm []float64 // the current root's unit models, when not cached
	base    int       // the current root's first leaf
	ex, r   []float64 // one point's attenuations and distances

	batch, e0 int
	local     []best    // best trial so far per event of the batch
	thr       []float64 // per event: a point needs (ĝ·o)² ≥ thr to be examined
	cp, cq    []float64 // per event: √thr and √(Σo²-thr), for the box test
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
		// Every box must be examined: the bound is 0 for any α, and no
		// |ĝc·o| is below it.
		w.cp[l], w.cq[l] = 0, 0
	}
}

// root examines root r for the events of the current batch.
func (w *fastWorker) root(r int) {
	fm := w.fm
	w.base = int(fm.nodes[r].leaves[0])
	if fm.gh == nil {
		fm.rootModels(r, w.gh, w.nrm)
	}
	events := fm.pr.events[w.e0 : w.e0+len(w.local)]
	for l := range events {
		w.visit(r, l, events[l].Amp[:fm.S])
	}
}

// visit examines node id for event l of the batch, whose observations are o.
//
// The box test: let θ be the angle between a unit model ĝ of the box and o,
// θc the centre's, α the box's angular radius, and β = acos(√thr/|o|)
// (thr > 0). Every point of the box has |ĝ·o| < √thr, and none can beat the
// event's best, when [θc-α, θc+α] lies inside (β, π-β), that is when
// |cos θc| < cos(α+β). Multiplied by |o|, with ĝc·o = |o|·cos θc, that is
//
//	|ĝc·o| < cos α·√thr - sin α·√(Σo²-thr).
func (w *fastWorker) visit(id, l int, o []float64) {
	fm := w.fm
	S := fm.S
	n := &fm.nodes[id]
	if math.Abs(dot(fm.center[id*S:(id+1)*S], o)) < n.cosA*w.cp[l]-n.sinA*w.cq[l] {
		return // no point of the box can beat the best so far
	}
	if n.leaf < 0 {
		for _, k := range fm.kid[n.kids[0]:n.kids[1]] {
			w.visit(int(k), l, o)
		}
		return
	}
	gh, nrm := fm.leafModels(int(n.leaf), w.gh, w.nrm, w.base)
	thr := w.thr[l]
	wy, wz := n.hi[1]-n.lo[1], n.hi[2]-n.lo[2]
	for i := range nrm {
		d := dot(gh[i*S:(i+1)*S], o)
		if d*d >= thr {
			p := ((n.lo[0]+i/(wy*wz))*fm.bk.n[1]+n.lo[1]+i/wz%wy)*fm.bk.n[2] + n.lo[2] + i%wz
			w.examine(l, p, d, nrm[i], o)
			thr = w.thr[l]
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
