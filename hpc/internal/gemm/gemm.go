package gemm

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
)

// Default block sizes, in elements; see the package documentation.
const (
	DefaultKC = 256  // depth of a packed block: k steps per micro-kernel call
	DefaultNC = 256  // columns of op(B) a worker streams from its L2 per tile (at most; see ncFor)
	DefaultMC = 1024 // rows of op(A) packed together and shared by the workers
	DefaultNB = 4096 // columns of op(B) packed together and shared by the workers
)

// l2Size is the size of one core's L2 cache in bytes, 0 if unknown; set at
// init where the CPU reports it.
var l2Size int

// ncFor returns the default NC for an L2 of l2 bytes and K blocks of kc:
// DefaultNC, or less if a KC×NC block of op(B), the one a tile streams from
// L2, would fill more than half of it (Zen 3's 512 KiB L2: NC = 128 for
// KC = 256). Both other workers' data and the A micro-panels pass through L2
// too.
func ncFor(l2, kc int) int {
	if l2 <= 0 {
		return DefaultNC
	}
	return min(DefaultNC, max(l2/2/(8*kc), 16))
}

// serialWork is the number of multiply-adds (m·n·k) below which one goroutine
// computes the whole product: starting workers would cost more than it saves.
const serialWork = 48 * 48 * 48

// Options tunes one call of Dgemm. The zero value (or a nil *Options) means
// all cores, the current kernel, default block sizes, no cancellation.
type Options struct {
	// Workers is the number of goroutines, counting the caller's; ≤ 0 means
	// runtime.GOMAXPROCS(0). Small products use one regardless.
	Workers int
	// Kernel names the micro-kernel (see Kernels); "" means Kernel().
	Kernel string
	// MC, KC, NC, NB override the block sizes (≤ 0: the defaults). They are
	// rounded to multiples of the kernel's tile; tests use tiny ones.
	MC, KC, NC, NB int
	// Interrupt, if not nil, is polled between tiles; when it returns an
	// error the workers stop at the next block boundary and Dgemm returns
	// that error, leaving C partially updated.
	Interrupt func() error
	// Progress, if not nil, is called after each block of the product with
	// the blocks done and the total. Calls never overlap.
	Progress func(done, total int)
}

// Dgemm computes
//
//	C = alpha * op(A) * op(B) + beta * C
//
// where op(A) is the m×k matrix A, or Aᵀ if tA (then A is k×m), op(B) is the
// k×n matrix B, or Bᵀ if tB, and C is m×n. All are row-major with leading
// dimensions lda, ldb and ldc. As in BLAS, C is not read when beta is 0.
//
// Dgemm does not check its arguments: the caller (hpc's Dgemm and MatMul)
// has, with gonum's rules. It returns nil, or the error returned by
// o.Interrupt. It panics if o names a kernel this CPU cannot run.
func Dgemm(o *Options, tA, tB bool, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) error {
	if o == nil {
		o = &Options{}
	}
	if m == 0 || n == 0 {
		return nil
	}
	if alpha == 0 || k == 0 {
		scale(m, n, beta, c, ldc)
		return nil
	}
	setup()
	ker := current.Load()
	if o.Kernel != "" {
		if ker = lookup(o.Kernel); ker == nil {
			panic(fmt.Sprintf("gemm: kernel %q not supported here", o.Kernel))
		}
	}
	j := &job{
		ker: ker, tA: tA, tB: tB, m: m, n: n, k: k,
		alpha: alpha, beta: beta,
		a: a, lda: lda, b: b, ldb: ldb, c: c, ldc: ldc,
		interrupt: o.Interrupt, progress: o.Progress,
	}
	j.kc = blockSize(k, orDefault(o.KC, DefaultKC), 1)
	j.mc = blockSize(m, orDefault(o.MC, DefaultMC), ker.mr)
	j.nb = blockSize(n, orDefault(o.NB, DefaultNB), ker.nr)
	j.nc = blockSize(min(j.nb, n), orDefault(o.NC, ncFor(l2Size, j.kc)), ker.nr)
	j.total = ceilDiv(n, j.nb) * ceilDiv(k, j.kc) * ceilDiv(m, j.mc)

	workers := o.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	// No more workers than tiles in a block, and one for small products.
	workers = min(workers, ceilDiv(min(j.mc, m), ker.mr)*ceilDiv(min(j.nb, n), j.nc))
	if m*n*k < serialWork {
		workers = 1
	}

	ab := getBuffer(&aPool, ceilDiv(j.mc, ker.mr)*roundUp(ker.mr*j.kc, 8))
	bb := getBuffer(&bPool, ceilDiv(j.nb, ker.nr)*ker.nr*j.kc)
	defer putBuffer(&aPool, ab)
	defer putBuffer(&bPool, bb)
	j.ap, j.bp = ab.data, bb.data

	if workers == 1 {
		tmp := tilePool.Get().(*[maxTile]float64)
		defer tilePool.Put(tmp)
		j.work(tmp[:], nil)
		return j.err
	}

	bar := newBarrier(workers)
	var wg sync.WaitGroup
	var panicked atomic.Pointer[any]
	run := func() {
		defer func() {
			if p := recover(); p != nil {
				panicked.CompareAndSwap(nil, &p)
				j.abort.Store(true)
				bar.leave(j.afterPhase)
			}
		}()
		tmp := tilePool.Get().(*[maxTile]float64)
		defer tilePool.Put(tmp)
		j.work(tmp[:], bar)
	}
	wg.Add(workers - 1)
	for w := 1; w < workers; w++ {
		go func() {
			defer wg.Done()
			run()
		}()
	}
	run()
	wg.Wait()
	if p := panicked.Load(); p != nil {
		panic(*p)
	}
	return j.err
}

