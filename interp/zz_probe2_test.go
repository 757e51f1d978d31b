package interp

import "testing"

func TestZZProbe2(t *testing.T) {
	s := newSession(t)
	cells := []string{
		"func Keys2[K comparable, V any](m map[K]V) func(func(K) bool) { return func(yield func(K) bool) { for k := range m { if !yield(k) { return } } } }",
		"func Collect2[E any](seq func(func(E) bool)) []E { var out []E; seq(func(e E) bool { out = append(out, e); return true }); return out }",
		"m := map[string]int{\"a\": 1, \"b\": 2}",
		"len(Collect2(Keys2(m)))",
		"ks := Collect2(Keys2(m))\nslices.Sort(ks)\nks",
		"seq := Keys2(m)\nn := 0\nseq(func(k string) bool { n++; return true })\nn",
		"func Sorted2[E cmp.Ordered](seq func(func(E) bool)) []E { var out []E; seq(func(e E) bool { out = append(out, e); return true }); sort.Slice(out, func(i, j int) bool { return out[i] < out[j] }); return out }",
		"import \"sort\"\nSorted2(Keys2(m))",
	}
	for i, c := range cells {
		r := runCell(t, s, c)
		if r.err != nil {
			t.Logf("cell %d FAILED: %s: %.150s", i, r.err.Name, r.err.Value)
		} else {
			t.Logf("cell %d -> %q", i, r.result)
		}
	}
}
