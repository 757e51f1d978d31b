package interp_test

import (
	"context"
	"fmt"

	"github.com/gohpc/gohpc/interp"
	"github.com/gohpc/gohpc/kernel"
)

// printOutput prints what a cell sends to the notebook.
type printOutput struct{}

func (printOutput) Stream(name, text string)           { fmt.Print(text) }
func (printOutput) Display(d kernel.DisplayData)       { fmt.Println("[display]", d.Data["text/plain"]) }
func (printOutput) UpdateDisplay(d kernel.DisplayData) { fmt.Println("[update]", d.Data["text/plain"]) }
func (printOutput) ClearOutput(bool)                   {}
func (printOutput) Input(context.Context, string, bool) (string, error) {
	return "", kernel.ErrStdinNotAllowed
}

// A session runs cells as a notebook does: declarations and statements in
// any order, state kept between cells, types redefined, the trailing
// expression as the result, errors at cell positions.
func Example() {
	s, err := interp.New(interp.Options{})
	if err != nil {
		panic(err)
	}
	defer s.Close()
	for i, cell := range []string{
		"x := 41\nfunc inc(n int) int { return n + 1 }\ninc(x)",
		"type T struct{ A int }",
		"type T struct{ A, B int }\nT{x, x + 1}",
		"for i := range 3 {\n\tfmt.Print(i, \";\")\n}\nfmt.Println()",
		"max(x, 7, min(3, 100))",
		"y := 1\ny + undefinedThing",
		"var m map[string]int\nm[\"a\"] = 1",
	} {
		res, err := s.Execute(context.Background(), kernel.ExecuteRequest{Code: cell, ExecutionCount: i + 1}, printOutput{})
		if ce, ok := err.(*kernel.CellError); ok {
			fmt.Printf("Out[%d] error %s: %s\n", i+1, ce.Name, ce.Value)
			continue
		}
		if res.Value != nil {
			fmt.Printf("Out[%d] %s\n", i+1, res.Value.Data["text/plain"])
		}
	}
	// Output:
	// Out[1] 42
	// Out[3] {A:41 B:42}
	// 0;1;2;
	// Out[5] 41
	// Out[6] error CompileError: 2:5: undefined: undefinedThing
	// Out[7] error panic: assignment to entry in nil map
}
