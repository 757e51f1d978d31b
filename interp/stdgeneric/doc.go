// Package stdgeneric makes the generic standard packages cmp, slices and maps
// work in cells.
//
// yaegi ships Go 1.22's sources of these packages and compiles them into
// every interpreter, but most of their functions fail in it: its type
// inference does not see through a constraint such as S ~[]E ("undefined
// type for E" for slices.Equal, Insert, Clone, Compact, maps.Clone, …), a
// generic function calling another one fails at run time (cmp.Less,
// slices.DeleteFunc), and the sorting half of slices (Sort, Min, Max,
// BinarySearch, …) is left out. Sources holds replacements compiled into the
// same packages after yaegi's, so that they win; the session compiles them
// before the first code that mentions one of the packages (Mentioned), so
// that starting a session does not pay for them:
//
//   - every function is declared on plain slices and maps,
//     func Clone[E any](s []E) []E rather than func Clone[S ~[]E, E any](s S) S,
//     so the type parameters are inferred from the arguments. A named slice
//     type (type Vec []float64) is accepted; results that Go would give as
//     that type come back as its underlying []E, assignable to it;
//   - no function calls another generic function;
//   - the behaviour is the standard library's, down to panics, NaN ordering
//     and zeroing the tail in Delete and Compact;
//   - Sort hands the common ordered slices ([]float64, []int, []string and
//     the other basic kinds) to the native slices.Sort (Exports); other
//     element types, and SortFunc, sort through package sort with an
//     interpreted comparison.
//
// Go 1.23's iterator functions (slices.All, Values, Backward, Collect,
// Sorted, Chunk, maps.Keys, Values, All, Insert, Collect, …) are provided,
// returning plain func types (func(yield func(K) bool)), which are what
// iter.Seq stands for; yaegi has no package iter. It cannot range over a
// function either: the session rewrites a range over a call of the
// iterators of maps and slices into a range over their argument.
package stdgeneric
