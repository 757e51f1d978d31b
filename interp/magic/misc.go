package magic

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gohpc/gohpc/display"
	"github.com/gohpc/gohpc/interp/render"
)

// filterVars returns the variables whose type is one of the words of args
// (all of them without args), sorted by name.
func (e *Executor) filterVars(args string) []Var {
	types := strings.Fields(args)
	var vs []Var
	for _, v := range e.Session.Vars() {
		if len(types) == 0 || contains(types, v.Type) {
			vs = append(vs, v)
		}
	}
	sort.Slice(vs, func(i, j int) bool { return vs[i].Name < vs[j].Name })
	return vs
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func noVars(args string, out Output) {
	if strings.TrimSpace(args) != "" {
		printf(out, "No variables match your requested type.\n")
	} else {
		printf(out, "Interactive namespace is empty.\n")
	}
}

// who prints the names as IPython does: each followed by a tab and a space,
// nine to a line.
func (e *Executor) who(m *Magic, out Output) {
	vs := e.filterVars(m.Args)
	if len(vs) == 0 {
		noVars(m.Args, out)
		return
	}
	var b strings.Builder
	for i, v := range vs {
		b.WriteString(v.Name + "\t ")
		if (i+1)%9 == 0 {
			b.WriteString("\n")
		}
	}
	b.WriteString("\n")
	printf(out, "%s", b.String())
}

// whos prints IPython's table: Variable, Type, Data/Info.
func (e *Executor) whos(m *Magic, out Output) {
	vs := e.filterVars(m.Args)
	if len(vs) == 0 {
		noVars(m.Args, out)
		return
	}
	const colsep = 3
	varW, typeW := len("Variable"), len("Type")
	for _, v := range vs {
		varW = max(varW, utf8.RuneCountInString(v.Name))
		typeW = max(typeW, utf8.RuneCountInString(v.Type))
	}
	varW += colsep
	typeW += colsep
	var b strings.Builder
	b.WriteString(padRight("Variable", varW) + padRight("Type", typeW) + " Data/Info\n")
	b.WriteString(strings.Repeat("-", varW+typeW+len("Data/Info")+1) + "\n")
	for _, v := range vs {
		b.WriteString(padRight(v.Name, varW) + padRight(v.Type, typeW) + " " + dataInfo(v.Value) + "\n")
	}
	printf(out, "%s", b.String())
}

func padRight(s string, w int) string {
	if n := w - utf8.RuneCountInString(s); n > 0 {
		return s + strings.Repeat(" ", n)
	}
	return s
}

// dataInfo is the Data/Info column of %whos: the shape and size of
// matrices, the length of slices and maps, else the value's text with its
// middle cut beyond 50 characters.
func dataInfo(v any) (s string) {
	defer func() {
		if r := recover(); r != nil {
			s = fmt.Sprintf("<%T (printing it panicked)>", v)
		}
	}()
	if d, ok := v.(interface{ Dims() (int, int) }); ok && !isNil(v) {
		// IPython's line for NumPy arrays: "3x4: 12 elems, type `float64`,
		// 96 bytes", with the size in kb or Mb from 100,000 bytes.
		r, c := d.Dims()
		n := r * c
		s := fmt.Sprintf("%dx%d: %d elems, type `float64`, %d bytes", r, c, n, 8*n)
		switch bytes := float64(8 * n); {
		case bytes < 100000:
		case bytes < 1<<20:
			s += " (" + pyFloat(bytes/1024) + " kb)"
		default:
			s += " (" + pyFloat(bytes/(1<<20)) + " Mb)"
		}
		return s
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Slice, reflect.Array, reflect.Map:
		if rv.Kind() == reflect.Map || rv.Kind() == reflect.Slice && rv.IsNil() {
			return fmt.Sprintf("n=%d", rv.Len())
		}
		n := rv.Len()
		size := uint64(n) * uint64(rv.Type().Elem().Size())
		if size >= 100000 {
			return fmt.Sprintf("n=%d (%s)", n, render.FormatBytes(size))
		}
		return fmt.Sprintf("n=%d", n)
	}
	s = display.PlainText(v)
	s = strings.ReplaceAll(s, "\n", `\n`)
	if r := []rune(s); len(r) >= 50 {
		s = string(r[:25]) + "<...>" + string(r[len(r)-25:])
	}
	return s
}

// pyFloat formats f as Python's str does: the shortest representation,
// with ".0" for integral values.
func pyFloat(f float64) string {
	s := strconv.FormatFloat(f, 'f', -1, 64)
	if !strings.ContainsAny(s, ".eE") {
		s += ".0"
	}
	return s
}

func isNil(v any) bool {
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Slice, reflect.Interface:
		return rv.IsNil()
	}
	return false
}

