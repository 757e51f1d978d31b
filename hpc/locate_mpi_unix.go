//go:build unix

package hpc

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// newProcessGroup makes cmd the leader of a new process group, so that the
// launcher and what stays in its group can be signalled together.
func newProcessGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
}

// procID identifies a process across pid reuse: its pid and start time.
type procID struct {
	pid   int
	start string
}

// jobProcesses returns the descendants of pid, from /proc (none where
// there is no /proc). MPI launchers put every process they start in a
// process group, even a session, of its own, so the launcher's group does
// not hold them.
func jobProcesses(pid int) []procID {
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	children := map[int][]procID{}
	for _, f := range stats {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		id, ppid, ok := parseStat(string(b))
		if ok {
			children[ppid] = append(children[ppid], id)
		}
	}
	var out []procID
	queue := []int{pid}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		for _, c := range children[p] {
			out = append(out, c)
			queue = append(queue, c.pid)
		}
	}
	return out
}

// parseStat reads the pid, start time and parent pid from /proc/PID/stat.
func parseStat(s string) (procID, int, bool) {
	i := strings.LastIndexByte(s, ')') // the command name may hold anything
	if i < 0 {
		return procID{}, 0, false
	}
	pid, err := strconv.Atoi(strings.TrimSpace(s[:strings.IndexByte(s, ' ')]))
	f := strings.Fields(s[i+1:]) // state, ppid, …; start time is field 22 of stat
	if err != nil || len(f) < 20 {
		return procID{}, 0, false
	}
	ppid, err := strconv.Atoi(f[1])
	if err != nil {
		return procID{}, 0, false
	}
	return procID{pid, f[19]}, ppid, true
}

// alive reports whether p is still the process it was.
func (p procID) alive() bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(p.pid) + "/stat")
	if err != nil {
		return false
	}
	id, _, ok := parseStat(string(b))
	return ok && id == p
}

// signalJob sends SIGTERM (which MPI launchers forward to their processes
// before they exit) or SIGKILL to the launcher and its process group unless
// the launcher has exited, and with SIGKILL also to the processes in procs
// that are still alive.
func signalJob(cmd *exec.Cmd, procs []procID, hard, exited bool) {
	sig := syscall.SIGTERM
	if hard {
		sig = syscall.SIGKILL
	}
	if !exited {
		syscall.Kill(-cmd.Process.Pid, sig)
		cmd.Process.Signal(sig)
	}
	if hard {
		for _, p := range procs {
			if p.alive() {
				syscall.Kill(p.pid, sig)
			}
		}
	}
}
