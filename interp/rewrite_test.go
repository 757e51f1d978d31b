package interp

import (
	"go/ast"
	"go/printer"
	"go/token"
	"strings"
	"testing"
)

// rewritten parses code as one cell, applies the statement and call
// rewrites, and prints the result on one line (new statements share the
// line of the code they replace, so the printer separates them by spaces).
func rewritten(t *testing.T, code string, user ...string) string {
	t.Helper()
	fset := token.NewFileSet()
	gs, err := parseCell(fset, code, 1, cellFile, nil)
	if err != nil {
		t.Fatalf("%q: %v", code, err)
	}
	seq := 0
	isUser := func(n string) bool {
		for _, u := range user {
			if u == n {
				return true
			}
		}
		return false
	}
	var b strings.Builder
	for _, g := range gs {
		rw := &rewriter{user: isUser, renames: map[string]string{"T": "Tᐧ2"}, seq: &seq}
		var root ast.Node = g.body
		if g.decl {
			root = g.file
		} else {
			rw.topDefines(g.body)
		}
		rw.rename(root)
		rw.stmts(root)
		rw.calls(root)
		if g.decl {
			for _, d := range g.file.Decls {
				printer.Fprint(&b, fset, d)
				b.WriteString("; ")
			}
		} else {
			for _, s := range g.body.List {
				printer.Fprint(&b, fset, s)
				b.WriteString("; ")
			}
		}
	}
	return strings.Join(strings.Fields(b.String()), " ")
}