// packRows is the number of rows of B (not transposed) in one packing task.
const packRows = 32

// maxTile bounds MR·NR over all kernels (the edge-tile scratch space).
const maxTile = 16 * 16

// tilePool holds the workers' edge-tile scratch spaces.
var tilePool = sync.Pool{New: func() any { return new([maxTile]float64) }}

// job is the shared state of one Dgemm call.
type job struct {
	ker          *kernel
	tA, tB       bool
	m, n, k      int
	alpha, beta  float64
	a            []float64
	lda          int
	b            []float64
	ldb          int
	c            []float64
	ldc          int
	mc, kc, nc   int
	nb           int
	ap, bp       []float64 // packed blocks of op(A) and op(B), shared
	next         atomic.Int64
	abort        atomic.Bool
	errOnce      sync.Once
	err          error
	interrupt    func() error
	progress     func(done, total int)
	phase, total int // compute phases done (under the barrier), and in all
}

// work runs the loop nest; every worker runs it in lockstep, separated by
// barriers, and takes tasks (panels to pack, tiles to compute) from j.next.
// bar is nil when there is only one worker.
func (j *job) work(tmp []float64, bar *barrier) {
	mr, nr := j.ker.mr, j.ker.nr
	sync := func(compute bool) bool {
		if bar == nil {
			j.next.Store(0)
			if compute {
				j.phase++
				if j.progress != nil {
					j.progress(j.phase, j.total)
				}
			}
			return j.abort.Load()
		}
		if compute {
			return bar.wait(j.afterCompute)
		}
		return bar.wait(j.afterPhase)
	}
	for jcc := 0; jcc < j.n; jcc += j.nb {
		nbw := min(j.nb, j.n-jcc)
		npb := ceilDiv(nbw, nr)
		njc := ceilDiv(nbw, j.nc)
		for pc := 0; pc < j.k; pc += j.kc {
			kcw := min(j.kc, j.k-pc)
			aStride := roundUp(mr*kcw, 8)
			bStride := nr * kcw
			for ic := 0; ic < j.m; ic += j.mc {
				mcw := min(j.mc, j.m-ic)
				npa := ceilDiv(mcw, mr)
				// Pack the A block, and the B block on its first use:
				// by micro-panels if B is transposed, else by groups of
				// rows (see packBRows).
				packs := npa
				if ic == 0 {
					if j.tB {
						packs += npb
					} else {
						packs += ceilDiv(kcw, packRows)
					}
				}
				j.tasks(packs, func(t int) {
					if t < npa {
						i := t * mr
						packA(j.ap[t*aStride:], mr, j.tA, j.a, j.lda, ic+i, pc, min(mr, mcw-i), kcw, j.alpha)
						return
					}
					t -= npa
					if !j.tB {
						p0 := t * packRows
						packBRows(j.bp, nr, bStride, j.b, j.ldb, pc, jcc, nbw, p0, min(p0+packRows, kcw))
						return
					}
					jj := t * nr
					packBT(j.bp[t*bStride:], nr, j.b, j.ldb, pc, jcc+jj, kcw, min(nr, nbw-jj))
				})
				if sync(false) {
					return
				}
				// Tiles: NC columns × one MR-row micro-panel, column-block
				// major so that consecutive tiles share the B block in L2.
				j.tasks(njc*npa, func(t int) {
					jb, ip := t/npa, t%npa
					j.tile(tmp, ip, mcw, ic, jcc+jb*j.nc, min(j.nc, nbw-jb*j.nc), jcc, pc, kcw, aStride, bStride)
				})
				if sync(true) {
					return
				}
			}
		}
	}
}

