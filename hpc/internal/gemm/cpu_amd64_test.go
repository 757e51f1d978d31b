//go:build amd64 && !purego

package gemm

import (
	"os"
	"slices"
	"strings"
	"testing"
)

// TestCPUFeatures checks the CPUID/XGETBV detection against the flags the
// Linux kernel reports (it clears avx512f and avx2 when the OS does not
// save their registers), and that the kernels registered follow from them.
func TestCPUFeatures(t *testing.T) {
	info, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		t.Skip("no /proc/cpuinfo")
	}
	var flags []string
	for _, line := range strings.Split(string(info), "\n") {
		if name, val, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(name) == "flags" {
			flags = strings.Fields(val)
			break
		}
	}
	if flags == nil {
		t.Skip("no flags line in /proc/cpuinfo")
	}
	has := func(f string) bool { return slices.Contains(flags, f) }
	avx512, avx2fma := cpuFeatures()
	if want := has("avx512f") && has("avx2") && has("fma"); avx512 != want {
		t.Errorf("AVX-512 detected %v, /proc/cpuinfo says %v", avx512, want)
	}
	if want := has("avx2") && has("fma"); avx2fma != want {
		t.Errorf("AVX2+FMA detected %v, /proc/cpuinfo says %v", avx2fma, want)
	}
	var want []string
	if avx512 {
		want = append(want, "go-avx512")
	}
	if avx2fma {
		want = append(want, "go-avx2")
	}
	want = append(want, "go-generic")
	if got := Kernels(); !slices.Equal(got, want) {
		t.Errorf("Kernels() = %v, want %v", got, want)
	}
	t.Logf("kernels: %v", Kernels())
}
