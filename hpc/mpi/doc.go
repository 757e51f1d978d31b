// Package mpi is a small wrapper over the MPI C API for the SPMD programs
// gohpc starts with mpirun or mpiexec: initialisation, rank and size, and
// the few collectives a scatter–compute–gather job needs, on float64 slices
// and on bytes.
//
// # Build tags
//
// The MPI library is chosen at build time:
//
//	go build -tags mpi   …   Open MPI (cgo, pkg-config ompi-c; Debian libopenmpi-dev)
//	go build -tags mpich …   MPICH    (cgo, pkg-config mpich;  Debian libmpich-dev)
//	go build             …   no MPI: a single-process stand-in, pure Go
//
// Each #cgo pkg-config line is in a file of its own, selected by its tag, and
// the C glue is shared; building with both tags is a compile error. Without a
// tag the package has no cgo at all, so that everything that imports it
// builds everywhere, and a program behaves as a one-process MPI job: Rank is
// 0, Size is 1 and the collectives copy. Impl tells which build this is.
//
// A binary must be started by the launcher of the MPI it was built with
// (mpirun.openmpi for -tags mpi, mpiexec.mpich for -tags mpich). Started by
// the other one, or built without MPI, every process would believe it is
// the only one; Init detects this from the launcher's environment and
// returns an error instead.
//
// # Threads
//
// All MPI calls are made from one OS thread: Init starts a goroutine locked
// to its thread, initialises MPI there with MPI_Init_thread at level
// MPI_THREAD_FUNNELED, and every later call of this package, from any
// goroutine, is run on that thread, one at a time; Finalize ends it. The
// rest of the program is free to use all its cores (the hpc pool does).
//
// # Contract
//
// Init must be called once, before any other function but Impl; Finalize
// once, after the last call. Calls before Init or after Finalize panic. The
// collectives are the MPI ones on MPI_COMM_WORLD and must be called by every
// process, in the same order, with matching arguments:
//
//   - Bcast, BcastFloat64: buf has the same length on every process; on
//     root it is the data, elsewhere it receives it. BcastBytes sends a
//     slice whose length only root knows.
//   - Scatterv: counts (one per process, on every process) give the number
//     of elements each process receives, taken in rank order from
//     contiguous runs of send (read on root only, len = Σcounts); recv has
//     length counts[Rank()].
//   - Gatherv: the inverse; recv (root only) has length Σcounts.
//   - Allreduce: out = op over all processes of in, element by element, on
//     every process; in and out have the same length and may be the same.
//
// Programmer errors (lengths that do not match, a bad root or op) panic with
// a message prefixed "mpi:"; counts and offsets must fit in a C int, and
// Bcast splits larger buffers itself. MPI's own failures keep MPI's default
// handler, MPI_ERRORS_ARE_FATAL: the library aborts the whole job and the
// launcher reports it, which is what a job wants (a process that returned
// would leave the others waiting in a collective). The error results are
// for the stand-in and for MPI libraries configured otherwise.
//
// Abort ends every process of the job from any one of them.
package mpi
