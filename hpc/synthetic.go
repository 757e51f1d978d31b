package hpc

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// SyntheticStations returns n stations named s1…sn at random off-grid
// positions: X and Y uniform in [1, 19) km, and Z = −elevation with the
// elevation uniform in [0.1, 0.6) km (stations sit above the datum z = 0),
// rounded to metres. The same seed gives the same stations.
//
// With grids that start at z = 0, no grid point can coincide with a station.
// It panics if n < 1.
func SyntheticStations(n int, seed uint64) []Station {
	if n < 1 {
		panic(fmt.Sprintf("hpc: SyntheticStations: n is %d, want ≥ 1", n))
	}
	rng := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
	st := make([]Station, n)
	for k := range st {
		st[k] = Station{
			Name: fmt.Sprintf("s%d", k+1),
			X:    round3(1 + 18*rng.Float64()),
			Y:    round3(1 + 18*rng.Float64()),
			Z:    -round3(0.1 + 0.5*rng.Float64()),
		}
	}
	return st
}

// SyntheticEvents returns n events with sources drawn uniformly in
// x, y ∈ [2, 18) km, z ∈ [0.5, 9.5) km and amplitude A ∈ [2, 9), and the
// amplitudes they produce at the stations under the model A·exp(−B·r)/r,
// each multiplied by (1 + noise·N(0,1)). truth holds the sources (Misfit 0).
// Event IDs are "0", "1", …. The same arguments give the same catalog.
//
// It panics if n < 0, there are no stations, or B or noise is negative or
// not finite.
func SyntheticEvents(stations []Station, n int, B, noise float64, seed uint64) (events []Event, truth []Location) {
	switch {
	case n < 0:
		panic(fmt.Sprintf("hpc: SyntheticEvents: n is %d", n))
	case len(stations) == 0:
		panic("hpc: SyntheticEvents: no stations")
	case !(B >= 0) || math.IsInf(B, 0) || !(noise >= 0) || math.IsInf(noise, 0):
		panic(fmt.Sprintf("hpc: SyntheticEvents: B = %v and noise = %v must be finite and ≥ 0", B, noise))
	}
	rng := rand.New(rand.NewPCG(seed, 0x6a09e667f3bcc909))
	events = make([]Event, n)
	truth = make([]Location, n)
	for e := range events {
		x, y := 2+16*rng.Float64(), 2+16*rng.Float64()
		z := 0.5 + 9*rng.Float64()
		a := 2 + 7*rng.Float64()
		id := fmt.Sprint(e)
		amp := make([]float64, len(stations))
		for s, st := range stations {
			r := math.Sqrt((x-st.X)*(x-st.X) + (y-st.Y)*(y-st.Y) + (z-st.Z)*(z-st.Z))
			amp[s] = a * math.Exp(-B*r) / r * (1 + noise*rng.NormFloat64())
		}
		events[e] = Event{ID: id, Amp: amp}
		truth[e] = Location{Event: id, X: x, Y: y, Z: z, A: a}
	}
	return events, truth
}

func round3(v float64) float64 { return math.Round(v*1000) / 1000 }
