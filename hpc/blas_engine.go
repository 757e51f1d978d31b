//go:build !openblas

package hpc

import (
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"

	"github.com/gohpc/gohpc/hpc/internal/gemm"
)

// smallWork is the number of multiply-adds (m·n·k) below which dgemm hands
// the product to gonum's plain loops: packing panels and starting the engine
// cost more than such a product (about 24×24×24), and LAPACK routines call
// Dgemm with many tiny blocks.
const smallWork = 24 * 24 * 24

// gonumBelow is smallWork; tests set it to 0 to run every product on the
// engine.
var gonumBelow = smallWork

// dgemm is the backend of MatMul and Float64BLAS.Dgemm: the packed Go engine.
// Its arguments have been checked. It returns nil or ErrInterrupted.
func dgemm(o *gemm.Options, tA, tB bool, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) error {
	if m*n*k < gonumBelow && o.Kernel == "" {
		ta, tb := blas.NoTrans, blas.NoTrans
		if tA {
			ta = blas.Trans
		}
		if tB {
			tb = blas.Trans
		}
		gonum.Implementation{}.Dgemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		return nil
	}
	return gemm.Dgemm(o, tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

func blasName() string { return gemm.Kernel() }
