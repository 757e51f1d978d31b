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
	switch {
	case MR == 6 && mr == 6:
		packA6(dst, a, lda, i0, p0, kc, alpha)
		return
	case MR == 14 && mr == 14:
		packA14(dst, a, lda, i0, p0, kc, alpha)
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

// packA6 is packA for a full panel of 6 rows of A (not transposed): it
// reads the rows in step and writes the panel sequentially.
func packA6(dst, a []float64, lda, i0, p0, kc int, alpha float64) {
	var rows [6][]float64
	for r := range rows {
		rows[r] = a[(i0+r)*lda+p0 : (i0+r)*lda+p0+kc]
	}
	r0, r1, r2, r3, r4, r5 := rows[0], rows[1], rows[2], rows[3], rows[4], rows[5]
	r1, r2, r3, r4, r5 = r1[:len(r0)], r2[:len(r0)], r3[:len(r0)], r4[:len(r0)], r5[:len(r0)]
	dst = dst[:6*len(r0)]
	for p := range r0 {
		d := (*[6]float64)(dst[6*p:])
		d[0], d[1], d[2], d[3], d[4], d[5] = alpha*r0[p], alpha*r1[p], alpha*r2[p], alpha*r3[p], alpha*r4[p], alpha*r5[p]
	}
}

// packA14 is packA for a full panel of 14 rows of A (not transposed).
func packA14(dst, a []float64, lda, i0, p0, kc int, alpha float64) {
	for h := 0; h < 14; h += 7 {
		var rows [7][]float64
		for r := range rows {
			rows[r] = a[(i0+h+r)*lda+p0 : (i0+h+r)*lda+p0+kc]
		}
		r0, r1, r2, r3, r4, r5, r6 := rows[0], rows[1], rows[2], rows[3], rows[4], rows[5], rows[6]
		r1, r2, r3, r4, r5, r6 = r1[:len(r0)], r2[:len(r0)], r3[:len(r0)], r4[:len(r0)], r5[:len(r0)], r6[:len(r0)]
		d14 := dst[:14*len(r0)]
		for p := range r0 {
			d := (*[7]float64)(d14[14*p+h:])
			d[0], d[1], d[2], d[3], d[4], d[5], d[6] = alpha*r0[p], alpha*r1[p], alpha*r2[p], alpha*r3[p], alpha*r4[p], alpha*r5[p], alpha*r6[p]
		}
	}
}

// packBT packs the kc×nr block of op(B) = Bᵀ starting at row p0 and column
// j0 into dst as one micro-panel: dst[p*NR+j] = op(B)[p0+p][j0+j] =
// b[(j0+j)*ldb+p0+p]. Columns nr…NR-1 are zeroed. (B not transposed is
// packed by packBRows.)
func packBT(dst []float64, NR int, b []float64, ldb, p0, j0, kc, nr int) {
	dst = dst[:kc*NR]
	// Column j of the panel is contiguous in b.
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

// packBRows packs rows p0…p1-1 of the kc×nbw block of B (not transposed)
// whose first element is b[row0*ldb+j0] into all the block's micro-panels at
// once: panel t, at dst[t*stride:], gets dst[t*stride+p*NR+j] = B[row0+p][j0+t*NR+j].
// Reading B a row at a time keeps the loads sequential (a panel at a time
// would read 64 bytes from each of kc rows, a page apart); the last panel is
// zero-padded to NR columns.
func packBRows(dst []float64, NR, stride int, b []float64, ldb, row0, j0, nbw, p0, p1 int) {
	full := nbw / NR
	for p := p0; p < p1; p++ {
		src := b[(row0+p)*ldb+j0 : (row0+p)*ldb+j0+nbw]
		off := p * NR
		switch NR {
		// Element by element: an array assignment would call memmove.
		case 8:
			for t := 0; t < full; t++ {
				d, s := (*[8]float64)(dst[t*stride+off:]), (*[8]float64)(src[t*8:])
				d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7] = s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7]
			}
		case 16:
			for t := 0; t < full; t++ {
				d, s := (*[16]float64)(dst[t*stride+off:]), (*[16]float64)(src[t*16:])
				d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7] = s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7]
				d[8], d[9], d[10], d[11], d[12], d[13], d[14], d[15] = s[8], s[9], s[10], s[11], s[12], s[13], s[14], s[15]
			}
		default:
			for t := 0; t < full; t++ {
				copy(dst[t*stride+off:t*stride+off+NR], src[t*NR:t*NR+NR])
			}
		}
		if rem := nbw - full*NR; rem > 0 {
			d := dst[full*stride+off : full*stride+off+NR]
			copy(d, src[full*NR:])
			clear(d[rem:])
		}
	}
}
