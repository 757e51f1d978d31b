package hpc

import (
	"fmt"
	"strings"
	"testing"
	"testing/iotest"
)

func TestReadStations(t *testing.T) {
	in := `# stations of the workshop
Name, X, Y, Z
s1, 5.092, 6.702, -0.499

s2,13.173,8.04,-0.266
"s 3",1e1,-2,0
`
	got, err := ReadStations(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	want := []Station{{"s1", 5.092, 6.702, -0.499}, {"s2", 13.173, 8.04, -0.266}, {"s 3", 10, -2, 0}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	// Columns in another order.
	got, err = ReadStations(strings.NewReader("z,name,y,x\n-0.5,a,2,1\n"))
	if err != nil || fmt.Sprint(got) != fmt.Sprint([]Station{{"a", 1, 2, -0.5}}) {
		t.Fatalf("reordered columns: %v, %v", got, err)
	}
}

func TestReadStationsErrors(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", "no header line"},
		{"# only a comment\n", "no header line"},
		{"name,x,y,z\n", "no stations"},
		{"name,x,y\ns1,1,2\n", `line 1, column 1: header: missing column "z"`},
		{"name,x,y,z,w\n", `line 1, column 12: header: unknown column "w"`},
		{"name,x,x,z\n", `line 1, column 8: header: duplicate column "x"`},
		{"name,x,y,z\ns1,1,2,3\ns2,1,2\n", "line 3: wrong number of fields"},
		{"name,x,y,z\ns1,1,2,3\ns2,1,abc,3\n", `line 3, column 6: station "s2": y: "abc" is not a number`},
		{"name,x,y,z\ns1,NaN,2,3\n", `line 2, column 4: station "s1": x: "NaN" is not finite`},
		{"name,x,y,z\ns1,1,2,-Inf\n", `line 2, column 8: station "s1": z: "-Inf" is not finite`},
		{"name,x,y,z\ns1,1,2,1e999\n", `station "s1": z: "1e999" is out of range`},
		{"name,x,y,z\n,1,2,3\n", "line 2: empty station name"},
		{"name,x,y,z\ns1,1,2,3\n\ns1,4,5,6\n", `line 4: station "s1" already defined on line 2`},
		{"name,x,y,z\n\"s1,1,2,3\n", "line 2, column"},
	}
	for _, tt := range tests {
		got, err := ReadStations(strings.NewReader(tt.in))
		if err == nil || !strings.HasPrefix(err.Error(), "hpc: ReadStations: ") || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q: error %v, want %q", tt.in, err, tt.want)
		}
		if got != nil {
			t.Errorf("%q: non-nil result with an error", tt.in)
		}
	}
	if _, err := ReadStations(iotest.ErrReader(fmt.Errorf("disk on fire"))); err == nil || !strings.Contains(err.Error(), "disk on fire") {
		t.Errorf("reader error: %v", err)
	}
}

func TestReadEvents(t *testing.T) {
	st := []Station{{"s1", 0, 0, 0}, {"s2", 1, 0, 0}, {"s3", 0, 1, 0}}
	in := `event, s3, s1, s2
# amplitudes in any column order, returned in station order
e1, 3, 1, 2
e2,0.5,-1e-3,7
`
	got, err := ReadEvents(strings.NewReader(in), st)
	if err != nil {
		t.Fatal(err)
	}
	want := []Event{{"e1", []float64{1, 2, 3}}, {"e2", []float64{-1e-3, 7, 0.5}}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	got, err = ReadEvents(strings.NewReader("Event,s1,s2,s3\n"), st)
	if err != nil || got == nil || len(got) != 0 {
		t.Fatalf("header only: %v, %v; want an empty result", got, err)
	}
}

func TestReadEventsErrors(t *testing.T) {
	st := []Station{{"s1", 0, 0, 0}, {"s2", 1, 0, 0}}
	tests := []struct{ in, want string }{
		{"", "no header line"},
		{"id,s1,s2\n", `line 1, column 1: header: first column is "id", want "event"`},
		{"event,s1,s9\n", `line 1, column 10: header: column "s9" names no station`},
		{"event,s1\n", `header: no column for station "s2"`},
		{"event,s1,s2,s1\n", `line 1, column 13: header: duplicate column for station "s1"`},
		{"event,s1,s2\ne1,1,2\ne2,1\n", "line 3: wrong number of fields"},
		{"event,s1,s2\ne1,1,x\n", `line 2, column 6: event "e1": station "s2": "x" is not a number`},
		{"event,s1,s2\ne1,nan,1\n", `line 2, column 4: event "e1": station "s1": "nan" is not finite`},
		{"event,s1,s2\n,1,2\n", "line 2: empty event identifier"},
	}
	for _, tt := range tests {
		got, err := ReadEvents(strings.NewReader(tt.in), st)
		if err == nil || !strings.HasPrefix(err.Error(), "hpc: ReadEvents: ") || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q: error %v, want %q", tt.in, err, tt.want)
		}
		if got != nil {
			t.Errorf("%q: non-nil result with an error", tt.in)
		}
	}
	if _, err := ReadEvents(strings.NewReader("event\n"), nil); err == nil || !strings.Contains(err.Error(), "no stations") {
		t.Errorf("no stations: %v", err)
	}
}

// TestReadRoundTrip writes the anchors' dataset as CSV, reads it back and
// locates it: the same answers as from the decoded JSON.
func TestReadRoundTrip(t *testing.T) {
	d := loadDataset(t)
	var sb strings.Builder
	sb.WriteString("name,x,y,z\n")
	for _, s := range d.Stations {
		fmt.Fprintf(&sb, "%s,%v,%v,%v\n", s.Name, s.X, s.Y, s.Z)
	}
	st, err := ReadStations(strings.NewReader(sb.String()))
	if err != nil {
		t.Fatal(err)
	}
	sb.Reset()
	sb.WriteString("event")
	for i := len(st) - 1; i >= 0; i-- { // columns in reverse station order
		sb.WriteString("," + st[i].Name)
	}
	sb.WriteString("\n")
	for _, e := range d.Events {
		sb.WriteString(e.ID)
		for i := len(e.Amp) - 1; i >= 0; i-- {
			fmt.Fprintf(&sb, ",%v", e.Amp[i])
		}
		sb.WriteString("\n")
	}
	ev, err := ReadEvents(strings.NewReader(sb.String()), st)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(st) != fmt.Sprint(d.Stations) || fmt.Sprint(ev) != fmt.Sprint(d.Events) {
		t.Fatal("CSV round trip changed the data")
	}
	got, err := Locate(st, ev, d.Grids["workshop"], d.B)
	if err != nil {
		t.Fatal(err)
	}
	if err := sameLocations(got, loadGolden(t, "workshop")); err != nil {
		t.Fatal(err)
	}
}