// tasks runs f(t) for the tasks t < total that this worker claims.
func (j *job) tasks(total int, f func(t int)) {
	for !j.abort.Load() {
		t := int(j.next.Add(1) - 1)
		if t >= total {
			return
		}
		if j.interrupt != nil {
			if err := j.interrupt(); err != nil {
				j.errOnce.Do(func() { j.err = err })
				j.abort.Store(true)
				return
			}
		}
		f(t)
	}
}

// afterPhase runs on the last worker to reach a barrier, before any leaves.
func (j *job) afterPhase() bool {
	j.next.Store(0)
	return j.abort.Load()
}

func (j *job) afterCompute() bool {
	j.phase++
	if j.progress != nil && !j.abort.Load() {
		j.progress(j.phase, j.total)
	}
	return j.afterPhase()
}

// tile computes C[i0:i0+mr, c0:c0+ncw] += the product of micro-panel ip of
// the packed A block (rows ic…ic+mcw) and columns c0… of the packed B block
// (which starts at column jcc). The first K block also applies beta.
func (j *job) tile(tmp []float64, ip, mcw, ic, c0, ncw, jcc, pc, kcw, aStride, bStride int) {
	MR, NR := j.ker.mr, j.ker.nr
	i0 := ic + ip*MR
	mr := min(MR, ic+mcw-i0)
	acc := 1
	if pc == 0 {
		switch j.beta {
		case 0:
			acc = 0
		case 1:
		default:
			for r := i0; r < i0+mr; r++ {
				row := j.c[r*j.ldc+c0 : r*j.ldc+c0+ncw]
				for q := range row {
					row[q] *= j.beta
				}
			}
		}
	}
	fn := j.ker.fns[mr]
	ap := &j.ap[ip*aStride]
	for jr := 0; jr < ncw; jr += NR {
		bp := &j.bp[(c0-jcc+jr)/NR*bStride]
		ci := i0*j.ldc + c0 + jr
		nr := min(NR, ncw-jr)
		if nr == NR {
			fn(kcw, ap, bp, &j.c[ci], j.ldc, acc)
			continue
		}
		// Edge tile: compute into tmp, then add the valid part to C.
		fn(kcw, ap, bp, &tmp[0], NR, 0)
		for r := 0; r < mr; r++ {
			row := j.c[ci+r*j.ldc : ci+r*j.ldc+nr]
			t := tmp[r*NR : r*NR+nr]
			if acc == 0 {
				copy(row, t)
				continue
			}
			for q, v := range t {
				row[q] += v
			}
		}
	}
}

// scale sets C = beta*C, writing zeros (not reading C) if beta is 0.
func scale(m, n int, beta float64, c []float64, ldc int) {
	if beta == 1 {
		return
	}
	for i := 0; i < m; i++ {
		row := c[i*ldc : i*ldc+n]
		if beta == 0 {
			clear(row)
			continue
		}
		for q := range row {
			row[q] *= beta
		}
	}
}

// blockSize splits total into blocks of about size (allowing a block to
// grow by a quarter rather than leave a sliver) and returns the block size
// rounded up to a multiple of mult.
func blockSize(total, size, mult int) int {
	size = max(size, 1)
	nblk := ceilDiv(total, size)
	if rest := total - (nblk-1)*size; nblk > 1 && rest <= size/4 {
		nblk--
	}
	return roundUp(ceilDiv(total, nblk), mult)
}

func orDefault(v, def int) int {
	if v > 0 {
		return v
	}
	return def
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }
func roundUp(a, b int) int { return ceilDiv(a, b) * b }
