//go:build !openblas

package hpc

import "github.com/gohpc/gohpc/hpc/internal/gemm"

// dgemm is the backend of MatMul and Float64BLAS.Dgemm: the packed Go engine.
// Its arguments have been checked. It returns nil or ErrInterrupted.
func dgemm(o *gemm.Options, tA, tB bool, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) error {
	return gemm.Dgemm(o, tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

func blasName() string { return gemm.Kernel() }
