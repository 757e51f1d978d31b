package hpc

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// ReadStations reads stations from CSV: a header line naming the columns
// name, x, y and z (in any order, case-insensitive; no other columns), then
// one station per line, coordinates in km with z positive down. Blank lines
// and lines starting with # are skipped; fields may be surrounded by spaces.
//
// It returns an error naming the line for a missing or malformed header, a
// wrong number of fields, an empty or duplicate station name, or a
// coordinate that is not a finite number, and an error if there are no
// stations.
func ReadStations(r io.Reader) ([]Station, error) {
	const task = "ReadStations"
	cr := newCSVReader(r)
	header, err := readHeader(cr, task)
	if err != nil {
		return nil, err
	}
	col := map[string]int{}
	for i, h := range header {
		h = strings.ToLower(h)
		switch h {
		case "name", "x", "y", "z":
		default:
			return nil, csvError(cr, task, i, "header: unknown column %q (want name, x, y, z)", header[i])
		}
		if _, dup := col[h]; dup {
			return nil, csvError(cr, task, i, "header: duplicate column %q", header[i])
		}
		col[h] = i
	}
	for _, h := range []string{"name", "x", "y", "z"} {
		if _, ok := col[h]; !ok {
			return nil, csvError(cr, task, 0, "header: missing column %q (want name, x, y, z)", h)
		}
	}
	var out []Station
	seen := map[string]int{}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, csvReadError(task, err)
		}
		line, _ := cr.FieldPos(0)
		st := Station{Name: rec[col["name"]]}
		if st.Name == "" {
			return nil, fmt.Errorf("hpc: %s: line %d: empty station name", task, line)
		}
		if prev, dup := seen[st.Name]; dup {
			return nil, fmt.Errorf("hpc: %s: line %d: station %q already defined on line %d", task, line, st.Name, prev)
		}
		seen[st.Name] = line
		for _, f := range []struct {
			name string
			v    *float64
		}{{"x", &st.X}, {"y", &st.Y}, {"z", &st.Z}} {
			if *f.v, err = parseFinite(rec[col[f.name]]); err != nil {
				return nil, csvError(cr, task, col[f.name], "station %q: %s: %v", st.Name, f.name, err)
			}
		}
		out = append(out, st)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("hpc: %s: no stations", task)
	}
	return out, nil
}

// ReadEvents reads events from CSV: a header line "event" followed by one
// column per station, named as in stations (in any order), then one event
// per line: its identifier and the observed amplitude at each station. The
// amplitudes of each returned Event are in the order of stations, whatever
// the column order. Blank lines and lines starting with # are skipped;
// fields may be surrounded by spaces. No data lines give an empty result.
//
// It returns an error naming the line for a missing or malformed header, a
// header column that names no station, a station without a column, a
// duplicate column, a wrong number of fields, an empty event identifier, or
// an amplitude that is not a finite number.
func ReadEvents(r io.Reader, stations []Station) ([]Event, error) {
	const task = "ReadEvents"
	if len(stations) == 0 {
		return nil, fmt.Errorf("hpc: %s: no stations", task)
	}
	cr := newCSVReader(r)
	header, err := readHeader(cr, task)
	if err != nil {
		return nil, err
	}
	if !strings.EqualFold(header[0], "event") {
		return nil, csvError(cr, task, 0, "header: first column is %q, want \"event\"", header[0])
	}
	index := make(map[string]int, len(stations))
	for i, s := range stations {
		index[s.Name] = i
	}
	colOf := make([]int, len(stations)) // station -> column
	for i := range colOf {
		colOf[i] = -1
	}
	for c, h := range header[1:] {
		s, ok := index[h]
		if !ok {
			return nil, csvError(cr, task, c+1, "header: column %q names no station", h)
		}
		if colOf[s] >= 0 {
			return nil, csvError(cr, task, c+1, "header: duplicate column for station %q", h)
		}
		colOf[s] = c + 1
	}
	for s, c := range colOf {
		if c < 0 {
			return nil, csvError(cr, task, 0, "header: no column for station %q", stations[s].Name)
		}
	}
	out := []Event{}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, csvReadError(task, err)
		}
		ev := Event{ID: rec[0], Amp: make([]float64, len(stations))}
		if ev.ID == "" {
			line, _ := cr.FieldPos(0)
			return nil, fmt.Errorf("hpc: %s: line %d: empty event identifier", task, line)
		}
		for s, c := range colOf {
			if ev.Amp[s], err = parseFinite(rec[c]); err != nil {
				return nil, csvError(cr, task, c, "event %q: station %q: %v", ev.ID, stations[s].Name, err)
			}
		}
		out = append(out, ev)
	}
	return out, nil
}

func newCSVReader(r io.Reader) *csv.Reader {
	cr := csv.NewReader(r)
	cr.Comment = '#'
	cr.TrimLeadingSpace = true
	cr.ReuseRecord = true
	return cr // FieldsPerRecord 0: every record has the header's field count
}

// readHeader reads the header record, trimmed, into a fresh slice.
func readHeader(cr *csv.Reader, task string) ([]string, error) {
	rec, err := cr.Read()
	if err == io.EOF {
		return nil, fmt.Errorf("hpc: %s: no header line", task)
	}
	if err != nil {
		return nil, csvReadError(task, err)
	}
	h := make([]string, len(rec))
	for i, f := range rec {
		h[i] = strings.TrimSpace(f)
	}
	return h, nil
}

// csvError formats an error at the field col of the record just read.
func csvError(cr *csv.Reader, task string, col int, format string, args ...any) error {
	line, column := cr.FieldPos(col)
	return fmt.Errorf("hpc: %s: line %d, column %d: %s", task, line, column, fmt.Sprintf(format, args...))
}

// csvReadError wraps an encoding/csv error (which names the line).
func csvReadError(task string, err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		if errors.Is(pe.Err, csv.ErrFieldCount) {
			return fmt.Errorf("hpc: %s: line %d: wrong number of fields (the header has a different count)", task, pe.StartLine)
		}
		return fmt.Errorf("hpc: %s: line %d, column %d: %w", task, pe.Line, pe.Column, pe.Err)
	}
	return fmt.Errorf("hpc: %s: %w", task, err)
}

// parseFinite parses a float64 field (spaces trimmed) and rejects NaN and
// infinities.
func parseFinite(f string) (float64, error) {
	f = strings.TrimSpace(f)
	v, err := strconv.ParseFloat(f, 64)
	if err != nil {
		if errors.Is(err, strconv.ErrRange) {
			return 0, fmt.Errorf("%q is out of range", f)
		}
		return 0, fmt.Errorf("%q is not a number", f)
	}
	if !isFinite(v) {
		return 0, fmt.Errorf("%q is not finite", f)
	}
	return v, nil
}
