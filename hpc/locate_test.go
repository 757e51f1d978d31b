package hpc

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"
)

// locator is the signature shared by the implementations under test.
type locator func(stations []Station, events []Event, g Grid, B float64) ([]Location, error)

// locatorImpls are the implementations the conformance suite runs: both
// locators serial and parallel, and Locate without its model cache.
func locatorImpls() []struct {
	name string
	f    locator
} {
	withPool := func(f func(*Pool, []Station, []Event, Grid, float64) ([]Location, error), p *Pool) locator {
		return func(s []Station, e []Event, g Grid, B float64) ([]Location, error) { return f(p, s, e, g, B) }
	}
	return []struct {
		name string
		f    locator
	}{
		{"LocateExhaustive/serial", withPool(locateExhaustive, NewPool(1))},
		{"LocateExhaustive/parallel", withPool(locateExhaustive, NewPool(3))},
		{"Locate/serial", withPool(locate, NewPool(1))},
		{"Locate/parallel", withPool(locate, NewPool(2))},
		{"Locate/nocache", func(s []Station, e []Event, g Grid, B float64) ([]Location, error) {
			prev := modelCacheBytes
			modelCacheBytes = 0
			defer func() { modelCacheBytes = prev }()
			return locate(NewPool(2), s, e, g, B)
		}},
	}
}

// refLocate is the talk's five loops, serial, written independently of the
// package's code: the reference the suite checks every implementation
// against.
func refLocate(stations []Station, events []Event, g Grid, B float64) []Location {
	var v [4][]float64
	for i, a := range []Axis{g.X, g.Y, g.Z, g.A} {
		for k := 0; k < a.Len(); k++ {
			v[i] = append(v[i], a.Start+float64(k)*a.Step)
		}
	}
	out := make([]Location, len(events))
	for e, ev := range events {
		minErr := math.Inf(1)
		var loc Location
		for _, x := range v[0] {
			for _, y := range v[1] {
				for _, z := range v[2] {
					for _, A := range v[3] {
						acc := 0.0
						for s, st := range stations {
							dx, dy, dz := x-st.X, y-st.Y, z-st.Z
							r := math.Sqrt(float64(dx*dx) + float64(dy*dy) + float64(dz*dz))
							ac := A * math.Exp(-B*r) / r
							d := ac - ev.Amp[s]
							acc += float64(d * d)
						}
						if acc < minErr {
							minErr = acc
							loc = Location{Event: ev.ID, X: x, Y: y, Z: z, A: A, Misfit: acc}
						}
					}
				}
			}
		}
		soo := 0.0
		for _, o := range ev.Amp {
			soo += o * o
		}
		loc.Misfit = 100 * math.Sqrt(loc.Misfit/soo)
		out[e] = loc
	}
	return out
}

// sameLocations reports the first difference between got and want: the same
// event, grid point and amplitude, and misfits within 1e-9 relative.
func sameLocations(got, want []Location) error {
	if len(got) != len(want) {
		return fmt.Errorf("%d locations, want %d", len(got), len(want))
	}
	bad := 0
	var first error
	for i := range want {
		g, w := got[i], want[i]
		if g.Event != w.Event || g.X != w.X || g.Y != w.Y || g.Z != w.Z || g.A != w.A ||
			!(math.Abs(g.Misfit-w.Misfit) <= 1e-9*math.Abs(w.Misfit)+1e-300) {
			if first == nil {
				first = fmt.Errorf("event %d: got %+v, want %+v", i, g, w)
			}
			bad++
		}
	}
	if first != nil {
		return fmt.Errorf("%d of %d events differ; first: %w", bad, len(want), first)
	}
	return nil
}

// locCase is one conformance problem.
type locCase struct {
	name     string
	stations []Station
	events   []Event
	grid     Grid
	B        float64
}

