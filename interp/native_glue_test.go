package interp

import (
	"strings"
	"testing"
)

// nativeSession returns a session whose native builder works, or skips.
func nativeSession(t *testing.T) *Session {
	t.Helper()
	s := newSession(t)
	if ok, why := s.NativeStatus(); !ok {
		t.Skipf("native cells unavailable here: %s", why)
	}
	return s
}

func TestNativeCell(t *testing.T) {
	s := nativeSession(t)
	r := runCell(t, s, `%%native
import "math"

func Gauss(n int) int {
	s := 0
	for i := 1; i <= n; i++ {
		s += i
	}
	return s
}

type Point struct{ X, Y float64 }

func (p Point) Norm() float64 { return math.Hypot(p.X, p.Y) }

func Sum(xs []float64) (s float64) {
	for _, x := range xs {
		s += x
	}
	return s
}`)
	if r.err != nil {
		t.Fatalf("%s: %s", r.err.Name, r.err.Value)
	}
	if out := r.out.stdout(); !strings.HasPrefix(out, "native: compiled in ") || !strings.Contains(out, ": Gauss, Point, Sum\n") {
		t.Errorf("stdout %q", out)
	}
	t.Log(r.out.stdout())
	for code, want := range map[string]string{
		"Gauss(100)":                 "5050",
		"p := Point{3, 4}\np.Norm()": "5",
		"Sum([]float64{1, 2, 3.5})":  "6.5",
		"func twice(n int) int { return 2 * Gauss(n) }\ntwice(10)": "110",
	} {
		r := runCell(t, s, code)
		if r.err != nil {
			t.Errorf("%q: %s: %s", code, r.err.Name, r.err.Value)
			continue
		}
		if r.result != want {
			t.Errorf("%q = %q, want %q", code, r.result, want)
		}
	}
}

func TestNativeCompileError(t *testing.T) {
	s := nativeSession(t)
	r := runCell(t, s, "%%native\nfunc F() int {\n\treturn nope\n}")
	if r.err == nil || r.err.Name != "CompileError" || !strings.HasPrefix(r.err.Value, "3:9: undefined: nope") {
		t.Fatalf("got %+v", r.err)
	}
	if tb := strings.Join(r.err.Traceback, "\n"); !strings.Contains(tb, "return nope") {
		t.Errorf("traceback lacks the line: %q", tb)
	}
}

func TestNativeRedefinition(t *testing.T) {
	s := nativeSession(t)
	mustNative := func(code string) {
		t.Helper()
		if r := runCell(t, s, "%%native\n"+code); r.err != nil {
			t.Fatalf("%s: %s", r.err.Name, r.err.Value)
		}
	}
	mustNative("func F(x int) int { return x + 1 }")
	mustRun(t, s, "func useF(x int) int { return F(x) }")
	if r := mustRun(t, s, "useF(1)"); r.result != "2" {
		t.Fatalf("useF(1) = %q", r.result)
	}
	// Same signature: earlier interpreted callers see the new version.
	mustNative("func F(x int) int { return x * 100 }")
	if r := mustRun(t, s, "useF(2)"); r.result != "200" {
		t.Errorf("after redefinition useF(2) = %q, want 200", r.result)
	}
	// A new signature redeclares the name.
	mustNative("func F(s string) string { return s + \"!\" }")
	if r := mustRun(t, s, `F("hi")`); r.result != "hi!" {
		t.Errorf(`F("hi") = %q`, r.result)
	}
	// A type declared again with other fields.
	mustNative("type P struct{ A int }")
	mustNative("type P struct{ A, B int }\nfunc MakeP() P { return P{1, 2} }")
	if r := mustRun(t, s, "q := MakeP()\nq.B + P{A: 3}.A"); r.result != "5" {
		t.Errorf("redefined type: %q", r.result)
	}
}

func TestGoGet(t *testing.T) {
	if testing.Short() {
		t.Skip("reaches the module proxy")
	}
	s := nativeSession(t)
	r := runCell(t, s, "%go get github.com/google/uuid@v1.6.0")
	if r.err != nil {
		t.Fatalf("%s: %s", r.err.Name, r.err.Value)
	}
	t.Log(r.out.stdout(), r.out.stderr())
	r = runCell(t, s, "import \"github.com/google/uuid\"\nuuid.NewSHA1(uuid.NameSpaceDNS, []byte(\"example.com\")).String()")
	if r.err != nil {
		t.Fatalf("%s: %s", r.err.Name, r.err.Value)
	}
	// The same as compiled Go (and Python's uuid.uuid5).
	if r.result != "cfbff0d1-9375-5685-968c-48ce8b15ae17" {
		t.Errorf("uuid v5 = %q", r.result)
	}
	r = runCell(t, s, "%go get gonum.org/v1/gonum@v0.16.0")
	if r.err == nil || r.err.Name != "VersionClash" || !strings.Contains(r.err.Value, "gonum.org/v1/gonum v0.17.0") {
		t.Errorf("clash: %+v", r.err)
	}
	r = runCell(t, s, "%go get gonum.org/v1/gonum/mat")
	if r.err != nil || !strings.Contains(r.out.stdout(), "comes with the kernel") {
		t.Errorf("kernel package: %+v %q", r.err, r.out.stdout())
	}
	r = runCell(t, s, "%go get github.com/google/uuid@v1.5.0")
	if r.err == nil || r.err.Name != "VersionClash" || !strings.Contains(r.err.Value, "already loaded") {
		t.Errorf("second version: %+v", r.err)
	}
}

