package native

import (
	"context"
	"errors"
	"strings"
	"testing"

	gohpc "github.com/gohpc/gohpc"
)

func TestUnavailable(t *testing.T) {
	cases := []struct {
		name  string
		cfg   Config
		env   map[string]string
		stage string
		msg   string
	}{
		{"no go command", Config{Go: "/nonexistent/go"}, nil, "toolchain", "cannot run"},
		{"no C compiler", Config{}, map[string]string{"CC": "no-such-cc"}, "cgo", "no C compiler (no-such-cc)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for k, v := range c.env {
				t.Setenv(k, v)
			}
			c.cfg.GoMod, c.cfg.GoSum = gohpc.GoMod, gohpc.GoSum
			b := New(c.cfg)
			err := b.Available()
			var e *Error
			if !errors.As(err, &e) || e.Stage != c.stage || !strings.Contains(e.Msg, c.msg) {
				t.Fatalf("Available() = %v, want stage %s with %q", err, c.stage, c.msg)
			}
			if ok, detail := b.Status(); ok || !strings.Contains(detail, c.msg) {
				t.Errorf("Status() = %v, %q", ok, detail)
			}
			if _, err := b.Compile(context.Background(), "func F() {}", "cell", 1); !errors.As(err, &e) || e.Stage != c.stage {
				t.Errorf("Compile: %v", err)
			}
		})
	}
}

func TestGenericsSkipped(t *testing.T) {
	b := builder(t)
	p, err := b.Compile(context.Background(), "func Map[T any](x []T, f func(T) T) []T { return x }\n\ntype Box[T any] struct{ V T }\n\nfunc Ok() int { return 1 }", "cell", 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Decls) != 1 || p.Decls[0].Name != "Ok" {
		t.Errorf("decls %v", p.Decls)
	}
	if len(p.Skipped) != 2 || !strings.Contains(p.Skipped[0], "func Map: generic functions cannot be bound") || !strings.Contains(p.Skipped[1], "type Box") {
		t.Errorf("skipped %q", p.Skipped)
	}
}

func TestGetKernelModule(t *testing.T) {
	b := builder(t)
	// A package of a module the kernel has: no go get, the kernel's version.
	res, err := b.Get(context.Background(), "gonum.org/v1/gonum/integrate/quad")
	if err != nil {
		t.Fatal(err)
	}
	if res.Module.Path != "gonum.org/v1/gonum" || res.Module.Version != "v0.17.0" || len(res.Packages) != 1 {
		t.Fatalf("got %+v", res)
	}
	p := res.Packages[0]
	if p.Name != "quad" || !p.Symbols["Fixed"].IsValid() || !p.Symbols["Legendre"].IsValid() || !p.Symbols["_FixedLocationer"].IsValid() {
		t.Errorf("package %s %s: %d symbols", p.Path, p.Name, len(p.Symbols))
	}
	// Again: the same packages, not built twice.
	if again, err := b.Get(context.Background(), "gonum.org/v1/gonum/integrate/quad"); err != nil || again != res {
		t.Errorf("second Get: %v, %v", again, err)
	}
	// Another version of it is refused before anything is fetched.
	_, err = b.Get(context.Background(), "gonum.org/v1/gonum@v0.15.0")
	var e *Error
	if !errors.As(err, &e) || e.Stage != "clash" || !strings.Contains(e.Msg, "the kernel is built with gonum.org/v1/gonum v0.17.0") {
		t.Errorf("got %v", err)
	}
	for _, arg := range []string{"-x", "a b", "github.com/gohpc/gohpc/hpc"} {
		if _, err := b.Get(context.Background(), arg); !errors.As(err, &e) || e.Stage != "usage" {
			t.Errorf("Get(%q) = %v, want a usage error", arg, err)
		}
	}
}

func TestGetProxyRefused(t *testing.T) {
	if testing.Short() {
		t.Skip("reaches the module proxy")
	}
	b := builder(t)
	_, err := b.Get(context.Background(), "example.com/gohpc/no-such-module@v1.0.0")
	var e *Error
	if !errors.As(err, &e) || e.Stage != "proxy" || !strings.Contains(e.Msg, "go get failed") {
		t.Fatalf("got %v", err)
	}
	t.Log(err)
}

func TestGetGenericModule(t *testing.T) {
	if testing.Short() {
		t.Skip("reaches the module proxy")
	}
	b := builder(t)
	res, err := b.Get(context.Background(), "github.com/samber/lo@v1.53.0")
	if err != nil {
		var e *Error
		if errors.As(err, &e) && e.Stage == "clash" {
			t.Logf("refused: %v", err)
			return
		}
		t.Fatal(err)
	}
	p := res.Packages[0]
	t.Logf("%s: %d names bound, %d generic skipped: %s", p.Path, len(p.Symbols), len(p.Skipped), Summary(p.Skipped, 3, ", "))
	if len(p.Skipped) < 50 || p.Symbols["Map"].IsValid() {
		t.Errorf("generic Map bound, or few skipped")
	}
	// go.mod keeps the module: a native cell wraps the generic API.
	c, err := b.Compile(context.Background(), "import \"github.com/samber/lo\"\n\nfunc Squares(x []int) []int { return lo.Map(x, func(v int, _ int) int { return v * v }) }", "cell", 1)
	if err != nil {
		t.Fatal(err)
	}
	got := c.Symbols["Squares"].Interface().(func([]int) []int)([]int{1, 2, 3})
	if len(got) != 3 || got[2] != 9 {
		t.Errorf("Squares = %v", got)
	}
}
