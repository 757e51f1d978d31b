package native

import (
	"context"
	"errors"
	"os"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	gohpc "github.com/gohpc/gohpc"
	yaegi "github.com/traefik/yaegi/interp"
	"github.com/traefik/yaegi/stdlib"
)

var (
	testBuilderOnce sync.Once
	testBuilder     *Builder
)

// builder returns the package's shared Builder, skipping the test if
// plugins cannot be built here.
func builder(t testing.TB) *Builder {
	t.Helper()
	testBuilderOnce.Do(func() {
		testBuilder = New(Config{GoMod: gohpc.GoMod, GoSum: gohpc.GoSum, Log: testLog{}})
	})
	if err := testBuilder.Available(); err != nil {
		var e *Error
		if errors.As(err, &e) && (e.Stage == "cgo" || e.Stage == "toolchain" || e.Stage == "platform") {
			t.Skipf("native cells unavailable here: %v", err)
		}
		t.Fatal(err)
	}
	return testBuilder
}

type testLog struct{}

func (testLog) Write(p []byte) (int, error) {
	if os.Getenv("GOHPC_NATIVE_LOG") != "" {
		os.Stderr.Write(p)
	}
	return len(p), nil
}

func TestMain(m *testing.M) {
	code := m.Run()
	if testBuilder != nil {
		testBuilder.Close()
	}
	os.Exit(code)
}

func newYaegi(t testing.TB) *yaegi.Interpreter {
	in := yaegi.New(yaegi.Options{})
	if err := in.Use(stdlib.Symbols); err != nil {
		t.Fatal(err)
	}
	return in
}

func TestCompileAndCall(t *testing.T) {
	b := builder(t)
	ctx := context.Background()
	cell := `import "math"

// Gauss sums 1..n.
func Gauss(n int) int {
	s := 0
	for i := 1; i <= n; i++ {
		s += i
	}
	return s
}

type Point struct{ X, Y float64 }

func (p Point) Norm() float64 { return math.Hypot(p.X, p.Y) }

const Scale = 2.5

var Count = 7

func twice(x float64) float64 { return 2 * x }
`
	t0 := time.Now()
	p, err := b.Compile(ctx, cell, "In[1]", 2)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("compile %v (build %v, load %v)", time.Since(t0), p.Build, p.Load)
	for _, n := range []string{"Gauss", "Point", "Scale", "Count", "twice"} {
		if _, ok := p.Symbols[n]; !ok {
			t.Errorf("symbol %s missing: %v", n, p.Symbols)
		}
	}
	in := newYaegi(t)
	if err := in.Use(yaegi.Exports{p.Path + "/" + p.Name: p.Symbols}); err != nil {
		t.Fatal(err)
	}
	v, err := in.Eval(`import nat "` + p.Path + `"`)
	if err != nil {
		t.Fatal(err)
	}
	v, err = in.Eval(`nat.Gauss(100) + int(nat.Point{3, 4}.Norm()) + nat.Count + int(nat.Scale*2) + int(nat.twice(1))`)
	if err != nil {
		t.Fatal(err)
	}
	if got := v.Interface(); got != 5050+5+7+5+2 {
		t.Errorf("got %v", got)
	}
}

func TestCompileErrorAtCellLines(t *testing.T) {
	b := builder(t)
	cell := "func F() int {\n\treturn undefinedName\n}\n\nfunc G() string { return 1 }\n"
	_, err := b.Compile(context.Background(), cell, "In[7]", 2)
	var ce *CompileError
	if !errors.As(err, &ce) {
		t.Fatalf("got %T %v, want a CompileError", err, err)
	}
	for _, want := range []string{"In[7]:3:9: undefined: undefinedName", "In[7]:6:"} {
		if !strings.Contains(ce.Msg, want) {
			t.Errorf("error %q lacks %q", ce.Msg, want)
		}
	}
	if strings.Contains(ce.Msg, "zz_gohpc") || strings.Contains(ce.Msg, "gohpc-native") {
		t.Errorf("error mentions generated files: %q", ce.Msg)
	}
}

