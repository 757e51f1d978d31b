package render_test

import (
	"fmt"

	"gonum.org/v1/gonum/mat"

	"github.com/gohpc/gohpc/display"
	"github.com/gohpc/gohpc/hpc"
	"github.com/gohpc/gohpc/interp/render"
)

func ExampleValue() {
	b := render.Value(mat.NewDense(2, 3, []float64{1, 2, 3, 4, 5, 6.5}))
	fmt.Println(b[display.MIMEText])
	_, hasHTML := b[display.MIMEHTML]
	fmt.Println("text/html:", hasHTML)
	// Output:
	// ⎡1  2    3⎤
	// ⎣4  5  6.5⎦
	// text/html: true
}

func ExampleTable() {
	b, ok := render.Table([]hpc.Location{
		{Event: "e1", X: 1.5, Y: -2, Z: 10, A: 3e5, Misfit: 12.345678},
		{Event: "e2", X: 0, Y: 4, Z: 7.25, A: 1e5, Misfit: 3},
	})
	fmt.Println(ok)
	fmt.Println(b[display.MIMEText])
	// Output:
	// true
	//    Event    X   Y     Z       A   Misfit
	// 0  e1     1.5  -2    10  300000  12.3457
	// 1  e2       0   4  7.25  100000        3
	//
	// [[]hpc.Location: 2 rows × 6 columns]
}

func ExampleFormatTime() {
	for _, s := range []float64{0, 8.26e-9, 643.7e-6, 1.2345e-3, 59.94, 3725} {
		fmt.Println(render.FormatTime(s, 3))
	}
	// Output:
	// 0 ns
	// 8.26 ns
	// 644 µs
	// 1.23 ms
	// 59.9 s
	// 1h 2min 5s
}
