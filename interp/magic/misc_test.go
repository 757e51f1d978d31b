package magic

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"
)

func sessionVars() *fakeSession {
	return &fakeSession{workers: 4, vars: []Var{
		{"xs", "[]float64", []float64{1, 2, 3}},
		{"a", "*mat.Dense", mat.NewDense(3, 4, nil)},
		{"big", "*mat.Dense", mat.NewDense(1000, 1000, nil)},
		{"name", "string", "stations"},
		{"n", "int", 42},
		{"long", "string", strings.Repeat("abcdefghij", 10)},
		{"m", "map[string]int", map[string]int{"a": 1}},
	}}
}

func TestWhoWhos(t *testing.T) {
	for _, tc := range []struct {
		name, cell, want string
		vars             *fakeSession
	}{
		{"who", "%who", "a\t big\t long\t m\t n\t name\t xs\t \n", sessionVars()},
		{"who by type", "%who int string", "long\t n\t name\t \n", sessionVars()},
		{"who none of type", "%who bool", "No variables match your requested type.\n", sessionVars()},
		{"who empty", "%who", "Interactive namespace is empty.\n", &fakeSession{}},
		{"whos empty", "%whos", "Interactive namespace is empty.\n", &fakeSession{}},
		{"who nine a line", "%who", "v0\t v1\t v2\t v3\t v4\t v5\t v6\t v7\t v8\t \nv9\t \n", nineVars(10)},
		{"whos", "%whos", "" +
			"Variable   Type              Data/Info\n" +
			"--------------------------------------\n" +
			"a          *mat.Dense        3x4: 12 elems, type `float64`, 96 bytes\n" +
			"big        *mat.Dense        1000x1000: 1000000 elems, type `float64`, 8000000 bytes (7.62939453125 Mb)\n" +
			"long       string            abcdefghijabcdefghijabcde<...>fghijabcdefghijabcdefghij\n" +
			"m          map[string]int    n=1\n" +
			"n          int               42\n" +
			"name       string            stations\n" +
			"xs         []float64         n=3\n", sessionVars()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := &fakeOut{}
			if _, err := run(context.Background(), tc.vars, tc.cell, out); err != nil {
				t.Fatal(err)
			}
			if got := out.text("stdout"); got != tc.want {
				t.Errorf("got\n%q\nwant\n%q", got, tc.want)
			}
		})
	}
}

func nineVars(n int) *fakeSession {
	s := &fakeSession{}
	for i := 0; i < n; i++ {
		s.vars = append(s.vars, Var{Name: "v" + string(rune('0'+i)), Type: "int", Value: i})
	}
	return s
}

func TestDataInfo(t *testing.T) {
	var nilDense *mat.Dense
	for _, tc := range []struct {
		v    any
		want string
	}{
		{mat.NewDense(100, 100, nil), "100x100: 10000 elems, type `float64`, 80000 bytes"},
		{mat.NewDense(200, 100, nil), "200x100: 20000 elems, type `float64`, 160000 bytes (156.25 kb)"},
		{mat.NewDense(1024, 128, nil), "1024x128: 131072 elems, type `float64`, 1048576 bytes (1.0 Mb)"},
		{nilDense, "<nil>"},
		{make([]float64, 20000), "n=20000 (156 KiB)"},
		{[]int(nil), "n=0"},
		{"a\nb", `a\nb`},
		{errors.New("boom"), "boom"},
		{panicky{}, "<magic.panicky (printing it panicked)>"},
	} {
		if got := dataInfo(tc.v); got != tc.want {
			t.Errorf("dataInfo(%T) = %q, want %q", tc.v, got, tc.want)
		}
	}
}

type panicky struct{}

func (panicky) String() string { panic("no") }

func TestEnv(t *testing.T) {
	t.Setenv("GOHPC_TEST_VAR", "1")
	t.Setenv("GOHPC_API_KEY", "s3cret")
	s := &fakeSession{}
	out := &fakeOut{}
	if _, err := run(context.Background(), s, "%env", out); err != nil {
		t.Fatal(err)
	}
	got := out.text("stdout")
	if !strings.Contains(got, "\nGOHPC_TEST_VAR=1\n") || !strings.Contains(got, "GOHPC_API_KEY=<hidden>\n") || strings.Contains(got, "s3cret") {
		t.Errorf("%%env listing:\n%s", got)
	}

	v, err := run(context.Background(), s, "%env GOHPC_TEST_VAR", &fakeOut{})
	if err != nil || v != "1" {
		t.Errorf("get: %v %v", v, err)
	}
	_, err = run(context.Background(), s, "%env GOHPC_NO_SUCH_VAR", &fakeOut{})
	var ue *UsageError
	if !errors.As(err, &ue) || ue.Msg != "Environment does not have key: GOHPC_NO_SUCH_VAR" {
		t.Errorf("missing key: %v", err)
	}

	for _, cell := range []string{"%env GOHPC_TEST_VAR=two words", "%env GOHPC_TEST_VAR two words"} {
		out = &fakeOut{}
		if _, err := run(context.Background(), s, cell, out); err != nil {
			t.Fatal(err)
		}
		if got, want := out.text("stdout"), "env: GOHPC_TEST_VAR=two words\n"; got != want || os.Getenv("GOHPC_TEST_VAR") != "two words" {
			t.Errorf("%s: printed %q, env %q", cell, got, os.Getenv("GOHPC_TEST_VAR"))
		}
	}
	if _, err := run(context.Background(), s, "%env A B=c", &fakeOut{}); !errors.As(err, &ue) || !strings.Contains(ue.Msg, "whitespace") {
		t.Errorf("name with space: %v", err)
	}
}

