package interp

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/gohpc/gohpc/kernel"
)

func TestBasics(t *testing.T) {
	s := newSession(t)
	cases := []struct{ code, want, stdout string }{
		{"x := 41", "", ""},
		{"x + 1", "42", ""},
		{"var a []int\na = append(a, 1)\na", "[1]", ""},
		{"6*7", "42", ""},
		{"math.Sqrt(16)", "4", ""},
		{`fmt.Println("hello")`, "", "hello\n"},
		{"y := 1", "", ""},
		{`y := "two"`, "", ""},
		{"y", "two", ""},
		{"type T struct{ A int }", "", ""},
		{"type T struct{ A, B int }", "", ""},
		{"T{1, 2}", "{A:1 B:2}", ""},
		{"func g() int { return 1 }", "", ""},
		{"func g() int { return 2 }", "", ""},
		{"g()", "2", ""},
		{"s := 0\nfor i := range 10 { s += i }\nmax(s, 7, min(3, 100))", "45", ""},
		{"m := map[string]int{\"a\": 1}\nclear(m)\nlen(m)", "0", ""},
	}
	for _, c := range cases {
		r := mustRun(t, s, c.code)
		if r.result != c.want {
			t.Errorf("%q: result %q, want %q", c.code, r.result, c.want)
		}
		if got := r.out.stdout(); got != c.stdout {
			t.Errorf("%q: stdout %q, want %q", c.code, got, c.stdout)
		}
	}
}

func TestErrors(t *testing.T) {
	s := newSession(t)
	r := runCell(t, s, "a := 1\nb := 2\nc := undefinedThing + a + b")
	if r.err == nil || !strings.Contains(r.err.Value, "3:") || !strings.Contains(r.err.Value, "undefinedThing") {
		t.Fatalf("compile error: %+v", r.err)
	}
	t.Log(r.err.Value, "\n", strings.Join(r.err.Traceback, "\n"))
	r = runCell(t, s, "func boom() { panic(\"kaboom\") }\nboom()")
	if r.err == nil || !strings.Contains(r.err.Value, "kaboom") {
		t.Fatalf("panic: %+v", r.err)
	}
	t.Log(r.err.Value, "\n", strings.Join(r.err.Traceback, "\n"))
	r = runCell(t, s, "func f(n int) int { return f(n+1) + 1 }\nf(0)")
	if r.err == nil || !strings.Contains(r.err.Value, "stack") {
		t.Fatalf("recursion: %+v", r.err)
	}
	t.Log(r.err.Value, "\n", strings.Join(r.err.Traceback, "\n"))
	r = runCell(t, s, "import \"os\"\nos.Exit(3)")
	if r.err == nil || !strings.Contains(r.err.Value, "os.Exit(3)") {
		t.Fatalf("exit: %+v", r.err)
	}
	mustRun(t, s, "1")
}

func TestRuntimeErrors(t *testing.T) {
	s := newSession(t)
	for _, c := range []struct{ code, want string }{
		{"var m map[string]int\nm[\"a\"] = 1", "nil map"},
		{"xs := []int{1, 2, 3}\ni := 5\nxs[i]", "index out of range"},
		{"b := make([]byte, 1<<40)\nlen(b)", "memory"},
		{"n := 1 << 45\nb2 := make([]float64, n)\nlen(b2)", "memory"},
		{"var p *struct{ X int }\np.X", "nil pointer"},
	} {
		r := runCell(t, s, c.code)
		if r.err == nil || !strings.Contains(r.err.Value, c.want) {
			t.Errorf("%q: got %+v, want an error with %q", c.code, r.err, c.want)
		}
	}
	if r := mustRun(t, s, "7"); r.result != "7" {
		t.Errorf("after errors: %q", r.result)
	}
}

