package kernel

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"
)

// TestImports keeps the package's arrows pointing one way: kernel imports
// the standard library and zmq4 only, never an interpreter, yaegi, gonum or
// another gohpc package.
func TestImports(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, name := range files {
		f, err := parser.ParseFile(fset, name, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range f.Imports {
			path := strings.Trim(imp.Path.Value, `"`)
			first, _, _ := strings.Cut(path, "/")
			switch {
			case !strings.Contains(first, "."): // standard library
			case path == "github.com/go-zeromq/zmq4" || strings.HasPrefix(path, "github.com/go-zeromq/zmq4/"):
			case path == "github.com/gohpc/gohpc/kernel" && strings.HasSuffix(name, "_test.go"): // external tests
			default:
				t.Errorf("%s imports %s", name, path)
			}
		}
	}
}
