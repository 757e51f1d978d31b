//go:build linux

package hpc

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// netnsHost is a second "host" on this machine: a network namespace joined
// to this one by a veth pair, with a UTS namespace of its own for each
// process started in it, so that MPI sees another node with another name
// and an address reached over the veth link.
type netnsHost struct {
	ns, name      string
	local, remote string // the addresses of this end and of the host
	subnet        string
	agent         string // the ssh stand-in that runs commands in the host
}

// run runs a command and fails the test with its output if it fails.
func runCmd(t *testing.T, args ...string) {
	t.Helper()
	if out, err := exec.Command(args[0], args[1:]...).CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// newNetnsHost makes the namespace, the link and the agent, or skips the
// test where that is not possible (not root, no ip or unshare).
func newNetnsHost(t *testing.T) *netnsHost {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: skipping the two-host test")
	}
	if os.Geteuid() != 0 {
		t.Skip("the two-host test makes network namespaces: it needs root")
	}
	for _, c := range []string{"ip", "unshare"} {
		if _, err := exec.LookPath(c); err != nil {
			t.Skipf("%s not found (Debian: iproute2, util-linux): skipping the two-host test", c)
		}
	}
	pid := os.Getpid()
	h := &netnsHost{
		ns:   fmt.Sprintf("gohpc-mpi-%d", pid),
		name: fmt.Sprintf("gohpc-node-%d", pid),
	}
	// A /24 of 10.213.0.0/16 picked by the pid, so that concurrent test runs
	// do not collide.
	net := fmt.Sprintf("10.213.%d", pid%250)
	h.local, h.remote, h.subnet = net+".1", net+".2", net+".0/24"
	va, vb := fmt.Sprintf("gma%d", pid%1000000), fmt.Sprintf("gmb%d", pid%1000000)
	if out, err := exec.Command("ip", "netns", "add", h.ns).CombinedOutput(); err != nil {
		t.Skipf("cannot make a network namespace here: %v: %s", err, out)
	}
	t.Cleanup(func() {
		exec.Command("ip", "link", "del", va).Run()
		exec.Command("ip", "netns", "del", h.ns).Run()
	})
	runCmd(t, "ip", "link", "add", va, "type", "veth", "peer", "name", vb)
	runCmd(t, "ip", "link", "set", vb, "netns", h.ns)
	runCmd(t, "ip", "addr", "add", h.local+"/24", "dev", va)
	runCmd(t, "ip", "link", "set", va, "up")
	runCmd(t, "ip", "netns", "exec", h.ns, "ip", "addr", "add", h.remote+"/24", "dev", vb)
	runCmd(t, "ip", "netns", "exec", h.ns, "ip", "link", "set", vb, "up")
	runCmd(t, "ip", "netns", "exec", h.ns, "ip", "link", "set", "lo", "up")

	// The agent is called as ssh would be: [options] HOST COMMAND..., the
	// command words joined into one shell command line.
	h.agent = filepath.Join(t.TempDir(), "netns-agent")
	agent := fmt.Sprintf(`#!/bin/sh
while [ $# -gt 0 ]; do case "$1" in -*) shift;; *) break;; esac; done
host=$1; shift
if [ "$host" != %q ]; then echo "netns-agent: unknown host $host" >&2; exit 255; fi
exec ip netns exec %s unshare --uts sh -c "hostname %s; $*"
`, h.remote, h.ns, h.name)
	if err := os.WriteFile(h.agent, []byte(agent), 0o755); err != nil {
		t.Fatal(err)
	}
	return h
}

// TestLocateMPITwoHosts runs LocateMPI on two hosts, this one and a network
// namespace, one process each, with each MPI: the processes report two host
// names, and the locations are Locate's.
func TestLocateMPITwoHosts(t *testing.T) {
	impls := mpiLaunchers(t)
	h := newNetnsHost(t)
	stations := SyntheticStations(8, 5)
	events, _ := SyntheticEvents(stations, 50, 0.05, 0.05, 6)
	want, err := Locate(stations, events, mpiTestGrid, 0.05)
	if err != nil {
		t.Fatal(err)
	}
	for _, impl := range impls {
		t.Run(impl, func(t *testing.T) {
			opt := MPIOptions{
				Procs: 2, Launcher: impl, Worker: mpiWorker(t, impl),
				Hosts:       []string{h.local + ":1", h.remote + ":1"},
				RemoteShell: h.agent,
				Verbose:     true, Timeout: time.Minute,
			}
			// Keep the launcher's own traffic on the link between the hosts.
			switch impl {
			case "openmpi":
				opt.Args = []string{"--mca", "oob_tcp_if_include", h.subnet, "--mca", "btl_tcp_if_include", h.subnet}
			case "mpich":
				opt.Args = []string{"-localhost", h.local}
			}
			var out syncBuffer
			opt.Stdout, opt.Stderr = &out, &out
			got, err := LocateMPI(stations, events, mpiTestGrid, 0.05, opt)
			if err != nil {
				t.Fatalf("%v\n%s", err, out.String())
			}
			host, _ := os.Hostname()
			for r, name := range []string{host, h.name} {
				if line := fmt.Sprintf("rank %d of 2 on %s ", r, name); !strings.Contains(out.String(), line) {
					t.Errorf("no %q in the output:\n%s", line, out.String())
				}
			}
			for i := range want {
				if got[i] != want[i] {
					t.Errorf("event %d: %+v, want %+v", i, got[i], want[i])
				}
			}
			t.Logf("%s", strings.TrimSpace(out.String()))
		})
	}
}