func TestGoroutinePanic(t *testing.T) {
	if raceEnabled {
		t.Skip("yaegi v0.16.1 races on its own frames when goroutines a cell started outlive it or run interpreted closures concurrently (interp/run.go:1922, interp.go:486); make test runs this without -race")
	}
	s := newSession(t)
	r := mustRun(t, s, "import \"time\"\ngo func() { panic(\"in a goroutine\") }()\ntime.Sleep(200 * time.Millisecond)")
	if !strings.Contains(r.out.stderr(), "in a goroutine") {
		t.Errorf("stderr %q", r.out.stderr())
	}
	r = mustRun(t, s, "import \"sync\"\nsquares := make([]int, 8)\nvar wg sync.WaitGroup\nfor i := range squares {\n\twg.Add(1)\n\tgo func(i int) {\n\t\tdefer wg.Done()\n\t\tsquares[i] = i * i\n\t}(i)\n}\nwg.Wait()\nsquares")
	if r.result != "[0 1 4 9 16 25 36 49]" {
		t.Errorf("squares %q", r.result)
	}
}

func TestRichResults(t *testing.T) {
	s := newSession(t)
	r := mustRun(t, s, "type H struct{ N int }\nfunc (h H) HTML() string { return fmt.Sprintf(\"<b>%d</b>\", h.N) }\nH{3}")
	out := newFakeOutput()
	res, err := s.Execute(context.Background(), kernel.ExecuteRequest{Code: "H{4}"}, out)
	if err != nil || res.Value == nil || res.Value.Data["text/html"] != "<b>4</b>" {
		t.Errorf("HTML result: %v %+v (first: %q)", err, res.Value, r.result)
	}
	r = mustRun(t, s, "display.Display(display.Markdown(\"**hi**\"))\nh := display.NewHandle()\nh.Display(\"a\")\nh.Update(\"b\")")
	if len(r.out.displays) != 2 || r.out.displays[0].Data["text/markdown"] != "**hi**" || len(r.out.updates) != 1 {
		t.Errorf("displays %+v updates %+v", r.out.displays, r.out.updates)
	}
	r = mustRun(t, s, "mat.NewDense(2, 2, []float64{1, 2, 3, 4})")
	if !strings.Contains(r.result, "1") {
		t.Errorf("matrix %q", r.result)
	}
}

func TestRecursionElsewhere(t *testing.T) {
	s := newSession(t)
	mustRun(t, s, "func deep(n int) int { return deep(n+1) + 1 }")
	r := mustRun(t, s, "done := make(chan bool)\ngo func() { defer close(done); deep(0) }()\n<-done\ntime.Sleep(20 * time.Millisecond)")
	if !strings.Contains(r.out.stderr(), "stack overflow") {
		t.Errorf("goroutine: stderr %q", r.out.stderr())
	}
	r = runCell(t, s, "hpc.ParallelFor(2, func(i int) { deep(0) })")
	if r.err == nil || !strings.Contains(r.err.Value, "stack overflow") {
		t.Errorf("hpc worker: %+v", r.err)
	}
	r = runCell(t, s, "%timeit -n 1 -r 1 deep(0)")
	if r.err == nil || !strings.Contains(r.err.Value, "stack overflow") {
		t.Errorf("timeit: %+v", r.err)
	}
	mustRun(t, s, "1")
}

// TestGenericDefinitions: a variable defined from a generic call (the
// standard generic packages, or the session's own generic functions) gets
// its value, and can be passed to generic functions afterwards.
func TestGenericDefinitions(t *testing.T) {
	s := newSession(t)
	cases := []struct{ code, want string }{
		{"xs := []int{3, 1, 2}\nys := slices.Clone(xs)\nslices.Sort(ys)\nfmt.Sprint(xs, ys)", "[3 1 2] [1 2 3]"},
		{"top := slices.Max(ys) * 10\ntop", "30"},
		{"slices.Insert(ys, 0, top)", "[30 1 2 3]"},
		{"func double[T int | float64](v []T) []T { out := make([]T, len(v)); for i, x := range v { out[i] = 2 * x }; return out }", ""},
		{"zs := double(ys)\nslices.Reverse(zs)\nzs", "[6 4 2]"},
		{"m := maps.Clone(map[string][]float64{\"a\": {1.5}})\nm[\"b\"] = nil\nlen(m)", "2"},
		{"ws := double([]float64{0.5})\nws", "[1]"},
		{"q := []string{\"b\", \"a\"}\nslices.SortFunc(q, func(a, b string) int { return cmp.Compare(a, b) })\nfmt.Sprint(q)", "[a b]"},
	}
	for _, c := range cases {
		r := mustRun(t, s, c.code)
		if r.result != c.want {
			t.Errorf("%q: result %q, want %q", c.code, r.result, c.want)
		}
	}
	// Inspection shows the definition the user wrote.
	res := s.Inspect("ys", 2, 1)
	if text, _ := res.Data["text/plain"].(string); !strings.Contains(text, "ys := slices.Clone(xs)") {
		t.Errorf("inspect ys: %q", text)
	}
}

