// Package gemm is the float64 matrix-multiply engine behind hpc.MatMul and
// hpc.Float64BLAS.Dgemm: a packed Goto/BLIS product with micro-kernels in
// generated Go assembly, in pure Go (no cgo).
//
// # Contract
//
// Dgemm computes C = alpha·op(A)·op(B) + beta·C for row-major matrices, where
// op(X) is X or Xᵀ, op(A) is m×k, op(B) is k×n and C is m×n, with gonum's
// BLAS conventions: leading dimensions lda, ldb, ldc ≥ the row lengths; C is
// not read when beta is 0 (NaNs there are overwritten); alpha = 0 or k = 0
// only scales C. Only the m×n region of C is written: the gaps between rows
// (ldc > n) and everything around C are left untouched. A, B and C must not
// overlap. Dgemm does not check its arguments (the callers in package hpc
// do, with gonum's panic messages).
//
// # Blocking
//
// Row-major C = A·B is the column-major product Cᵀ = Bᵀ·Aᵀ, so the textbook
// BLIS loop nest applies with A and B in swapped roles:
//
//	for each NB columns of op(B):       pack a KC×NB block of op(B) (shared)
//	  for each KC steps of k:
//	    for each MC rows of op(A):      pack an MC×KC block of alpha·op(A) (shared)
//	      tiles: NC columns × MR rows   one task each, claimed dynamically
//	        for each NR columns:        one micro-kernel call: MR×NR += KC steps
//
// A micro-panel of A (MR×KC) stays in L1 while the NC columns of the packed
// B block (KC×NC) stream from L2; consecutive tiles share that B block.
// Panels are zero-padded to whole MR rows and NR columns, so the kernels
// never branch on edges: a tile narrower than NR is computed into a small
// scratch tile and added to C in Go, and each kernel family has one function
// per row count 1…MR so short tiles along M write C directly.
// DefaultKC, DefaultNC, DefaultMC and DefaultNB are the block sizes, except
// that NC shrinks on CPUs with a small L2 (read from CPUID) so that the
// KC×NC block fills at most half of it; Options overrides them (tests use
// tiny ones to exercise every edge).
//
// # Micro-kernels and dispatch
//
// The kernels are written by ./asmgen (go generate; the output is committed
// and a test there fails when regeneration would change it):
//
//	go-avx512  14×16 tile in 28 ZMM accumulators (AVX-512F)
//	go-avx2    6×8 tile in 12 YMM accumulators (AVX2 + FMA)
//	go-generic 4×4 tile in plain Go (every CPU and architecture, and -tags purego)
//
// The fastest one the CPU and the OS support (golang.org/x/sys/cpu, checked at
// init) is the default; Kernels lists them, SetKernel and Options.Kernel
// force one.
//
// # Parallelism, interrupts and the runtime
//
// Every worker goroutine runs the loop nest in lockstep, separated by a
// barrier after each packing phase and each compute phase, and claims the
// tasks of a phase (panels to pack, tiles to compute) from a shared counter:
// a worker that the OS deschedules on a shared machine delays only its own
// task, not a fixed share of the product. Each assembly call covers one
// micro-tile over one KC block (microseconds), so the garbage collector can
// stop the world promptly; Options.Interrupt is polled before every task,
// so a cancelled product stops within one tile, well under a millisecond.
// A panic on a worker (from Interrupt or Progress) is re-raised on the
// caller's goroutine after the other workers have stopped.
//
// # Buffers
//
// The packed blocks live in 64-byte aligned buffers recycled through
// sync.Pool: allocating (and so zeroing) megabytes per call costs as much as
// a small product.
package gemm
