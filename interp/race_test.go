//go:build race

package interp

// raceEnabled: yaegi v0.16.1 has data races of its own when interpreted
// goroutines outlive their cell or closures run concurrently (a goroutine
// left blocked in native code by an interrupt, a funclit's frame written
// after each call); the tests that provoke them skip under -race and run
// in make test's plain pass.
const raceEnabled = true
