package gemm

import "unsafe"

// Tile of the plain-Go kernel.
const (
	mrGeneric = 4
	nrGeneric = 4
)

func genericKernel() *kernel {
	k := &kernel{name: "go-generic", mr: mrGeneric, nr: nrGeneric, fns: make([]microFn, mrGeneric+1)}
	for r := 1; r <= mrGeneric; r++ {
		k.fns[r] = func(kc int, a, b, c *float64, ldc int, acc int) {
			microGeneric(r, kc, a, b, c, ldc, acc)
		}
	}
	return k
}

// microGeneric is the plain-Go micro-kernel: a 4×4 tile in 16 scalar
// accumulators, of which rows 0…mr-1 are stored.
func microGeneric(mr, kc int, a, b, c *float64, ldc int, acc int) {
	as := unsafe.Slice(a, kc*mrGeneric)
	bs := unsafe.Slice(b, kc*nrGeneric)
	var c00, c01, c02, c03 float64
	var c10, c11, c12, c13 float64
	var c20, c21, c22, c23 float64
	var c30, c31, c32, c33 float64
	for p := 0; p < kc; p++ {
		ap := as[p*mrGeneric : p*mrGeneric+mrGeneric : p*mrGeneric+mrGeneric]
		bp := bs[p*nrGeneric : p*nrGeneric+nrGeneric : p*nrGeneric+nrGeneric]
		b0, b1, b2, b3 := bp[0], bp[1], bp[2], bp[3]
		a0 := ap[0]
		c00 += a0 * b0
		c01 += a0 * b1
		c02 += a0 * b2
		c03 += a0 * b3
		a1 := ap[1]
		c10 += a1 * b0
		c11 += a1 * b1
		c12 += a1 * b2
		c13 += a1 * b3
		a2 := ap[2]
		c20 += a2 * b0
		c21 += a2 * b1
		c22 += a2 * b2
		c23 += a2 * b3
		a3 := ap[3]
		c30 += a3 * b0
		c31 += a3 * b1
		c32 += a3 * b2
		c33 += a3 * b3
	}
	rows := [mrGeneric][nrGeneric]float64{
		{c00, c01, c02, c03},
		{c10, c11, c12, c13},
		{c20, c21, c22, c23},
		{c30, c31, c32, c33},
	}
	cs := unsafe.Slice(c, (mr-1)*ldc+nrGeneric)
	for r := 0; r < mr; r++ {
		dst := cs[r*ldc : r*ldc+nrGeneric : r*ldc+nrGeneric]
		if acc != 0 {
			for j, v := range rows[r] {
				dst[j] += v
			}
		} else {
			copy(dst, rows[r][:])
		}
	}
}