// randomCases returns small random problems: random axes, stations off the
// grid, events drawn inside and outside the grid, with and without noise,
// some placed exactly on grid points with exact amplitudes.
func randomCases(n int, seed uint64) []locCase {
	return randomCasesB(n, seed, []float64{0, 0.05, 0.3, 1})
}

// randomCasesB is randomCases with the attenuation drawn from Bs. Steep
// attenuations (B of several per km) make model amplitudes underflow over
// part of a box of grid points.
func randomCasesB(n int, seed uint64, Bs []float64) []locCase {
	rng := rand.New(rand.NewPCG(seed, 1))
	axis := func(start, step float64, m int) Axis {
		return Axis{Start: start, Stop: start + float64(m-1)*step, Step: step}
	}
	var out []locCase
	for c := range n {
		g := Grid{
			X: axis(math.Round(rng.Float64()*4)-2, []float64{0.5, 1, 1.5, 2}[rng.IntN(4)], 1+rng.IntN(9)),
			Y: axis(math.Round(rng.Float64()*4)-2, []float64{0.25, 1, 3}[rng.IntN(3)], 1+rng.IntN(9)),
			Z: axis(0, []float64{0.5, 1, 2}[rng.IntN(3)], 1+rng.IntN(7)),
			A: axis([]float64{0.5, 1, 2}[rng.IntN(3)], []float64{0.25, 0.5, 1}[rng.IntN(3)], 1+rng.IntN(12)),
		}
		S := 1 + rng.IntN(9)
		st := make([]Station, S)
		for s := range st {
			st[s] = Station{
				Name: fmt.Sprintf("s%d", s+1),
				X:    round3(-3 + 14*rng.Float64()),
				Y:    round3(-3 + 14*rng.Float64()),
				Z:    -round3(0.05 + 0.5*rng.Float64()),
			}
		}
		B := Bs[rng.IntN(len(Bs))]
		noise := []float64{0, 0.01, 0.1, 0.5}[rng.IntN(4)]
		E := 1 + rng.IntN(40)
		evs := make([]Event, E)
		for e := range evs {
			var x, y, z, a float64
			if rng.IntN(3) == 0 {
				// Exactly on a grid point and a grid amplitude.
				x = g.X.Start + float64(rng.IntN(g.X.Len()))*g.X.Step
				y = g.Y.Start + float64(rng.IntN(g.Y.Len()))*g.Y.Step
				z = g.Z.Start + float64(rng.IntN(g.Z.Len()))*g.Z.Step
				a = g.A.Start + float64(rng.IntN(g.A.Len()))*g.A.Step
			} else {
				x, y, z = -4+18*rng.Float64(), -4+18*rng.Float64(), 12*rng.Float64()
				a = 0.1 + 12*rng.Float64()
			}
			amp := make([]float64, S)
			for s, sv := range st {
				r := math.Sqrt((x-sv.X)*(x-sv.X) + (y-sv.Y)*(y-sv.Y) + (z-sv.Z)*(z-sv.Z))
				amp[s] = a * math.Exp(-B*r) / r * (1 + noise*rng.NormFloat64())
			}
			if soo := floatsDot(amp, amp); soo == 0 || math.IsInf(1/soo, 0) {
				// Every amplitude underflowed (steep attenuation): one
				// station hears the event.
				amp[rng.IntN(S)] = 1e-3
			}
			evs[e] = Event{ID: fmt.Sprintf("c%de%d", c, e), Amp: amp}
		}
		out = append(out, locCase{fmt.Sprintf("random%d/B=%g", c, B), st, evs, g, B})
	}
	return out
}

func floatsDot(a, b []float64) float64 {
	d := 0.0
	for i := range a {
		d += a[i] * b[i]
	}
	return d
}

