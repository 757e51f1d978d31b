//go:build !unix

package magic

import (
	"os/exec"
	"time"
)

func cpuTimes() (user, sys time.Duration) { return 0, 0 }

func inOwnGroup(cmd *exec.Cmd) {}

func killGroup(cmd *exec.Cmd) error {
	if cmd.Process == nil {
		return nil
	}
	return cmd.Process.Kill()
}
