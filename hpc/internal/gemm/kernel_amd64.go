//go:build amd64 && !purego

package gemm

//go:generate go run ./asmgen

// CPU feature detection. This is what golang.org/x/sys/cpu does; it is done
// here because x/sys v0.50.0 needs a go directive of 1.26.0 in go.mod.

func cpuid(eaxArg, ecxArg uint32) (eax, ebx, ecx, edx uint32)
func xgetbv() (eax, edx uint32)

// cpuFeatures reports whether the CPU and the OS support the AVX-512
// (AVX512F) and the AVX2+FMA kernels.
func cpuFeatures() (avx512, avx2fma bool) {
	maxID, _, _, _ := cpuid(0, 0)
	if maxID < 7 {
		return false, false
	}
	_, _, ecx1, _ := cpuid(1, 0)
	const (
		fma     = 1 << 12
		osxsave = 1 << 27
		avx     = 1 << 28
	)
	if ecx1&(osxsave|avx) != osxsave|avx {
		return false, false
	}
	xcr0, _ := xgetbv()
	osAVX := xcr0&0x6 == 0x6      // XMM and YMM state
	osAVX512 := xcr0&0xe6 == 0xe6 // and opmask, ZMM0-15 upper halves, ZMM16-31
	_, ebx7, _, _ := cpuid(7, 0)
	const (
		avx2    = 1 << 5
		avx512f = 1 << 16
	)
	avx2fma = osAVX && ebx7&avx2 != 0 && ecx1&fma != 0
	avx512 = avx2fma && osAVX512 && ebx7&avx512f != 0
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