func TestRedefinition(t *testing.T) {
	b := builder(t)
	ctx := context.Background()
	var got []any
	for i, body := range []string{"return x + 1", "return x * 10"} {
		p, err := b.Compile(ctx, "func F(x int) int { "+body+" }", "In[1]", 1)
		if err != nil {
			t.Fatal(err)
		}
		in := newYaegi(t)
		if err := in.Use(yaegi.Exports{p.Path + "/" + p.Name: p.Symbols}); err != nil {
			t.Fatal(err)
		}
		if _, err := in.Eval(`import n "` + p.Path + `"`); err != nil {
			t.Fatal(i, err)
		}
		v, err := in.Eval(`n.F(4)`)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, v.Interface())
	}
	if got[0] != 5 || got[1] != 40 {
		t.Errorf("got %v, want [5 40]", got)
	}
}

func TestWarm(t *testing.T) {
	b := builder(t)
	if d, err := b.WarmWait(context.Background()); d != 0 || err != nil {
		t.Errorf("WarmWait before Warm = %v, %v", d, err)
	}
	b.Warm(context.Background())
	b.Warm(context.Background()) // once
	d, err := b.WarmWait(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("warm-up build: %v", d)
	t0 := time.Now()
	if _, err := b.Compile(context.Background(), "import \"gonum.org/v1/gonum/mat\"\n\nfunc Dim(m *mat.Dense) int { r, _ := m.Dims(); return r }", "cell", 1); err != nil {
		t.Fatal(err)
	}
	t.Logf("compile after warm-up: %v", time.Since(t0))
}

func TestCompileInterrupted(t *testing.T) {
	b := builder(t)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	t0 := time.Now()
	_, err := b.Compile(ctx, "func F() {}", "cell", 1)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v", err)
	}
	if d := time.Since(t0); d > 3*time.Second {
		t.Errorf("interrupted compile returned after %v", d)
	}
}

func TestLaterCellUsesEarlierTypes(t *testing.T) {
	b := builder(t)
	ctx := context.Background()
	a, err := b.Compile(ctx, "type Vec struct{ X float64 }\n\nfunc NewVec(x float64) Vec { return Vec{x} }\n\nconst K = 3", "In[1]", 2)
	if err != nil {
		t.Fatal(err)
	}
	c, err := b.Compile(ctx, "func Scale(v Vec) Vec { return Vec{K * v.X} }", "In[2]", 2)
	if err != nil {
		t.Fatal(err)
	}
	v := a.Symbols["NewVec"].Call([]reflect.Value{reflect.ValueOf(2.0)})
	got := c.Symbols["Scale"].Call(v)[0]
	if x := got.Field(0).Float(); x != 6 {
		t.Errorf("Scale(NewVec(2)).X = %v, want 6", x)
	}
	// A later cell redefines the name: the latest definition wins.
	if _, err := b.Compile(ctx, "const K = 10", "In[3]", 2); err != nil {
		t.Fatal(err)
	}
	d, err := b.Compile(ctx, "func Scale(v Vec) Vec { return Vec{K * v.X} }", "In[4]", 2)
	if err != nil {
		t.Fatal(err)
	}
	if x := d.Symbols["Scale"].Call(v)[0].Field(0).Float(); x != 20 {
		t.Errorf("after K = 10: %v, want 20", x)
	}
}

func TestCgoCell(t *testing.T) {
	b := builder(t)
	p, err := b.Compile(context.Background(), "// #cgo LDFLAGS: -lm\n// #include <math.h>\nimport \"C\"\n\nfunc CSqrt(x float64) float64 { return float64(C.sqrt(C.double(x))) }", "cell", 2)
	if err != nil {
		t.Fatal(err)
	}
	if got := p.Symbols["CSqrt"].Interface().(func(float64) float64)(6.25); got != 2.5 {
		t.Errorf("CSqrt(6.25) = %v", got)
	}
}