// tieCases are problems with many exactly equal misfits, where only the
// first-minimum rule decides.
func tieCases() []locCase {
	g := Grid{X: Axis{0, 6, 1}, Y: Axis{0, 4, 2}, Z: Axis{0, 3, 1}, A: Axis{0, 3, 0.5}}
	st := []Station{{"a", 2.5, 1.5, -0.5}, {"b", 4.5, 2.5, -0.25}, {"c", 0.5, 3.5, -0.3}}
	return []locCase{
		{
			// Negative observations: the continuous optimum A* < 0 is
			// clamped to A = 0, where every point has misfit Σobs².
			name: "negative-obs", stations: st, grid: g, B: 0.05,
			events: []Event{{"n1", []float64{-1, -2, -0.5}}, {"n2", []float64{-0.1, -0.1, -0.1}}},
		},
		{
			// Every model amplitude underflows to 0: every trial ties.
			name: "underflow", stations: st, grid: g, B: 2000,
			events: []Event{{"u1", []float64{1, 2, 3}}, {"u2", []float64{1e-100, 0, 0}}},
		},
		{
			// Mirror-symmetric stations: mirrored points tie up to
			// rounding.
			name: "mirror", grid: Grid{X: Axis{-3, 3, 1}, Y: Axis{-2, 2, 1}, Z: Axis{0, 2, 1}, A: Axis{1, 4, 1}}, B: 0.1,
			stations: []Station{{"l", -1.5, 0.5, -0.5}, {"r", 1.5, 0.5, -0.5}, {"m", 0.25, -1.5, -0.5}},
			events:   []Event{{"m1", []float64{0.5, 0.5, 0.2}}, {"m2", []float64{1, 1, 1}}},
		},
		{
			// Every trial's misfit exceeds Σobs² (negative observations,
			// positive amplitudes only), over a grid with stations inside,
			// where boxes around a station have no useful cone.
			name: "misfit-over-100", grid: Grid{X: Axis{0, 70, 10}, Y: Axis{0, 70, 10}, Z: Axis{0, 30, 10}, A: Axis{5, 10, 1}}, B: 0,
			stations: []Station{{"p", 5, 5, -0.1}, {"q", 65, 5, -0.2}, {"r", 5, 65, -0.1}, {"s", 65, 65, -0.3}},
			events:   []Event{{"o1", []float64{-1e-3, -2e-3, -1e-3, -5e-4}}, {"o2", []float64{-1, 0.5, -0.25, 0}}},
		},
		{
			// One point, one amplitude.
			name: "single", stations: st[:1], grid: Grid{X: Axis{1, 1, 1}, Y: Axis{2, 2, 0.5}, Z: Axis{3, 3, 1}, A: Axis{2, 2, 1}}, B: 0.05,
			events: []Event{{"s", []float64{0.3}}},
		},
	}
}

// TestLocateConformance runs every implementation against the reference on
// random small grids and on tie cases.
func TestLocateConformance(t *testing.T) {
	// Cases 19, 27, 33 and 34 have boxes without a useful cone and events
	// whose best misfit exceeds Σobs².
	n := 40
	if raceEnabled {
		n = 12
	}
	cases := append(tieCases(), randomCases(n, 42)...)
	cases = append(cases, randomCasesB(n/2, 43, []float64{20, 100, 300})...)
	for _, c := range cases {
		want := refLocate(c.stations, c.events, c.grid, c.B)
		for _, im := range locatorImpls() {
			got, err := im.f(c.stations, c.events, c.grid, c.B)
			if err != nil {
				// The only data error a random case can hit is a grid point
				// on a station, which the generator avoids.
				t.Fatalf("%s %s: %v", c.name, im.name, err)
			}
			if err := sameLocations(got, want); err != nil {
				t.Errorf("%s %s: %v", c.name, im.name, err)
			}
		}
	}
}

