package hpc

import (
	"fmt"
	"unsafe"

	"gonum.org/v1/gonum/mat"

	"github.com/gohpc/gohpc/hpc/internal/gemm"
)

// progressWork is the number of multiply-adds (m·n·k) from which MatMul
// reports progress: smaller products finish before a progress bar would show.
const progressWork = 1 << 31

// MatMul returns the matrix product a·b as a new m×n matrix, where a is m×k
// and b is k×n. It computes on up to Workers() goroutines with the packed
// kernel named by BLAS (tiny products, under 24³ multiply-adds, with gonum's
// loops), for any strides (views made with Slice included).
//
// MatMul panics if the inner dimensions differ, and panics with
// ErrInterrupted if the context installed with SetContext is cancelled
// before it finishes. If a or b is empty (the zero mat.Dense) the product
// must be too, and MatMul returns an empty matrix.
func MatMul(a, b *mat.Dense) *mat.Dense {
	m, n, _ := mulDims("MatMul", a, b)
	dst := &mat.Dense{}
	if m == 0 || n == 0 {
		return dst
	}
	dst.ReuseAs(m, n)
	matMulTo(nil, dst, a, b)
	return dst
}

// MatMulTo stores the matrix product a·b in dst, where a is m×k and b is
// k×n. dst must be m×n, or empty (the zero mat.Dense), in which case it is
// resized. dst may share storage with a or b: the product is then computed
// in a temporary and copied.
//
// MatMulTo panics if the inner dimensions differ or dst has the wrong shape,
// and panics with ErrInterrupted if the context installed with SetContext is
// cancelled before it finishes, leaving dst partially written.
func MatMulTo(dst, a, b *mat.Dense) {
	m, n, _ := mulDims("MatMulTo", a, b)
	if dst == nil {
		panic("hpc: MatMulTo: nil dst")
	}
	if dst.IsEmpty() {
		if m == 0 || n == 0 {
			return
		}
		dst.ReuseAs(m, n)
	} else if r, c := dst.Dims(); r != m || c != n {
		panic(fmt.Sprintf("hpc: MatMulTo: dst is %d×%d, want %d×%d", r, c, m, n))
	}
	matMulTo(nil, dst, a, b)
}

// BLAS names the float64 matrix-multiply kernel used by MatMul and by the
// Dgemm of Float64BLAS: "go-avx512", "go-avx2" or "go-generic" for the
// built-in engine, or "openblas" when built with the openblas tag.
func BLAS() string { return blasName() }

// gemmWorkers is the number of goroutines MatMul and Dgemm use: the default
// Pool's (see SetWorkers).
func gemmWorkers() int { return Workers() }

// newGemmOptions returns the engine options for a call from a cell: all
// workers, and the installed context polled between blocks.
func newGemmOptions() *gemm.Options {
	return &gemm.Options{Workers: gemmWorkers(), Interrupt: interrupted}
}

// mulDims checks the operands of a product and returns m, n and k.
func mulDims(fn string, a, b *mat.Dense) (m, n, k int) {
	if a == nil || b == nil {
		panic(fmt.Sprintf("hpc: %s: nil matrix", fn))
	}
	m, k = a.Dims()
	kb, n := b.Dims()
	if k != kb {
		panic(fmt.Sprintf("hpc: %s: a is %d×%d, b is %d×%d", fn, m, k, kb, n))
	}
	return m, n, k
}

// matMulTo computes dst = a·b; dst has the right shape and m, n > 0. o, if
// not nil, overrides the engine options (tests and benchmarks).
func matMulTo(o *gemm.Options, dst, a, b *mat.Dense) {
	m, k := a.Dims()
	_, n := b.Dims()
	if m == 0 || n == 0 {
		return
	}
	if overlaps(dst, a) || overlaps(dst, b) {
		tmp := mat.NewDense(m, n, nil)
		matMulTo(o, tmp, a, b)
		dst.Copy(tmp)
		return
	}
	if o == nil {
		o = newGemmOptions()
	}
	if o.Progress == nil && m*n*k >= progressWork {
		o.Progress = func(done, total int) { reportProgress("MatMul", done, total) }
	}
	rc := dst.RawMatrix()
	if k == 0 { // only possible with raw-built matrices; C = 0
		for i := 0; i < m; i++ {
			clear(rc.Data[i*rc.Stride : i*rc.Stride+n])
		}
		return
	}
	ra, rb := a.RawMatrix(), b.RawMatrix()
	if err := dgemm(o, false, false, m, n, k, 1, ra.Data, ra.Stride, rb.Data, rb.Stride, 0, rc.Data, rc.Stride); err != nil {
		panic(err)
	}
}

// overlaps reports whether the storage of x and y may share memory.
func overlaps(x, y *mat.Dense) bool {
	if x.IsEmpty() || y.IsEmpty() {
		return false
	}
	xd, yd := x.RawMatrix().Data, y.RawMatrix().Data
	if len(xd) == 0 || len(yd) == 0 {
		return false
	}
	x0 := uintptr(unsafe.Pointer(unsafe.SliceData(xd)))
	y0 := uintptr(unsafe.Pointer(unsafe.SliceData(yd)))
	const size = unsafe.Sizeof(float64(0))
	return x0 < y0+uintptr(len(yd))*size && y0 < x0+uintptr(len(xd))*size
}
