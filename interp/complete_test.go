package interp

import (
	"reflect"
	"strings"
	"testing"
)

func TestComplete(t *testing.T) {
	s := newSession(t)
	mustRun(t, s, "type Point struct{ X, Y float64 }\nfunc (p Point) Norm() float64 { return 0 }\npt := Point{3, 4}\nmyVariable := 1")
	for _, c := range []struct {
		code  string
		want  []string
		start int
	}{
		{"fmt.Sprin", []string{"Sprint", "Sprintf", "Sprintln"}, 4},
		{"math.Sqr", []string{"Sqrt", "Sqrt2", "SqrtE", "SqrtPhi", "SqrtPi"}, 5},
		{"x := myVar", []string{"myVariable"}, 5},
		{"pt.N", []string{"Norm"}, 3},
		{"pt.", []string{"Norm", "X", "Y"}, 3},
		{"retu", []string{"return"}, 0},
		{"strc", []string{"strconv"}, 0},
		{"é := 1; fmt.Sprintl", []string{"Sprintln"}, 12},
		{"%timei", []string{"timeit"}, 1},
		{"%%writ", []string{"writefile"}, 2},
	} {
		r := s.Complete(c.code, len([]rune(c.code)))
		if !reflect.DeepEqual(r.Matches, c.want) || r.CursorStart != c.start || r.CursorEnd != len([]rune(c.code)) {
			t.Errorf("Complete(%q) = %v [%d:%d], want %v from %d", c.code, r.Matches, r.CursorStart, r.CursorEnd, c.want, c.start)
		}
	}
}

func TestInspect(t *testing.T) {
	s := newSession(t)
	mustRun(t, s, "// double doubles.\nfunc double(x int) int { return 2 * x }\ncount := 41\ntype P struct{ X float64 }\nfunc (p P) Twice() float64 { return 2 * p.X }\npv := P{1}")
	for _, c := range []struct {
		code string
		want []string
	}{
		{"fmt.Println", []string{"func Println(a ...any) (n int, err error)", "Println formats"}},
		{"double", []string{"func double(x int) int"}},
		{"count", []string{"var count int", "41"}},
		{"strings.Builder", []string{"type Builder struct"}},
		{"fmt", []string{"package fmt"}},
		{"pv.Twice", []string{"func (p P) Twice() float64"}},
		{"hpc.ParallelFor", []string{"func ParallelFor(n int, body func(i int))"}},
	} {
		r := s.Inspect(c.code, len(c.code), 0)
		text, _ := r.Data["text/plain"].(string)
		for _, w := range c.want {
			if !r.Found || !strings.Contains(text, w) {
				t.Errorf("Inspect(%q) = %v %q, want %q in it", c.code, r.Found, text, w)
			}
		}
	}
	if r := s.Inspect("nothingHere", 3, 0); r.Found {
		t.Errorf("Inspect of an unknown name found %v", r.Data)
	}
}

func TestIsComplete(t *testing.T) {
	s := newSession(t)
	for code, want := range map[string]string{
		"x := 1":                    "complete",
		`fmt.Println("hi")`:         "complete",
		"func f() int { return 1 }": "complete",
		"":                          "complete",
		"func f() {":                "incomplete",
		"for i := 0; i < 3; i++ {":  "incomplete",
		"s := []int{1,\n2,":         "incomplete",
		"x := 1 +":                  "incomplete",
		"s := `raw":                 "incomplete",
		"x := )":                    "invalid",
		"func f() }":                "invalid",
		"1 +* 2":                    "invalid",
		"x := := 2":                 "invalid",
		"%time x := 1":              "complete",
		"%%time\nfor {":             "complete",
		"y := 2\n%time f(":          "complete",
		"strings.Split?":            "complete",
		"??x":                       "complete",
	} {
		if got := s.IsComplete(code); got.Status != want {
			t.Errorf("IsComplete(%q) = %+v, want %s", code, got, want)
		}
	}
	if got := s.IsComplete("func f() {"); got.Indent == "" {
		t.Errorf("no indent for an open block: %+v", got)
	}
}