// TestLocateTieRule checks the first-minimum rule on the tie cases directly.
func TestLocateTieRule(t *testing.T) {
	for _, c := range tieCases()[:2] {
		for _, im := range locatorImpls() {
			got, err := im.f(c.stations, c.events, c.grid, c.B)
			if err != nil {
				t.Fatal(err)
			}
			for _, l := range got {
				// The first grid point, and A = 0 (the first amplitude).
				if l.X != 0 || l.Y != 0 || l.Z != 0 || l.A != 0 || l.Misfit != 100 {
					t.Errorf("%s %s: %+v, want the first point, A = 0, misfit 100%%", c.name, im.name, l)
				}
			}
		}
	}
}

// TestLocateGolden checks the anchors' dataset (testdata/dataset.json):
// every implementation must reproduce the locations of the talk's code
// (workshop grid) and of its compiled loops (large grid), written by
// testdata/make_golden.py.
func TestLocateGolden(t *testing.T) {
	d := loadDataset(t)
	for _, grid := range []string{"workshop", "large"} {
		want := loadGolden(t, grid)
		if len(want) != len(d.Events) {
			t.Fatalf("%s: %d golden locations for %d events", grid, len(want), len(d.Events))
		}
		// The declared axes must give exactly the dataset's value lists.
		g := d.Grids[grid]
		for i, a := range []Axis{g.X, g.Y, g.Z, g.A} {
			v, err := a.Values()
			if err != nil || fmt.Sprint(v) != fmt.Sprint(d.Values[grid][i]) {
				t.Fatalf("%s axis %d: %v %v, want %v", grid, i, v, err, d.Values[grid][i])
			}
		}
		for _, im := range locatorImpls() {
			ev, w := d.Events, want
			if grid == "large" && strings.HasPrefix(im.name, "LocateExhaustive") {
				if raceEnabled || testing.Short() {
					continue
				}
				ev, w = ev[:3], w[:3] // 5.4M trials an event
			}
			if raceEnabled {
				// Keep the race detector's run short: a sample of the
				// workshop events, and one implementation on the large grid.
				if grid == "large" && im.name != "Locate/parallel" {
					continue
				}
				if grid == "workshop" && strings.HasPrefix(im.name, "LocateExhaustive") {
					ev, w = ev[:24], w[:24]
				}
			}
			t0 := time.Now()
			got, err := im.f(d.Stations, ev, g, d.B)
			if err != nil {
				t.Fatalf("%s %s: %v", grid, im.name, err)
			}
			if err := sameLocations(got, w); err != nil {
				t.Errorf("%s %s: %v", grid, im.name, err)
			}
			t.Logf("%s %s: %d events in %v", grid, im.name, len(ev), time.Since(t0))
		}
	}
}

// TestLocateManyEvents covers several event batches and grids larger than
// one block in every direction.
func TestLocateManyEvents(t *testing.T) {
	st := SyntheticStations(6, 3)
	nev := 2*fastMaxBatch + 17
	if raceEnabled || testing.Short() {
		nev = 300
	}
	ev, _ := SyntheticEvents(st, nev, 0.05, 0.05, 4)
	g := Grid{X: Axis{0, 20, 2}, Y: Axis{0, 20, 2.5}, Z: Axis{0, 10, 1.25}, A: Axis{1, 10, 1.5}}
	want, err := locateExhaustive(NewPool(2), st, ev, g, 0.05)
	if err != nil {
		t.Fatal(err)
	}
	for _, im := range locatorImpls()[2:] {
		got, err := im.f(st, ev, g, 0.05)
		if err != nil {
			t.Fatal(err)
		}
		if err := sameLocations(got, want); err != nil {
			t.Errorf("%s: %v", im.name, err)
		}
	}
}

func TestLocateEmptyEvents(t *testing.T) {
	st := SyntheticStations(3, 1)
	g := Grid{X: Axis{0, 1, 1}, Y: Axis{0, 1, 1}, Z: Axis{0, 1, 1}, A: Axis{1, 2, 1}}
	for _, im := range locatorImpls() {
		got, err := im.f(st, nil, g, 0.05)
		if err != nil || got == nil || len(got) != 0 {
			t.Errorf("%s: %v, %v; want an empty result", im.name, got, err)
		}
	}
}

