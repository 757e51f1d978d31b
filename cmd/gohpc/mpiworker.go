package main

import (
	"io"

	"github.com/gohpc/gohpc/hpc/mpi/worker"
)

// mpi-worker is the SPMD program hpc.LocateMPI starts under mpirun or
// mpiexec. It needs a binary built with MPI (go build -tags mpi for Open
// MPI, -tags mpich for MPICH); in the default build, which has no MPI, it
// runs as a one-process job and refuses to start under a launcher of more
// processes.
func init() {
	c := &command{
		name:    "mpi-worker",
		usage:   "JOB OUT",
		summary: "locate the events of a job file over MPI and write the result file (started by mpirun for hpc.LocateMPI)",
	}
	c.run = func(args []string, stdout, stderr io.Writer) int {
		fs := newFlagSet(c, stderr)
		if code, ok := parseFlags(fs, args); !ok {
			return code
		}
		return worker.Main(fs.Args(), stdout, stderr)
	}
	register(c)
}
