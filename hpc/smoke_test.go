package hpc

import (
	"math"
	"testing"
	"time"
)

func TestSmoke(t *testing.T) {
	d := loadDataset(t)
	for _, grid := range []string{"workshop", "large"} {
		want := loadGolden(t, grid)
		for name, f := range map[string]func([]Station, []Event, Grid, float64) ([]Location, error){"Locate": Locate, "Exh": LocateExhaustive} {
			ev := d.Events
			if grid == "large" && name == "Exh" {
				ev = ev[:4]
			}
			t0 := time.Now()
			got, err := f(d.Stations, ev, d.Grids[grid], d.B)
			if err != nil {
				t.Fatal(err)
			}
			bad := 0
			for i := range got {
				w := want[i]
				g := got[i]
				if g.X != w.X || g.Y != w.Y || g.Z != w.Z || g.A != w.A || math.Abs(g.Misfit-w.Misfit) > 1e-9*w.Misfit {
					bad++
					if bad < 5 {
						t.Errorf("%s %s %d: got %+v want %+v", grid, name, i, g, w)
					}
				}
			}
			t.Logf("%s %s: %d events in %v, %d bad", grid, name, len(got), time.Since(t0), bad)
		}
	}
}