func TestRewrites(t *testing.T) {
	for _, c := range []struct {
		name, code, want string
		user             []string
	}{
		{"range int", "for i := range 10 { f(i) }",
			"{ __gohpc_n1 := 10 for __gohpc_i2 := __gohpc_n1 - __gohpc_n1; __gohpc_i2 < __gohpc_n1; __gohpc_i2++ { i := __gohpc_i2 f(i) } };", nil},
		{"range no var", "for range n { f() }",
			"for range n { f() };", nil},
		{"range int local", "n := 3\nfor range n { f() }",
			"n := 3; { __gohpc_n1 := n for __gohpc_i2 := __gohpc_n1 - __gohpc_n1; __gohpc_i2 < __gohpc_n1; __gohpc_i2++ { f() } };", nil},
		{"range len", "for i := range len(xs) { f(i) }",
			"{ __gohpc_n1 := len(xs) for __gohpc_i2 := __gohpc_n1 - __gohpc_n1; __gohpc_i2 < __gohpc_n1; __gohpc_i2++ { i := __gohpc_i2 f(i) } };", nil},
		{"range slice kept", "for i := range []int{1} { f(i) }", "for i := range []int{1} { f(i) };", nil},
		{"range two vars kept", "for i, v := range xs { f(i, v) }", "for i, v := range xs { f(i, v) };", nil},
		{"labeled range int", "L: for i := range 3 { continue L }",
			"{ __gohpc_n1 := 3 L: for __gohpc_i2 := __gohpc_n1 - __gohpc_n1; __gohpc_i2 < __gohpc_n1; __gohpc_i2++ { i := __gohpc_i2 continue L } };", nil},
		{"range maps.Keys", "for k := range maps.Keys(m) { f(k) }", "for k := range m { f(k) };", nil},
		{"range maps.Values", "for v := range maps.Values(m) { f(v) }", "for _, v := range m { f(v) };", nil},
		{"range slices.All", "for i, v := range slices.All(xs) { f(i, v) }", "for i, v := range xs { f(i, v) };", nil},
		{"range two vars over Keys kept", "for k, v := range maps.Keys(m) { f(k, v) }", "for k, v := range maps.Keys(m) { f(k, v) };", nil},
		{"range user's slices kept", "for v := range slices.Values(xs) { f(v) }", "for v := range slices.Values(xs) { f(v) };", []string{"slices"}},
		{"range slices.Backward", "for i, v := range slices.Backward(g()) { f(i, v) }",
			"{ __gohpc_s1 := g() for __gohpc_i2 := len(__gohpc_s1) - 1; __gohpc_i2 >= 0; __gohpc_i2-- { i, v := __gohpc_i2, __gohpc_s1[__gohpc_i2] f(i, v) } };", nil},
		{"labeled range slices.Backward", "L: for range slices.Backward(xs) { continue L }",
			"{ __gohpc_s1 := xs L: for __gohpc_i2 := len(__gohpc_s1) - 1; __gohpc_i2 >= 0; __gohpc_i2-- { continue L } };", nil},
		{"min max", "y := f(min(a, b), max(1, 2.5, c))", "y := f(__gohpc_min(a, b), __gohpc_max(1.0, 2.5, c));", nil},
		{"min define", "m := min(a, b, c)", "m := a; m = __gohpc_min(m, b, c);", nil},
		{"user min", "func min(a, b int) int { return a }\nmin(1, 2)", "func min(a, b int) int { return a }; min(1, 2);", []string{"min"}},
		{"local min", "min := func(a, b int) int { return a }\nmin(1, 2)", "min := func(a, b int) int { return a }; min(1, 2);", nil},
		{"clear", "clear(m)", "__gohpc.Clear(m);", nil},
		{"make checked", "b := make([]byte, n)", "b := make([]byte, __gohpc.MakeLen(n, ([]byte)(nil)));", nil},
		{"make small constant", "b := make([]byte, 10)", "b := make([]byte, 10);", nil},
		{"go", "go f(a, b)",
			"{ __gohpc_c3 := __gohpc.Cell() __gohpc_a1, __gohpc_a2 := a, b go func() { __gohpc.GoStart() defer func() { __gohpc.GoPanic(__gohpc_c3, recover()) }() f(__gohpc_a1, __gohpc_a2) }() };", nil},
		{"go no args", "go f()",
			"{ __gohpc_c1 := __gohpc.Cell() go func() { __gohpc.GoStart(); defer func() { __gohpc.GoPanic(__gohpc_c1, recover()) }(); f() }() };", nil},
		{"rename type", "type T struct{ T int }\nv := T{T: 1}\nv.T",
			"type Tᐧ2 struct{ T int }; v := Tᐧ2{T: 1}; v.T;", nil},
		{"loop closure", "for _, v := range xs { fs = append(fs, func() int { return v }) }",
			"func() { for _, v := range xs { v := v fs = append(fs, func() int { return v }) } }();", nil},
		{"type switch", "switch v := x.(type) { case int: f(v) }",
			"func() { switch v := x.(type) { case int: f(v) } }();", nil},
	} {
		if got := rewritten(t, c.code, c.user...); got != c.want {
			t.Errorf("%s:\n got %s\nwant %s", c.name, got, c.want)
		}
	}
}

func TestSplitItems(t *testing.T) {
	for _, c := range []struct {
		code string
		want string // d: declaration, i: import, s: statement
	}{
		{"x := 1\nfunc f() {}\ny := f", "sds"},
		{"import \"fmt\"\ntype T int\nvar v T\nfmt.Println(v)", "idds"},
		{"func (t T) M() {}\nfunc() {}()\nfunc(x int) int { return x }(1)", "dss"},
		{"func (t *Stack[T]) Push(v T) {}", "d"},
		{"const c = 1; c + 1", "ds"},
		{"s := []int{\n1,\n2,\n}\nfor i := range s {\n}", "ss"},
	} {
		var got strings.Builder
		for _, it := range splitItems(c.code, 1) {
			switch {
			case it.imp:
				got.WriteByte('i')
			case it.decl:
				got.WriteByte('d')
			default:
				got.WriteByte('s')
			}
		}
		if got.String() != c.want {
			t.Errorf("splitItems(%q) = %s, want %s", c.code, got.String(), c.want)
		}
	}
}
