package symbols_test

import (
	"fmt"

	"github.com/traefik/yaegi/interp"
	"github.com/traefik/yaegi/stdlib"

	"github.com/gohpc/gohpc/interp/symbols"
)

// A cell imports gonum and hpc as if compiled in.
func Example() {
	i := interp.New(interp.Options{})
	if err := i.Use(stdlib.Symbols); err != nil {
		panic(err)
	}
	if err := i.Use(symbols.Symbols); err != nil {
		panic(err)
	}
	if _, err := i.Eval(`import (
		"github.com/gohpc/gohpc/hpc"
		"gonum.org/v1/gonum/mat"
	)`); err != nil {
		panic(err)
	}
	v, err := i.Eval(`hpc.MatMul(mat.NewDense(2, 2, []float64{1, 2, 3, 4}), mat.NewDense(2, 2, []float64{1, 0, 0, 1})).At(1, 0)`)
	if err != nil {
		panic(err)
	}
	fmt.Println(v.Interface())
	// Output: 3
}
