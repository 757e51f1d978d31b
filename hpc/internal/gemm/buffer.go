package gemm

import (
	"sync"
	"unsafe"
)

// align is the alignment of packed buffers in bytes: one cache line, and
// one ZMM register.
const align = 64

// buffer is a 64-byte aligned []float64 that lives in a sync.Pool between
// calls: make zeroes what it allocates, and zeroing megabytes per multiply
// costs as much as a small multiply.
type buffer struct{ data []float64 }

var (
	aPool sync.Pool // packed A blocks
	bPool sync.Pool // packed B blocks
)

// getBuffer returns a buffer of length n from pool, allocating if the pooled
// one is missing or too small. Its contents are arbitrary.
func getBuffer(pool *sync.Pool, n int) *buffer {
	if v := pool.Get(); v != nil {
		b := v.(*buffer)
		if cap(b.data) >= n {
			b.data = b.data[:n]
			return b
		}
	}
	raw := make([]float64, n+align/8)
	off := 0
	if rem := uintptr(unsafe.Pointer(unsafe.SliceData(raw))) % align; rem != 0 {
		off = int(align-rem) / 8
	}
	return &buffer{data: raw[off : off+n]}
}

// putBuffer returns b to pool.
func putBuffer(pool *sync.Pool, b *buffer) { pool.Put(b) }
