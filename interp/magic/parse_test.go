package magic

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// seg describes an expected segment compactly: "code@L:<code>" or
// "magic@L:<name>|<args>|<sorted opts>" (cell magics with "%%").
func describe(p Plan) []string {
	var out []string
	for _, s := range p.Segments {
		if s.Magic == nil {
			out = append(out, fmt.Sprintf("code@%d:%s", s.Line, s.Code))
			continue
		}
		m := s.Magic
		prefix := "%"
		if m.Cell {
			prefix = "%%"
		}
		if m.Name == "!" {
			prefix = ""
		}
		d := fmt.Sprintf("magic@%d:%s%s|%s|%s", s.Line, prefix, m.Name, m.Args, opts(m.Opts))
		if m.Assign != "" {
			op := "="
			if m.Define {
				op = ":="
			}
			d = m.Assign + op + d
		}
		out = append(out, d)
	}
	return out
}

func opts(o map[string]string) string {
	var parts []string
	for _, k := range []string{"a", "f", "n", "o", "p", "q", "r", "w"} {
		if v, ok := o[k]; ok {
			parts = append(parts, k+"="+v)
		}
	}
	return strings.Join(parts, ",")
}

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		name string
		cell string
		want []string
	}{
		{"plain Go", "x := 1\nx + 1", []string{"code@1:x := 1\nx + 1"}},
		{"empty", "", nil},
		{"blank", "\n  \n", nil},
		{"time", "%time f(x)", []string{"magic@1:%time|f(x)|"}},
		{"timeit options", "%timeit -n 100 -r3 -q -o f(x, -1)", []string{"magic@1:%timeit|f(x, -1)|n=100,o=,q=,r=3"}},
		{"timeit combined flags", "%timeit -qo -n5 g()", []string{"magic@1:%timeit|g()|n=5,o=,q="}},
		{"timeit double dash", "%timeit -n 1 -- -x", []string{"magic@1:%timeit|-x|n=1"}},
		{"scaling", "%scaling -w 1,2,4 -r 2 hpc.MatMul(c, a, b)", []string{"magic@1:%scaling|hpc.MatMul(c, a, b)|r=2,w=1,2,4"}},
		{"who", "%who int float64", []string{"magic@1:%who|int float64|"}},
		{"whos", "%whos", []string{"magic@1:%whos||"}},
		{"env list", "%env", []string{"magic@1:%env||"}},
		{"env set", "%env OMP_NUM_THREADS=4", []string{"magic@1:%env|OMP_NUM_THREADS=4|"}},
		{"lsmagic", "%lsmagic", []string{"magic@1:%lsmagic||"}},
		{"hpc", "%hpc", []string{"magic@1:%hpc||"}},
		{"reset", "%reset -f", []string{"magic@1:%reset||f="}},
		{"sx", "files := %sx ls *.go", []string{"files:=magic@1:%sx|ls *.go|"}},
		{"shell", "!ls -la", []string{"magic@1:!|ls -la|"}},
		{"shell spaced", "  ! echo hi", []string{"magic@1:!|echo hi|"}},
		{"assign timeit", "r := %timeit -o f()", []string{"r:=magic@1:%timeit|f()|o="}},
		{"reassign timeit", "r = %timeit -o -q f()", []string{"r=magic@1:%timeit|f()|o=,q="}},
		{"assign time", "v := %time f()", []string{"v:=magic@1:%time|f()|"}},
		{"line magic mid-cell",
			"a := 1\nb := 2\n%time c := a + b\nfmt.Println(c)\n!echo done\nc",
			[]string{"code@1:a := 1\nb := 2", "magic@3:%time|c := a + b|", "code@4:fmt.Println(c)", "magic@5:!|echo done|", "code@6:c"}},
		{"indented magic", "x := 1\n    %who", []string{"code@1:x := 1", "magic@2:%who||"}},
		{"raw string", "s := `\n%time not a magic\n!not a command\n`\n%who",
			[]string{"code@1:s := `\n%time not a magic\n!not a command\n`", "magic@5:%who||"}},
		{"raw string one line", "s := `%x` + `!y`\n!echo z", []string{"code@1:s := `%x` + `!y`", "magic@2:!|echo z|"}},
		{"block comment", "/*\n%time f()\n!ls\n*/\nx := 1", []string{"code@1:/*\n%time f()\n!ls\n*/\nx := 1"}},
		{"line comment", "// %time f()\n// !ls", []string{"code@1:// %time f()\n// !ls"}},
		{"negation continues a line", "ok := a &&\n\t!b", []string{"code@1:ok := a &&\n\t!b"}},
		{"negation in call", "f(a,\n!b)", []string{"code@1:f(a,\n!b)"}},
		{"negation in composite", "xs := []bool{\n!a,\n}\n!echo after", []string{"code@1:xs := []bool{\n!a,\n}", "magic@4:!|echo after|"}},
		{"negation in block", "if x {\n\t!y\n}", []string{"code@1:if x {\n\t!y\n}"}},
		{"after return keyword", "func f() bool {\nreturn\n}\n!echo", []string{"code@1:func f() bool {\nreturn\n}", "magic@4:!|echo|"}},
		{"after closing paren", "f(\n)\n!echo", []string{"code@1:f(\n)", "magic@3:!|echo|"}},
		{"after string", "s := \"a//b\"\n!echo", []string{"code@1:s := \"a//b\"", "magic@2:!|echo|"}},
		{"escaped quote", "s := \"a\\\"`\"\n!echo", []string{"code@1:s := \"a\\\"`\"", "magic@2:!|echo|"}},
		{"rune literals", "r := '`'\nq := '\\''\n!echo", []string{"code@1:r := '`'\nq := '\\''", "magic@3:!|echo|"}},
		{"after increment", "i++\n!echo", []string{"code@1:i++", "magic@2:!|echo|"}},
		{"operator at end", "x := 1 +\n!echo", []string{"code@1:x := 1 +\n!echo"}},
		{"comment after token", "x := 1 // note\n!echo", []string{"code@1:x := 1 // note", "magic@2:!|echo|"}},
		{"comment after operator", "x := a &&  // note\n!b", []string{"code@1:x := a &&  // note\n!b"}},
		{"inline block comment", "x := a && /* c */\n!b", []string{"code@1:x := a && /* c */\n!b"}},
		{"number exponent", "x := 1e+5\n!echo", []string{"code@1:x := 1e+5", "magic@2:!|echo|"}},
		{"not-equal is not a shell", "ok := a\n!= b", []string{"code@1:ok := a", "magic@2:!|= b|"}},
		{"modulo assign", "x %= 3", []string{"code@1:x %= 3"}},
		{"cell time", "%%time\nx := f()\n%who\nx", []string{"magic@1:%%time||"}},
		{"cell timeit setup", "%%timeit -n 10 xs := make([]float64, 100)\nsort.Float64s(xs)", []string{"magic@1:%%timeit|xs := make([]float64, 100)|n=10"}},
		{"cell writefile", "%%writefile -a out.txt\n%not parsed\n!nor this", []string{"magic@1:%%writefile|out.txt|a="}},
		{"cell after blank lines", "\n\n%%sh\necho hi", []string{"magic@3:%%sh||"}},
		{"cell magic with raw string body", "%%time\ns := `\n%x\n`", []string{"magic@1:%%time||"}},
		{"help", "%timeit?", []string{"magic@1:%timeit||"}},
		{"help mid-cell", "x := 1\n%scaling ??\nx", []string{"code@1:x := 1", "magic@2:%scaling||", "code@3:x"}},
		{"cell help", "%%timeit?", []string{"magic@1:%%timeit||"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := Parse(tc.cell)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if got := describe(p); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got\n%q\nwant\n%q", got, tc.want)
			}
		})
	}
}

