//go:build !unix

package hpc

import "os/exec"

type procID struct{}

func newProcessGroup(cmd *exec.Cmd) {}
func jobProcesses(pid int) []procID { return nil }

// signalJob kills the launcher; without process groups, what it started is
// left to it.
func signalJob(cmd *exec.Cmd, procs []procID, hard, exited bool) {
	if !exited {
		cmd.Process.Kill()
	}
}
