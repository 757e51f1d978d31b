package gemm

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// barrier is a reusable rendezvous for the workers of one Dgemm call. The
// workers spin briefly (a block of a parallel product lasts microseconds to
// milliseconds, and waking a parked goroutine costs tens of microseconds),
// then block on a channel so a descheduled peer does not burn a core.
type barrier struct {
	mu    sync.Mutex
	n     int // participants still running
	count int // arrived in the current generation
	gen   *generation
}

type generation struct {
	done atomic.Bool
	ch   chan struct{}
	stop bool // written before done is set
}

// spinRounds bounds the busy-wait before a waiter blocks.
const spinRounds = 2000

func newBarrier(n int) *barrier {
	return &barrier{n: n, gen: &generation{ch: make(chan struct{})}}
}

// wait blocks until all participants have called wait (or left). The last
// one to arrive runs last, whose result every participant returns: whether
// to stop.
func (b *barrier) wait(last func() bool) bool {
	b.mu.Lock()
	g := b.gen
	b.count++
	if b.count >= b.n {
		return b.release(last)
	}
	b.mu.Unlock()
	for i := 0; i < spinRounds && !g.done.Load(); i++ {
		if i >= 50 {
			runtime.Gosched()
		}
	}
	if !g.done.Load() {
		<-g.ch
	}
	return g.stop
}

// leave removes a participant that will not call wait again (it panicked),
// releasing the others if they were waiting only for it.
func (b *barrier) leave(last func() bool) {
	b.mu.Lock()
	b.n--
	if b.count > 0 && b.count >= b.n {
		b.release(last)
		return
	}
	b.mu.Unlock()
}

// release ends the current generation; b.mu is held and is unlocked.
func (b *barrier) release(last func() bool) bool {
	g := b.gen
	g.stop = last()
	b.count = 0
	b.gen = &generation{ch: make(chan struct{})}
	g.done.Store(true)
	b.mu.Unlock()
	close(g.ch)
	return g.stop
}
