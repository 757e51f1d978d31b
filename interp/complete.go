package interp

import (
	"go/ast"
	"go/scanner"
	"go/token"
	"reflect"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/gohpc/gohpc/interp/magic"
	"github.com/gohpc/gohpc/kernel"
)

var keywords = strings.Fields(`break case chan const continue default defer else fallthrough for func go goto
	if import interface map package range return select struct switch type var`)

// runeOffset converts a code-point offset into a byte offset of s.
func runeOffset(s string, cursor int) int {
	if cursor <= 0 {
		return 0
	}
	i := 0
	for n := 0; i < len(s) && n < cursor; n++ {
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
	}
	return i
}

func isIdentRune(r rune) bool { return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) }

// identBefore returns the start of the identifier ending at byte offset end.
func identBefore(s string, end int) int {
	i := end
	for i > 0 {
		r, size := utf8.DecodeLastRuneInString(s[:i])
		if !isIdentRune(r) {
			break
		}
		i -= size
	}
	return i
}

// Complete implements kernel.Completer: names of packages, their members,
// the session's declarations, fields and methods of its variables,
// keywords and builtins.
func (s *Session) Complete(code string, cursor int) (res kernel.CompleteResult) {
	res = kernel.CompleteResult{Matches: []string{}, CursorStart: cursor, CursorEnd: cursor, Metadata: map[string]any{}}
	defer func() {
		if r := recover(); r != nil {
			res = kernel.CompleteResult{Matches: []string{}, CursorStart: cursor, CursorEnd: cursor, Metadata: map[string]any{}}
		}
	}()
	end := runeOffset(code, cursor)
	start := identBefore(code, end)
	prefix := code[start:end]
	res.CursorStart = utf8.RuneCountInString(code[:start])
	var cands []string
	if start > 0 && code[start-1] == '%' {
		// A magic: %ti → %time, %timeit; %%ti → %%time.
		line, cell := magic.Names()
		if start > 1 && code[start-2] == '%' {
			cands = cell
		} else {
			cands = line
		}
	} else if start > 0 && code[start-1] == '.' {
		xs := identBefore(code, start-1)
		x := code[xs : start-1]
		if x == "" {
			return res
		}
		cands = s.members(x)
	} else {
		cands = s.names(code, start)
	}
	seen := map[string]bool{}
	for _, c := range cands {
		if strings.HasPrefix(c, prefix) && !seen[c] && !strings.HasPrefix(c, "__gohpc") {
			seen[c] = true
			res.Matches = append(res.Matches, c)
		}
	}
	sort.Strings(res.Matches)
	return res
}

// members lists what can follow "x.".
func (s *Session) members(x string) []string {
	if s.isUser(x) {
		return s.valueMembers(x)
	}
	if p := s.pkgPath(x); p != "" {
		var out []string
		for name := range s.in.Symbols(p)[p] {
			out = append(out, name)
		}
		if len(out) == 0 {
			out = pkgSymbols(p)
		}
		return out
	}
	return nil
}

// pkgPath resolves a package name used in cells.
func (s *Session) pkgPath(name string) string {
	if p, ok := s.imps[name]; ok {
		return p
	}
	byName, _ := packages()
	return byName[name]
}

// pkgSymbols lists the exported names of an importable package.
func pkgSymbols(p string) []string {
	_, byPath := packages()
	name := byPath[p]
	var out []string
	for _, m := range symbolMaps() {
		for n := range m[p+"/"+name] {
			out = append(out, n)
		}
	}
	return out
}

// valueMembers lists the fields and methods of the session variable x.
func (s *Session) valueMembers(x string) []string {
	v, ok := s.in.Globals()[x]
	if !ok || !v.IsValid() {
		return nil
	}
	out := append([]string(nil), s.methods[s.varTypes[x]]...)
	t := v.Type()
	for _, tt := range []reflect.Type{t, reflect.PointerTo(t)} {
		for i := 0; i < tt.NumMethod(); i++ {
			out = append(out, tt.Method(i).Name)
		}
	}
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() == reflect.Struct {
		for i := 0; i < t.NumField(); i++ {
			if f := t.Field(i); f.IsExported() {
				out = append(out, f.Name)
			}
		}
	}
	return out
}

