package hpc

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// mpiLaunchers returns the MPIs installed here ("openmpi", "mpich") with
// their launcher and, unless $GOHPC_MPI_WORKER names a worker, their
// development files (the worker is built with cgo), or skips the test if
// there are none.
func mpiLaunchers(t testing.TB) []string {
	t.Helper()
	var impls []string
	for _, impl := range []string{"openmpi", "mpich"} {
		pc := map[string]string{"openmpi": "ompi-c", "mpich": "mpich"}[impl]
		if _, err := findLauncher(impl); err != nil {
			t.Logf("%s: %v", impl, err)
		} else if os.Getenv("GOHPC_MPI_WORKER") == "" && exec.Command("pkg-config", "--exists", pc).Run() != nil {
			t.Logf("%s: no pkg-config module %s (Debian: libopenmpi-dev or libmpich-dev): the worker cannot be built", impl, pc)
		} else {
			impls = append(impls, impl)
		}
	}
	if len(impls) == 0 {
		t.Skip("no MPI (Debian: openmpi-bin libopenmpi-dev mpich libmpich-dev): skipping the LocateMPI tests")
	}
	return impls
}

// mpiWorker returns the worker for impl, built once, or fails the test.
func mpiWorker(t testing.TB, impl string) string {
	t.Helper()
	w, err := findWorker("", impl, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// mpiTestGrid is small, so that the tests are fast.
var mpiTestGrid = Grid{
	X: Axis{Start: 0, Stop: 20, Step: 1},
	Y: Axis{Start: 0, Stop: 20, Step: 1},
	Z: Axis{Start: 0, Stop: 10, Step: 1},
	A: Axis{Start: 0.5, Stop: 10, Step: 0.5},
}

// syncBuffer is a bytes.Buffer safe for the launcher's two output streams.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestLocateMPIMatchesLocate(t *testing.T) {
	impls := mpiLaunchers(t)
	stations := SyntheticStations(8, 3)
	events, _ := SyntheticEvents(stations, 41, 0.05, 0.05, 4)
	for i := range events {
		events[i].ID = fmt.Sprintf("e%03d", i)
	}
	want, err := Locate(stations, events, mpiTestGrid, 0.05)
	if err != nil {
		t.Fatal(err)
	}
	for _, impl := range impls {
		mpiWorker(t, impl) // built outside the timings below
		for _, n := range []int{1, 2, 4} {
			t.Run(fmt.Sprintf("%s/procs=%d", impl, n), func(t *testing.T) {
				var out syncBuffer
				start := time.Now()
				got, err := LocateMPI(stations, events, mpiTestGrid, 0.05, MPIOptions{
					Procs: n, Launcher: impl, Verbose: true, Timeout: 2 * time.Minute, Stdout: &out, Stderr: &out,
				})
				if err != nil {
					t.Fatalf("%v\n%s", err, out.String())
				}
				if c := strings.Count(out.String(), "mpi-worker: rank"); c != n {
					t.Errorf("%d processes reported, want %d:\n%s", c, n, out.String())
				}
				if len(got) != len(want) {
					t.Fatalf("%d locations, want %d", len(got), len(want))
				}
				for i := range want {
					if got[i] != want[i] {
						t.Errorf("event %d: %+v, want %+v", i, got[i], want[i])
					}
				}
				t.Logf("%d events in %v", len(events), time.Since(start).Round(time.Millisecond))
			})
		}
	}
}

func TestLocateMPIEmptyAndInvalid(t *testing.T) {
	stations := SyntheticStations(4, 1)
	events, _ := SyntheticEvents(stations, 3, 0.05, 0, 1)
	// No launcher is needed to reject bad input or to locate nothing.
	opt := MPIOptions{Launcher: "/nonexistent/mpirun"}
	if got, err := LocateMPI(stations, nil, mpiTestGrid, 0.05, opt); err != nil || got == nil || len(got) != 0 {
		t.Errorf("no events: %v, %v", got, err)
	}
	for _, c := range []struct {
		name     string
		stations []Station
		events   []Event
		opt      MPIOptions
		want     string
	}{
		{"no stations", nil, events, opt, "hpc: LocateMPI: no stations"},
		{"amplitudes", stations, []Event{{ID: "x", Amp: []float64{1}}}, opt, "1 amplitudes for 4 stations"},
		{"procs", stations, events, MPIOptions{Procs: -1}, "Procs = -1"},
		{"launcher", stations, events, opt, `launcher "/nonexistent/mpirun"`},
		{"hosts", stations, events, MPIOptions{Hosts: []string{"a:0"}, Worker: "/bin/true"}, `host "a:0"`},
		{"worker", stations, events, MPIOptions{Worker: "/nonexistent/gohpc-mpi"}, `worker "/nonexistent/gohpc-mpi"`},
	} {
		t.Run(c.name, func(t *testing.T) {
			if c.name == "hosts" || c.name == "worker" {
				mpiLaunchers(t)
			}
			_, err := LocateMPI(c.stations, c.events, mpiTestGrid, 0.05, c.opt)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want one containing %q", err, c.want)
			}
		})
	}
}

