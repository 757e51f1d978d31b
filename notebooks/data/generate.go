//go:build ignore

// Generate writes the synthetic seismic catalog the workshop notebooks read:
// stations.csv (name,x,y,z in km, z positive down), events.csv (event,<one
// amplitude column per station>) and truth.csv (event,x,y,z,A: the sources
// the amplitudes were computed from). Run from the repository root:
//
//	go run notebooks/data/generate.go [-stations 8] [-events 256] [-seed 12345] [-o notebooks/data]
//
// The catalog comes from hpc.SyntheticStations and hpc.SyntheticEvents
// (B = 0.05 /km, 3 % multiplicative noise); the same flags give the same
// files, byte for byte.
package main

import (
	"encoding/csv"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"strconv"

	"github.com/gohpc/gohpc/hpc"
)

func main() {
	nStations := flag.Int("stations", 8, "number of stations")
	nEvents := flag.Int("events", 256, "number of events")
	seed := flag.Uint64("seed", 12345, "random seed")
	B := flag.Float64("B", 0.05, "attenuation in 1/km")
	noise := flag.Float64("noise", 0.03, "relative amplitude noise (standard deviation)")
	dir := flag.String("o", "notebooks/data", "output directory")
	flag.Parse()

	stations := hpc.SyntheticStations(*nStations, *seed)
	events, truth := hpc.SyntheticEvents(stations, *nEvents, *B, *noise, *seed+1)

	rows := [][]string{{"name", "x", "y", "z"}}
	for _, s := range stations {
		rows = append(rows, []string{s.Name, num(s.X), num(s.Y), num(s.Z)})
	}
	write(filepath.Join(*dir, "stations.csv"), rows)

	header := []string{"event"}
	for _, s := range stations {
		header = append(header, s.Name)
	}
	rows = [][]string{header}
	for _, e := range events {
		row := []string{e.ID}
		for _, a := range e.Amp {
			row = append(row, num(a))
		}
		rows = append(rows, row)
	}
	write(filepath.Join(*dir, "events.csv"), rows)

	rows = [][]string{{"event", "x", "y", "z", "A"}}
	for _, t := range truth {
		rows = append(rows, []string{t.Event, num(t.X), num(t.Y), num(t.Z), num(t.A)})
	}
	write(filepath.Join(*dir, "truth.csv"), rows)
	fmt.Printf("wrote %d stations and %d events to %s\n", len(stations), len(events), *dir)
}

func num(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

func write(path string, rows [][]string) {
	f, err := os.Create(path)
	if err != nil {
		log.Fatal(err)
	}
	w := csv.NewWriter(f)
	if err := w.WriteAll(rows); err != nil {
		log.Fatal(err)
	}
	if err := f.Close(); err != nil {
		log.Fatal(err)
	}
}
