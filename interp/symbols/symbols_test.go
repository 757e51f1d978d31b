package symbols_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/traefik/yaegi/interp"
	"github.com/traefik/yaegi/stdlib"

	"github.com/gohpc/gohpc/display"
	"github.com/gohpc/gohpc/interp/symbols"
)

func newInterp(t *testing.T) (*interp.Interpreter, *bytes.Buffer) {
	t.Helper()
	var out bytes.Buffer
	i := interp.New(interp.Options{Stdout: &out, Stderr: &out})
	if err := i.Use(stdlib.Symbols); err != nil {
		t.Fatal(err)
	}
	if err := i.Use(symbols.Symbols); err != nil {
		t.Fatal(err)
	}
	return i, &out
}

// TestImportAndCall imports every extracted package in an interpreter and
// calls something from it.
func TestImportAndCall(t *testing.T) {
	tests := []struct {
		pkg, src, want string
	}{
		{"hpc", `import "github.com/gohpc/gohpc/hpc"
			prev := hpc.SetWorkers(2)
			fmt.Println(hpc.Workers(), hpc.ParallelSum(4, func(i int) float64 { return float64(i) }))
			hpc.SetWorkers(prev)`, "2 6\n"},
		{"hpc locations", `import "github.com/gohpc/gohpc/hpc"
			st := hpc.SyntheticStations(5, 1)
			fmt.Println(len(st), len([]hpc.Location{{}}))`, "5 1\n"},
		{"display", `import "github.com/gohpc/gohpc/display"
			b := display.HTML("<b>hi</b>")
			fmt.Println(b[display.MIMEText], display.NewHandleID("x").ID())`, "hi x\n"},
		{"mat", `import "gonum.org/v1/gonum/mat"
			a := mat.NewDense(2, 2, []float64{1, 2, 3, 4})
			var c mat.Dense
			c.Mul(a, a)
			fmt.Println(mat.Formatted(&c, mat.Squeeze()))`, "⎡ 7  10⎤\n⎣15  22⎦\n"},
		{"hpc matmul", `import ("github.com/gohpc/gohpc/hpc"; "gonum.org/v1/gonum/mat")
			a := mat.NewDense(2, 2, []float64{1, 2, 3, 4})
			fmt.Println(hpc.MatMul(a, a).At(1, 1))`, "22\n"},
		{"floats", `import "gonum.org/v1/gonum/floats"
			fmt.Println(floats.Sum([]float64{1, 2, 3.5}))`, "6.5\n"},
		{"stat", `import "gonum.org/v1/gonum/stat"
			fmt.Println(stat.Mean([]float64{1, 2, 3}, nil))`, "2\n"},
		{"distuv", `import "gonum.org/v1/gonum/stat/distuv"
			fmt.Println(distuv.UnitNormal.CDF(0))`, "0.5\n"},
		{"distuv with a source", `import ("gonum.org/v1/gonum/stat/distuv"; "math/rand/v2")
			n := distuv.Normal{Mu: 10, Sigma: 0, Src: rand.NewPCG(1, 2)}
			fmt.Println(n.Rand())`, "10\n"},
		{"blas64", `import "gonum.org/v1/gonum/blas/blas64"
			x := blas64.Vector{N: 3, Inc: 1, Data: []float64{1, 2, 3}}
			fmt.Println(blas64.Dot(x, x))`, "14\n"},
		{"plot", `import ("gonum.org/v1/plot"; "gonum.org/v1/plot/plotter"; "gonum.org/v1/plot/plotutil"; "gonum.org/v1/plot/vg"; "gonum.org/v1/plot/vg/draw")
			p := plot.New()
			p.Title.Text = "t"
			pts := plotter.XYs{{X: 0, Y: 0}, {X: 1, Y: 1}}
			if err := plotutil.AddLinePoints(p, "line", pts); err != nil { panic(err) }
			s, err := plotter.NewScatter(pts)
			if err != nil { panic(err) }
			s.GlyphStyle.Shape = draw.CircleGlyph{}
			p.Add(s)
			w, err := p.WriterTo(2*vg.Inch, 2*vg.Inch, "png")
			if err != nil { panic(err) }
			var buf bytes.Buffer
			if _, err := w.WriteTo(&buf); err != nil { panic(err) }
			fmt.Println(bytes.HasPrefix(buf.Bytes(), []byte("\x89PNG")))`, "true\n"},
		{"plotter interface wrapper", `import ("gonum.org/v1/plot"; "gonum.org/v1/plot/plotter")
			type line struct{ n int }
			func (l line) Len() int { return l.n }
			func (l line) XY(i int) (float64, float64) { return float64(i), float64(i*i) }
			p := plot.New()
			l, err := plotter.NewLine(line{4})
			if err != nil { panic(err) }
			p.Add(l)
			fmt.Println(p.X.Max, p.Y.Max)`, "3 9\n"},
	}
	for _, tt := range tests {
		t.Run(tt.pkg, func(t *testing.T) {
			i, out := newInterp(t)
			// The first line of src is the import; type and func lines go
			// at top level, the rest in main.
			imp, rest, _ := strings.Cut(strings.TrimSpace(tt.src), "\n")
			src := "package main\nimport (\"bytes\"; \"fmt\")\n" + imp +
				"\nvar _ = bytes.MinRead\nvar _ = fmt.Sprint\n" + topLevel(rest)
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			// Evaluating package main runs main.
			if _, err := i.EvalWithContext(ctx, src); err != nil {
				t.Fatalf("%v\nsource:\n%s", err, src)
			}
			if got := out.String(); got != tt.want {
				t.Errorf("output %q, want %q", got, tt.want)
			}
		})
	}
}

