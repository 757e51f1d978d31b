package gemm

import (
	"syscall"
	"time"
)

// threadCPU returns the CPU time of the calling OS thread (lock it first).
// On a machine shared with other work it measures the code, not the
// scheduler: the benchmarks report it next to wall-clock GFLOP/s.
func threadCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(1 /* RUSAGE_THREAD */, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
