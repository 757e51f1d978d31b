package gemm

// packA packs the mr×kc block of op(A) scaled by alpha, starting at row i0
// and column p0 of op(A), into dst as one micro-panel: dst[p*MR+r] =
// alpha·op(A)[i0+r][p0+p]. Rows mr…MR-1 of the panel are zeroed. op(A) is A
// (row-major, stride lda) or, if tA, its transpose.
func packA(dst []float64, MR int, tA bool, a []float64, lda, i0, p0, mr, kc int, alpha float64) {
	dst = dst[:kc*MR]
	if tA {
		// op(A)[i][p] = a[p*lda+i]: row p of the panel is contiguous in a.
		for p := 0; p < kc; p++ {
			src := a[(p0+p)*lda+i0 : (p0+p)*lda+i0+mr]
			d := dst[p*MR : p*MR+MR]
			if alpha == 1 {
				copy(d, src)
			} else {
				for r, v := range src {
					d[r] = alpha * v
				}
			}
			clear(d[mr:])
		}
		return
	}
	for r := 0; r < mr; r++ {
		src := a[(i0+r)*lda+p0 : (i0+r)*lda+p0+kc]
		d := dst[r:]
		if alpha == 1 {
			for p, v := range src {
				d[p*MR] = v
			}
		} else {
			for p, v := range src {
				d[p*MR] = alpha * v
			}
		}
	}
	if mr < MR {
		for p := 0; p < kc; p++ {
			clear(dst[p*MR+mr : p*MR+MR])
		}
	}
}

// packB packs the kc×nr block of op(B) starting at row p0 and column j0 into
// dst as one micro-panel: dst[p*NR+j] = op(B)[p0+p][j0+j]. Columns nr…NR-1
// are zeroed. op(B) is B (row-major, stride ldb) or, if tB, its transpose.
func packB(dst []float64, NR int, tB bool, b []float64, ldb, p0, j0, kc, nr int) {
	dst = dst[:kc*NR]
	if !tB {
		for p := 0; p < kc; p++ {
			d := dst[p*NR : p*NR+NR]
			copy(d, b[(p0+p)*ldb+j0:(p0+p)*ldb+j0+nr])
			clear(d[nr:])
		}
		return
	}
	// op(B)[p][j] = b[j*ldb+p]: column j of the panel is contiguous in b.
	for j := 0; j < nr; j++ {
		src := b[(j0+j)*ldb+p0 : (j0+j)*ldb+p0+kc]
		d := dst[j:]
		for p, v := range src {
			d[p*NR] = v
		}
	}
	if nr < NR {
		for p := 0; p < kc; p++ {
			clear(dst[p*NR+nr : p*NR+NR])
		}
	}
}
