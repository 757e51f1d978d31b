package interp

import (
	"reflect"
	"runtime"
	"testing"
	"unsafe"
)

// liveHeap returns the bytes of live heap after a full collection.
func liveHeap() int64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapAlloc)
}

// Re-running a cell that allocates must not keep every run's values: the
// global frame's slot for a temporary and a redeclared variable's old slot
// are released once the next cell runs.
func TestRerunCellReleasesValues(t *testing.T) {
	const runs, mib = 24, 8
	cases := []struct{ name, cell string }{
		{"redeclared variable", "big := make([]byte, 8<<20)\nbig[0] = 1"},
		{"redeclared var statement", "var bigVar = make([]byte, 8<<20)"},
		{"temporary", "len(make([]byte, 8<<20))"},
		{"redeclared beside a loop", "acc := make([]byte, 8<<20)\nfor i := range 3 { acc[i] = byte(i) }"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, err := New(Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			mustRun(t, s, c.cell)
			mustRun(t, s, "0")
			base := liveHeap()
			for range runs {
				mustRun(t, s, c.cell)
			}
			mustRun(t, s, "0")
			grew := (liveHeap() - base) >> 20
			// Kept values would be runs × 8 MiB; the last run's stay.
			if grew > 3*mib {
				t.Errorf("%d runs of %q grew the live heap by %d MiB", runs, c.cell, grew)
			}
		})
	}
}

// A function compiled while a variable's old slot was current reads that
// slot: the redeclaration must not release it.
func TestRedeclaredVariableSeenByOldFunction(t *testing.T) {
	s, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	cells := []struct{ code, want string }{
		{"data := []int{1, 2, 3}", ""},
		{"func total() int { t := 0; for _, v := range data { t += v }; return t }", ""},
		{"data := []int{10}", ""},
		{"0", "0"}, // a run in between: the old slot is released here if at all
		{"total()", "6"},
		{"data[0]", "10"},
		{"view := func() int { return len(data) }", ""},
		{"data := []int{}", ""},
		{"0", "0"},
		{"view()", "1"},
	}
	for _, c := range cells {
		if r := mustRun(t, s, c.code); r.result != c.want {
			t.Errorf("%q = %q, want %q", c.code, r.result, c.want)
		}
	}
}

// The global frame grows with spare capacity: a session of many cells must
// not reallocate it once per cell.
func TestGlobalFrameGrowsAhead(t *testing.T) {
	s, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	const cells = 400
	var last unsafe.Pointer
	moves := 0
	for i := range cells {
		mustRun(t, s, "x := 1\nx + 1")
		data := *s.ctl.frame.data
		if p := unsafe.Pointer(unsafe.SliceData(data)); p != last {
			moves++
			last = p
		}
		if i == cells-1 && len(data) < cells {
			t.Fatalf("the frame has %d slots after %d cells that each add one", len(data), cells)
		}
	}
	if moves > 12 {
		t.Errorf("the global frame moved %d times in %d cells", moves, cells)
	}
}

// yaegi keeps every block a cell compiles as a child of its package's
// scope, for its debugger; the session drops them as each cell starts.
func TestCompiledBlocksAreForgotten(t *testing.T) {
	s, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for range 50 {
		mustRun(t, s, "n := 0\nfor i := 0; i < 3; i++ { if i > 0 { n += i } }\nn")
	}
	mustRun(t, s, "0") // starting a run forgets the blocks compiled before it
	gf := s.ctl.frame
	children := func(sc reflect.Value) int { return sc.Elem().FieldByName("child").Len() }
	if n := children(gf.universe); n > 2 {
		t.Errorf("the universe holds %d child scopes after 50 cells with loops", n)
	}
	main := gf.scopes.MapIndex(reflect.ValueOf("main"))
	if !main.IsValid() {
		t.Fatal("no main package scope")
	}
	if n := children(main); n > 2 {
		t.Errorf("the main package scope holds %d child scopes after 50 cells with loops", n)
	}
}