// topLevel puts declaration lines (type, func) at top level and the rest in main.
func topLevel(body string) string {
	var decl, main []string
	for _, l := range strings.Split(body, "\n") {
		l = strings.TrimSpace(l)
		if strings.HasPrefix(l, "type ") || strings.HasPrefix(l, "func ") {
			decl = append(decl, l)
		} else {
			main = append(main, l)
		}
	}
	return strings.Join(decl, "\n") + "\nfunc main() {\n" + strings.Join(main, "\n") + "\n}\n"
}

type captureSink struct {
	mu  sync.Mutex
	got []display.Data
}

func (c *captureSink) Display(d display.Data) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.got = append(c.got, d)
}
func (c *captureSink) UpdateDisplay(d display.Data) { c.Display(d) }
func (c *captureSink) ClearOutput(bool)             {}

// TestDisplayInterpretedMethods checks that MapTypes make the methods of a
// cell's own types visible to display.Display.
func TestDisplayInterpretedMethods(t *testing.T) {
	tests := []struct {
		name, decl string
		want       display.Bundle
	}{
		{"html", `type T struct{ n int }
			func (t T) HTML() string { return "<b>x</b>" }`,
			display.Bundle{"text/html": "<b>x</b>", "text/plain": "x"}},
		{"html and string", `type T struct{ n int }
			func (t T) HTML() string { return "<b>x</b>" }
			func (t T) String() string { return "T!" }`,
			display.Bundle{"text/html": "<b>x</b>", "text/plain": "T!"}},
		{"markdown pointer", `type T struct{ n int }
			func (t *T) Markdown() string { return "*m*" }`,
			display.Bundle{"text/markdown": "*m*", "text/plain": "*m*"}},
		{"svg", `type T struct{ n int }
			func (t T) SVG() string { return "<svg/>" }`,
			display.Bundle{"image/svg+xml": "<svg/>", "text/plain": "<image/svg+xml>"}},
		{"stringer", `type T struct{ n int }
			func (t T) String() string { return "three" }`,
			display.Bundle{"text/plain": "three"}},
		// yaegi's reflect type for T names the unexported field Xn.
		{"plain", `type T struct{ n int }`,
			display.Bundle{"text/plain": "{Xn:3}"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sink := &captureSink{}
			restore := display.SetSink(sink)
			defer restore()
			i, _ := newInterp(t)
			val := "T{3}"
			if strings.Contains(tt.decl, "*T)") {
				val = "&T{3}"
			}
			src := "package main\nimport \"github.com/gohpc/gohpc/display\"\n" + tt.decl +
				"\nfunc main() { display.Display(" + val + ") }\n"
			if _, err := i.Eval(src); err != nil {
				t.Fatal(err)
			}
			if len(sink.got) != 1 {
				t.Fatalf("%d outputs, want 1", len(sink.got))
			}
			if got := sink.got[0].Bundle; !reflect.DeepEqual(got, tt.want) {
				t.Errorf("bundle %v, want %v", got, tt.want)
			}
		})
	}
}

