package hpc_test

import (
	"fmt"

	"gonum.org/v1/gonum/mat"

	"github.com/gohpc/gohpc/hpc"
)

func ExampleMatMul() {
	a := mat.NewDense(2, 3, []float64{
		1, 2, 3,
		4, 5, 6,
	})
	b := mat.NewDense(3, 2, []float64{
		7, 8,
		9, 10,
		11, 12,
	})
	c := hpc.MatMul(a, b)
	fmt.Printf("%v\n", mat.Formatted(c))
	// Output:
	// ⎡ 58   64⎤
	// ⎣139  154⎦
}

// Operands and destination may be views: here the product is written into
// the lower-right corner of a larger matrix.
func ExampleMatMulTo() {
	a := mat.NewDense(2, 2, []float64{
		1, 2,
		3, 4,
	})
	id := mat.NewDense(2, 2, []float64{
		1, 0,
		0, 1,
	})
	big := mat.NewDense(3, 3, nil)
	hpc.MatMulTo(big.Slice(1, 3, 1, 3).(*mat.Dense), a, id)
	fmt.Printf("%v\n", mat.Formatted(big))
	// Output:
	// ⎡0  0  0⎤
	// ⎢0  1  2⎥
	// ⎣0  3  4⎦
}

// The destination may be one of the operands: the product goes through a
// temporary.
func ExampleMatMulTo_inPlace() {
	a := mat.NewDense(2, 2, []float64{
		1, 1,
		0, 1,
	})
	hpc.MatMulTo(a, a, a) // a = a²
	fmt.Printf("%v\n", mat.Formatted(a))
	// Output:
	// ⎡1  2⎤
	// ⎣0  1⎦
}

// A shape mismatch is a programming error: MatMul panics with the shapes.
func ExampleMatMul_mismatch() {
	defer func() { fmt.Println(recover()) }()
	hpc.MatMul(mat.NewDense(3, 4, nil), mat.NewDense(5, 2, nil))
	// Output:
	// hpc: MatMul: a is 3×4, b is 5×2
}

// UseBLAS makes gonum's own products (mat.Dense.Mul and everything built on
// Dgemm) run on the engine behind MatMul.
func ExampleUseBLAS() {
	hpc.UseBLAS()
	a := mat.NewDense(2, 2, []float64{
		1, 2,
		3, 4,
	})
	var c mat.Dense
	c.Mul(a, a.T())
	fmt.Printf("%v\n", mat.Formatted(&c))
	// Output:
	// ⎡ 5  11⎤
	// ⎣11  25⎦
}

func ExampleBLAS() {
	// "go-avx512", "go-avx2" or "go-generic" by the CPU's features, or
	// "openblas" when built with the openblas tag.
	fmt.Println(hpc.BLAS())
}
