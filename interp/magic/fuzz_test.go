package magic

import (
	"errors"
	"go/scanner"
	"go/token"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// FuzzParse checks that Parse never panics and that what it returns is
// consistent with the cell: segments in order and inside it, code segments
// exact copies of cell lines that parse again to themselves, known magics
// with valid options, errors that are *UsageError at a cell line. The seed
// corpus is in testdata/fuzz/FuzzParse; the cases of TestParse and
// TestParseErrors are added too.
func FuzzParse(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, cell string) {
		checkParse(t, cell)
	})
}

// fuzzSeeds are cells covering the parser's branches, beyond the corpus.
var fuzzSeeds = []string{
	"",
	"x := 1\nx",
	"%time f()",
	"%%time\nx := 1\n%who\nx",
	"%%timeit -n 10 -r 2 setup()\nwork()",
	"%timeit -qo -n5 -p 4 g()",
	"r := %timeit -o f()",
	"%scaling -w 1,2,4 -r 1 hpc.MatMul(a, b)",
	"s := `\n%time x\n`\n!echo hi",
	"/* %who\n*/\n%whos int",
	"ok := a &&\n!b\n!ls",
	"%%writefile -a f.txt\nbody\n%not",
	"%env A=1\n%env A\n%env",
	"%timit f()",
	"%%bash\necho $((1+2))",
	"x = %sx ls\n%reset -f",
	"%timeit -- -x",
	"f(\n%time g()\n)",
	"'\\''\n\"\\\"\"\n!x",
	"0x1p-2\n1e+5\n!x",
	"%timeit?\n%%time??\nx := 1\n%env ?",
}

func checkParse(t *testing.T, cell string) {
	t.Helper()
	plan, err := Parse(cell)
	lines := strings.Split(cell, "\n")
	if err != nil {
		var ue *UsageError
		if !errors.As(err, &ue) {
			t.Fatalf("Parse(%q): error %v is a %T, want *UsageError", cell, err, err)
		}
		if ue.Line < 0 || ue.Line > len(lines) {
			t.Fatalf("Parse(%q): error at line %d of %d: %v", cell, ue.Line, len(lines), err)
		}
		if ue.Msg == "" {
			t.Fatalf("Parse(%q): empty error message", cell)
		}
		return
	}
	again, err := Parse(cell)
	if err != nil || !reflect.DeepEqual(plan, again) {
		t.Fatalf("Parse(%q) is not deterministic", cell)
	}
	// Without % or !, a cell is Go, untouched.
	if !strings.ContainsAny(cell, "%!") {
		want := 1
		if strings.TrimSpace(cell) == "" {
			want = 0
		}
		if len(plan.Segments) != want || (want == 1 && (plan.Segments[0].Code != cell || plan.Segments[0].Line != 1)) {
			t.Fatalf("Parse(%q) = %+v, want the cell as one code segment", cell, plan.Segments)
		}
	}
	checkPlan(t, cell, lines, 1, plan)
}

// checkPlan checks a plan of lines, the first being cell line first.
func checkPlan(t *testing.T, cell string, lines []string, first int, plan Plan) {
	t.Helper()
	last := first - 1
	for _, s := range plan.Segments {
		if s.Line <= last || s.Line >= first+len(lines) {
			t.Fatalf("Parse(%q): segment at line %d after line %d, cell lines %d..%d", cell, s.Line, last, first, first+len(lines)-1)
		}
		last = s.Line
		if s.Magic == nil {
			n := strings.Count(s.Code, "\n") + 1
			if s.Line-first+n > len(lines) {
				t.Fatalf("Parse(%q): code at line %d runs past the cell", cell, s.Line)
			}
			if want := strings.Join(lines[s.Line-first:s.Line-first+n], "\n"); s.Code != want {
				t.Fatalf("Parse(%q): code %q, want cell lines %q", cell, s.Code, want)
			}
			if strings.TrimSpace(s.Code) == "" {
				t.Fatalf("Parse(%q): blank code segment at line %d", cell, s.Line)
			}
			last += n - 1
			// A line starting with ! inside a code segment is Go only if
			// the Go before it is unfinished by Go's scanner.
			segLines := strings.Split(s.Code, "\n")
			for i := 1; i < len(segLines); i++ {
				if !strings.HasPrefix(strings.TrimSpace(segLines[i]), "!") {
					continue
				}
				if ok, complete := goComplete(strings.Join(segLines[:i], "\n")); ok && complete {
					t.Fatalf("Parse(%q): line %d %q kept as Go after a complete statement", cell, s.Line+i, segLines[i])
				}
			}
			// A code segment starts at the top level: alone, it is one
			// code segment again.
			p, err := Parse(s.Code)
			if err != nil || len(p.Segments) != 1 || p.Segments[0].Code != s.Code || p.Segments[0].Line != 1 {
				t.Fatalf("Parse(%q): code segment %q parses alone to %+v, %v", cell, s.Code, p.Segments, err)
			}
			continue
		}
		if !s.Magic.Cell && s.Line > first {
			// The Go before a line magic or shell line must be complete
			// by Go's own scanner, when that scanner accepts it.
			if ok, complete := goComplete(codeBefore(plan, s)); ok && !complete {
				t.Fatalf("Parse(%q): magic at line %d after unfinished Go", cell, s.Line)
			}
		}
		checkMagic(t, cell, s.Magic)
		if s.Magic.Cell {
			if s.Magic.BodyLine != s.Line+1 {
				t.Fatalf("Parse(%q): body at line %d, magic at %d", cell, s.Magic.BodyLine, s.Line)
			}
			if want := strings.Join(lines[s.Line-first+1:], "\n"); s.Magic.Body != want {
				t.Fatalf("Parse(%q): body %q, want %q", cell, s.Magic.Body, want)
			}
			if s.Magic.Sub != nil {
				checkPlan(t, cell, lines[s.Line-first+1:], s.Line+1, *s.Magic.Sub)
			}
			last = first + len(lines) - 1
		}
	}
}