func TestLocateBadInput(t *testing.T) {
	st := []Station{{"a", 0.5, 0.5, -0.5}, {"b", 3.5, 1.5, -0.2}}
	ev := []Event{{"e", []float64{1, 2}}}
	g := Grid{X: Axis{0, 4, 1}, Y: Axis{0, 4, 1}, Z: Axis{0, 2, 1}, A: Axis{1, 5, 1}}
	nan, inf := math.NaN(), math.Inf(1)
	withAxis := func(i int, a Axis) Grid {
		gg := g
		*[]*Axis{&gg.X, &gg.Y, &gg.Z, &gg.A}[i] = a
		return gg
	}
	tests := []struct {
		name     string
		stations []Station
		events   []Event
		grid     Grid
		B        float64
		want     string
	}{
		{"no stations", nil, ev, g, 0.05, "no stations"},
		{"too few amplitudes", st, []Event{{"e", []float64{1}}}, g, 0.05, `event 0 ("e"): 1 amplitudes for 2 stations`},
		{"too many amplitudes", st, []Event{ev[0], {"f", []float64{1, 2, 3}}}, g, 0.05, `event 1 ("f"): 3 amplitudes for 2 stations`},
		{"NaN amplitude", st, []Event{{"e", []float64{1, nan}}}, g, 0.05, `amplitude at station "b" is NaN`},
		{"Inf amplitude", st, []Event{{"e", []float64{inf, 1}}}, g, 0.05, `amplitude at station "a" is +Inf`},
		{"zero amplitudes", st, []Event{{"e", []float64{0, 0}}}, g, 0.05, "all observed amplitudes are zero"},
		{"NaN station", []Station{{"a", nan, 0, 0}}, []Event{{"e", []float64{1}}}, g, 0.05, `station 0 ("a"): coordinates`},
		{"Inf station", []Station{st[0], {"b", 0, 0, -inf}}, ev, g, 0.05, `station 1 ("b"): coordinates`},
		{"NaN B", st, ev, g, nan, "attenuation B = NaN"},
		{"Inf B", st, ev, g, inf, "attenuation B = +Inf"},
		{"negative B", st, ev, g, -0.1, "attenuation B = -0.1"},
		{"empty axis", st, ev, withAxis(0, Axis{}), 0.05, "grid axis X: step 0 is not positive"},
		{"zero step", st, ev, withAxis(1, Axis{0, 4, 0}), 0.05, "grid axis Y: step 0 is not positive"},
		{"negative step", st, ev, withAxis(2, Axis{0, 4, -1}), 0.05, "grid axis Z: step -1 is not positive"},
		{"inverted axis", st, ev, withAxis(3, Axis{5, 1, 1}), 0.05, "grid axis A: inverted: stop 1 < start 5"},
		{"NaN start", st, ev, withAxis(0, Axis{nan, 4, 1}), 0.05, "grid axis X: start NaN, stop 4, step 1: not finite"},
		{"Inf stop", st, ev, withAxis(1, Axis{0, inf, 1}), 0.05, "grid axis Y: start 0, stop +Inf, step 1: not finite"},
		{"NaN step", st, ev, withAxis(2, Axis{0, 4, nan}), 0.05, "grid axis Z: start 0, stop 4, step NaN: not finite"},
		{"huge axis", st, ev, withAxis(0, Axis{0, 1, 1e-9}), 0.05, "grid axis X: start 0, stop 1, step 1e-09: more than"},
		{"grid point on a station", []Station{st[0], {"on", 2, 3, 1}}, ev, g, 0.05, `grid point (2, 3, 1) lies on station 1 ("on")`},
		{"overflowing amplitudes", st, ev, withAxis(3, Axis{0, 1e300, 1e299}), 0.05, "amplitudes too large"},
	}
	for _, tt := range tests {
		for _, im := range []struct {
			name string
			f    locator
		}{{"Locate", Locate}, {"LocateExhaustive", LocateExhaustive}} {
			got, err := im.f(tt.stations, tt.events, tt.grid, tt.B)
			want := "hpc: " + im.name + ": " + tt.want
			if err == nil || !strings.HasPrefix(err.Error(), "hpc: "+im.name+": ") || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("%s %s: error %v, want %q", im.name, tt.name, err, want)
			}
			if got != nil {
				t.Errorf("%s %s: non-nil result with an error", im.name, tt.name)
			}
		}
	}
}

