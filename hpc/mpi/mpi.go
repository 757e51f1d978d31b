package mpi

import (
	"errors"
	"fmt"
	"math"
	"os"
	"runtime"
	"strconv"
	"sync"
)

// Op is a reduction operation of Allreduce.
type Op int

// The reduction operations.
const (
	Sum Op = iota // MPI_SUM
	Max           // MPI_MAX
	Min           // MPI_MIN
)

// maxCount is the largest count MPI takes (a C int).
const maxCount = math.MaxInt32

// bcastChunk is the largest piece Bcast sends in one MPI call.
const bcastChunk = 1 << 30

var (
	mu         sync.Mutex
	state      int // 0: not initialised, 1: running, 2: finalised
	calls      chan func()
	rank, size int
	library    string
)

// Init initialises MPI on a new OS thread that makes every MPI call of the
// process (see the package documentation). It returns an error if Init was
// called before, if MPI fails to start, if the library cannot give
// MPI_THREAD_FUNNELED, or if the process was started by a launcher for more
// processes than MPI reports (a binary built for the other MPI, or without
// MPI).
func Init() error {
	mu.Lock()
	defer mu.Unlock()
	if state != 0 {
		return errors.New("mpi: Init called twice")
	}
	calls = make(chan func())
	errc := make(chan error)
	go func() {
		// The goroutine keeps its thread to the end: Go then discards the
		// thread, and no other goroutine ever runs on an MPI thread.
		runtime.LockOSThread()
		r, s, lib, err := implInit()
		if err == nil {
			rank, size, library = r, s, lib
			if n := launcherSize(); n > 1 && s == 1 {
				implFinalize()
				err = mismatch(n)
			}
		}
		errc <- err
		if err != nil {
			return
		}
		for f := range calls {
			f()
		}
	}()
	if err := <-errc; err != nil {
		state = 2
		return err
	}
	state = 1
	return nil
}

// mismatch is Init's error when the launcher started n processes but MPI
// reports one.
func mismatch(n int) error {
	if Impl == "none" {
		return fmt.Errorf("mpi: started by an MPI launcher for %d processes, but this binary was built without MPI (build it with -tags mpi for Open MPI or -tags mpich for MPICH)", n)
	}
	other := map[string]string{"openmpi": "MPICH's mpiexec", "mpich": "Open MPI's mpirun"}[Impl]
	return fmt.Errorf("mpi: started by an MPI launcher for %d processes, but MPI reports 1: this binary uses %s (%s), so it must be started by that library's launcher, not %s", n, Impl, library, other)
}

// launcherSize is the number of processes the launcher's environment
// announces (Open MPI's mpirun, MPICH's Hydra), or 0.
func launcherSize() int {
	for _, v := range []string{"OMPI_COMM_WORLD_SIZE", "PMI_SIZE"} {
		if n, err := strconv.Atoi(os.Getenv(v)); err == nil && n > 0 {
			return n
		}
	}
	return 0
}

// Finalize ends MPI and the thread Init started. It returns an error if MPI
// is not running.
func Finalize() error {
	mu.Lock()
	defer mu.Unlock()
	if state != 1 {
		return errors.New("mpi: Finalize without Init, or called twice")
	}
	var err error
	do(func() { err = implFinalize() })
	close(calls)
	state = 2
	return err
}

// do runs f on the MPI thread and waits for it.
func do(f func()) {
	done := make(chan struct{})
	calls <- func() { f(); close(done) }
	<-done
}

// running panics unless MPI is running.
func running(name string) {
	mu.Lock()
	s := state
	mu.Unlock()
	if s != 1 {
		panic("mpi: " + name + " called before Init or after Finalize")
	}
}

// Rank is this process's rank in MPI_COMM_WORLD, 0 ≤ Rank() < Size().
func Rank() int { running("Rank"); return rank }

// Size is the number of processes in MPI_COMM_WORLD.
func Size() int { running("Size"); return size }

// Library is the MPI library's version string (MPI_Get_library_version),
// or a description of the stand-in.
func Library() string { running("Library"); return library }

func checkRoot(name string, root int) {
	if root < 0 || root >= size {
		panic(fmt.Sprintf("mpi: %s: root %d out of range [0, %d)", name, root, size))
	}
}

// Bcast broadcasts buf from root to every process. buf must have the same
// length everywhere; buffers over 1 GiB are sent in pieces.
func Bcast(buf []byte, root int) error {
	running("Bcast")
	checkRoot("Bcast", root)
	for len(buf) > 0 {
		n := min(len(buf), bcastChunk)
		var err error
		do(func() { err = implBcastBytes(buf[:n], root) })
		if err != nil {
			return err
		}
		buf = buf[n:]
	}
	return nil
}

