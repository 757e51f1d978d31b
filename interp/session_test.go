package interp

import (
	"strings"
	"testing"
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
