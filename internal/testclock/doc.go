// Package testclock is a clock for tests that moves only when told, for
// code that takes its time from a Now func (timing magics, progress bars).
package testclock
