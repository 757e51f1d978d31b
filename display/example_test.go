package display_test

import (
	"fmt"
	"image"
	"sort"
	"strings"

	"github.com/gohpc/gohpc/display"
)

// printSink shows what a notebook would receive: the MIME types of each
// output and its text/plain part.
type printSink struct{}

func (printSink) Display(d display.Data) {
	fmt.Printf("display %s%s: %v\n", mimes(d.Bundle), id(d), d.Bundle[display.MIMEText])
}

func (printSink) UpdateDisplay(d display.Data) {
	fmt.Printf("update %s%s: %v\n", mimes(d.Bundle), id(d), d.Bundle[display.MIMEText])
}

func (printSink) ClearOutput(wait bool) { fmt.Println("clear, wait:", wait) }

func mimes(b display.Bundle) string {
	var ks []string
	for k := range b {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return "[" + strings.Join(ks, " ") + "]"
}

func id(d display.Data) string {
	if d.DisplayID == "" {
		return ""
	}
	return " id=" + d.DisplayID
}

func ExampleDisplay() {
	restore := display.SetSink(printSink{})
	defer restore()

	display.Display(display.HTML("<b>converged</b> in 12 steps"))
	display.Display(display.Markdown("**bold**"))
	display.Display(image.NewRGBA(image.Rect(0, 0, 64, 48)))
	display.Display(42)
	// Output:
	// display [text/html text/plain]: converged in 12 steps
	// display [text/markdown text/plain]: **bold**
	// display [image/png text/plain]: <image 64×48>
	// display [text/plain]: 42
}

// Gauge renders itself as HTML, with its String as the text fallback.
type Gauge struct{ Percent int }

func (g Gauge) HTML() string {
	return fmt.Sprintf(`<progress value="%d" max="100"></progress>`, g.Percent)
}

func (g Gauge) String() string { return fmt.Sprintf("%d%%", g.Percent) }

func ExampleHTMLer() {
	restore := display.SetSink(printSink{})
	defer restore()

	display.Display(Gauge{75})
	// Output:
	// display [text/html text/plain]: 75%
}

func ExampleHandle() {
	restore := display.SetSink(printSink{})
	defer restore()

	h := display.NewHandleID("status")
	h.Display("step 1/3")
	h.Update("step 2/3")
	h.Update(display.HTML("<b>done</b>"))
	// Output:
	// display [text/plain] id=status: step 1/3
	// update [text/plain] id=status: step 2/3
	// update [text/html text/plain] id=status: done
}

func ExampleClearOutput() {
	restore := display.SetSink(printSink{})
	defer restore()

	for i := 1; i <= 2; i++ {
		display.ClearOutput(true)
		display.Display(fmt.Sprintf("frame %d", i))
	}
	// Output:
	// clear, wait: true
	// display [text/plain]: frame 1
	// clear, wait: true
	// display [text/plain]: frame 2
}

func ExampleJSON() {
	b := display.JSON(map[string]any{"workers": 4, "blas": "gonum"})
	fmt.Println(b[display.MIMEText])
	// Output:
	// {
	//   "blas": "gonum",
	//   "workers": 4
	// }
}

func ExampleSetSink_default() {
	// Without a sink, outputs print their text/plain part.
	display.Display(display.LaTeX(`$E = mc^2$`))
	// Output:
	// $E = mc^2$
}
