package lastwords

import (
	"os"

	"golang.org/x/sys/unix"
)

// growPipe sets the capacity of f's pipe to at least size bytes.
func growPipe(f *os.File, size int) error {
	_, err := unix.FcntlInt(f.Fd(), unix.F_SETPIPE_SZ, size)
	return err
}
