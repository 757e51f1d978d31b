//go:build openblas

package hpc

/*
#cgo LDFLAGS: -lopenblas
#include <cblas.h>
*/
import "C"

import (
	"fmt"
	"math"
	"sync"

	"github.com/gohpc/gohpc/hpc/internal/gemm"
)

// With the openblas build tag, MatMul and Float64BLAS.Dgemm call OpenBLAS's
// cblas_dgemm instead of the Go engine, to compare the two. Block sizes and
// the kernel in the options are ignored; an interrupt is only noticed before
// the call starts.

var openblasThreads struct {
	sync.Mutex
	n int
}

func dgemm(o *gemm.Options, tA, tB bool, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) error {
	if o != nil && o.Interrupt != nil {
		if err := o.Interrupt(); err != nil {
			return err
		}
	}
	if m == 0 || n == 0 {
		return nil
	}
	for _, v := range []int{m, n, k, lda, ldb, ldc} {
		if v > math.MaxInt32 {
			panic(fmt.Sprintf("hpc: Dgemm: dimension %d too large for OpenBLAS", v))
		}
	}
	workers := 0
	if o != nil {
		workers = o.Workers
	}
	if workers <= 0 {
		workers = gemmWorkers()
	}
	openblasThreads.Lock()
	if openblasThreads.n != workers {
		C.openblas_set_num_threads(C.int(workers))
		openblasThreads.n = workers
	}
	openblasThreads.Unlock()
	ta, tb := uint32(C.CblasNoTrans), uint32(C.CblasNoTrans)
	if tA {
		ta = C.CblasTrans
	}
	if tB {
		tb = C.CblasTrans
	}
	C.cblas_dgemm(C.CblasRowMajor, ta, tb, C.blasint(m), C.blasint(n), C.blasint(k),
		C.double(alpha), ptr(a), C.blasint(lda), ptr(b), C.blasint(ldb),
		C.double(beta), ptr(c), C.blasint(ldc))
	return nil
}

func ptr(s []float64) *C.double {
	if len(s) == 0 {
		return nil
	}
	return (*C.double)(&s[0])
}

func blasName() string { return "openblas" }

// gonumBelow exists for the tests shared with the default build; OpenBLAS
// computes every product.
var gonumBelow int