// secretRE matches names of environment variables that %env hides when
// listing, as IPython does.
var secretRE = regexp.MustCompile(`(?i)key|token|secret`)

// env lists, gets or sets environment variables, as IPython's %env.
func (e *Executor) env(line int, m *Magic, out Output) (any, error) {
	args := strings.TrimSpace(m.Args)
	if args == "" {
		env := os.Environ()
		sort.Strings(env)
		var b strings.Builder
		for _, kv := range env {
			k, v, _ := strings.Cut(kv, "=")
			if secretRE.MatchString(k) {
				v = "<hidden>"
			}
			b.WriteString(k + "=" + v + "\n")
		}
		printf(out, "%s", b.String())
		return nil, nil
	}
	sep := " "
	if strings.Contains(args, "=") {
		sep = "="
	}
	name, value, set := strings.Cut(args, sep)
	if !set {
		v, ok := os.LookupEnv(args)
		if !ok {
			return nil, usagef(line, "Environment does not have key: %s", args)
		}
		return v, nil
	}
	name, value = strings.TrimSpace(name), strings.TrimSpace(value)
	if name == "" || strings.ContainsAny(name, " \t") {
		return nil, usagef(line, "refusing to set env var with whitespace: '%s'", name)
	}
	if err := os.Setenv(name, value); err != nil {
		return nil, usagef(line, "%%env: %v", err)
	}
	printf(out, "env: %s=%s\n", name, value)
	return nil, nil
}

// lsmagic lists the magics, as IPython does, with their usage.
func lsmagic(out Output) {
	line, cell := Names()
	var b strings.Builder
	b.WriteString("Available line magics:\n")
	for i, n := range line {
		if i > 0 {
			b.WriteString("  ")
		}
		b.WriteString("%" + n)
	}
	b.WriteString("\n\nAvailable cell magics:\n")
	for i, n := range cell {
		if i > 0 {
			b.WriteString("  ")
		}
		b.WriteString("%%" + n)
	}
	b.WriteString("\n\nShell escape: !COMMAND runs COMMAND with /bin/sh -c. %NAME? shows a magic's usage.\n\n")
	for _, s := range specs {
		fmt.Fprintf(&b, "%-10s %s\n           %s\n", s.name, s.help, s.usage)
	}
	printf(out, "%s", b.String())
}

// writefile writes the cell's body to a file, as IPython's %%writefile.
func (e *Executor) writefile(line int, m *Magic, out Output) error {
	name := m.Args
	if len(name) >= 2 && (name[0] == '"' || name[0] == '\'') && name[len(name)-1] == name[0] {
		name = name[1 : len(name)-1]
	}
	if name == "~" || strings.HasPrefix(name, "~/") {
		if home, err := os.UserHomeDir(); err == nil {
			name = filepath.Join(home, name[1:])
		}
	}
	path := name
	if e.Dir != "" && !filepath.IsAbs(path) {
		path = filepath.Join(e.Dir, path)
	}
	appending := m.Has("a")
	_, statErr := os.Stat(path)
	switch {
	case statErr == nil && appending:
		printf(out, "Appending to %s\n", name)
	case statErr == nil:
		printf(out, "Overwriting %s\n", name)
	default:
		printf(out, "Writing %s\n", name)
	}
	flags := os.O_WRONLY | os.O_CREATE | os.O_TRUNC
	if appending {
		flags = os.O_WRONLY | os.O_CREATE | os.O_APPEND
	}
	body := m.Body
	if body != "" && !strings.HasSuffix(body, "\n") {
		body += "\n"
	}
	f, err := os.OpenFile(path, flags, 0o644)
	if err != nil {
		return usagef(line, "%%%%writefile: %v", err)
	}
	if _, err := f.WriteString(body); err != nil {
		f.Close()
		return usagef(line, "%%%%writefile: %v", err)
	}
	if err := f.Close(); err != nil {
		return usagef(line, "%%%%writefile: %v", err)
	}
	return nil
}

// cpuinfoPath is read for the CPU model (a variable for tests).
var cpuinfoPath = "/proc/cpuinfo"

