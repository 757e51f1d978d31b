package hpc

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// anchorDataset is testdata/dataset.json, a copy of the anchors' synthetic
// locator dataset (see testdata/README.md).
type anchorDataset struct {
	B        float64 `json:"B"`
	Stations []struct {
		Name    string
		X, Y, Z float64
	} `json:"stations"`
	Grids map[string]struct {
		Xs []float64 `json:"xs"`
		Ys []float64 `json:"ys"`
		Zs []float64 `json:"zs"`
		As []float64 `json:"As"`
	} `json:"grids"`
	Events []struct {
		Event int                `json:"event"`
		True  []float64          `json:"true"`
		Obs   map[string]float64 `json:"obs"`
	} `json:"events"`
}

// dataset is the decoded anchor dataset in the locator's types.
type dataset struct {
	B        float64
	Stations []Station
	Events   []Event
	Grids    map[string]Grid
	// Values are the explicit axis value lists of each grid, in X, Y, Z, A order.
	Values map[string][4][]float64
}

func loadDataset(tb testing.TB) *dataset {
	tb.Helper()
	buf, err := os.ReadFile(filepath.Join("testdata", "dataset.json"))
	if err != nil {
		tb.Fatal(err)
	}
	var ad anchorDataset
	if err := json.Unmarshal(buf, &ad); err != nil {
		tb.Fatal(err)
	}
	d := &dataset{B: ad.B, Grids: map[string]Grid{}, Values: map[string][4][]float64{}}
	for _, s := range ad.Stations {
		d.Stations = append(d.Stations, Station{Name: s.Name, X: s.X, Y: s.Y, Z: s.Z})
	}
	for _, e := range ad.Events {
		ev := Event{ID: fmt.Sprint(e.Event)}
		for _, s := range d.Stations {
			ev.Amp = append(ev.Amp, e.Obs[s.Name])
		}
		d.Events = append(d.Events, ev)
	}
	for name, g := range ad.Grids {
		axis := func(v []float64) Axis { return Axis{Start: v[0], Stop: v[len(v)-1], Step: v[1] - v[0]} }
		d.Grids[name] = Grid{X: axis(g.Xs), Y: axis(g.Ys), Z: axis(g.Zs), A: axis(g.As)}
		d.Values[name] = [4][]float64{g.Xs, g.Ys, g.Zs, g.As}
	}
	return d
}

// golden is a testdata/locations_<grid>.json file.
type golden struct {
	Grid      string      `json:"grid"`
	Reference string      `json:"reference"`
	Locations [][]float64 `json:"locations"`
}

func loadGolden(tb testing.TB, grid string) []Location {
	tb.Helper()
	buf, err := os.ReadFile(filepath.Join("testdata", "locations_"+grid+".json"))
	if err != nil {
		tb.Fatal(err)
	}
	var g golden
	if err := json.Unmarshal(buf, &g); err != nil {
		tb.Fatal(err)
	}
	out := make([]Location, len(g.Locations))
	for i, l := range g.Locations {
		out[i] = Location{Event: fmt.Sprint(int(l[0])), X: l[1], Y: l[2], Z: l[3], A: l[4], Misfit: l[5]}
	}
	return out
}