// BcastFloat64 broadcasts buf from root to every process. buf must have the
// same length everywhere.
func BcastFloat64(buf []float64, root int) error {
	running("BcastFloat64")
	checkRoot("BcastFloat64", root)
	for len(buf) > 0 {
		n := min(len(buf), bcastChunk/8)
		var err error
		do(func() { err = implBcastFloat64(buf[:n], root) })
		if err != nil {
			return err
		}
		buf = buf[n:]
	}
	return nil
}

// BcastBytes broadcasts data, whose length only root needs to know, from
// root: root gets data back, the other processes a copy.
func BcastBytes(data []byte, root int) ([]byte, error) {
	running("BcastBytes")
	checkRoot("BcastBytes", root)
	n := []float64{float64(len(data))}
	if err := BcastFloat64(n, root); err != nil {
		return nil, err
	}
	if rank != root {
		data = make([]byte, int(n[0]))
	}
	if err := Bcast(data, root); err != nil {
		return nil, err
	}
	return data, nil
}

// layout checks counts and returns them and their offsets as C-sized ints.
func layout(name string, counts []int) (cnt, off []int32, total int) {
	if len(counts) != size {
		panic(fmt.Sprintf("mpi: %s: %d counts for %d processes", name, len(counts), size))
	}
	cnt = make([]int32, size)
	off = make([]int32, size)
	for i, c := range counts {
		if c < 0 || c > maxCount || total > maxCount {
			panic(fmt.Sprintf("mpi: %s: count %d (offset %d) of process %d out of range", name, c, total, i))
		}
		cnt[i], off[i] = int32(c), int32(total)
		total += c
	}
	return cnt, off, total
}

// Scatterv sends counts[i] elements of send, taken in rank order, to process
// i, which receives them into recv. send is read on root only and must hold
// Σcounts elements there; recv must have length counts[Rank()].
func Scatterv(send []float64, counts []int, recv []float64, root int) error {
	running("Scatterv")
	checkRoot("Scatterv", root)
	cnt, off, total := layout("Scatterv", counts)
	if rank == root && len(send) != total {
		panic(fmt.Sprintf("mpi: Scatterv: send has %d elements, counts sum to %d", len(send), total))
	}
	if len(recv) != counts[rank] {
		panic(fmt.Sprintf("mpi: Scatterv: recv has %d elements, counts[%d] is %d", len(recv), rank, counts[rank]))
	}
	if rank != root {
		send = nil
	}
	var err error
	do(func() { err = implScatterv(send, cnt, off, recv, root) })
	return err
}

// Gatherv collects the send slices of every process into recv on root, in
// rank order: counts[i] elements from process i. send must have length
// counts[Rank()]; recv is used on root only and must hold Σcounts elements
// there.
func Gatherv(send []float64, recv []float64, counts []int, root int) error {
	running("Gatherv")
	checkRoot("Gatherv", root)
	cnt, off, total := layout("Gatherv", counts)
	if len(send) != counts[rank] {
		panic(fmt.Sprintf("mpi: Gatherv: send has %d elements, counts[%d] is %d", len(send), rank, counts[rank]))
	}
	if rank == root && len(recv) != total {
		panic(fmt.Sprintf("mpi: Gatherv: recv has %d elements, counts sum to %d", len(recv), total))
	}
	if rank != root {
		recv = nil
	}
	var err error
	do(func() { err = implGatherv(send, recv, cnt, off, root) })
	return err
}

// Allreduce sets out[i] to op over every process of in[i]. in and out must
// have the same length; they may be the same slice.
func Allreduce(in, out []float64, op Op) error {
	running("Allreduce")
	if len(in) != len(out) {
		panic(fmt.Sprintf("mpi: Allreduce: len(in) = %d, len(out) = %d", len(in), len(out)))
	}
	if op < Sum || op > Min {
		panic(fmt.Sprintf("mpi: Allreduce: unknown op %d", op))
	}
	if len(in) > maxCount {
		panic(fmt.Sprintf("mpi: Allreduce: %d elements, more than %d", len(in), maxCount))
	}
	if len(in) > 0 && &in[0] == &out[0] {
		in = append([]float64(nil), in...)
	}
	var err error
	do(func() { err = implAllreduce(in, out, op) })
	return err
}

// Abort ends every process of the job with the given exit code
// (MPI_Abort). It does not return.
func Abort(code int) {
	running("Abort")
	do(func() { implAbort(code) })
	os.Exit(code) // the stand-in, or an MPI whose Abort returned
}
