package gemm

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// TestPack checks the packing routines against their definitions for the
// tiles of every kernel family, whichever kernels this CPU runs (the
// specialised paths for 6- and 14-row panels and 8- and 16-column panels
// included), with partial panels and padded leading dimensions.
func TestPack(t *testing.T) {
	rnd := rand.New(rand.NewPCG(31, 32))
	const pad = 3
	for _, MR := range []int{mrGeneric, 6, 14} {
		for _, tA := range []bool{false, true} {
			for _, mr := range []int{1, MR - 1, MR} {
				for _, kc := range []int{1, 5, 33} {
					for _, alpha := range []float64{1, -0.5} {
						name := fmt.Sprintf("A/MR=%d/mr=%d/kc=%d/tA=%v/alpha=%v", MR, mr, kc, tA, alpha)
						i0, p0 := 2, 1
						rows, cols := i0+mr, p0+kc // op(A) extent used
						if tA {
							rows, cols = cols, rows
						}
						lda := cols + pad
						a := randSlice(rnd, rows*lda)
						dst := randSlice(rnd, kc*MR+5)
						tail := append([]float64(nil), dst[kc*MR:]...)
						packA(dst, MR, tA, a, lda, i0, p0, mr, kc, alpha)
						for p := 0; p < kc; p++ {
							for r := 0; r < MR; r++ {
								want := 0.0
								if r < mr {
									if tA {
										want = alpha * a[(p0+p)*lda+i0+r]
									} else {
										want = alpha * a[(i0+r)*lda+p0+p]
									}
								}
								if got := dst[p*MR+r]; got != want {
									t.Fatalf("%s: dst[%d*MR+%d] = %v, want %v", name, p, r, got, want)
								}
							}
						}
						for i, v := range tail {
							if dst[kc*MR+i] != v {
								t.Fatalf("%s: wrote past the panel", name)
							}
						}
					}
				}
			}
		}
	}
	for _, NR := range []int{nrGeneric, 8, 16} {
		for _, nbw := range []int{1, NR - 1, NR, 3*NR + 2} {
			for _, kc := range []int{1, 7, 40} {
				name := fmt.Sprintf("B/NR=%d/nbw=%d/kc=%d", NR, nbw, kc)
				row0, j0 := 3, 2
				ldb := j0 + nbw + pad
				b := randSlice(rnd, (row0+kc)*ldb)
				panels := ceilDiv(nbw, NR)
				stride := NR*kc + 3 // gaps between panels must stay untouched
				rowWise := randSlice(rnd, panels*stride)
				byPanel := append([]float64(nil), rowWise...)
				orig := append([]float64(nil), rowWise...)
				// In two row ranges, as the packing tasks do.
				packBRows(rowWise, NR, stride, b, ldb, row0, j0, nbw, 0, kc/2)
				packBRows(rowWise, NR, stride, b, ldb, row0, j0, nbw, kc/2, kc)
				// The transposed path, on Bᵀ stored explicitly.
				bt := make([]float64, (j0+nbw)*(row0+kc))
				ldbt := row0 + kc
				for p := 0; p < row0+kc; p++ {
					for j := 0; j < j0+nbw; j++ {
						bt[j*ldbt+p] = b[p*ldb+j]
					}
				}
				for q := 0; q < panels; q++ {
					packBT(byPanel[q*stride:], NR, bt, ldbt, row0, j0+q*NR, kc, min(NR, nbw-q*NR))
				}
				for q := 0; q < panels; q++ {
					for p := 0; p < kc; p++ {
						for j := 0; j < NR; j++ {
							want := 0.0
							if c := q*NR + j; c < nbw {
								want = b[(row0+p)*ldb+j0+c]
							}
							i := q*stride + p*NR + j
							if rowWise[i] != want || byPanel[i] != want {
								t.Fatalf("%s: panel %d [%d][%d] = %v (rows), %v (transposed), want %v", name, q, p, j, rowWise[i], byPanel[i], want)
							}
						}
					}
					for i := q*stride + NR*kc; i < (q+1)*stride; i++ {
						if rowWise[i] != orig[i] || byPanel[i] != orig[i] {
							t.Fatalf("%s: wrote into the gap after panel %d", name, q)
						}
					}
				}
			}
		}
	}
}
