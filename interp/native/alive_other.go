//go:build !unix

package native

func processAlive(pid int) bool { return true }
