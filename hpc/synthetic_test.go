package hpc

import (
	"math"
	"reflect"
	"testing"
)

func TestSyntheticCatalog(t *testing.T) {
	st := SyntheticStations(8, 1)
	if !reflect.DeepEqual(st, SyntheticStations(8, 1)) {
		t.Fatal("same seed, different stations")
	}
	if reflect.DeepEqual(st, SyntheticStations(8, 2)) {
		t.Fatal("different seeds, same stations")
	}
	for _, s := range st {
		if s.X < 1 || s.X >= 19 || s.Y < 1 || s.Y >= 19 || s.Z > -0.1 || s.Z <= -0.6 {
			t.Errorf("station out of range: %+v", s)
		}
	}
	ev, truth := SyntheticEvents(st, 50, 0.05, 0, 3)
	if len(ev) != 50 || len(truth) != 50 {
		t.Fatalf("got %d events, %d truths", len(ev), len(truth))
	}
	// Without noise, the observed amplitudes are the model's at the true source.
	for e, loc := range truth {
		for s, st := range st {
			r := math.Sqrt(math.Pow(loc.X-st.X, 2) + math.Pow(loc.Y-st.Y, 2) + math.Pow(loc.Z-st.Z, 2))
			want := loc.A * math.Exp(-0.05*r) / r
			if got := ev[e].Amp[s]; math.Abs(got-want) > 1e-12*want {
				t.Fatalf("event %d station %d: amp %v, want %v", e, s, got, want)
			}
		}
	}
	noisy, _ := SyntheticEvents(st, 50, 0.05, 0.03, 3)
	if reflect.DeepEqual(noisy, ev) {
		t.Error("noise changed nothing")
	}
}

func TestSyntheticPanics(t *testing.T) {
	st := SyntheticStations(2, 1)
	for name, f := range map[string]func(){
		"no stations":    func() { SyntheticStations(0, 1) },
		"empty list":     func() { SyntheticEvents(nil, 1, 0.05, 0, 1) },
		"negative n":     func() { SyntheticEvents(st, -1, 0.05, 0, 1) },
		"NaN B":          func() { SyntheticEvents(st, 1, math.NaN(), 0, 1) },
		"negative noise": func() { SyntheticEvents(st, 1, 0.05, -1, 1) },
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
			}()
			f()
		})
	}
}