func TestParseCellBodies(t *testing.T) {
	p, err := Parse("%%time\nx := f()\n!echo hi\nx")
	if err != nil {
		t.Fatal(err)
	}
	if h, _ := Parse("%%timeit?\n"); !h.Segments[0].Magic.Help {
		t.Error("cell magic help not parsed")
	}
	m := p.Segments[0].Magic
	if m.Help || m.Body != "x := f()\n!echo hi\nx" || m.BodyLine != 2 {
		t.Errorf("body %q at %d", m.Body, m.BodyLine)
	}
	if got, want := describe(*m.Sub), []string{"code@2:x := f()", "magic@3:!|echo hi|", "code@4:x"}; !reflect.DeepEqual(got, want) {
		t.Errorf("sub plan %q, want %q", got, want)
	}
	p, err = Parse("%%timeit -r 3 setup()\nwork()\nmore()")
	if err != nil {
		t.Fatal(err)
	}
	if m := p.Segments[0].Magic; m.Body != "work()\nmore()" || m.BodyLine != 2 || m.Sub != nil || m.Int("r", 7) != 3 || m.Int("n", 0) != 0 {
		t.Errorf("timeit cell: %+v", m)
	}
}

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		cell string
		line int
		msg  string // substring
	}{
		{"unknown line magic", "%timit f()", 1, "Line magic function `%timit` not found. Did you mean %timeit or %time?"},
		{"unknown with prefix", "x := 1\n%scal f()", 2, "Did you mean %scaling?"},
		{"unknown far", "%frobnicate", 1, "Use %lsmagic to list the magics."},
		{"matplotlib habit", "%matplotlib inline", 1, "Line magic function `%matplotlib` not found. Plots show inline without it"},
		{"pip habit", "%pip install numpy", 1, "Cells are Go"},
		{"unknown cell magic", "%%writefil x", 1, "Cell magic `%%writefil` not found. Did you mean %%writefile?"},
		{"transposition", "%tiem f()", 1, "Did you mean %time"},
		{"case", "%TIMEIT f()", 1, "Did you mean %timeit"},
		{"cell magic later", "x := 1\n%%time\ny", 2, "cell magic %%time must be on the first line"},
		{"cell-only as line", "%writefile f.txt", 1, "%writefile is a cell magic: use %%writefile"},
		{"line-only as cell", "%%who", 1, "%who is a line magic"},
		{"magic in block", "for i := range 3 {\n%time f(i)\n}", 2, "inside a Go block"},
		{"magic continuing expression", "x := 1 +\n%time f()", 2, "unfinished statement"},
		{"unknown option", "%timeit -x f()", 1, "unknown option -x"},
		{"bad int", "%timeit -n ten f()", 1, "option -n needs a positive integer"},
		{"zero", "%timeit -r 0 f()", 1, "positive integer"},
		{"missing value", "%timeit -n", 1, "option -n needs a value"},
		{"nothing to time", "%timeit -n 3", 1, "nothing to time"},
		{"time empty", "%time", 1, "nothing to time"},
		{"bad workers", "%scaling -w 1,x f()", 1, "-w wants worker counts"},
		{"time statement after cell", "%%time f()\ng()", 1, "can't use statement directly after '%%time'!"},
		{"timeit body with magic", "%%timeit\nf()\n%who", 3, "cannot contain magics"},
		{"timeit empty body", "%%timeit setup()\n", 1, "nothing to time"},
		{"writefile no name", "%%writefile\nbody", 1, "missing file name"},
		{"empty shell", "!", 1, "! needs a shell command"},
		{"shell assign", "out := !ls", 0, ""}, // valid Go: not a magic
		{"sx assign hint", "out = %sx", 1, "missing command"},
		{"lone percent", "%", 1, "a name must follow %"},
		{"glued args", "%time(f())", 1, "a space must separate"},
		{"lsmagic args", "%lsmagic now", 1, "takes no arguments"},
		{"nested cell error", "%%time\nx\n%bogus", 3, "`%bogus` not found"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse(tc.cell)
			if tc.msg == "" {
				if err != nil {
					t.Fatalf("unexpected error %v", err)
				}
				return
			}
			var ue *UsageError
			if !errors.As(err, &ue) {
				t.Fatalf("error %v (%T), want *UsageError", err, err)
			}
			if ue.Line != tc.line || !strings.Contains(ue.Msg, tc.msg) {
				t.Errorf("got line %d %q, want line %d containing %q", ue.Line, ue.Msg, tc.line, tc.msg)
			}
		})
	}
}

func TestEditDistance(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		d    int
	}{{"", "", 0}, {"time", "time", 0}, {"timit", "timeit", 1}, {"tiem", "time", 1}, {"who", "whos", 1}, {"abc", "xyz", 3}, {"", "env", 3}} {
		if got := editDistance(tc.a, tc.b); got != tc.d {
			t.Errorf("editDistance(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.d)
		}
	}
}