func checkMagic(t *testing.T, cell string, m *Magic) {
	t.Helper()
	if m.Name == "!" {
		if m.Cell || m.Args == "" || m.Args != strings.TrimSpace(m.Args) || m.Assign != "" {
			t.Fatalf("Parse(%q): bad shell escape %+v", cell, m)
		}
		return
	}
	s := lookup(m.Name)
	if s == nil || (m.Cell && !s.cell) || (!m.Cell && !s.line) {
		t.Fatalf("Parse(%q): unknown or misplaced magic %+v", cell, m)
	}
	if m.Args != strings.TrimSpace(m.Args) {
		t.Fatalf("Parse(%q): untrimmed arguments %q", cell, m.Args)
	}
	for o, v := range m.Opts {
		i := strings.Index(s.opts, o)
		if len(o) != 1 || o == ":" || i < 0 {
			t.Fatalf("Parse(%q): option -%s not in %q", cell, o, s.opts)
		}
		takesValue := i+1 < len(s.opts) && s.opts[i+1] == ':'
		if takesValue != (v != "") {
			t.Fatalf("Parse(%q): option -%s has value %q", cell, o, v)
		}
		if strings.Contains(s.intOpts, o) {
			if n, err := strconv.Atoi(v); err != nil || n < 1 {
				t.Fatalf("Parse(%q): option -%s=%q is not a positive integer", cell, o, v)
			}
		}
	}
	if m.Define && m.Assign == "" {
		t.Fatalf("Parse(%q): define without a name", cell)
	}
}

// codeBefore returns the Go code read since the last magic before segment
// seg: the code segment just before it, or "".
func codeBefore(plan Plan, seg Segment) string {
	for i, s := range plan.Segments {
		if s.Line == seg.Line && i > 0 && plan.Segments[i-1].Magic == nil {
			return plan.Segments[i-1].Code
		}
	}
	return ""
}

// goComplete scans code with go/scanner: ok is false if the scanner reports
// an error (the oracle does not apply); complete is true if the code ends
// at the top level where Go would end a statement (an automatic or explicit
// semicolon, or no token at all).
func goComplete(code string) (ok, complete bool) {
	fset := token.NewFileSet()
	f := fset.AddFile("cell", -1, len(code))
	var sc scanner.Scanner
	errs := 0
	sc.Init(f, []byte(code), func(token.Position, string) { errs++ }, 0)
	depth := 0
	last := token.SEMICOLON
	for {
		_, tok, _ := sc.Scan()
		if tok == token.EOF {
			break
		}
		switch tok {
		case token.LPAREN, token.LBRACK, token.LBRACE:
			depth++
		case token.RPAREN, token.RBRACK, token.RBRACE:
			depth--
			if depth < 0 {
				return false, false // unbalanced: not Go, no oracle
			}
		}
		last = tok
	}
	if errs > 0 {
		return false, false
	}
	return true, depth == 0 && last == token.SEMICOLON
}

// TestParseConsistency runs the fuzz checks over the table tests' cells.
func TestParseConsistency(t *testing.T) {
	for _, c := range fuzzSeeds {
		checkParse(t, c)
	}
}
