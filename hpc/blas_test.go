package hpc

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/blas/gonum"
	"gonum.org/v1/gonum/blas/testblas"
	"gonum.org/v1/gonum/mat"

	"github.com/gohpc/gohpc/hpc/internal/gemm"
)

// forEachKernel runs f with every kernel this CPU supports installed as the
// default (which is what Float64BLAS.Dgemm uses), and with the engine
// computing even the tiny products it otherwise leaves to gonum.
func forEachKernel(t *testing.T, f func(t *testing.T)) {
	defer func(prev int) { gonumBelow = prev }(gonumBelow)
	gonumBelow = 0
	for _, name := range gemm.Kernels() {
		t.Run(name, func(t *testing.T) {
			prev, err := gemm.SetKernel(name)
			if err != nil {
				t.Fatal(err)
			}
			defer gemm.SetKernel(prev)
			f(t)
		})
	}
}

// TestTestblas runs gonum's shared BLAS test suite on Float64BLAS: Dgemm
// with every kernel this CPU supports; the level-3 routines, which gonum
// builds on Dgemm in places, and the level-1 and level-2 ones, which are
// gonum's through the embedding, once.
func TestTestblas(t *testing.T) {
	impl := Float64BLAS{}
	forEachKernel(t, func(t *testing.T) {
		testblas.TestDgemm(t, impl)
	})
	for _, c := range []struct {
		name string
		test func(*testing.T, Float64BLAS)
	}{
		// Level 3.
		{"Dsymm", func(t *testing.T, b Float64BLAS) { testblas.DsymmTest(t, b) }},
		{"Dtrsm", func(t *testing.T, b Float64BLAS) { testblas.DtrsmTest(t, b) }},
		{"Dsyrk", func(t *testing.T, b Float64BLAS) { testblas.DsyrkTest(t, b) }},
		{"Dsyr2k", func(t *testing.T, b Float64BLAS) { testblas.Dsyr2kTest(t, b) }},
		{"Dtrmm", func(t *testing.T, b Float64BLAS) { testblas.DtrmmTest(t, b) }},
		// Level 2.
		{"Dgemv", func(t *testing.T, b Float64BLAS) { testblas.DgemvTest(t, b) }},
		{"Dger", func(t *testing.T, b Float64BLAS) { testblas.DgerTest(t, b) }},
		{"Dtxmv", func(t *testing.T, b Float64BLAS) { testblas.DtxmvTest(t, b) }},
		{"Dgbmv", func(t *testing.T, b Float64BLAS) { testblas.DgbmvTest(t, b) }},
		{"Dtbsv", func(t *testing.T, b Float64BLAS) { testblas.DtbsvTest(t, b) }},
		{"Dsbmv", func(t *testing.T, b Float64BLAS) { testblas.DsbmvTest(t, b) }},
		{"Dtbmv", func(t *testing.T, b Float64BLAS) { testblas.DtbmvTest(t, b) }},
		{"Dtrsv", func(t *testing.T, b Float64BLAS) { testblas.DtrsvTest(t, b) }},
		{"Dtrmv", func(t *testing.T, b Float64BLAS) { testblas.DtrmvTest(t, b) }},
		{"Dsymv", func(t *testing.T, b Float64BLAS) { testblas.DsymvTest(t, b) }},
		{"Dsyr", func(t *testing.T, b Float64BLAS) { testblas.DsyrTest(t, b) }},
		{"Dsyr2", func(t *testing.T, b Float64BLAS) { testblas.Dsyr2Test(t, b) }},
		{"Dspr2", func(t *testing.T, b Float64BLAS) { testblas.Dspr2Test(t, b) }},
		{"Dspr", func(t *testing.T, b Float64BLAS) { testblas.DsprTest(t, b) }},
		{"Dspmv", func(t *testing.T, b Float64BLAS) { testblas.DspmvTest(t, b) }},
		{"Dtpsv", func(t *testing.T, b Float64BLAS) { testblas.DtpsvTest(t, b) }},
		{"Dtpmv", func(t *testing.T, b Float64BLAS) { testblas.DtpmvTest(t, b) }},
		// Level 1.
		{"Dasum", func(t *testing.T, b Float64BLAS) { testblas.DasumTest(t, b) }},
		{"Daxpy", func(t *testing.T, b Float64BLAS) { testblas.DaxpyTest(t, b) }},
		{"Ddot", func(t *testing.T, b Float64BLAS) { testblas.DdotTest(t, b) }},
		{"Dnrm2", func(t *testing.T, b Float64BLAS) { testblas.Dnrm2Test(t, b) }},
		{"Idamax", func(t *testing.T, b Float64BLAS) { testblas.IdamaxTest(t, b) }},
		{"Dswap", func(t *testing.T, b Float64BLAS) { testblas.DswapTest(t, b) }},
		{"Dcopy", func(t *testing.T, b Float64BLAS) { testblas.DcopyTest(t, b) }},
		{"Drotg", func(t *testing.T, b Float64BLAS) { testblas.DrotgTest(t, b, false) }},
		{"Drotmg", func(t *testing.T, b Float64BLAS) { testblas.DrotmgTest(t, b) }},
		{"Drot", func(t *testing.T, b Float64BLAS) { testblas.DrotTest(t, b) }},
		{"Drotm", func(t *testing.T, b Float64BLAS) { testblas.DrotmTest(t, b) }},
		{"Dscal", func(t *testing.T, b Float64BLAS) { testblas.DscalTest(t, b) }},
	} {
		t.Run(c.name, func(t *testing.T) { c.test(t, impl) })
	}
}

