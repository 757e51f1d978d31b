// Package stackguard reads the bounds of the running goroutine's stack, so
// that interpreted code can be stopped before Go's own stack limit turns deep
// recursion into a fatal error.
package stackguard

// Supported reports whether Used measures anything on this platform.
const Supported = supported

// Used returns the bytes of stack the calling goroutine uses, or 0 where
// the platform is not supported.
func Used() uintptr { return used() }

// G returns an identifier of the calling goroutine, unique among the live
// ones (0 where unsupported).
func G() uintptr { return g() }
