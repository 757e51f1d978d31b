package gemm

import (
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
)

// microFn computes one tile of at most MR×NR: it multiplies kc steps of a
// packed A micro-panel (stride MR) by a packed B micro-panel (stride NR) and
// stores the rows of the tile that its table index names into c (row stride
// ldc), overwriting them if acc is 0 and adding to them otherwise.
type microFn func(kc int, a, b, c *float64, ldc int, acc int)

// kernel is one micro-kernel family.
type kernel struct {
	name   string
	mr, nr int
	// fns[r] handles tiles of r rows, 1 ≤ r ≤ mr; all handle nr columns.
	fns []microFn
}

var (
	registry   []*kernel // supported by this CPU, best first; generic last
	defaultKer *kernel
	current    atomic.Pointer[kernel]
	regOnce    sync.Once
)

// register adds k to the kernels this CPU supports, in preference order.
// It is called from init functions only.
func register(k *kernel) { registry = append(registry, k) }

func setup() {
	regOnce.Do(func() {
		registry = append(registry, genericKernel())
		defaultKer = registry[0]
		current.Store(defaultKer)
	})
}

// Kernels returns the names of the micro-kernels this CPU can run, fastest
// first. The last one is always "go-generic".
func Kernels() []string {
	setup()
	names := make([]string, len(registry))
	for i, k := range registry {
		names[i] = k.name
	}
	return names
}

// Kernel returns the name of the micro-kernel in use when Options.Kernel is
// empty, e.g. "go-avx512".
func Kernel() string {
	setup()
	return current.Load().name
}

// SetKernel selects the micro-kernel used when Options.Kernel is empty and
// returns the name of the previous one. An empty name restores the fastest
// kernel this CPU supports. SetKernel returns an error if the CPU cannot run
// the named kernel.
func SetKernel(name string) (prev string, err error) {
	setup()
	k := defaultKer
	if name != "" {
		if k = lookup(name); k == nil {
			return Kernel(), fmt.Errorf("gemm: kernel %q not supported here (have %s)", name, strings.Join(Kernels(), ", "))
		}
	}
	return current.Swap(k).name, nil
}

func lookup(name string) *kernel {
	for _, k := range registry {
		if k.name == name {
			return k
		}
	}
	return nil
}
