package native

import (
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"testing"
)

func TestSourceFS(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"a.go":         "package m\n",
		"b_windows.go": "package m\n",
		"c_linux.go":   "package m\n",
		"d.go":         "//go:build ignore\n\npackage m\n",
		"e.go":         "//go:build cgo\n\npackage m\n",
		"f.go":         "//go:build !purego\n\npackage m\n",
		"g_test.go":    "package m\n",
		"sub/h.go":     "package sub\n",
	}
	for name, src := range files {
		p := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	f := NewSourceFS()
	f.Add("example.com/m", dir)
	es, err := fs.ReadDir(f, "src/example.com/m")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	want := "a.go"
	if runtime.GOOS == "linux" {
		want = "a.go c_linux.go"
	}
	// Not b_windows.go, d.go (ignore), e.go (cgo off), f.go (purego set), g_test.go.
	if got := strings.Join(names, " "); got != want {
		t.Errorf("listing %q, want %q", got, want)
	}
	if b, err := fs.ReadFile(f, "src/example.com/m/sub/h.go"); err != nil || string(b) != "package sub\n" {
		t.Errorf("ReadFile sub/h.go: %q, %v", b, err)
	}
	for _, name := range []string{"src/example.com/m/e.go", "src/example.com/other/x.go", "src/example.com/m/g_test.go"} {
		if _, err := f.Open(name); err == nil {
			t.Errorf("Open(%s) succeeded", name)
		}
	}
}
