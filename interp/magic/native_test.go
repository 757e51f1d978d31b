package magic

import (
	"context"
	"errors"
	"strings"
	"testing"
)

// nativeSession is a fake Session that also implements Native.
type nativeSession struct {
	fakeSession
	compiled []call
	gets     []string
}

func (s *nativeSession) CompileNative(ctx context.Context, code string, firstLine int, out Output) error {
	s.compiled = append(s.compiled, call{op: "native", code: code, line: firstLine})
	out.Stream("stdout", "compiled\n")
	return nil
}

func (s *nativeSession) GoGet(ctx context.Context, module string, source bool, out Output) error {
	if source {
		module = "-s " + module
	}
	s.gets = append(s.gets, module)
	return nil
}

func (s *nativeSession) NativeStatus() (bool, string) { return false, "no C compiler" }

func TestNativeMagics(t *testing.T) {
	s := &nativeSession{}
	out := &fakeOut{}
	cell := "%%native\nfunc F(x int) int {\n\treturn x\n}"
	if _, err := (&Executor{Session: s}).Execute(context.Background(), mustParse(t, cell), out); err != nil {
		t.Fatal(err)
	}
	if len(s.compiled) != 1 || s.compiled[0].line != 2 || !strings.HasPrefix(s.compiled[0].code, "func F(x int) int {") {
		t.Errorf("CompileNative got %+v", s.compiled)
	}
	if got := out.text("stdout"); got != "compiled\n" {
		t.Errorf("stdout %q", got)
	}

	if _, err := (&Executor{Session: s}).Execute(context.Background(), mustParse(t, "x := 1\n%go get github.com/google/uuid@v1.6.0\nimport \"github.com/google/uuid\""), out); err != nil {
		t.Fatal(err)
	}
	if _, err := (&Executor{Session: s}).Execute(context.Background(), mustParse(t, "%go get -s example.com/m"), out); err != nil {
		t.Fatal(err)
	}
	if len(s.gets) != 2 || s.gets[0] != "github.com/google/uuid@v1.6.0" || s.gets[1] != "-s example.com/m" {
		t.Errorf("GoGet got %q", s.gets)
	}

	out = &fakeOut{}
	if _, err := (&Executor{Session: s}).Execute(context.Background(), mustParse(t, "%hpc"), out); err != nil {
		t.Fatal(err)
	}
	if got := out.text("stdout"); !strings.Contains(got, "%%native:          no: no C compiler\n") {
		t.Errorf("%%hpc printed %q", got)
	}
}

func TestNativeMagicErrors(t *testing.T) {
	for cell, want := range map[string]string{
		"%%native\n\n":                  "line 1: %%native: the cell's body is empty",
		"%%native -x\nfunc F() {}":      "%%native: takes no arguments",
		"%go":                           "%go: the only subcommand is get",
		"%go build .":                   "%go: the only subcommand is get",
		"%go get":                       "get takes one module",
		"%go get a b":                   "get takes one module",
		"x := 1\n%%native\nfunc F() {}": "line 2: cell magic %%native must be on the first line",
	} {
		_, err := Parse(cell)
		var ue *UsageError
		if !errors.As(err, &ue) || !strings.Contains(err.Error(), want) {
			t.Errorf("Parse(%q) = %v, want a UsageError with %q", cell, err, want)
		}
	}
	// A session without Native says so.
	for cell, want := range map[string]string{
		"%%native\nfunc F() {}": "%%native is not available in this session",
		"%go get example.com/m": "%go get is not available in this session",
	} {
		_, err := (&Executor{Session: &fakeSession{}}).Execute(context.Background(), mustParse(t, cell), &fakeOut{})
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: got %v, want %q", cell, err, want)
		}
	}
}

func mustParse(t *testing.T, cell string) Plan {
	t.Helper()
	p, err := Parse(cell)
	if err != nil {
		t.Fatal(err)
	}
	return p
}
