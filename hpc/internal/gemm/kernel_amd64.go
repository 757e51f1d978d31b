//go:build amd64 && !purego

package gemm

//go:generate go run ./asmgen

import "golang.org/x/sys/cpu"

// cpuid reads the cache descriptors for l2Bytes; feature detection is
// golang.org/x/sys/cpu's.
func cpuid(eaxArg, ecxArg uint32) (eax, ebx, ecx, edx uint32)

// cpuFeatures reports whether the CPU and the OS support the AVX-512
// (AVX512F) and the AVX2+FMA kernels.
func cpuFeatures() (avx512, avx2fma bool) {
	avx2fma = cpu.X86.HasAVX2 && cpu.X86.HasFMA
	avx512 = avx2fma && cpu.X86.HasAVX512F
	return avx512, avx2fma
}

// l2Bytes returns the size of one core's L2 cache from CPUID's cache
// descriptors (leaf 4 on Intel, 0x8000001D on AMD and Hygon), or 0 if the
// CPU does not describe it.
func l2Bytes() int {
	maxID, vendor, _, _ := cpuid(0, 0)
	leaf := uint32(4)
	const auth, hygo = 0x68747541, 0x6f677948 // "Auth"enticAMD, "Hygo"nGenuine
	if vendor == auth || vendor == hygo {
		maxExt, _, _, _ := cpuid(0x80000000, 0)
		_, _, ecx, _ := cpuid(0x80000001, 0)
		const topoext = 1 << 22
		if maxExt < 0x8000001d || ecx&topoext == 0 {
			return 0
		}
		leaf = 0x8000001d
	} else if maxID < 4 {
		return 0
	}
	for i := uint32(0); i < 16; i++ {
		eax, ebx, ecx, _ := cpuid(leaf, i)
		typ, level := eax&0x1f, eax>>5&7
		if typ == 0 {
			break
		}
		if level == 2 && (typ == 2 || typ == 3) { // data or unified
			ways, parts, line := ebx>>22+1, ebx>>12&0x3ff+1, ebx&0xfff+1
			return int(ways) * int(parts) * int(line) * int(ecx+1)
		}
	}
	return 0
}

func init() {
	l2Size = l2Bytes()
	avx512, avx2fma := cpuFeatures()
	if avx512 {
		register(&kernel{name: "go-avx512", mr: mrAVX512, nr: nrAVX512, fns: kernAVX512[:]})
	}
	if avx2fma {
		register(&kernel{name: "go-avx2", mr: mrAVX2, nr: nrAVX2, fns: kernAVX2[:]})
	}
}
