package main

import (
	"io"
	"os"

	"github.com/gohpc/gohpc/internal/lastwords"
)

// lastwords is the witness the kernel starts beside itself: if the kernel
// dies of a fatal runtime error, it copies the reason, left unread in the
// kernel's captured stderr, to the kernel's log.
func init() {
	c := &command{
		name:    "lastwords",
		usage:   "",
		summary: "keep a dying kernel's last stderr lines for its log (started by the kernel)",
	}
	c.run = func(args []string, stdout, stderr io.Writer) int {
		fs := newFlagSet(c, stderr)
		if code, ok := parseFlags(fs, args); !ok {
			return code
		}
		if fs.NArg() > 0 {
			fs.Usage()
			return 2
		}
		return lastwords.Serve(os.Stderr)
	}
	register(c)
}
