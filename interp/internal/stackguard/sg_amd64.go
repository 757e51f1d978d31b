//go:build amd64

package stackguard

import "unsafe"

const supported = true

func getg() unsafe.Pointer
func getsp() uintptr

// stack mirrors the first field of the runtime's g: the stack bounds.
type stack struct{ lo, hi uintptr }

func used() uintptr {
	s := (*stack)(getg())
	return s.hi - getsp()
}

func g() uintptr { return uintptr(getg()) }
