// Package symbols holds the yaegi symbol maps that let cells import
// gohpc's own packages (hpc, display) and the gonum and gonum/plot packages
// at native speed. The maps are generated with yaegi extract (see the
// go:generate lines) and committed; a test fails when regeneration would
// change them.
package symbols

import "reflect"

// Symbols maps "import/path/name" to the package's exported symbols, in the
// shape yaegi's interp.Exports expects. Generated files add to it from
// their init functions.
var Symbols = map[string]map[string]reflect.Value{}
