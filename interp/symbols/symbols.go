package symbols

import "reflect"

// Symbols maps "import/path/name" to the package's exported symbols, in the
// shape yaegi's interp.Exports expects. Generated files add to it from
// their init functions; maptypes.go adds the "." entry holding MapTypes.
var Symbols = map[string]map[string]reflect.Value{}

// Regenerate with
//
//	go generate ./interp/symbols
//
// after changing the exported API of hpc or display (or upgrading gonum);
// TestGeneratedUpToDate fails until then. Each line below is one yaegi
// extract run, in this directory, writing one file per package. display's
// SetSink and SetRenderFunc are the session's plumbing, not for cells.

//go:generate go run github.com/traefik/yaegi/cmd/yaegi extract github.com/gohpc/gohpc/hpc
//go:generate go run github.com/traefik/yaegi/cmd/yaegi extract -exclude ^SetSink$,^SetRenderFunc$ github.com/gohpc/gohpc/display
//go:generate go run github.com/traefik/yaegi/cmd/yaegi extract gonum.org/v1/gonum/mat gonum.org/v1/gonum/floats gonum.org/v1/gonum/blas/blas64
//go:generate go run github.com/traefik/yaegi/cmd/yaegi extract gonum.org/v1/gonum/stat gonum.org/v1/gonum/stat/distuv
//go:generate go run github.com/traefik/yaegi/cmd/yaegi extract gonum.org/v1/plot gonum.org/v1/plot/plotter gonum.org/v1/plot/plotutil
//go:generate go run github.com/traefik/yaegi/cmd/yaegi extract gonum.org/v1/plot/vg gonum.org/v1/plot/vg/draw gonum.org/v1/plot/palette gonum.org/v1/plot/palette/moreland