// TestFailedCompileLosesNothing: a cell that does not compile declares
// nothing and leaves the session's variables, functions and types of the
// same names as they were.
func TestFailedCompileLosesNothing(t *testing.T) {
	s := newSession(t)
	mustRun(t, s, "data := []int{1, 2}\nfunc f() int { return 1 }\ntype P struct{ X int }\npv := P{3}\nfunc (p P) Get() int { return p.X }")
	failing := []string{
		"data := \"replaced\"\nundefinedFn()",
		"data := 7\ndata = undefinedVar",
		"func f() int { return undefinedThing }",
		"type P struct{ X, Y int }\npv := P{1, undefinedZ}",
		"func (p P) Get() int { return undefinedY }",
		"fresh := 5\nundefinedFn()",
	}
	for _, code := range failing {
		if r := runCell(t, s, code); r.err == nil || r.err.Name != "CompileError" {
			t.Fatalf("%q: want a compile error, got %+v", code, r.err)
		}
	}
	for code, want := range map[string]string{
		"fmt.Sprint(data)": "[1 2]",
		"f()":              "1",
		"pv.Get()":         "3",
		"fmt.Sprint(pv)":   "{3}",
	} {
		if r := mustRun(t, s, code); r.result != want {
			t.Errorf("%s = %q after failed cells, want %q", code, r.result, want)
		}
	}
	if r := runCell(t, s, "fresh"); r.err == nil {
		t.Errorf("a failed cell declared fresh = %q", r.result)
	}
	// And the names can be declared again.
	if r := mustRun(t, s, "data := \"new\"\ndata"); r.result != "new" {
		t.Errorf("redeclared after the failures: %q", r.result)
	}
}

// TestFailedRunKeepsRedeclaredValues: a cell that fails before its
// redeclaration of a variable ran (data := load() panics, or is
// interrupted) leaves the variable's old value, as Python leaves x after a
// failed x = load(); what did run keeps its effect.
func TestFailedRunKeepsRedeclaredValues(t *testing.T) {
	s := newSession(t)
	mustRun(t, s, "data := []int{5}\ncount := 42\nfunc load() []int { panic(\"no file\") }")
	for _, code := range []string{
		"data := load()",
		"data := load()\nfmt.Println(len(data))",
		"count := 7\npanic(\"after the definition\")",
	} {
		if r := runCell(t, s, code); r.err == nil {
			t.Fatalf("%q did not fail", code)
		}
	}
	for code, want := range map[string]string{"fmt.Sprint(data)": "[5]", "count": "7"} {
		if r := mustRun(t, s, code); r.result != want {
			t.Errorf("%s = %q, want %q", code, r.result, want)
		}
	}
	// Interrupted while loading.
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if r := runCellCtx(t, ctx, s, "import \"time\"\ndata := func() []int { time.Sleep(time.Hour); return nil }()", newFakeOutput()); r.err == nil {
		t.Fatal("the interrupted cell did not fail")
	}
	if r := mustRun(t, s, "fmt.Sprint(data)"); r.result != "[5]" {
		t.Errorf("after an interrupted redefinition, data = %q", r.result)
	}
}
