//go:build !race

package hpc

const raceEnabled = false