// script writes an executable shell script into dir.
func script(t *testing.T, dir, name, body string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte("#!/bin/sh\n"+body+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

// processesWith returns the command lines of the processes whose command
// line contains s, or skips the test without /proc.
func processesWith(t *testing.T, s string) []string {
	t.Helper()
	cmdlines, err := filepath.Glob("/proc/[0-9]*/cmdline")
	if err != nil || len(cmdlines) == 0 {
		t.Skip("no /proc: cannot look for leftover processes")
	}
	var found []string
	for _, f := range cmdlines {
		b, err := os.ReadFile(f)
		if err == nil && bytes.Contains(b, []byte(s)) {
			found = append(found, strings.ReplaceAll(string(b), "\x00", " "))
		}
	}
	return found
}

// pidsOf returns the pids of the processes whose command line starts with
// prefix, or skips the test without /proc.
func pidsOf(t *testing.T, prefix string) []int {
	t.Helper()
	cmdlines, err := filepath.Glob("/proc/[0-9]*/cmdline")
	if err != nil || len(cmdlines) == 0 {
		t.Skip("no /proc: cannot find the job's processes")
	}
	var pids []int
	for _, f := range cmdlines {
		b, err := os.ReadFile(f)
		if err == nil && strings.HasPrefix(strings.ReplaceAll(string(b), "\x00", " "), prefix) {
			if pid, err := strconv.Atoi(filepath.Base(filepath.Dir(f))); err == nil {
				pids = append(pids, pid)
			}
		}
	}
	return pids
}

// noProcessesWith waits up to 5 s for the processes whose command line
// contains s to end.
func noProcessesWith(t *testing.T, s string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		left := processesWith(t, s)
		if len(left) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("processes left running: %q", left)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestLocateMPIFailedJob(t *testing.T) {
	impls := mpiLaunchers(t)
	stations := SyntheticStations(4, 1)
	events, _ := SyntheticEvents(stations, 3, 0.05, 0, 1)
	dir := t.TempDir()
	// The worker fails a moment after it starts, as a real one does after
	// MPI_Init. A rank that exits within milliseconds of its launch can
	// make MPICH's mpiexec fail on its own control socket first, and then
	// only mpiexec's message reaches the user.
	failing := script(t, dir, "failing-worker", `sleep 0.3; echo "gohpc mpi-worker: job: the disk is on fire" >&2; exit 3`)
	for _, impl := range impls {
		t.Run(impl, func(t *testing.T) {
			var out syncBuffer
			start := time.Now()
			_, err := LocateMPI(stations, events, mpiTestGrid, 0.05, MPIOptions{
				Procs: 2, Launcher: impl, Worker: failing, Timeout: time.Minute, Stdout: &out, Stderr: &out,
			})
			if err == nil || !strings.Contains(err.Error(), "the MPI job failed") || !strings.Contains(err.Error(), "the disk is on fire") {
				t.Fatalf("error %v\noutput:\n%s", err, out.String())
			}
			if d := time.Since(start); d > 20*time.Second {
				t.Errorf("the failed job took %v", d)
			}
			t.Log(err)
		})
	}
	// A worker built for one MPI, started by the other's launcher: every
	// process would think it is alone.
	if len(impls) == 2 {
		t.Run("wrong-mpi", func(t *testing.T) {
			var out syncBuffer
			_, err := LocateMPI(stations, events, mpiTestGrid, 0.05, MPIOptions{
				Procs: 2, Launcher: "openmpi", Worker: mpiWorker(t, "mpich"), Timeout: time.Minute, Stdout: &out, Stderr: &out,
			})
			if err == nil || !strings.Contains(err.Error(), "must be started by that library's launcher") {
				t.Fatalf("error %v\noutput:\n%s", err, out.String())
			}
			t.Log(err)
		})
	}
}

func TestLocateMPITimeout(t *testing.T) {
	impls := mpiLaunchers(t)
	stations := SyntheticStations(4, 1)
	events, _ := SyntheticEvents(stations, 3, 0.05, 0, 1)
	dir := t.TempDir()
	hung := script(t, dir, "hung-worker", `echo waiting; while :; do sleep 0.1; done`)
	for _, impl := range impls {
		t.Run(impl, func(t *testing.T) {
			var out syncBuffer
			start := time.Now()
			_, err := LocateMPI(stations, events, mpiTestGrid, 0.05, MPIOptions{
				Procs: 2, Launcher: impl, Worker: hung, Timeout: time.Second, Stdout: &out, Stderr: &out,
			})
			if err == nil || !strings.Contains(err.Error(), "did not finish within 1s") {
				t.Fatalf("error %v\noutput:\n%s", err, out.String())
			}
			if d := time.Since(start); d > 1*time.Second+2*killGrace+2*time.Second {
				t.Errorf("the hung job was stopped after %v", d)
			}
			noProcessesWith(t, hung)
		})
	}
}

func TestLocateMPIInterrupt(t *testing.T) {
	impls := mpiLaunchers(t)
	stations := SyntheticStations(8, 1)
	// Enough work for many seconds: the job is interrupted long before.
	events, _ := SyntheticEvents(stations, 20000, 0.05, 0.05, 1)
	large := Grid{X: Axis{0, 20, 0.25}, Y: Axis{0, 20, 0.25}, Z: Axis{0, 10, 0.25}, A: Axis{0.5, 10, 0.5}}
	for _, impl := range impls {
		t.Run(impl, func(t *testing.T) {
			worker := mpiWorker(t, impl)
			dir := t.TempDir()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			prev := SetContext(ctx)
			defer SetContext(prev)
			var out syncBuffer
			errc := make(chan error, 1)
			go func() {
				_, err := LocateMPI(stations, events, large, 0.05, MPIOptions{
					Procs: 2, Launcher: impl, Worker: worker, Dir: dir, Timeout: 2 * time.Minute, Stdout: &out, Stderr: &out,
				})
				errc <- err
			}()
			// Interrupt once both workers run.
			deadline := time.Now().Add(30 * time.Second)
			for len(processesWith(t, dir+"/")) < 3 { // the launcher and two workers
				select {
				case err := <-errc:
					t.Fatalf("the job ended before the interrupt: %v\n%s", err, out.String())
				default:
				}
				if time.Now().After(deadline) {
					t.Fatalf("the workers did not start: %q", processesWith(t, dir+"/"))
				}
				time.Sleep(20 * time.Millisecond)
			}
			cancel()
			start := time.Now()
			select {
			case err := <-errc:
				if !errors.Is(err, ErrInterrupted) {
					t.Fatalf("error %v, want ErrInterrupted\n%s", err, out.String())
				}
			case <-time.After(2*killGrace + 5*time.Second):
				t.Fatal("LocateMPI did not return after the interrupt")
			}
			t.Logf("returned %v after the interrupt", time.Since(start).Round(time.Millisecond))
			noProcessesWith(t, dir+"/")
		})
	}
}

// TestLocateMPIRankDies kills one worker process in the middle of a job:
// the launcher must end the others, and LocateMPI report it.
func TestLocateMPIRankDies(t *testing.T) {
	impls := mpiLaunchers(t)
	stations := SyntheticStations(8, 1)
	events, _ := SyntheticEvents(stations, 20000, 0.05, 0.05, 1)
	large := Grid{X: Axis{0, 20, 0.25}, Y: Axis{0, 20, 0.25}, Z: Axis{0, 10, 0.25}, A: Axis{0.5, 10, 0.5}}
	for _, impl := range impls {
		t.Run(impl, func(t *testing.T) {
			worker := mpiWorker(t, impl)
			dir := t.TempDir()
			var out syncBuffer
			errc := make(chan error, 1)
			go func() {
				_, err := LocateMPI(stations, events, large, 0.05, MPIOptions{
					Procs: 2, Launcher: impl, Worker: worker, Dir: dir, Timeout: 2 * time.Minute, Stdout: &out, Stderr: &out,
				})
				errc <- err
			}()
			deadline := time.Now().Add(30 * time.Second)
			var pids []int
			for len(pids) < 2 {
				select {
				case err := <-errc:
					t.Fatalf("the job ended first: %v\n%s", err, out.String())
				case <-time.After(20 * time.Millisecond):
				}
				if time.Now().After(deadline) {
					t.Fatal("the workers did not start")
				}
				pids = pidsOf(t, worker+" mpi-worker "+dir+"/")
			}
			time.Sleep(300 * time.Millisecond) // into MPI_Init or the work
			if p, err := os.FindProcess(pids[1]); err == nil {
				p.Kill()
			}
			start := time.Now()
			select {
			case err := <-errc:
				if err == nil || !strings.Contains(err.Error(), "the MPI job failed") {
					t.Fatalf("error %v\n%s", err, out.String())
				}
				t.Logf("after %v: %v", time.Since(start).Round(time.Millisecond), err)
			case <-time.After(30 * time.Second):
				t.Fatal("LocateMPI did not return after a process died")
			}
			noProcessesWith(t, dir+"/")
		})
	}
}

// BenchmarkLocateMPI measures events per second on the large grid over 1,
// 2 and 4 processes of each MPI, with each process on all cores and on one
// core, against Locate in this process, and reports the parallel
// efficiency: the rate over procs × the one-process rate with one core per
// process, the rate over the one-process rate with all cores per process.
// The startup runs time a one-event job: the fixed cost of a job.
func BenchmarkLocateMPI(b *testing.B) {
	impls := mpiLaunchers(b)
	stations := SyntheticStations(8, 1)
	events, _ := SyntheticEvents(stations, 4000, 0.05, 0.05, 1)
	large := Grid{X: Axis{0, 20, 0.25}, Y: Axis{0, 20, 0.25}, Z: Axis{0, 10, 0.25}, A: Axis{0.5, 10, 0.5}}
	rate := func(b *testing.B) float64 {
		r := float64(b.N*len(events)) / b.Elapsed().Seconds()
		b.ReportMetric(r, "events/s")
		b.ReportMetric(0, "ns/op")
		return r
	}
	b.Run("Locate", func(b *testing.B) {
		for b.Loop() {
			if _, err := Locate(stations, events, large, 0.05); err != nil {
				b.Fatal(err)
			}
		}
		rate(b)
	})
	for _, impl := range impls {
		worker := mpiWorker(b, impl)
		// The fixed cost of a job: starting it, each process's model of
		// the grid, gathering one event.
		for _, n := range []int{1, 2, 4} {
			b.Run(fmt.Sprintf("%s/startup/procs=%d", impl, n), func(b *testing.B) {
				for b.Loop() {
					if _, err := LocateMPI(stations, events[:1], large, 0.05, MPIOptions{
						Procs: n, Launcher: impl, Worker: worker, Stdout: io.Discard,
					}); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/job")
				b.ReportMetric(0, "ns/op")
			})
		}
		for _, w := range []struct {
			name    string
			workers int
		}{{"cores=all", 0}, {"cores=1", 1}} {
			var one float64
			for _, n := range []int{1, 2, 4} {
				b.Run(fmt.Sprintf("%s/%s/procs=%d", impl, w.name, n), func(b *testing.B) {
					for b.Loop() {
						if _, err := LocateMPI(stations, events, large, 0.05, MPIOptions{
							Procs: n, Launcher: impl, Worker: worker, Workers: w.workers, Stdout: io.Discard,
						}); err != nil {
							b.Fatal(err)
						}
					}
					r := rate(b)
					if n == 1 {
						one = r
					}
					if one > 0 {
						e := r / one
						if w.workers == 1 {
							e /= float64(n)
						}
						b.ReportMetric(e, "efficiency")
					}
				})
			}
		}
	}
	b.Logf("%d events, %d cores", len(events), runtime.NumCPU())
}
