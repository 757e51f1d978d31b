package magic

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Plan is a parsed cell: its segments, to run in order.
type Plan struct {
	Segments []Segment
}

// Segment is one step of a Plan: a chunk of Go code, or a magic invocation.
type Segment struct {
	// Line is the 1-based line of the cell where the segment starts, so that
	// compile errors in Code still point at cell lines.
	Line int
	// Code is Go source when Magic is nil: consecutive lines of the cell,
	// unchanged.
	Code string
	// Magic is the invocation, or nil for a code segment.
	Magic *Magic
}

// Magic is one parsed invocation of a magic.
type Magic struct {
	// Name is the magic's name without its prefix ("time", "timeit", "env",
	// …), or "!" for a shell escape.
	Name string
	// Cell is true for a cell magic (%%name), false for a line magic.
	Cell bool
	// Opts holds the options given, by letter: the value of an option that
	// takes one ("-n 100" → "n": "100"), "" for a flag ("-q" → "q": "").
	Opts map[string]string
	// Args is the argument text after the options: the Go statement of
	// %time, %timeit and %scaling (the setup statement in their cell form),
	// the command of "!", the file of %%writefile; trimmed.
	Args string
	// Body is the rest of the cell after the first line, for cell magics.
	Body string
	// BodyLine is the cell line where Body starts.
	BodyLine int
	// Sub is Body parsed as a plan, for %%time (whose body may itself use
	// line magics); nil otherwise.
	Sub *Plan
	// Assign names the variable that receives the magic's value, for
	// "name := %magic …" (Define true) or "name = %magic …".
	Assign string
	Define bool
	// Help is true for "%name?" (or "??"): show the magic's usage instead
	// of running it, as IPython does.
	Help bool
}

// Has reports whether option letter o was given.
func (m *Magic) Has(o string) bool {
	_, ok := m.Opts[o]
	return ok
}

// Int returns the value of integer option o, or def if it was not given.
// Parse has already checked that the value is an integer.
func (m *Magic) Int(o string, def int) int {
	v, ok := m.Opts[o]
	if !ok {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return def
	}
	return n
}

// UsageError is a mistake in how a magic is used: an unknown magic, a bad
// option, a magic where Go code is expected. The session reports it as an
// error named "UsageError", like IPython.
type UsageError struct {
	Line int    // 1-based cell line, 0 if unknown
	Msg  string // the message, without the line
}

func (e *UsageError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("line %d: %s", e.Line, e.Msg)
	}
	return e.Msg
}

func usagef(line int, format string, args ...any) *UsageError {
	return &UsageError{Line: line, Msg: fmt.Sprintf(format, args...)}
}

// spec describes one magic.
type spec struct {
	name       string
	line, cell bool
	opts       string // getopt letters; a letter followed by ':' takes a value
	intOpts    string // letters whose value must be a positive integer
	usage      string
	help       string
}

var specs = []spec{
	{name: "time", line: true, cell: true,
		usage: "%time STATEMENT  |  %%time",
		help:  "time one run: CPU, wall time, Go allocations and GC cycles"},
	{name: "timeit", line: true, cell: true, opts: "n:r:p:qo", intOpts: "nrp",
		usage: "%timeit [-n N] [-r R] [-p P] [-q] [-o] STATEMENT  |  %%timeit [options] [SETUP]",
		help:  "time many runs: mean ± std. dev. of R runs of N loops"},
	{name: "scaling", line: true, cell: true, opts: "w:r:n:qo", intOpts: "rn",
		usage: "%scaling [-w 1,2,4] [-r R] [-n N] [-q] [-o] STATEMENT  |  %%scaling [options] [SETUP]",
		help:  "run with 1…N hpc workers: table and speed-up chart"},
	{name: "who", line: true,
		usage: "%who [TYPE …]",
		help:  "list the session's variables"},
	{name: "whos", line: true,
		usage: "%whos [TYPE …]",
		help:  "list the session's variables with type and value"},
	{name: "env", line: true,
		usage: "%env  |  %env NAME  |  %env NAME=VALUE",
		help:  "list, get or set environment variables"},
	{name: "lsmagic", line: true,
		usage: "%lsmagic",
		help:  "list the magics"},
	{name: "writefile", cell: true, opts: "a",
		usage: "%%writefile [-a] FILE",
		help:  "write (-a: append) the cell's body to FILE"},
	{name: "sx", line: true,
		usage: "%sx COMMAND",
		help:  "run a shell command, returning its output lines as []string"},
	{name: "sh", cell: true,
		usage: "%%sh",
		help:  "run the cell's body with /bin/sh"},
	{name: "bash", cell: true,
		usage: "%%bash",
		help:  "run the cell's body with bash"},
	{name: "html", cell: true,
		usage: "%%html",
		help:  "show the cell's body as HTML"},
	{name: "markdown", cell: true,
		usage: "%%markdown",
		help:  "show the cell's body as Markdown"},
	{name: "latex", cell: true,
		usage: "%%latex",
		help:  "show the cell's body as LaTeX"},
	{name: "svg", cell: true,
		usage: "%%svg",
		help:  "show the cell's body as an SVG image"},
	{name: "hpc", line: true,
		usage: "%hpc",
		help:  "workers, GOMAXPROCS, BLAS backend, CPU model and vector extensions"},
	{name: "native", cell: true,
		usage: "%%native",
		help:  "compile the cell's Go declarations with the Go toolchain (a plugin) and bind them: native speed"},
	{name: "go", line: true,
		usage: "%go get [-s] MODULE[@VERSION]",
		help:  "add a third-party Go module: its packages' exported API is compiled (-s: interpreted from source) and can be imported"},
	{name: "reset", line: true, opts: "f",
		usage: "%reset [-f]",
		help:  "clear the session's variables (-f: without asking)"},
}