// TestDgemmVsGonum compares every transpose case, alpha and beta (with NaN
// in C when beta is 0), and padded leading dimensions with gonum's Dgemm,
// with every kernel and with the defaults.
func TestDgemmVsGonum(t *testing.T) {
	rnd := rand.New(rand.NewPCG(12, 13))
	trans := []blas.Transpose{blas.NoTrans, blas.Trans, blas.ConjTrans}
	check := func(t *testing.T) {
		for _, s := range [][3]int{{0, 3, 2}, {3, 0, 2}, {4, 5, 0}, {1, 1, 1}, {15, 17, 3}, {37, 29, 61}, {70, 66, 130}} {
			m, n, k := s[0], s[1], s[2]
			for _, tA := range trans {
				for _, tB := range trans {
					for _, ab := range [][2]float64{{1, 0}, {2.5, 1}, {-1, 0.5}, {0, 0}, {0, 2}} {
						alpha, beta := ab[0], ab[1]
						ar, ac := m, k
						if tA != blas.NoTrans {
							ar, ac = k, m
						}
						br, bc := k, n
						if tB != blas.NoTrans {
							br, bc = n, k
						}
						lda, ldb, ldc := max(1, ac+2), max(1, bc+1), max(1, n+3)
						a := make([]float64, ar*lda)
						b := make([]float64, br*ldb)
						c := make([]float64, max(0, m*ldc))
						for _, s := range [][]float64{a, b, c} {
							for i := range s {
								s[i] = rnd.NormFloat64()
							}
						}
						want := append([]float64(nil), c...)
						if beta == 0 {
							for i := range c {
								c[i] = math.NaN()
							}
							for i := 0; i < m; i++ {
								for j := n; j < ldc; j++ {
									c[i*ldc+j] = want[i*ldc+j]
								}
							}
						}
						gonum.Implementation{}.Dgemm(tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, want, ldc)
						Float64BLAS{}.Dgemm(tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
						for i := range c {
							if math.Abs(c[i]-want[i]) > 1e-12*float64(k+1) || math.IsNaN(c[i]) != math.IsNaN(want[i]) {
								t.Fatalf("%v tA=%c tB=%c alpha=%v beta=%v: c[%d] = %v, want %v", s, tA, tB, alpha, beta, i, c[i], want[i])
							}
						}
					}
				}
			}
		}
	}
	forEachKernel(t, check)
	// With the defaults, tiny products go to gonum's loops.
	t.Run("default", check)
}

// TestDgemmPanics checks that bad arguments panic with gonum's messages.
func TestDgemmPanics(t *testing.T) {
	type args struct {
		tA, tB        blas.Transpose
		m, n, k       int
		a, b, c       []float64
		lda, ldb, ldc int
	}
	s := make([]float64, 12)
	ok := args{blas.NoTrans, blas.NoTrans, 3, 4, 2, s[:6], s[:8], s[:12], 2, 4, 4}
	cases := []func(*args){
		func(p *args) { p.tA = 'X' },
		func(p *args) { p.tB = 0 },
		func(p *args) { p.m = -1 },
		func(p *args) { p.n = -1 },
		func(p *args) { p.k = -1 },
		func(p *args) { p.lda = 1 },
		func(p *args) { p.tA = blas.Trans; p.lda = 2 },
		func(p *args) { p.ldb = 3 },
		func(p *args) { p.tB = blas.Trans; p.ldb = 1 },
		func(p *args) { p.ldc = 3 },
		func(p *args) { p.a = s[:5] },
		func(p *args) { p.b = s[:7] },
		func(p *args) { p.c = s[:11] },
		func(p *args) { p.tA = blas.Trans; p.lda = 3; p.a = s[:5] },
		func(p *args) { p.tB = blas.Trans; p.ldb = 2; p.b = s[:7] },
	}
	recovered := func(impl blas.Float64, p args) (msg string) {
		defer func() { msg = fmt.Sprint(recover()) }()
		impl.Dgemm(p.tA, p.tB, p.m, p.n, p.k, 1, p.a, p.lda, p.b, p.ldb, 0, p.c, p.ldc)
		return "no panic"
	}
	if got := recovered(Float64BLAS{}, ok); got != "<nil>" && got != "no panic" {
		t.Fatalf("valid arguments panicked: %v", got)
	}
	for i, change := range cases {
		p := ok
		change(&p)
		want := recovered(gonum.Implementation{}, p)
		got := recovered(Float64BLAS{}, p)
		if got != want || want == "no panic" {
			t.Errorf("case %d: panic %q, gonum's %q", i, got, want)
		}
	}
}

// TestUseBLAS checks that mat.Dense.Mul goes through Float64BLAS once
// installed, with transposed operands too.
func TestUseBLAS(t *testing.T) {
	prev := blas64.Implementation()
	defer blas64.Use(prev)
	UseBLAS()
	if _, ok := blas64.Implementation().(Float64BLAS); !ok {
		t.Fatalf("blas64 implementation is %T", blas64.Implementation())
	}
	rnd := rand.New(rand.NewPCG(14, 15))
	a, b := randDense(rnd, 23, 31, 1), randDense(rnd, 27, 31, 0)
	var c mat.Dense
	c.Mul(a, b.T())
	want, bound := naiveMul(a, b.T())
	if err := sameProduct(&c, want, bound, 31); err != nil {
		t.Error(err)
	}
}
