//go:build !linux

package interp

import "syscall"

func dup2(oldfd, newfd int) error { return syscall.Dup2(oldfd, newfd) }

// fionread is the ioctl that counts a pipe's unread bytes: FIONREAD,
// _IOR('f', 127, int), on macOS and the BSDs.
const fionread = 0x4004667f