func lookup(name string) *spec {
	for i := range specs {
		if specs[i].name == name {
			return &specs[i]
		}
	}
	return nil
}

// Names returns the names of the line magics and of the cell magics, sorted.
func Names() (line, cell []string) {
	for _, s := range specs {
		if s.line {
			line = append(line, s.name)
		}
		if s.cell {
			cell = append(cell, s.name)
		}
	}
	sort.Strings(line)
	sort.Strings(cell)
	return line, cell
}

// assignRE matches "name := %…" and "name = %…" (never valid Go, as % is
// only a binary operator).
var assignRE = regexp.MustCompile(`^([\p{L}_][\p{L}\p{Nd}_]*)\s*(:=|=)\s*(%.*)$`)

// Parse splits a cell into a Plan. See the package documentation for the
// rules that tell magic lines from Go code. Errors are *UsageError.
func Parse(cell string) (Plan, error) {
	lines := strings.Split(cell, "\n")
	// A cell magic on the first non-blank line takes the whole cell.
	for i, l := range lines {
		t := strings.TrimSpace(l)
		if t == "" {
			continue
		}
		if strings.HasPrefix(t, "%%") {
			seg, err := parseMagic(t, i+1, true)
			if err != nil {
				return Plan{}, err
			}
			m := seg.Magic
			m.Body = strings.Join(lines[i+1:], "\n")
			m.BodyLine = i + 2
			if m.Help {
				return Plan{Segments: []Segment{seg}}, nil
			}
			if err := checkCellBody(m); err != nil {
				return Plan{}, err
			}
			return Plan{Segments: []Segment{seg}}, nil
		}
		break
	}
	return parseLines(lines, 1)
}

// checkCellBody parses the bodies that are Go code.
func checkCellBody(m *Magic) error {
	switch m.Name {
	case "time":
		if m.Args != "" {
			return usagef(m.BodyLine-1, "can't use statement directly after '%%%%time'!")
		}
		sub, err := parseLines(strings.Split(m.Body, "\n"), m.BodyLine)
		if err != nil {
			return err
		}
		m.Sub = &sub
	case "native":
		if strings.TrimSpace(m.Body) == "" {
			return usagef(m.BodyLine-1, "%%%%native: the cell's body is empty: write Go declarations (functions, types, constants) below it")
		}
	case "timeit", "scaling":
		// The body is compiled once and run many times: Go only.
		sub, err := parseLines(strings.Split(m.Body, "\n"), m.BodyLine)
		if err != nil {
			return err
		}
		for _, s := range sub.Segments {
			if s.Magic != nil {
				return usagef(s.Line, "%%%%%s: the body is timed as Go code and cannot contain magics", m.Name)
			}
		}
		if strings.TrimSpace(m.Body) == "" {
			return usagef(m.BodyLine-1, "%%%%%s: nothing to time in the cell's body", m.Name)
		}
	}
	return nil
}

