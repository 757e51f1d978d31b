package stdgeneric_test

import (
	"cmp"
	"context"
	"fmt"
	"go/parser"
	"go/token"
	"maps"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/gohpc/gohpc/interp"
	"github.com/gohpc/gohpc/interp/stdgeneric"
	"github.com/gohpc/gohpc/kernel"
)

type discard struct{}

func (discard) Stream(string, string)            {}
func (discard) Display(kernel.DisplayData)       {}
func (discard) UpdateDisplay(kernel.DisplayData) {}
func (discard) ClearOutput(bool)                 {}
func (discard) Input(context.Context, string, bool) (string, error) {
	return "", kernel.ErrStdinNotAllowed
}

// outcome runs f and returns what it printed, or "panic: " and its value.
func outcome(f func() string) (s string) {
	defer func() {
		if r := recover(); r != nil {
			s = fmt.Sprint("panic: ", r)
		}
	}()
	return f()
}

var nan = math.NaN()

// TestSameAsGo runs each cell in a session and the same code compiled by Go
// with the standard library, and wants the same printed result, or the same
// panic message.
func TestSameAsGo(t *testing.T) {
	type vec []float64
	type pt struct {
		name string
		x    int
	}
	byX := func(a, b pt) int { return cmp.Compare(a.x, b.x) }
	tests := []struct {
		cell string
		gold func() string
	}{
		// cmp
		{`fmt.Sprint(cmp.Less(nan, 1.0), cmp.Less(1.0, nan), cmp.Less(2, 3), cmp.Less("b", "a"))`,
			func() string {
				return fmt.Sprint(cmp.Less(nan, 1.0), cmp.Less(1.0, nan), cmp.Less(2, 3), cmp.Less("b", "a"))
			}},
		{`fmt.Sprint(cmp.Or(0, 0, 3, 4), cmp.Or("", "x"), cmp.Or(0, 0))`,
			func() string { return fmt.Sprint(cmp.Or(0, 0, 3, 4), cmp.Or("", "x"), cmp.Or(0, 0)) }},
		// slices: comparing
		{`fmt.Sprint(slices.Equal([]int{1, 2}, []int{1, 2}), slices.Equal([]float64{nan}, []float64{nan}), slices.Equal([]int{1}, nil))`,
			func() string {
				return fmt.Sprint(slices.Equal([]int{1, 2}, []int{1, 2}), slices.Equal([]float64{nan}, []float64{nan}), slices.Equal([]int{1}, nil))
			}},
		// slices: building
		{`fmt.Sprint(slices.Insert([]int{1, 2, 3}, 1, 8, 9), slices.Insert([]int(nil), 0, 5))`,
			func() string {
				return fmt.Sprint(slices.Insert([]int{1, 2, 3}, 1, 8, 9), slices.Insert([]int(nil), 0, 5))
			}},
		{`slices.Insert([]int{1}, 2, 7)`, func() string { return fmt.Sprint(slices.Insert([]int{1}, 2, 7)) }},
		{`s := []int{1, 2, 3, 4}
d := slices.Delete(s, 1, 3)
fmt.Sprint(d, s)`, func() string { s := []int{1, 2, 3, 4}; d := slices.Delete(s, 1, 3); return fmt.Sprint(d, s) }},
		{`slices.Delete([]int{1, 2}, 1, 3)`, func() string { return fmt.Sprint(slices.Delete([]int{1, 2}, 1, 3)) }},
		{`s := []string{"a", "bb", "c", "dd"}
d := slices.DeleteFunc(s, func(x string) bool { return len(x) > 1 })
fmt.Sprintf("%q %q", d, s)`, func() string {
			s := []string{"a", "bb", "c", "dd"}
			d := slices.DeleteFunc(s, func(x string) bool { return len(x) > 1 })
			return fmt.Sprintf("%q %q", d, s)
		}},
		{`fmt.Sprint(slices.Replace([]int{1, 2, 3, 4}, 1, 3, 7), slices.Replace([]int{1, 2}, 0, 0, 5, 6))`,
			func() string {
				return fmt.Sprint(slices.Replace([]int{1, 2, 3, 4}, 1, 3, 7), slices.Replace([]int{1, 2}, 0, 0, 5, 6))
			}},
		{`a := []int{1, 2}
c := slices.Clone(a)
c[0] = 9
fmt.Sprint(a, c, slices.Clone([]int(nil)) == nil, slices.Clone([]int{}) == nil)`, func() string {
			a := []int{1, 2}
			c := slices.Clone(a)
			c[0] = 9
			return fmt.Sprint(a, c, slices.Clone([]int(nil)) == nil, slices.Clone([]int{}) == nil)
		}},
		{`s := []int{1, 1, 2, 2, 2, 3, 1}
c := slices.Compact(s)
fmt.Sprint(c, s)`, func() string { s := []int{1, 1, 2, 2, 2, 3, 1}; c := slices.Compact(s); return fmt.Sprint(c, s) }},
		{`s := []string{"a", "A", "b", "B", "b"}
c := slices.CompactFunc(s, strings.EqualFold)
fmt.Sprint(c, len(s))`, func() string {
			s := []string{"a", "A", "b", "B", "b"}
			c := slices.CompactFunc(s, strings.EqualFold)
			return fmt.Sprint(c, len(s))
		}},
		{`g := slices.Grow([]int{1}, 10)
c := slices.Clip(g)
fmt.Sprint(g, cap(g) >= 11, cap(c))`, func() string {
			g := slices.Grow([]int{1}, 10)
			c := slices.Clip(g)
			return fmt.Sprint(g, cap(g) >= 11, cap(c))
		}},
		{`slices.Grow([]int{1}, -1)`, func() string { return fmt.Sprint(slices.Grow([]int{1}, -1)) }},
		{`s := []string{"a", "b", "c"}
slices.Reverse(s)
fmt.Sprint(s)`, func() string { s := []string{"a", "b", "c"}; slices.Reverse(s); return fmt.Sprint(s) }},
		{`fmt.Sprint(slices.Concat([]int{1}, nil, []int{2, 3}))`,
			func() string { return fmt.Sprint(slices.Concat([]int{1}, nil, []int{2, 3})) }},
		{`fmt.Sprint(slices.Repeat([]int{1, 2}, 3), len(slices.Repeat([]int{1}, 0)))`,
			func() string { return fmt.Sprint(slices.Repeat([]int{1, 2}, 3), len(slices.Repeat([]int{1}, 0))) }},
		{`slices.Repeat([]int{1}, -1)`, func() string { return fmt.Sprint(slices.Repeat([]int{1}, -1)) }},
		// slices: sorting and searching
		{`s := []float64{3, nan, 1, -2, nan, 0}
slices.Sort(s)
fmt.Sprint(s, slices.IsSorted(s))`, func() string {
			s := []float64{3, nan, 1, -2, nan, 0}
			slices.Sort(s)
			return fmt.Sprint(s, slices.IsSorted(s))
		}},
		{`type vec []float64
v := vec{2, 1, 3}
slices.Sort(v)
fmt.Sprint(v)`, func() string { v := vec{2, 1, 3}; slices.Sort(v); return fmt.Sprint(v) }},
		{`type celsius float64
c := []celsius{30, -5, 12}
slices.Sort(c)
fmt.Sprint(c, slices.Min(c), slices.Max(c))`, func() string {
			type celsius float64
			c := []celsius{30, -5, 12}
			slices.Sort(c)
			return fmt.Sprint(c, slices.Min(c), slices.Max(c))
		}},
		{`w := []string{"pear", "fig", "apple"}
slices.Sort(w)
fmt.Sprint(w, slices.IsSorted([]int{2, 1}))`, func() string {
			w := []string{"pear", "fig", "apple"}
			slices.Sort(w)
			return fmt.Sprint(w, slices.IsSorted([]int{2, 1}))
		}},
		{`p := []pt{{"c", 2}, {"a", 1}, {"b", 2}, {"d", 1}}
slices.SortStableFunc(p, func(a, b pt) int { return cmp.Compare(a.x, b.x) })
fmt.Sprint(p)`, func() string {
			p := []pt{{"c", 2}, {"a", 1}, {"b", 2}, {"d", 1}}
			slices.SortStableFunc(p, byX)
			return fmt.Sprint(p)
		}},
		{`q := []pt{{"c", 3}, {"a", 1}, {"b", 2}}
slices.SortFunc(q, func(a, b pt) int { return cmp.Compare(a.x, b.x) })
fmt.Sprint(q)`, func() string {
			q := []pt{{"c", 3}, {"a", 1}, {"b", 2}}
			slices.SortFunc(q, byX)
			return fmt.Sprint(q)
		}},
		{`r := []pt{{"c", 2}, {"a", 1}, {"b", 2}, {"d", 1}}
less := func(a, b pt) int { return a.x - b.x }
fmt.Sprint(slices.IsSortedFunc(r, less), slices.MinFunc(r, less), slices.MaxFunc(r, less))`, func() string {
			r := []pt{{"c", 2}, {"a", 1}, {"b", 2}, {"d", 1}}
			return fmt.Sprint(slices.IsSortedFunc(r, byX), slices.MinFunc(r, byX), slices.MaxFunc(r, byX))
		}},
		{`fmt.Sprint(slices.Min([]int{3, 1, 2}), slices.Max([]int{3, 1, 2}), slices.Min([]float64{1, nan}), slices.Max([]float64{nan, 1}))`,
			func() string {
				return fmt.Sprint(slices.Min([]int{3, 1, 2}), slices.Max([]int{3, 1, 2}), slices.Min([]float64{1, nan}), slices.Max([]float64{nan, 1}))
			}},
		{`slices.Max([]int{})`, func() string { return fmt.Sprint(slices.Max([]int{})) }},
		{`slices.MinFunc([]int{}, func(a, b int) int { return a - b })`,
			func() string { return fmt.Sprint(slices.MinFunc([]int{}, func(a, b int) int { return a - b })) }},
		{`s := []int{10, 20, 20, 30}
i, ok := slices.BinarySearch(s, 20)
j, ok2 := slices.BinarySearch(s, 25)
k, ok3 := slices.BinarySearch(s, 99)
l, ok4 := slices.BinarySearch([]float64{nan, 1}, nan)
fmt.Sprint(i, ok, j, ok2, k, ok3, l, ok4)`, func() string {
			s := []int{10, 20, 20, 30}
			i, ok := slices.BinarySearch(s, 20)
			j, ok2 := slices.BinarySearch(s, 25)
			k, ok3 := slices.BinarySearch(s, 99)
			l, ok4 := slices.BinarySearch([]float64{nan, 1}, nan)
			return fmt.Sprint(i, ok, j, ok2, k, ok3, l, ok4)
		}},
		{`p := []pt{{"a", 1}, {"b", 4}}
i, ok := slices.BinarySearchFunc(p, 4, func(e pt, x int) int { return e.x - x })
fmt.Sprint(i, ok)`, func() string {
			p := []pt{{"a", 1}, {"b", 4}}
			i, ok := slices.BinarySearchFunc(p, 4, func(e pt, x int) int { return cmp.Compare(e.x, x) })
			return fmt.Sprint(i, ok)
		}},
		// iterators
		{`fmt.Sprint(slices.Sorted(maps.Keys(map[string]int{"b": 1, "a": 2, "c": 3})), slices.Sorted(maps.Values(map[string]int{"b": 1, "a": 2})))`,
			func() string {
				return fmt.Sprint(slices.Sorted(maps.Keys(map[string]int{"b": 1, "a": 2, "c": 3})), slices.Sorted(maps.Values(map[string]int{"b": 1, "a": 2})))
			}},
		{`fmt.Sprint(slices.Collect(slices.Values([]int{1, 2, 3})), slices.AppendSeq([]int{0}, slices.Values([]int{1, 2})))`,
			func() string {
				return fmt.Sprint(slices.Collect(slices.Values([]int{1, 2, 3})), slices.AppendSeq([]int{0}, slices.Values([]int{1, 2})))
			}},
		{`m := maps.Collect(slices.All([]string{"x", "y"}))
d := map[int]string{5: "e"}
maps.Insert(d, maps.All(m))
fmt.Sprint(m, d)`, func() string {
			m := maps.Collect(slices.All([]string{"x", "y"}))
			d := map[int]string{5: "e"}
			maps.Insert(d, maps.All(m))
			return fmt.Sprint(m, d)
		}},
		{`fmt.Sprint(slices.SortedFunc(slices.Values([]int{1, 3, 2}), func(a, b int) int { return b - a }), slices.SortedStableFunc(slices.Values([]string{"bb", "a", "cc"}), func(a, b string) int { return len(a) - len(b) }))`,
			func() string {
				return fmt.Sprint(slices.SortedFunc(slices.Values([]int{1, 3, 2}), func(a, b int) int { return b - a }), slices.SortedStableFunc(slices.Values([]string{"bb", "a", "cc"}), func(a, b string) int { return len(a) - len(b) }))
			}},
		{`fmt.Sprint(slices.Sorted(slices.Values([]float64{2, nan, 1})))`,
			func() string { return fmt.Sprint(slices.Sorted(slices.Values([]float64{2, nan, 1}))) }},
		{`fmt.Sprint(slices.Collect(slices.Chunk([]int{1, 2, 3, 4, 5}, 2)))`,
			func() string { return fmt.Sprint(slices.Collect(slices.Chunk([]int{1, 2, 3, 4, 5}, 2))) }},
		{`slices.Chunk([]int{1}, 0)`, func() string { return fmt.Sprint(slices.Chunk([]int{1}, 0) == nil) }},
		{`var out []string
slices.Backward([]string{"a", "b", "c"})(func(i int, v string) bool { out = append(out, fmt.Sprint(i, v)); return i > 1 })
fmt.Sprint(out)`, func() string {
			var out []string
			slices.Backward([]string{"a", "b", "c"})(func(i int, v string) bool { out = append(out, fmt.Sprint(i, v)); return i > 1 })
			return fmt.Sprint(out)
		}},
		// range over the iterators (rewritten to ranges over their argument)
		{`keys := []string{}
for k := range maps.Keys(map[string]int{"b": 1, "a": 2}) {
	keys = append(keys, k)
}
sum := 0
for v := range maps.Values(map[string]int{"b": 1, "a": 2}) {
	sum += v
}
pairs := 0
for k, v := range maps.All(map[string]int{"b": 1, "a": 2}) {
	pairs += len(k) * v
}
slices.Sort(keys)
fmt.Sprint(keys, sum, pairs)`, func() string {
			keys := []string{}
			for k := range maps.Keys(map[string]int{"b": 1, "a": 2}) {
				keys = append(keys, k)
			}
			sum := 0
			for v := range maps.Values(map[string]int{"b": 1, "a": 2}) {
				sum += v
			}
			pairs := 0
			for k, v := range maps.All(map[string]int{"b": 1, "a": 2}) {
				pairs += len(k) * v
			}
			slices.Sort(keys)
			return fmt.Sprint(keys, sum, pairs)
		}},
		{`var got []string
for i, v := range slices.All([]string{"x", "y", "z"}) {
	if i == 2 {
		break
	}
	got = append(got, v)
}
n := 0
for v := range slices.Values([]int{1, 2, 3}) {
	n += v
}
for range slices.Values([]int{1, 2}) {
	n += 100
}
fmt.Sprint(got, n)`, func() string {
			var got []string
			for i, v := range slices.All([]string{"x", "y", "z"}) {
				if i == 2 {
					break
				}
				got = append(got, v)
			}
			n := 0
			for v := range slices.Values([]int{1, 2, 3}) {
				n += v
			}
			for range slices.Values([]int{1, 2}) {
				n += 100
			}
			return fmt.Sprint(got, n)
		}},
		{`var fs []func() int
outer:
for i, v := range slices.Backward([]int{10, 20, 30}) {
	for range 1 {
		if v == 10 {
			break outer
		}
	}
	fs = append(fs, func() int { return i*100 + v })
}
res := []int{}
for _, f := range fs {
	res = append(res, f())
}
var sb strings.Builder
for i := range slices.Backward(strings.Fields("a b c")) {
	fmt.Fprint(&sb, i)
}
var j int
for j = range slices.Backward([]int{7, 8}) {
}
fmt.Sprint(res, sb.String(), j)`, func() string {
			var fs []func() int
		outer:
			for i, v := range slices.Backward([]int{10, 20, 30}) {
				for range 1 {
					if v == 10 {
						break outer
					}
				}
				fs = append(fs, func() int { return i*100 + v })
			}
			res := []int{}
			for _, f := range fs {
				res = append(res, f())
			}
			var sb strings.Builder
			for i := range slices.Backward(strings.Fields("a b c")) {
				fmt.Fprint(&sb, i)
			}
			var j int
			for j = range slices.Backward([]int{7, 8}) {
			}
			return fmt.Sprint(res, sb.String(), j)
		}},
		// maps
		{`m := map[string]int{"a": 1, "b": 2}
c := maps.Clone(m)
c["z"] = 26
var none map[string]int
fmt.Sprint(m, c, maps.Clone(none) == nil, maps.Equal(m, map[string]int{"b": 2, "a": 1}), maps.Equal(m, c))`, func() string {
			m := map[string]int{"a": 1, "b": 2}
			c := maps.Clone(m)
			c["z"] = 26
			var none map[string]int
			return fmt.Sprint(m, c, maps.Clone(none) == nil, maps.Equal(m, map[string]int{"b": 2, "a": 1}), maps.Equal(m, c))
		}},
		{`dst := map[string]int{"a": 0, "q": 9}
maps.Copy(dst, map[string]int{"a": 1, "b": 2})
maps.DeleteFunc(dst, func(k string, v int) bool { return v == 9 })
fmt.Sprint(dst, maps.EqualFunc(dst, map[string]float64{"a": 1, "b": 2}, func(x int, y float64) bool { return float64(x) == y }))`, func() string {
			dst := map[string]int{"a": 0, "q": 9}
			maps.Copy(dst, map[string]int{"a": 1, "b": 2})
			maps.DeleteFunc(dst, func(k string, v int) bool { return v == 9 })
			return fmt.Sprint(dst, maps.EqualFunc(dst, map[string]float64{"a": 1, "b": 2}, func(x int, y float64) bool { return float64(x) == y }))
		}},
	}
	s, err := interp.New(interp.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Execute(context.Background(), kernel.ExecuteRequest{Code: "import (\n\"cmp\"\n\"maps\"\n\"math\"\n\"slices\"\n\"strings\"\n)\nnan := math.NaN()\ntype pt struct { name string; x int }"}, discard{}); err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		want := outcome(tt.gold)
		res, err := s.Execute(context.Background(), kernel.ExecuteRequest{Code: tt.cell}, discard{})
		var got string
		switch ce, ok := err.(*kernel.CellError); {
		case ok:
			got = ce.Name + ": " + ce.Value
		case err != nil:
			t.Fatalf("%s: %v", tt.cell, err)
		case res.Value == nil:
			got = "(no value)"
		default:
			got, _ = res.Value.Data["text/plain"].(string)
		}
		if strings.HasPrefix(want, "panic: runtime error: slice bounds out of range") {
			// yaegi slices through reflect, whose message differs.
			want = "panic: slice bounds out of range"
			if strings.Contains(got, "slice index out of bounds") {
				got = want
			}
		}
		if got != want {
			t.Errorf("cell:\n%s\ngot  %s\nwant %s (Go)", tt.cell, got, want)
		}
	}
}

