package interp

import (
	"testing"
)

func TestTmp(t *testing.T) {
	s := newSession(t)
	for _, c := range []string{
		"fs := []hpc.Station{{}}", "b := fs[0]", "import \"github.com/gohpc/gohpc/hpc\"", "fs2 := []hpc.Station{{}}", "b2 := fs2[0]", "ms := []hpc.Axis{{}}", "m := ms[0]",
	} {
		r := runCell(t, s, c)
		if r.err != nil {
			t.Log(c, " ERR ", r.err.Value)
		} else {
			t.Log(c, " => ", r.result)
		}
	}
}