func TestLsmagic(t *testing.T) {
	out := &fakeOut{}
	if _, err := run(context.Background(), &fakeSession{}, "%lsmagic", out); err != nil {
		t.Fatal(err)
	}
	got := out.text("stdout")
	for _, want := range []string{
		"Available line magics:\n%env  %go  %hpc  %lsmagic  %reset  %scaling  %sx  %time  %timeit  %who  %whos\n",
		"Available cell magics:\n%%bash  %%html  %%latex  %%markdown  %%native  %%scaling  %%sh  %%svg  %%time  %%timeit  %%writefile\n",
		"timeit     time many runs",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("%%lsmagic lacks %q:\n%s", want, got)
		}
	}
}

func TestWritefile(t *testing.T) {
	dir := t.TempDir()
	e := &Executor{Session: &fakeSession{}, Dir: dir}
	steps := []struct{ cell, printed, content string }{
		{"%%writefile out.txt\nline 1\n%not a magic", "Writing out.txt\n", "line 1\n%not a magic\n"},
		{"%%writefile out.txt\nline 2\n", "Overwriting out.txt\n", "line 2\n"},
		{"%%writefile -a 'out.txt'\nline 3", "Appending to out.txt\n", "line 2\nline 3\n"},
		{"%%writefile -a new.txt\nx", "Writing new.txt\n", "x\n"},
	}
	for _, st := range steps {
		p, err := Parse(st.cell)
		if err != nil {
			t.Fatal(err)
		}
		out := &fakeOut{}
		if _, err := e.Execute(context.Background(), p, out); err != nil {
			t.Fatal(err)
		}
		if got := out.text("stdout"); got != st.printed {
			t.Errorf("%q printed %q, want %q", st.cell, got, st.printed)
		}
		name := strings.Trim(strings.Fields(strings.SplitN(st.cell, "\n", 2)[0])[len(strings.Fields(strings.SplitN(st.cell, "\n", 2)[0]))-1], "'")
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil || string(b) != st.content {
			t.Errorf("%q wrote %q (%v), want %q", st.cell, b, err, st.content)
		}
	}
	p, _ := Parse("%%writefile no/such/dir/f.txt\nx")
	_, err := e.Execute(context.Background(), p, &fakeOut{})
	var ue *UsageError
	if !errors.As(err, &ue) || !strings.Contains(ue.Msg, "no such file or directory") {
		t.Errorf("bad path: %v", err)
	}
}

func TestHPCInfo(t *testing.T) {
	dir := t.TempDir()
	fake := filepath.Join(dir, "cpuinfo")
	os.WriteFile(fake, []byte("processor\t: 0\nmodel name\t: Test CPU @ 3.00GHz\n"+
		"flags\t\t: fpu sse2 ssse3 sse4_1 sse4_2 avx avx2 fma avx512f avx512dq\n\n"+
		"processor\t: 1\nmodel name\t: Other\nflags\t\t: sse2\n"), 0o644)
	defer func(p string) { cpuinfoPath = p }(cpuinfoPath)
	cpuinfoPath = fake

	out := &fakeOut{}
	if _, err := run(context.Background(), &fakeSession{workers: 6}, "%hpc", out); err != nil {
		t.Fatal(err)
	}
	want := regexp.MustCompile(`^hpc workers:       6
GOMAXPROCS:        \d+ \(\d+ CPUs\)
BLAS backend:      fake BLAS
CPU:               Test CPU @ 3.00GHz
Vector extensions: SSE2 SSSE3 SSE4.1 SSE4.2 AVX AVX2 FMA AVX-512F AVX-512DQ
Go:                go\S+ \w+/\w+
$`)
	if got := out.text("stdout"); !want.MatchString(got) {
		t.Errorf("%%hpc printed\n%s", got)
	}

	cpuinfoPath = filepath.Join(dir, "missing")
	out = &fakeOut{}
	e := &Executor{Session: noHPC{&fakeSession{}}}
	p, _ := Parse("%hpc")
	if _, err := e.Execute(context.Background(), p, out); err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{"hpc workers:       (not available in this session)\n", "CPU:               (unknown)\n", "Vector extensions: (none detected)\n"} {
		if !strings.Contains(out.text("stdout"), line) {
			t.Errorf("%%hpc without hpc or cpuinfo lacks %q:\n%s", line, out.text("stdout"))
		}
	}
}

