package stdgeneric

import (
	_ "embed"
	"go/ast"
	"reflect"
	"slices"
	"strconv"

	yaegi "github.com/traefik/yaegi/interp"
)

// ImportPath is the package the sources import for their native helpers.
const ImportPath = "gohpc.internal/stdgeneric"

var (
	//go:embed cmp.go.txt
	cmpSource string
	//go:embed slices.go.txt
	slicesSource string
	//go:embed maps.go.txt
	mapsSource string
)

// Sources are the replacement sources, to be compiled (in order) after the
// standard library's symbols, whose Use compiles yaegi's own versions.
var Sources = []string{cmpSource, slicesSource, mapsSource}

// Mentioned reports whether the syntax tree n names cmp, slices or maps (an
// identifier, or an import path), so that Sources must be compiled before it.
func Mentioned(n ast.Node) bool {
	found := false
	ast.Inspect(n, func(n ast.Node) bool {
		if found {
			return false
		}
		switch n := n.(type) {
		case *ast.Ident:
			found = packages[n.Name]
		case *ast.ImportSpec:
			p, _ := strconv.Unquote(n.Path.Value)
			found = packages[p]
		}
		return !found
	})
	return found
}

var packages = map[string]bool{"cmp": true, "maps": true, "slices": true}

// Exports are the native helpers Sources import; Use them before compiling
// Sources.
func Exports() yaegi.Exports {
	return yaegi.Exports{
		ImportPath + "/stdgeneric": {
			"SortOrdered": reflect.ValueOf(SortOrdered),
		},
	}
}

// SortOrdered sorts x in place as slices.Sort does (NaNs first) and reports
// true when x is a slice of one of Go's ordered basic types; it does nothing
// and reports false for any other value.
func SortOrdered(x any) bool {
	switch s := x.(type) {
	case []float64:
		slices.Sort(s)
	case []int:
		slices.Sort(s)
	case []string:
		slices.Sort(s)
	case []float32:
		slices.Sort(s)
	case []int64:
		slices.Sort(s)
	case []int32:
		slices.Sort(s)
	case []int16:
		slices.Sort(s)
	case []int8:
		slices.Sort(s)
	case []uint:
		slices.Sort(s)
	case []uint64:
		slices.Sort(s)
	case []uint32:
		slices.Sort(s)
	case []uint16:
		slices.Sort(s)
	case []uint8:
		slices.Sort(s)
	case []uintptr:
		slices.Sort(s)
	default:
		return false
	}
	return true
}