// parseLines splits lines (the first being cell line first) into segments.
func parseLines(lines []string, first int) (Plan, error) {
	var plan Plan
	var st lexState
	st.term = true
	codeStart := -1
	flush := func(end int) {
		if codeStart < 0 {
			return
		}
		code := strings.Join(lines[codeStart:end], "\n")
		if strings.TrimSpace(code) != "" {
			plan.Segments = append(plan.Segments, Segment{Line: first + codeStart, Code: code})
		}
		codeStart = -1
	}
	for i, line := range lines {
		lineNo := first + i
		t := strings.TrimSpace(line)
		if !st.raw && !st.block {
			isMagic := strings.HasPrefix(t, "%")
			assign := assignRE.FindStringSubmatch(t)
			if assign != nil {
				isMagic = true
			}
			isShell := strings.HasPrefix(t, "!") && st.depth == 0 && st.term
			if isMagic || isShell {
				if strings.HasPrefix(t, "%%") {
					return Plan{}, usagef(lineNo, "cell magic %s must be on the first line of the cell", firstWord(t))
				}
				if isMagic && (st.depth != 0 || !st.term) {
					return Plan{}, usagef(lineNo, "magic %s inside a Go block or an unfinished statement: magics must stand on their own line, at the top level of the cell", firstWord(t))
				}
				flush(i)
				src := t
				if assign != nil {
					src = assign[3]
				}
				seg, err := parseMagic(src, lineNo, false)
				if err != nil {
					return Plan{}, err
				}
				if assign != nil {
					seg.Magic.Assign, seg.Magic.Define = assign[1], assign[2] == ":="
					if seg.Magic.Name == "!" {
						return Plan{}, usagef(lineNo, "use %s := %%sx COMMAND to capture a command's output", assign[1])
					}
				}
				plan.Segments = append(plan.Segments, seg)
				st = lexState{term: true}
				continue
			}
		}
		if codeStart < 0 {
			codeStart = i
		}
		st = st.scan(line)
	}
	flush(len(lines))
	return plan, nil
}

func firstWord(s string) string {
	if i := strings.IndexFunc(s, unicode.IsSpace); i >= 0 {
		return s[:i]
	}
	return s
}

