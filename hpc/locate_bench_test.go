package hpc

import (
	"fmt"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"strconv"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkLocate times Locate and LocateExhaustive on the anchors' dataset
// and, in the same run, the anchors' Numba prange, matrix-product NumPy
// ("smart") and pure Python locators on the same events, and reports the
// ratios of events per second (gohpc / anchor; > 1: gohpc is faster).
//
// Each Go figure comes first; its anchor sub-benchmark then reports
// events/s, the ratios "x-Locate" and "x-Exhaustive", and logs a summary.
// The anchors skip, with a message, when numpy or numba is missing.
func BenchmarkLocate(b *testing.B) {
	d := loadDataset(b)
	data, _ := filepath.Abs(filepath.Join("testdata", "dataset.json"))
	for _, grid := range []string{"workshop", "large"} {
		g := d.Grids[grid]
		// Events per run: enough for a second or two per figure.
		nExh := map[string]int{"workshop": 128, "large": 8}[grid]
		nNumba := map[string]int{"workshop": 256, "large": 8}[grid]
		nSmart := map[string]int{"workshop": 256, "large": 64}[grid]
		nPure := map[string]int{"workshop": 2, "large": 0}[grid]
		rate := map[string]float64{}
		goRun := func(name string, f locator, ev []Event) {
			b.Run(grid+"/"+name, func(b *testing.B) {
				for b.Loop() {
					if _, err := f(d.Stations, ev, g, d.B); err != nil {
						b.Fatal(err)
					}
				}
				rate[name] = float64(len(ev)) * float64(b.N) / b.Elapsed().Seconds()
				b.ReportMetric(rate[name], "events/s")
			})
		}
		goRun("Locate", Locate, d.Events)
		goRun("LocateExhaustive", LocateExhaustive, d.Events[:nExh])
		for _, a := range []struct {
			impl   string
			events int
			mods   []string
		}{
			{"numba", nNumba, []string{"numpy", "numba"}},
			{"smart", nSmart, []string{"numpy"}},
			{"pure", nPure, []string{"numpy"}},
		} {
			if a.events == 0 {
				continue
			}
			b.Run(grid+"/anchor="+a.impl, func(b *testing.B) {
				out := RunAnchor(b, a.mods, "anchor_locator.py", "--impl", a.impl, "--grid", grid,
					"--data", data, "--events", strconv.Itoa(a.events))
				r := AnchorFloat(b, out, "events_per_s")
				b.ReportMetric(r, "events/s")
				msg := fmt.Sprintf("%s grid, %s anchor: %.4g events/s", grid, a.impl, r)
				if l := rate["Locate"]; l > 0 {
					b.ReportMetric(l/r, "x-Locate")
					msg += fmt.Sprintf("; Locate %.4g events/s = %.1f×", l, l/r)
				}
				if e := rate["LocateExhaustive"]; e > 0 {
					b.ReportMetric(e/r, "x-Exhaustive")
					msg += fmt.Sprintf("; LocateExhaustive %.4g events/s = %.2f×", e, e/r)
				}
				AnchorLog(b, "%s", msg)
			})
		}
	}
}

// BenchmarkLocateLargeCatalog times Locate on the large grid with 10,000
// synthetic events (the anchors' stations and attenuation) and reports
// events/s and the peak heap growth during the call.
func BenchmarkLocateLargeCatalog(b *testing.B) {
	if raceEnabled {
		b.Skip("too slow under the race detector")
	}
	d := loadDataset(b)
	ev, _ := SyntheticEvents(d.Stations, 10000, d.B, 0.03, 10)
	g := d.Grids["large"]
	b.ReportAllocs()
	var peak uint64
	for b.Loop() {
		p, err := peakHeap(func() error { _, err := Locate(d.Stations, ev, g, d.B); return err })
		if err != nil {
			b.Fatal(err)
		}
		peak = max(peak, p)
	}
	b.ReportMetric(float64(len(ev))*float64(b.N)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(peak)/(1<<20), "peak-MiB")
}

// peakHeap runs f and returns the largest growth of the live heap objects
// seen while it ran, sampled every millisecond (after a GC at the start).
func peakHeap(f func() error) (uint64, error) {
	runtime.GC()
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	base := s[0].Value.Uint64()
	var peak atomic.Uint64
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		for {
			metrics.Read(s)
			if v := s[0].Value.Uint64(); v > base && v-base > peak.Load() {
				peak.Store(v - base)
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	err := f()
	close(done)
	<-stopped
	return peak.Load(), err
}

// BenchmarkLocateWorkers is the speed-up of Locate and LocateExhaustive
// against the number of workers, on the large grid. Worker counts alternate
// within each iteration and the best time of each counts, which keeps the
// ratio steady on a busy machine.
func BenchmarkLocateWorkers(b *testing.B) {
	if raceEnabled {
		b.Skip("too slow under the race detector")
	}
	d := loadDataset(b)
	ev, _ := SyntheticEvents(d.Stations, 2048, d.B, 0.03, 11)
	g := d.Grids["large"]
	maxW := max(2, runtime.GOMAXPROCS(0))
	for _, im := range []struct {
		name string
		f    locator
		ev   []Event
	}{{"Locate", Locate, ev}, {"LocateExhaustive", LocateExhaustive, d.Events[:2]}} {
		b.Run(im.name, func(b *testing.B) {
			bestT := make([]time.Duration, maxW+1)
			for b.Loop() {
				for w := 1; w <= maxW; w++ {
					prev := SetWorkers(w)
					t0 := time.Now()
					_, err := im.f(d.Stations, im.ev, g, d.B)
					dt := time.Since(t0)
					SetWorkers(prev)
					if err != nil {
						b.Fatal(err)
					}
					if bestT[w] == 0 || dt < bestT[w] {
						bestT[w] = dt
					}
				}
			}
			b.ReportMetric(float64(len(im.ev))/bestT[1].Seconds(), "events/s-1w")
			for w := 2; w <= maxW; w++ {
				b.ReportMetric(float64(len(im.ev))/bestT[w].Seconds(), fmt.Sprintf("events/s-%dw", w))
				b.ReportMetric(float64(bestT[1])/float64(bestT[w]), fmt.Sprintf("speedup-%dw", w))
			}
		})
	}
}
