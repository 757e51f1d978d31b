//go:build !mpi && !mpich

package mpi

// Impl names the MPI library this package was built with: "openmpi",
// "mpich", or "none" for the single-process stand-in.
const Impl = "none"

// The single-process stand-in: rank 0 of 1, collectives are copies.

func implInit() (rank, size int, lib string, err error) {
	return 0, 1, "none (single-process stand-in; build with -tags mpi or -tags mpich for MPI)", nil
}

func implFinalize() error                            { return nil }
func implBcastBytes(buf []byte, root int) error      { return nil }
func implBcastFloat64(buf []float64, root int) error { return nil }
func implAbort(code int)                             {}

func implScatterv(send []float64, cnt, off []int32, recv []float64, root int) error {
	copy(recv, send[off[0]:off[0]+cnt[0]])
	return nil
}

func implGatherv(send, recv []float64, cnt, off []int32, root int) error {
	copy(recv[off[0]:off[0]+cnt[0]], send)
	return nil
}

func implAllreduce(in, out []float64, op Op) error {
	copy(out, in)
	return nil
}
