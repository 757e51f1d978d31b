package native

import (
	"strings"
	"testing"
)

func TestScratchGoMod(t *testing.T) {
	kernel := []byte("module github.com/gohpc/gohpc\n\ngo 1.26\n\nrequire gonum.org/v1/gonum v0.17.0\n\nrequire (\n\tgolang.org/x/sys v0.50.0 // indirect\n\tgithub.com/traefik/yaegi v0.16.1\n)\n")
	mod, base, err := scratchGoMod(kernel, "/src/gohpc")
	if err != nil {
		t.Fatal(err)
	}
	got := string(mod)
	for _, want := range []string{"module gohpc.native\n", "go 1.26\n", "golang.org/x/sys v0.50.0 // indirect", "replace github.com/gohpc/gohpc => /src/gohpc\n"} {
		if !strings.Contains(got, want) {
			t.Errorf("go.mod lacks %q:\n%s", want, got)
		}
	}
	if len(base) != 3 || base["gonum.org/v1/gonum"] != "v0.17.0" || base["golang.org/x/sys"] != "v0.50.0" {
		t.Errorf("base %v", base)
	}
	if _, _, err := scratchGoMod([]byte("module m\nreplace a => ../a\n"), ""); err == nil {
		t.Error("a replace directive was accepted")
	}
	now := map[string]string{"gonum.org/v1/gonum": "v0.17.0", "golang.org/x/sys": "v0.60.0", "github.com/google/uuid": "v1.6.0"}
	if c := clashes(base, now); c != "golang.org/x/sys v0.60.0 (the kernel has v0.50.0)" {
		t.Errorf("clashes = %q", c)
	}
	now["golang.org/x/sys"] = "v0.50.0"
	if c := clashes(base, now); c != "" {
		t.Errorf("clashes = %q", c)
	}
}
