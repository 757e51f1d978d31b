// Package gohpc holds the files that the gohpc binary carries with it: the
// kernelspec template and logos that `gohpc install` writes, and the module's
// go.mod and go.sum, so that code built for the kernel at run time can match
// the kernel's exact dependency versions.
//
// The Go packages of the project live below: kernel (the Jupyter protocol),
// interp (the Go interpreter session), display (rich output), hpc (native
// parallel primitives) and cmd/gohpc (the command).
package gohpc

import _ "embed"

// KernelSpecTemplate is kernel.json with "{binary}" standing for the absolute
// path of the gohpc binary; "{connection_file}" is left for Jupyter to fill.
//
//go:embed kernel.json
var KernelSpecTemplate []byte

// Logo32 and Logo64 are the kernelspec logos (PNG).
var (
	//go:embed logo-32x32.png
	Logo32 []byte
	//go:embed logo-64x64.png
	Logo64 []byte
)

// GoMod and GoSum are the module files the kernel was built from.
var (
	//go:embed go.mod
	GoMod []byte
	//go:embed go.sum
	GoSum []byte
)
