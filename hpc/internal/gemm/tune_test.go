package gemm

import (
	"fmt"
	"os"
	"testing"
)

// BenchmarkTune times one configuration given by GEMM_TUNE="kernel n MC KC NC NB".
func BenchmarkTune(b *testing.B) {
	spec := os.Getenv("GEMM_TUNE")
	if spec == "" {
		b.Skip("GEMM_TUNE not set")
	}
	var kernel string
	var n, mc, kc, nc, nb int
	fmt.Sscan(spec, &kernel, &n, &mc, &kc, &nc, &nb)
	benchGemm(b, n, &Options{Kernel: kernel, Workers: 1, MC: mc, KC: kc, NC: nc, NB: nb})
}
