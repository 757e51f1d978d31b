//go:build mpi && !mpich

package mpi

// #cgo pkg-config: ompi-c
import "C"

// Impl names the MPI library this package was built with: "openmpi",
// "mpich", or "none" for the single-process stand-in.
const Impl = "openmpi"
