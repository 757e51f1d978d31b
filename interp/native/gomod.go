package native

import (
	"bufio"
	"bytes"
	"fmt"
	"strings"
)

// kernelModule is the kernel's module path.
const kernelModule = "github.com/gohpc/gohpc"

// scratchModule is the module path of the scratch module plugins are built in.
const scratchModule = "gohpc.native"

// scratchGoMod turns the kernel's go.mod into the scratch module's: the
// same go version and requirements (so plugins see the kernel's exact
// versions), plus gohpc itself replaced by its source tree when known. It
// also returns the kernel's requirements, module path to version.
func scratchGoMod(kernel []byte, srcDir string) ([]byte, map[string]string, error) {
	base := map[string]string{}
	var b bytes.Buffer
	inReq, sawModule := false, false
	sc := bufio.NewScanner(bytes.NewReader(kernel))
	for sc.Scan() {
		line := sc.Text()
		t := strings.TrimSpace(line)
		if c := strings.Index(t, "//"); c >= 0 {
			t = strings.TrimSpace(t[:c])
		}
		switch {
		case strings.HasPrefix(t, "module "):
			sawModule = true
			fmt.Fprintf(&b, "module %s\n", scratchModule)
			continue
		case t == "require (":
			inReq = true
		case inReq && t == ")":
			inReq = false
		case inReq && t != "":
			if f := strings.Fields(t); len(f) >= 2 {
				base[f[0]] = f[1]
			}
		case strings.HasPrefix(t, "require "):
			if f := strings.Fields(strings.TrimPrefix(t, "require ")); len(f) >= 2 {
				base[f[0]] = f[1]
			}
		case strings.HasPrefix(t, "replace ") || strings.HasPrefix(t, "replace("):
			return nil, nil, fmt.Errorf("replace directives in the kernel's go.mod are not supported")
		}
		b.WriteString(line)
		b.WriteByte('\n')
	}
	if !sawModule {
		return nil, nil, fmt.Errorf("no module line")
	}
	if srcDir != "" {
		fmt.Fprintf(&b, "\nrequire %s v0.0.0-00010101000000-000000000000\n\nreplace %s => %s\n", kernelModule, kernelModule, srcDir)
	}
	return b.Bytes(), base, nil
}

// requires parses the require lines of a go.mod.
func requires(mod []byte) map[string]string {
	_, base, err := scratchGoMod(mod, "")
	if err != nil {
		return nil
	}
	return base
}
