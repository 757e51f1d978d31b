//go:build amd64 && !purego

package gemm

import (
	"fmt"
	"os"
	"slices"
	"strconv"
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

// TestL2Size checks the L2 size read from CPUID against Linux's sysfs.
func TestL2Size(t *testing.T) {
	var want int
	for i := 0; i < 8; i++ {
		dir := fmt.Sprintf("/sys/devices/system/cpu/cpu0/cache/index%d/", i)
		level, err1 := os.ReadFile(dir + "level")
		typ, err2 := os.ReadFile(dir + "type")
		size, err3 := os.ReadFile(dir + "size")
		if err1 != nil || err2 != nil || err3 != nil {
			continue
		}
		if strings.TrimSpace(string(level)) != "2" || strings.TrimSpace(string(typ)) == "Instruction" {
			continue
		}
		s := strings.TrimSpace(string(size))
		mult := 1
		switch {
		case strings.HasSuffix(s, "K"):
			mult, s = 1<<10, strings.TrimSuffix(s, "K")
		case strings.HasSuffix(s, "M"):
			mult, s = 1<<20, strings.TrimSuffix(s, "M")
		}
		n, err := strconv.Atoi(s)
		if err != nil {
			t.Fatalf("%ssize: %q", dir, size)
		}
		want = n * mult
	}
	if want == 0 {
		t.Skip("no L2 in /sys/devices/system/cpu/cpu0/cache")
	}
	if l2Size != want {
		t.Errorf("L2 from CPUID is %d bytes, sysfs says %d", l2Size, want)
	}
	t.Logf("L2 %d KiB: NC %d for KC %d", l2Size>>10, ncFor(l2Size, DefaultKC), DefaultKC)
}