func TestReset(t *testing.T) {
	for _, tc := range []struct {
		name    string
		cell    string
		answer  *string // nil: the front-end cannot ask
		resets  int
		printed string
	}{
		{"force", "%reset -f", ptr("n"), 1, ""},
		{"yes", "%reset", ptr("y"), 1, ""},
		{"YES", "%reset", ptr(" Yes "), 1, ""},
		{"no", "%reset", ptr(""), 0, "Nothing done.\n"},
		{"cannot ask", "%reset", nil, 1, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := sessionVars()
			fo := &fakeOut{}
			var out Output = fo
			var asked []string
			if tc.answer != nil {
				fo.input = func(prompt string) (string, error) {
					asked = append(asked, prompt)
					return *tc.answer, nil
				}
				out = inputOut{fo}
			}
			if _, err := run(context.Background(), s, tc.cell, out); err != nil {
				t.Fatal(err)
			}
			if s.resets != tc.resets || fo.text("stdout") != tc.printed {
				t.Errorf("%d resets, printed %q; want %d, %q", s.resets, fo.text("stdout"), tc.resets, tc.printed)
			}
			if tc.answer != nil && !strings.HasPrefix(tc.cell, "%reset -f") &&
				!reflect.DeepEqual(asked, []string{"Once deleted, variables cannot be recovered. Proceed (y/[n])? "}) {
				t.Errorf("asked %q", asked)
			}
		})
	}
}

func ptr(s string) *string { return &s }

func TestUnknownMagicRunsNothing(t *testing.T) {
	s := &fakeSession{}
	_, err := run(context.Background(), s, "x := 1\n%whoz\ny := 2", &fakeOut{})
	var ue *UsageError
	if !errors.As(err, &ue) || ue.Error() != "line 2: Line magic function `%whoz` not found. Did you mean %who or %whos?" {
		t.Errorf("got %v", err)
	}
	if len(s.calls) != 0 {
		t.Errorf("ran %v before reporting the error", s.calls)
	}
}

// TestLineMagicsAnywhere checks that code around line magics runs, in order,
// with its cell lines, and that the last segment's value is the cell's.
func TestLineMagicsAnywhere(t *testing.T) {
	s := &fakeSession{workers: 2, result: func(code string) (any, error) {
		if code == "total" {
			return 3, nil
		}
		return nil, nil
	}}
	out := &fakeOut{}
	v, err := run(context.Background(), s, "a := 1\nb := 2\n%who\n!echo between\ntotal := a + b\n%env GOHPC_X=1\ntotal", out)
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("GOHPC_X", "") // restored after the test
	if v != 3 {
		t.Errorf("value %v, want 3", v)
	}
	want := []call{{"run", "a := 1\nb := 2", 1}, {"run", "total := a + b", 5}, {"run", "total", 7}}
	if !reflect.DeepEqual(s.calls, want) {
		t.Errorf("calls %v, want %v", s.calls, want)
	}
	if got := out.text("stdout"); got != "Interactive namespace is empty.\nbetween\nenv: GOHPC_X=1\n" {
		t.Errorf("output %q", got)
	}
}

func TestDisplayCellMagics(t *testing.T) {
	for _, tc := range []struct {
		cell, mime, content string
	}{
		{"%%html\n<b>bold</b>", "text/html", "<b>bold</b>"},
		{"%%markdown\n# Title\n*x*", "text/markdown", "# Title\n*x*"},
		{"%%latex\n$$x^2$$", "text/latex", "$$x^2$$"},
		{"%%svg\n<svg/>", "image/svg+xml", "<svg/>"},
	} {
		out := &fakeOut{}
		if _, err := run(context.Background(), &fakeSession{}, tc.cell, out); err != nil {
			t.Fatal(err)
		}
		if len(out.shown) != 1 || out.shown[0].Bundle[tc.mime] != tc.content || out.shown[0].Bundle["text/plain"] == nil {
			t.Errorf("%q showed %v", tc.cell, out.shown)
		}
	}
	if _, err := Parse("%%html x\n<b>"); err == nil {
		t.Error("%%html with arguments accepted")
	}
}
