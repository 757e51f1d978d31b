package main

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
)

// version is the gohpc release; the build stamps it with -ldflags "-X main.version=…".
var version = "0.1.0-dev"

func init() {
	c := &command{name: "version", summary: "print the gohpc, Go and platform versions"}
	c.run = func(args []string, stdout, stderr io.Writer) int {
		fs := newFlagSet(c, stderr)
		if code, ok := parseFlags(fs, args); !ok {
			return code
		}
		fmt.Fprintf(stdout, "gohpc %s (%s, %s/%s%s)\n", version, runtime.Version(), runtime.GOOS, runtime.GOARCH, vcsSuffix())
		return 0
	}
	register(c)
}

// vcsSuffix returns ", commit abc1234" when the binary records its commit.
func vcsSuffix() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return ""
	}
	var rev, dirty string
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			if len(s.Value) > 7 {
				rev = s.Value[:7]
			} else {
				rev = s.Value
			}
		case "vcs.modified":
			if s.Value == "true" {
				dirty = "+dirty"
			}
		}
	}
	if rev == "" {
		return ""
	}
	return ", commit " + rev + dirty
}