func TestAxis(t *testing.T) {
	tests := []struct {
		a    Axis
		want []float64
	}{
		{Axis{0, 20, 1}, nil}, // 21 values, checked by length
		{Axis{0, 0, 1}, []float64{0}},
		{Axis{1, 2.5, 1}, []float64{1, 2}},                               // Stop not on the axis: excluded
		{Axis{0, 0.3, 0.1}, []float64{0, 0.1, 0.2, 0.30000000000000004}}, // Start + 3*Step, within tolerance of Stop
		{Axis{0.5, 10, 0.5}, nil},                                        // 20 values
		{Axis{-1, 1, 0.5}, []float64{-1, -0.5, 0, 0.5, 1}},               // negative start
		{Axis{0, 1, 0.1}, nil},                                           // 11 values
		{Axis{2, 2.0000000001, 1}, []float64{2}},                         // a hair past the start
		{Axis{0, 1 - 1e-12, 1}, []float64{0, 1}},                         // a hair short of 1: within tolerance
		{Axis{0, 1 - 1e-6, 1}, []float64{0}},                             // beyond tolerance
		{Axis{1e6, 1e6 + 3, 1}, []float64{1e6, 1e6 + 1, 1e6 + 2, 1e6 + 3}},
	}
	lens := map[int]int{0: 21, 4: 20, 6: 11}
	for i, tt := range tests {
		v, err := tt.a.Values()
		if err != nil {
			t.Fatalf("%+v: %v", tt.a, err)
		}
		if n, ok := lens[i]; ok {
			if len(v) != n || tt.a.Len() != n {
				t.Errorf("%+v: %d values (Len %d), want %d", tt.a, len(v), tt.a.Len(), n)
			}
			continue
		}
		if fmt.Sprint(v) != fmt.Sprint(tt.want) || tt.a.Len() != len(tt.want) {
			t.Errorf("%+v: %v (Len %d), want %v", tt.a, v, tt.a.Len(), tt.want)
		}
	}
	if n := (Axis{0, 1, 0}).Len(); n != 0 {
		t.Errorf("invalid axis Len = %d, want 0", n)
	}
}

// TestLocateInterrupt cancels long locator calls and checks that they
// return ErrInterrupted within 200 ms, and that the next call works.
func TestLocateInterrupt(t *testing.T) {
	d := loadDataset(t)
	ev, _ := SyntheticEvents(d.Stations, 20000, d.B, 0.03, 1)
	for _, im := range []struct {
		name string
		f    locator
	}{{"Locate", Locate}, {"LocateExhaustive", LocateExhaustive}} {
		ctx, cancel := context.WithCancel(context.Background())
		prev := SetContext(ctx)
		var cancelled time.Time
		timer := time.AfterFunc(50*time.Millisecond, func() { cancelled = time.Now(); cancel() })
		_, err := im.f(d.Stations, ev, d.Grids["large"], d.B)
		returned := time.Now()
		timer.Stop()
		SetContext(prev)
		if !errors.Is(err, ErrInterrupted) {
			t.Fatalf("%s: error %v, want ErrInterrupted", im.name, err)
		}
		if lag := returned.Sub(cancelled); lag > 200*time.Millisecond {
			t.Errorf("%s: returned %v after the interrupt", im.name, lag)
		}
		if _, err := im.f(d.Stations, d.Events[:2], d.Grids["workshop"], d.B); err != nil {
			t.Fatalf("%s after an interrupt: %v", im.name, err)
		}
	}
}

