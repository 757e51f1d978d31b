package interp

import (
	"context"
	"testing"

	"github.com/gohpc/gohpc/kernel"
)

func BenchmarkNew(b *testing.B) {
	for i := 0; i < b.N; i++ {
		s, err := New(Options{})
		if err != nil {
			b.Fatal(err)
		}
		s.Close()
	}
}

func BenchmarkExecuteTrivial(b *testing.B) { benchmarkExecuteTrivial(b, Options{}) }

// BenchmarkExecuteTrivialCaptured is BenchmarkExecuteTrivial with fds 1 and
// 2 captured, as in the kernel: the end-of-cell drain of the pipes included.
func BenchmarkExecuteTrivialCaptured(b *testing.B) {
	benchmarkExecuteTrivial(b, Options{CaptureFDs: true})
}

// benchmarkExecuteTrivial times a cell that does nothing but return 1.
func benchmarkExecuteTrivial(b *testing.B, opts Options) {
	s, err := New(opts)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	out := newFakeOutput()
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := s.Execute(ctx, kernel.ExecuteRequest{Code: "1", ExecutionCount: i + 1}, out); err != nil {
			b.Fatal(err)
		}
	}
}
