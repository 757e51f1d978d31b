// Command gohpc-mpi is the MPI worker of hpc.LocateMPI on its own: the
// `mpi-worker JOB OUT` subcommand of gohpc, without the kernel. Build it with
// the MPI it will run under,
//
//	go build -tags mpi   -o gohpc-mpi-openmpi ./hpc/mpi/cmd/gohpc-mpi
//	go build -tags mpich -o gohpc-mpi-mpich   ./hpc/mpi/cmd/gohpc-mpi
//
// which is what hpc.LocateMPI does on first use (see MPIOptions.Worker). It
// links hpc and MPI only, so it builds in seconds and is small to copy to
// other hosts; `gohpc mpi-worker`, in a gohpc built with the same tag, is
// the same program.
package main

import (
	"fmt"
	"os"

	"github.com/gohpc/gohpc/hpc/mpi"
	"github.com/gohpc/gohpc/hpc/mpi/worker"
)

func main() {
	args := os.Args[1:]
	switch {
	case len(args) == 1 && args[0] == "version":
		fmt.Println("gohpc-mpi: MPI worker built with", mpi.Impl)
		return
	case len(args) == 0 || args[0] != "mpi-worker":
		fmt.Fprintln(os.Stderr, "usage: gohpc-mpi mpi-worker JOB OUT | gohpc-mpi version")
		os.Exit(2)
	}
	os.Exit(worker.Main(args[1:], os.Stdout, os.Stderr))
}