// TestTrailingValueRecipe checks the way doc.go tells the session to show a
// cell's trailing value with its methods.
func TestTrailingValueRecipe(t *testing.T) {
	sink := &captureSink{}
	defer display.SetSink(sink)()
	i, _ := newInterp(t)
	if _, err := i.Eval(`import "github.com/gohpc/gohpc/display"
type T struct{ n int }
func (t T) HTML() string { return "<b>x</b>" }
var _ = display.MIMEHTML`); err != nil {
		t.Fatal(err)
	}
	v, err := i.Eval("T{3}")
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := v.Interface().(display.HTMLer); ok {
		t.Log("yaegi now returns values with their methods; the recipe may be unnecessary")
	}
	if _, err := i.Eval("_v := T{3}"); err != nil {
		t.Fatal(err)
	}
	if _, err := i.Eval("display.Display(_v)"); err != nil {
		t.Fatal(err)
	}
	if len(sink.got) != 1 || sink.got[0].Bundle[display.MIMEHTML] != "<b>x</b>" {
		t.Errorf("outputs %v", sink.got)
	}
}

// TestGeneratedUpToDate reruns every go:generate line of symbols.go into a
// scratch directory and fails when the output differs from the committed
// files, e.g. after a new function was added to hpc. Fix with
//
//	go generate ./interp/symbols
func TestGeneratedUpToDate(t *testing.T) {
	if testing.Short() {
		t.Skip("regeneration takes about a minute")
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command")
	}
	src, err := os.ReadFile("symbols.go")
	if err != nil {
		t.Fatal(err)
	}
	const prefix = "//go:generate go run github.com/traefik/yaegi/cmd/yaegi extract "
	var runs [][]string
	for _, l := range strings.Split(string(src), "\n") {
		if strings.HasPrefix(l, "//go:generate") {
			if !strings.HasPrefix(l, prefix) {
				t.Fatalf("unexpected generate line %q", l)
			}
			runs = append(runs, strings.Fields(strings.TrimPrefix(l, prefix)))
		}
	}
	if len(runs) == 0 {
		t.Fatal("no go:generate lines in symbols.go")
	}

	// A scratch directory inside the module (so that package paths resolve
	// as they do for go generate), ignored by the go tool for its leading dot.
	// Scratch directories of runs that were killed are removed first.
	if old, _ := filepath.Glob(".regen-*"); len(old) > 0 {
		for _, d := range old {
			if fi, err := os.Stat(d); err == nil && time.Since(fi.ModTime()) > time.Hour {
				os.RemoveAll(d)
			}
		}
	}
	scratch, err := os.MkdirTemp(".", ".regen-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(scratch) })
	bin := filepath.Join(t.TempDir(), "yaegi")
	build := exec.Command(goTool, "build", "-o", bin, "github.com/traefik/yaegi/cmd/yaegi")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building yaegi: %v\n%s", err, out)
	}

	var wg sync.WaitGroup
	errs := make([]error, len(runs))
	outs := make([][]byte, len(runs))
	sem := make(chan struct{}, 2)
	for k, args := range runs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			cmd := exec.Command(bin, append([]string{"extract", "-name", "symbols"}, args...)...)
			cmd.Dir = scratch
			outs[k], errs[k] = cmd.CombinedOutput()
		}()
	}
	wg.Wait()
	for k := range runs {
		// yaegi extract reports a failed package on stderr and goes on.
		if errs[k] != nil || len(outs[k]) > 0 {
			t.Fatalf("yaegi extract %s: %v\n%s", strings.Join(runs[k], " "), errs[k], outs[k])
		}
	}

	fresh := generated(t, scratch)
	committed := generated(t, ".")
	for name, want := range fresh {
		got, ok := committed[name]
		switch {
		case !ok:
			t.Errorf("%s is missing; run go generate ./interp/symbols", name)
		case !bytes.Equal(got, want):
			t.Errorf("%s is stale: %s; run go generate ./interp/symbols", name, firstDiff(got, want))
		}
	}
	for name := range committed {
		if _, ok := fresh[name]; !ok {
			t.Errorf("%s is generated by no go:generate line; delete it", name)
		}
	}
}

// generated returns the files of dir that yaegi extract wrote, by name.
func generated(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	names, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(names)
	m := map[string][]byte{}
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.HasPrefix(b, []byte("// Code generated by 'yaegi extract ")) {
			m[filepath.Base(n)] = b
		}
	}
	return m
}

func firstDiff(got, want []byte) string {
	g, w := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
	for i := 0; i < len(g) || i < len(w); i++ {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl {
			return fmt.Sprintf("line %d: committed %q, regenerated %q", i+1, gl, wl)
		}
	}
	return "same lines"
}