// TestLocateProgress checks that long locator calls report progress under
// their name, ending with done == total.
func TestLocateProgress(t *testing.T) {
	d := loadDataset(t)
	for _, im := range []struct {
		name string
		f    locator
		ev   []Event
		grid string
	}{{"Locate", Locate, nil, "large"}, {"LocateExhaustive", LocateExhaustive, d.Events[:160], "workshop"}} {
		ev := im.ev
		if ev == nil {
			ev, _ = SyntheticEvents(d.Stations, 1000, d.B, 0.03, 2)
		}
		if raceEnabled {
			ev = ev[:len(ev)/4] // still well over the 100 ms before reporting starts
		}
		var mu sync.Mutex
		var reports [][2]int
		prev := SetProgress(func(task string, done, total int) {
			if task != im.name {
				t.Errorf("progress task %q, want %q", task, im.name)
			}
			mu.Lock()
			reports = append(reports, [2]int{done, total})
			mu.Unlock()
		})
		_, err := im.f(d.Stations, ev, d.Grids[im.grid], d.B)
		SetProgress(prev)
		if err != nil {
			t.Fatal(err)
		}
		if len(reports) < 2 {
			t.Fatalf("%s: %d progress reports", im.name, len(reports))
		}
		last := reports[len(reports)-1]
		for _, r := range reports {
			if r[1] != last[1] || r[0] < 0 || r[0] > r[1] {
				t.Fatalf("%s: report %v (last %v)", im.name, r, last)
			}
		}
		if last[0] != last[1] {
			t.Fatalf("%s: last report %v, want done == total", im.name, last)
		}
	}
}

// TestLocateZeroCentre checks that a box whose centre's model amplitudes all
// underflow (steep attenuation) claims no cone: a zero vector has no
// direction to bound its neighbours' by.
func TestLocateZeroCentre(t *testing.T) {
	st := []Station{{"near", 0.05, 0.05, -0.05}, {"far", 40, 40, -0.1}}
	g := Grid{X: Axis{0, 9, 3}, Y: Axis{0, 9, 3}, Z: Axis{0, 9, 3}, A: Axis{1, 2, 1}}
	pr, err := newProblem("Locate", st, nil, g, 100)
	if err != nil {
		t.Fatal(err)
	}
	fm := &fastModel{pr: pr, bk: newBlocking(len(pr.xs), len(pr.ys), len(pr.zs)), S: len(st)}
	fm.buildTree()
	if len(fm.nodes) != 1 {
		t.Fatalf("%d nodes, want one leaf", len(fm.nodes))
	}
	gh, nrm := make([]float64, 64*fm.S), make([]float64, 64)
	fm.summarizeLeaf(0, gh, nrm)
	if nrm[0] == 0 || fm.center[0] != 0 || fm.center[1] != 0 {
		t.Fatalf("corner norm %v, centre %v: the case does not underflow as intended", nrm[0], fm.center[:2])
	}
	if n := fm.nodes[0]; n.cosA >= 0 {
		t.Fatalf("zero-centre leaf has a cone: cos α = %v", n.cosA)
	}
	// And the answer: the corner, next to the station that hears the event.
	ev := []Event{{"e", []float64{2 * math.Exp(-100*math.Sqrt(3*0.05*0.05)) / math.Sqrt(3*0.05*0.05), 0}}}
	for _, im := range locatorImpls() {
		got, err := im.f(st, ev, g, 100)
		if err != nil {
			t.Fatal(err)
		}
		if err := sameLocations(got, refLocate(st, ev, g, 100)); err != nil {
			t.Errorf("%s: %v", im.name, err)
		}
	}
}
