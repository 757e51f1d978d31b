//go:build race

package hpc

const raceEnabled = true
