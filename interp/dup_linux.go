package interp

import (
	"syscall"

	"golang.org/x/sys/unix"
)

func dup2(oldfd, newfd int) error { return syscall.Dup3(oldfd, newfd, 0) }

// fionread is the ioctl that counts a pipe's unread bytes.
const fionread = unix.TIOCINQ