func TestGoGetSource(t *testing.T) {
	if testing.Short() {
		t.Skip("reaches the module proxy")
	}
	s := nativeSession(t)
	r := runCell(t, s, "%go get -s github.com/google/uuid@v1.6.0")
	// The trial import in a child process passes; whether the session's own
	// interpreter reads module sources depends on its options.
	if r.err != nil && !strings.Contains(r.err.Value, "source mode is not wired") {
		t.Fatalf("%s: %s", r.err.Name, r.err.Value)
	}
	t.Log(r.out.stdout(), r.err)
	// A package that crashes yaegi fails in the child, not here.
	r = runCell(t, s, "%go get -s github.com/samber/lo@v1.53.0")
	if r.err == nil || r.err.Name != "TrialImportFailed" || !strings.Contains(r.err.Value, "use native mode") {
		t.Fatalf("got %+v", r.err)
	}
	t.Log(r.err.Value)
}

func TestNativeEdges(t *testing.T) {
	s := nativeSession(t)
	// An interpreted function replaced by a native one, and back.
	mustRun(t, s, "func H(x int) int { return x }")
	if r := runCell(t, s, "%%native\nfunc H(x int) int { return -x }\n\nfunc half(x float64) float64 { return x / 2 }\n\nconst Big = 1 << 40\n\nfunc Boom() { panic(\"native boom\") }\n\nfunc Hello() { println(\"hi\") }"); r.err != nil {
		t.Fatalf("%s: %s", r.err.Name, r.err.Value)
	}
	for code, want := range map[string]string{
		"H(3)":       "-3",
		"half(5)":    "2.5",
		"Big >> 39":  "2",
		"H(half(8))": "",
	} {
		r := runCell(t, s, code)
		if want == "" {
			if r.err == nil {
				t.Errorf("%q: no error", code)
			}
			continue
		}
		if r.err != nil || r.result != want {
			t.Errorf("%q = %q, %+v; want %q", code, r.result, r.err, want)
		}
	}
	// A panic in native code is the cell's error, not the kernel's end.
	r := runCell(t, s, "Boom()")
	if r.err == nil || !strings.Contains(r.err.Value, "native boom") {
		t.Errorf("Boom(): %+v", r.err)
	}
	mustRun(t, s, "func H(x int) int { return 10 * x }")
	if r := mustRun(t, s, "H(3)"); r.result != "30" {
		t.Errorf("interpreted again: H(3) = %q", r.result)
	}
	// Generic declarations are reported, the rest bound.
	r = runCell(t, s, "%%native\nfunc Map[T any](x []T) []T { return x }\n\nfunc K() int { return 1 }")
	if r.err != nil {
		t.Fatalf("%s: %s", r.err.Name, r.err.Value)
	}
	if e := r.out.stderr(); !strings.Contains(e, "not bound: func Map: generic functions cannot be bound") {
		t.Errorf("stderr %q", e)
	}
	// A native cell uses gohpc's own packages.
	r = runCell(t, s, "%%native\nimport \"github.com/gohpc/gohpc/hpc\"\n\nfunc Workers() int { return hpc.Workers() }")
	if r.err != nil {
		t.Fatalf("%s: %s", r.err.Name, r.err.Value)
	}
	if r := mustRun(t, s, "Workers() > 0"); r.result != "true" {
		t.Errorf("Workers() > 0 = %q", r.result)
	}
}

func TestNativeCellsShareTypes(t *testing.T) {
	s := nativeSession(t)
	for _, c := range []string{
		"%%native\ntype Particle struct{ X, V float64 }\n\nfunc NewParticles(n int) []Particle { return make([]Particle, n) }",
		"%%native\nfunc Step(ps []Particle, dt float64) {\n\tfor i := range ps {\n\t\tps[i].V += dt\n\t\tps[i].X += ps[i].V * dt\n\t}\n}",
	} {
		if r := runCell(t, s, c); r.err != nil {
			t.Fatalf("%s: %s", r.err.Name, r.err.Value)
		}
	}
	r := mustRun(t, s, "ps := NewParticles(3)\nfor range 10 {\n\tStep(ps, 0.5)\n}\nps[2].X")
	if r.result != "13.75" {
		t.Errorf("ps[2].X = %q, want 13.75", r.result)
	}
}

func TestGoGetInterfaceWrapper(t *testing.T) {
	s := nativeSession(t)
	// A package of a module the kernel has (no download), whose interface an
	// interpreted type implements.
	if r := runCell(t, s, "%go get gonum.org/v1/gonum/integrate/quad"); r.err != nil {
		t.Fatalf("%s: %s", r.err.Name, r.err.Value)
	}
	r := runCell(t, s, `import "gonum.org/v1/gonum/integrate/quad"

type midpoint struct{}

func (midpoint) FixedLocations(x, w []float64, min, max float64) {
	h := (max - min) / float64(len(x))
	for i := range x {
		x[i], w[i] = min+h*(float64(i)+0.5), h
	}
}

v := quad.Fixed(func(x float64) float64 { return x * x }, 0, 1, 1000, midpoint{}, 0)
math.Abs(v-1.0/3) < 1e-6`)
	if r.err != nil {
		t.Fatalf("%s: %s", r.err.Name, r.err.Value)
	}
	if r.result != "true" {
		t.Errorf("midpoint rule: %q", r.result)
	}
	// After %reset (reset calls nativeRebind) the package imports again.
	if err := s.Reset(); err != nil {
		t.Fatal(err)
	}
	s.nativeRebind()
	r = runCell(t, s, "import \"gonum.org/v1/gonum/integrate/quad\"\nvar _ quad.FixedLocationer\nquad.Fixed(func(x float64) float64 { return 1 }, 0, 2, 10, nil, 0)")
	if r.err != nil || r.result != "2" {
		t.Errorf("after reset: %q %+v", r.result, r.err)
	}
}