func TestSortOrdered(t *testing.T) {
	type named []float64
	tests := []struct {
		in   any
		want string
		ok   bool
	}{
		{[]float64{2, nan, 1}, "[NaN 1 2]", true},
		{[]int{3, 1, 2}, "[1 2 3]", true},
		{[]string{"b", "a"}, "[a b]", true},
		{[]uint8{9, 0}, "[0 9]", true},
		{[]int32{-1, -5}, "[-5 -1]", true},
		{named{2, 1}, "[2 1]", false}, // a compiled named type: not this helper's job
		{[]bool{true, false}, "[true false]", false},
		{nil, "<nil>", false},
	}
	for _, tt := range tests {
		if ok := stdgeneric.SortOrdered(tt.in); ok != tt.ok || fmt.Sprint(tt.in) != tt.want {
			t.Errorf("SortOrdered(%T) = %v, leaving %v; want %v, %s", tt.in, ok, tt.in, tt.ok, tt.want)
		}
	}
}

func TestMentioned(t *testing.T) {
	tests := []struct {
		src  string
		want bool
	}{
		{`package p; import "slices"`, true},
		{`package p; import s "maps"`, true},
		{`package p; import "slices"; var x, y = 1, 2`, true}, // names after the import
		{`package p; func f() { _ = cmp.Less(1, 2) }`, true},
		{`package p; import "fmt"; func f() { fmt.Println(sort.Ints) }`, false},
		{`package p; var slicesOfBread = 1`, false},
	}
	for _, tt := range tests {
		f, err := parser.ParseFile(token.NewFileSet(), "", tt.src, 0)
		if err != nil {
			t.Fatal(err)
		}
		if got := stdgeneric.Mentioned(f); got != tt.want {
			t.Errorf("Mentioned(%q) = %v, want %v", tt.src, got, tt.want)
		}
	}
}

// TestLoadedAgainAfterReset: a reset interpreter gets the replacements too.
func TestLoadedAgainAfterReset(t *testing.T) {
	s, err := interp.New(interp.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for i := range 2 {
		res, err := s.Execute(context.Background(), kernel.ExecuteRequest{Code: "slices.Max([]int{4, 9, 2})"}, discard{})
		if err != nil || res.Value == nil || res.Value.Data["text/plain"] != "9" {
			t.Fatalf("run %d: %v, %v", i, res.Value, err)
		}
		if err := s.Reset(); err != nil {
			t.Fatal(err)
		}
	}
}
