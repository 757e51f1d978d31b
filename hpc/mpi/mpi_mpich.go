//go:build mpich && !mpi

package mpi

// #cgo pkg-config: mpich
import "C"

// Impl names the MPI library this package was built with: "openmpi",
// "mpich", or "none" for the single-process stand-in.
const Impl = "mpich"