// names lists the identifiers that may start at the cursor.
func (s *Session) names(code string, at int) []string {
	out := append([]string(nil), keywords...)
	for n := range universe {
		out = append(out, n)
	}
	for n := range s.decls {
		out = append(out, n)
	}
	for n := range s.imps {
		out = append(out, n)
	}
	byName, _ := packages()
	for n := range byName {
		out = append(out, n)
	}
	// Identifiers of the code being written.
	fset := token.NewFileSet()
	f := fset.AddFile("", -1, len(code))
	var sc scanner.Scanner
	sc.Init(f, []byte(code), nil, 0)
	for {
		pos, t, lit := sc.Scan()
		if t == token.EOF {
			break
		}
		if t == token.IDENT && f.Offset(pos) != at {
			out = append(out, lit)
		}
	}
	return out
}

// IsComplete implements kernel.CompletenessChecker: whether code is a whole
// cell (for consoles deciding between running and a new line).
func (s *Session) IsComplete(code string) (res kernel.IsCompleteResult) {
	defer func() {
		if r := recover(); r != nil {
			res = kernel.IsCompleteResult{Status: "unknown"}
		}
	}()
	if _, _, help := parseHelpCell(code); help || strings.TrimSpace(code) == "" {
		return kernel.IsCompleteResult{Status: "complete"}
	}
	if hasMagic(code) {
		plan, err := magic.Parse(code)
		if err != nil {
			return kernel.IsCompleteResult{Status: "invalid"}
		}
		for _, seg := range plan.Segments {
			if seg.Magic == nil {
				if r := s.IsComplete(seg.Code); r.Status != "complete" {
					return r
				}
			}
		}
		return kernel.IsCompleteResult{Status: "complete"}
	}
	fset := token.NewFileSet()
	f := fset.AddFile("", -1, len(code))
	var sc scanner.Scanner
	unterminated := false
	sc.Init(f, []byte(code), func(_ token.Position, msg string) {
		if strings.Contains(msg, "not terminated") {
			unterminated = true
		}
	}, scanner.ScanComments)
	depth := 0
	last := token.ILLEGAL
	for {
		_, t, lit := sc.Scan()
		if t == token.EOF {
			break
		}
		switch t {
		case token.LPAREN, token.LBRACK, token.LBRACE:
			depth++
		case token.RPAREN, token.RBRACK, token.RBRACE:
			depth--
			if depth < 0 {
				return kernel.IsCompleteResult{Status: "invalid"}
			}
		}
		if t == token.COMMENT || (t == token.SEMICOLON && lit == "\n") {
			continue
		}
		last = t
	}
	if unterminated {
		return kernel.IsCompleteResult{Status: "incomplete", Indent: ""}
	}
	if depth > 0 {
		return kernel.IsCompleteResult{Status: "incomplete", Indent: strings.Repeat("    ", depth)}
	}
	if (last.IsOperator() && last != token.RPAREN && last != token.RBRACK && last != token.RBRACE &&
		last != token.SEMICOLON && last != token.INC && last != token.DEC) || last == token.FUNC {
		return kernel.IsCompleteResult{Status: "incomplete", Indent: ""}
	}
	gs, err := parseCell(token.NewFileSet(), code, 1, cellFile, nil)
	if err != nil {
		return kernel.IsCompleteResult{Status: "invalid"}
	}
	for _, g := range gs {
		var root ast.Node = g.body
		if g.decl {
			root = g.file
		}
		if nonsense(root) {
			return kernel.IsCompleteResult{Status: "invalid"}
		}
	}
	return kernel.IsCompleteResult{Status: "complete"}
}

// hasMagic reports whether a line of code starts like a magic or a shell
// escape.
func hasMagic(code string) bool {
	for _, l := range strings.Split(code, "\n") {
		l = strings.TrimSpace(l)
		if strings.HasPrefix(l, "%") || strings.HasPrefix(l, "!") {
			return true
		}
	}
	return false
}

// nonsense finds what parses but can never compile: an indirection of a
// literal ("1 +* 2").
func nonsense(root ast.Node) bool {
	bad := false
	ast.Inspect(root, func(n ast.Node) bool {
		if st, ok := n.(*ast.StarExpr); ok {
			if _, lit := unparen(st.X).(*ast.BasicLit); lit {
				bad = true
			}
		}
		return !bad
	})
	return bad
}
