//go:build mpi && mpich

package mpi

// Building with both tags would link two MPI libraries: stop the build.
const _ = buildWithEitherTagMpiOrTagMpichNotBoth