// cpuinfo returns the fields of the first processor in /proc/cpuinfo.
func cpuinfo() map[string]string {
	f, err := os.Open(cpuinfoPath)
	if err != nil {
		return nil
	}
	defer f.Close()
	info := map[string]string{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		if strings.TrimSpace(sc.Text()) == "" && len(info) > 0 {
			break // end of the first processor
		}
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		k = strings.TrimSpace(k)
		if _, seen := info[k]; !seen {
			info[k] = strings.TrimSpace(v)
		}
	}
	return info
}

// CPUModel returns the CPU's model name from /proc/cpuinfo, or "" if unknown.
func CPUModel() string {
	info := cpuinfo()
	for _, k := range []string{"model name", "Model", "Hardware", "cpu model"} {
		if v := info[k]; v != "" {
			return v
		}
	}
	return ""
}

// vectorFlags maps /proc/cpuinfo flags to the names %hpc shows, in order:
// the SIMD extensions that matter to numeric code. (The kernel lists only
// the extensions the OS enables.)
var vectorFlags = []struct{ flag, name string }{
	// x86 ("flags")
	{"sse2", "SSE2"}, {"ssse3", "SSSE3"}, {"sse4_1", "SSE4.1"}, {"sse4_2", "SSE4.2"},
	{"avx", "AVX"}, {"avx2", "AVX2"}, {"fma", "FMA"}, {"f16c", "F16C"}, {"avx_vnni", "AVX-VNNI"},
	{"avx512f", "AVX-512F"}, {"avx512dq", "AVX-512DQ"}, {"avx512bw", "AVX-512BW"},
	{"avx512vl", "AVX-512VL"}, {"avx512ifma", "AVX-512IFMA"}, {"avx512_vnni", "AVX-512VNNI"},
	{"avx512_bf16", "AVX-512BF16"}, {"avx512_fp16", "AVX-512FP16"}, {"amx_bf16", "AMX-BF16"},
	// arm64 ("Features")
	{"asimd", "NEON"}, {"asimdhp", "FP16"}, {"asimddp", "DotProd"}, {"i8mm", "I8MM"},
	{"sve", "SVE"}, {"sve2", "SVE2"}, {"sme", "SME"},
}

// VectorExtensions lists the SIMD extensions /proc/cpuinfo reports for the
// CPU; none where it does not exist.
func VectorExtensions() []string {
	info := cpuinfo()
	have := map[string]bool{}
	for _, k := range []string{"flags", "Features"} {
		for _, f := range strings.Fields(info[k]) {
			have[f] = true
		}
	}
	var ext []string
	for _, v := range vectorFlags {
		if have[v.flag] {
			ext = append(ext, v.name)
		}
	}
	return ext
}

// hpcInfo prints what %hpc shows.
func (e *Executor) hpcInfo(out Output) {
	workers, blas := "(not available in this session)", "(unknown)"
	if h := e.hpc(); h != nil {
		workers = fmt.Sprint(h.Workers())
		if n := h.BLAS(); n != "" {
			blas = n
		}
	}
	model := CPUModel()
	if model == "" {
		model = "(unknown)"
	}
	ext := strings.Join(VectorExtensions(), " ")
	if ext == "" {
		ext = "(none detected)"
	}
	var b strings.Builder
	row := func(k, v string) { fmt.Fprintf(&b, "%-18s %s\n", k+":", v) }
	row("hpc workers", workers)
	row("GOMAXPROCS", fmt.Sprintf("%d (%d CPUs)", runtime.GOMAXPROCS(0), runtime.NumCPU()))
	row("BLAS backend", blas)
	row("CPU", model)
	row("Vector extensions", ext)
	row("Go", fmt.Sprintf("%s %s/%s", runtime.Version(), runtime.GOOS, runtime.GOARCH))
	if n, ok := e.Session.(Native); ok {
		ok, detail := n.NativeStatus()
		native := "no: " + detail
		if ok {
			native = "yes"
			if detail != "" {
				native += " (" + detail + ")"
			}
		}
		row("%%native", native)
	}
	printf(out, "%s", b.String())
}

// reset asks for confirmation (unless -f, or if the front-end cannot answer,
// as IPython does) and clears the session.
func (e *Executor) reset(ctx context.Context, m *Magic, out Output) error {
	if !m.Has("f") {
		if in, ok := out.(Inputter); ok {
			ans, err := in.Input(ctx, "Once deleted, variables cannot be recovered. Proceed (y/[n])? ", false)
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if err == nil {
				if a := strings.ToLower(strings.TrimSpace(ans)); a != "y" && a != "yes" {
					printf(out, "Nothing done.\n")
					return nil
				}
			}
		}
	}
	return e.Session.Reset()
}