// parseMagic parses one magic line (trimmed, starting with %, %% or !).
func parseMagic(t string, line int, cell bool) (Segment, error) {
	if strings.HasPrefix(t, "!") {
		cmd := strings.TrimSpace(t[1:])
		if cmd == "" {
			return Segment{}, usagef(line, "! needs a shell command")
		}
		return Segment{Line: line, Magic: &Magic{Name: "!", Args: cmd}}, nil
	}
	prefix := "%"
	if cell {
		prefix = "%%"
	}
	rest := strings.TrimPrefix(t, prefix)
	end := strings.IndexFunc(rest, func(r rune) bool { return !(unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_') })
	if end < 0 {
		end = len(rest)
	}
	name, args := rest[:end], rest[end:]
	if name == "" {
		return Segment{}, usagef(line, "%q is not a magic: a name must follow %s", t, prefix)
	}
	help := false
	if q := strings.TrimSpace(args); q == "?" || q == "??" {
		help, args = true, ""
	}
	if args != "" && !unicode.IsSpace(rune(args[0])) {
		return Segment{}, usagef(line, "%s%s: a space must separate the magic from its arguments", prefix, name)
	}
	s := lookup(name)
	switch {
	case s == nil && cell:
		return Segment{}, &UsageError{Line: line, Msg: fmt.Sprintf("Cell magic `%%%%%s` not found.", name) + suggest(name, true)}
	case s == nil && ipythonHints[name] != "":
		return Segment{}, &UsageError{Line: line, Msg: fmt.Sprintf("Line magic function `%%%s` not found. ", name) + ipythonHints[name]}
	case s == nil:
		return Segment{}, &UsageError{Line: line, Msg: fmt.Sprintf("Line magic function `%%%s` not found.", name) + suggest(name, false)}
	case cell && !s.cell:
		return Segment{}, usagef(line, "%%%s is a line magic, not a cell magic: use %%%s", name, name)
	case !cell && !s.line:
		return Segment{}, usagef(line, "%%%s is a cell magic: use %%%%%s on the cell's first line", name, name)
	}
	m := &Magic{Name: name, Cell: cell, Opts: map[string]string{}}
	if help {
		m.Help = true
		return Segment{Line: line, Magic: m}, nil
	}
	rest, err := parseOpts(s, strings.TrimSpace(args), m.Opts)
	if err != nil {
		return Segment{}, usagef(line, "%s%s: %v (usage: %s)", prefix, name, err, s.usage)
	}
	m.Args = rest
	if err := checkArgs(s, m); err != nil {
		return Segment{}, usagef(line, "%s%s: %v (usage: %s)", prefix, name, err, s.usage)
	}
	return Segment{Line: line, Magic: m}, nil
}

// parseOpts reads getopt-style options from the start of args, as IPython's
// parse_options does: "-n 100", "-n100", "-qo"; they stop at the first word
// that is not an option, or after "--". It returns the rest of args with its
// spacing intact.
func parseOpts(s *spec, args string, opts map[string]string) (string, error) {
	for {
		args = strings.TrimLeftFunc(args, unicode.IsSpace)
		if args == "--" || strings.HasPrefix(args, "-- ") {
			return strings.TrimSpace(strings.TrimPrefix(args, "--")), nil
		}
		if len(args) < 2 || args[0] != '-' || s.opts == "" {
			return strings.TrimSpace(args), nil
		}
		word := firstWord(args)
		args = args[len(word):]
		letters := word[1:]
		for len(letters) > 0 {
			r, size := utf8.DecodeRuneInString(letters)
			o := string(r)
			letters = letters[size:]
			i := strings.Index(s.opts, o)
			if i < 0 || r == ':' {
				return "", fmt.Errorf("unknown option -%s", o)
			}
			if i+1 < len(s.opts) && s.opts[i+1] == ':' {
				val := letters
				letters = ""
				if val == "" {
					args = strings.TrimLeftFunc(args, unicode.IsSpace)
					val = firstWord(args)
					args = args[len(val):]
				}
				if val == "" {
					return "", fmt.Errorf("option -%s needs a value", o)
				}
				if strings.Contains(s.intOpts, o) {
					if n, err := strconv.Atoi(val); err != nil || n < 1 {
						return "", fmt.Errorf("option -%s needs a positive integer, not %q", o, val)
					}
				}
				opts[o] = val
				continue
			}
			opts[o] = ""
		}
	}
}

// checkArgs validates the arguments of magics that need some.
func checkArgs(s *spec, m *Magic) error {
	switch s.name {
	case "time":
		if !m.Cell && m.Args == "" {
			return fmt.Errorf("nothing to time")
		}
	case "timeit", "scaling":
		if !m.Cell && m.Args == "" {
			return fmt.Errorf("nothing to time")
		}
		if w, ok := m.Opts["w"]; ok {
			if _, err := ParseWorkers(w); err != nil {
				return err
			}
		}
	case "writefile":
		if m.Args == "" {
			return fmt.Errorf("missing file name")
		}
	case "sx":
		if m.Args == "" {
			return fmt.Errorf("missing command")
		}
	case "lsmagic", "hpc", "html", "markdown", "latex", "svg":
		if m.Args != "" {
			return fmt.Errorf("takes no arguments")
		}
	case "go":
		f := strings.Fields(m.Args)
		if len(f) == 0 || f[0] != "get" {
			return fmt.Errorf("the only subcommand is get")
		}
		if len(f) == 3 && f[1] == "-s" {
			break
		}
		if len(f) != 2 || strings.HasPrefix(f[1], "-") {
			return fmt.Errorf("get takes one module or package path, with an optional @VERSION (and -s to interpret it from source)")
		}
	case "native":
		if m.Args != "" {
			return fmt.Errorf("takes no arguments on its line: the cell's body is the Go code")
		}
	case "reset":
		if m.Args != "" {
			return fmt.Errorf("unexpected argument %q", m.Args)
		}
	}
	return nil
}

// ParseWorkers parses the -w list of %scaling: positive integers separated
// by commas, e.g. "1,2,4,8".
func ParseWorkers(s string) ([]int, error) {
	var ws []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("-w wants worker counts like 1,2,4, not %q", s)
		}
		ws = append(ws, n)
	}
	return ws, nil
}

// ipythonHints answer the IPython magics users try out of habit that have no
// meaning for Go cells.
var ipythonHints = map[string]string{
	"matplotlib": "Plots show inline without it: a gonum.org/v1/plot *plot.Plot as a cell's last value (or passed to display.Display) is drawn as PNG.",
	"pip":        "Cells are Go: they import the standard library, gonum, gonum/plot, and gohpc's hpc and display packages, which come with the kernel.",
	"conda":      "Cells are Go: they import the standard library, gonum, gonum/plot, and gohpc's hpc and display packages, which come with the kernel.",
	"load_ext":   "gohpc has no extensions; %lsmagic lists the magics.",
}

// suggest returns " Did you mean …?" listing the magics within a small edit
// distance of name, or "".
func suggest(name string, cell bool) string {
	type cand struct {
		name string
		d    int
	}
	var cs []cand
	limit := 2
	if len(name) > 6 {
		limit = 3
	}
	for _, s := range specs {
		if (cell && !s.cell) || (!cell && !s.line) {
			continue
		}
		d := editDistance(strings.ToLower(name), s.name)
		if d <= limit || (len(name) >= 3 && strings.HasPrefix(s.name, strings.ToLower(name))) {
			cs = append(cs, cand{s.name, d})
		}
	}
	if len(cs) == 0 {
		return " Use %lsmagic to list the magics."
	}
	sort.Slice(cs, func(i, j int) bool {
		if cs[i].d != cs[j].d {
			return cs[i].d < cs[j].d
		}
		return cs[i].name < cs[j].name
	})
	prefix := "%"
	if cell {
		prefix = "%%"
	}
	var names []string
	for _, c := range cs {
		names = append(names, prefix+c.name)
	}
	return " Did you mean " + strings.Join(names, " or ") + "?"
}

// editDistance is the Damerau–Levenshtein distance (optimal string
// alignment: insertions, deletions, substitutions, adjacent swaps).
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev2 := make([]int, len(rb)+1)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(rb)]
}
