package worker

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gohpc/gohpc/hpc"
	"github.com/gohpc/gohpc/hpc/mpi"
)

// childEnv marks a test binary started to be the worker: it runs Main on
// its last two arguments.
const childEnv = "GOHPC_MPI_WORKER_TEST_CHILD"

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) != "" {
		os.Exit(Main(os.Args[len(os.Args)-2:], os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// procCounts are the process counts to test: 1 for the stand-in.
func procCounts() []int {
	if mpi.Impl == "none" {
		return []int{1}
	}
	return []int{1, 2, 4}
}

// run starts this test binary as the worker on n processes, under the
// launcher of the MPI it was built with (directly for the stand-in), and
// returns its exit error and output.
func run(t *testing.T, n int, job, out string) (error, string) {
	t.Helper()
	var args []string
	switch mpi.Impl {
	case "openmpi":
		p, err := exec.LookPath("mpirun.openmpi")
		if err != nil {
			t.Skip("mpirun.openmpi not found (Debian: openmpi-bin)")
		}
		args = []string{p, "-np", fmt.Sprint(n), "--oversubscribe", "--allow-run-as-root", "--bind-to", "none"}
	case "mpich":
		p, err := exec.LookPath("mpiexec.mpich")
		if err != nil {
			t.Skip("mpiexec.mpich not found (Debian: mpich)")
		}
		args = []string{p, "-n", fmt.Sprint(n), "-bind-to", "none"}
	}
	args = append(args, os.Args[0], "-test.run=^$", job, out)
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Env = append(os.Environ(), childEnv+"=1")
	timer := time.AfterFunc(60*time.Second, func() { cmd.Process.Kill() })
	defer timer.Stop()
	b, err := cmd.CombinedOutput()
	return err, string(b)
}

// testGrid is small, so that the tests are fast.
var testGrid = hpc.Grid{
	X: hpc.Axis{Start: 0, Stop: 20, Step: 1},
	Y: hpc.Axis{Start: 0, Stop: 20, Step: 1},
	Z: hpc.Axis{Start: 0, Stop: 10, Step: 1},
	A: hpc.Axis{Start: 0.5, Stop: 10, Step: 0.5},
}

func TestRunMatchesLocate(t *testing.T) {
	stations := hpc.SyntheticStations(8, 1)
	for _, nev := range []int{3, 37} {
		events, _ := hpc.SyntheticEvents(stations, nev, 0.05, 0.05, 2)
		for i := range events {
			events[i].ID = fmt.Sprintf("ev-%d", i) // not the index: rank 0 must put them back
		}
		want, err := hpc.Locate(stations, events, testGrid, 0.05)
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range procCounts() {
			t.Run(fmt.Sprintf("events=%d/procs=%d", nev, n), func(t *testing.T) {
				dir := t.TempDir()
				job, out := filepath.Join(dir, "job"), filepath.Join(dir, "out")
				if err := WriteFile(job, &Job{Version: FormatVersion, Stations: stations, Events: events, Grid: testGrid, B: 0.05, Workers: 1, Verbose: true}); err != nil {
					t.Fatal(err)
				}
				if err, output := run(t, n, job, out); err != nil {
					t.Fatalf("%v\n%s", err, output)
				} else if c := strings.Count(output, "mpi-worker: rank"); c != n {
					t.Errorf("%d ranks reported, want %d:\n%s", c, n, output)
				}
				var res Result
				if err := readFile(out, &res); err != nil {
					t.Fatal(err)
				}
				if res.Procs != n || len(res.Ranks) != n {
					t.Errorf("result of %d processes, %d rank stats; want %d", res.Procs, len(res.Ranks), n)
				}
				if len(res.Locations) != len(want) {
					t.Fatalf("%d locations, want %d", len(res.Locations), len(want))
				}
				for i := range want {
					if res.Locations[i] != want[i] {
						t.Errorf("event %d: %+v, want %+v", i, res.Locations[i], want[i])
					}
				}
			})
		}
	}
}

func TestBadJobFailsFast(t *testing.T) {
	stations := hpc.SyntheticStations(4, 1)
	onStation := testGrid
	onStation.X = hpc.Axis{Start: stations[0].X, Stop: stations[0].X + 1, Step: 1}
	onStation.Y = hpc.Axis{Start: stations[0].Y, Stop: stations[0].Y + 1, Step: 1}
	onStation.Z = hpc.Axis{Start: stations[0].Z, Stop: stations[0].Z + 1, Step: 1}
	events, _ := hpc.SyntheticEvents(stations, 5, 0.05, 0, 1)
	cases := []struct {
		name, want string
		job        any // nil: a file that is not a job
	}{
		{"garbage", "not a job file", nil},
		{"version", "format version 99", &Job{Version: 99}},
		{"amplitudes", "2 amplitudes for 4 stations", &Job{Version: FormatVersion, Stations: stations, Events: []hpc.Event{{ID: "x", Amp: []float64{1, 2}}}, Grid: testGrid, B: 0.05}},
		{"locate", "lies on station", &Job{Version: FormatVersion, Stations: stations, Events: events, Grid: onStation, B: 0.05}},
	}
	n := procCounts()[len(procCounts())-1]
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			job, out := filepath.Join(dir, "job"), filepath.Join(dir, "out")
			if c.job == nil {
				os.WriteFile(job, []byte("event,s1\n1,2\n"), 0o644)
			} else if err := WriteFile(job, c.job); err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			err, output := run(t, n, job, out)
			if err == nil {
				t.Fatalf("no error:\n%s", output)
			}
			if !strings.Contains(output, "gohpc mpi-worker: ") || !strings.Contains(output, c.want) {
				t.Errorf("output does not say %q:\n%s", c.want, output)
			}
			if _, err := os.Stat(out); !os.IsNotExist(err) {
				t.Errorf("a failed job left a result file: %v", err)
			}
			t.Logf("%d processes failed in %v", n, time.Since(start).Round(time.Millisecond))
		})
	}
}

func TestShares(t *testing.T) {
	for _, c := range []struct {
		n, p int
		want string
	}{{10, 3, "[4 3 3]"}, {2, 4, "[1 1 0 0]"}, {0, 2, "[0 0]"}, {8, 1, "[8]"}} {
		if got := fmt.Sprint(shares(c.n, c.p)); got != c.want {
			t.Errorf("shares(%d, %d) = %s, want %s", c.n, c.p, got, c.want)
		}
	}
}

func TestMainUsage(t *testing.T) {
	var out, errb strings.Builder
	if code := Main([]string{"job"}, &out, &errb); code != 2 || !strings.Contains(errb.String(), "JOB and OUT") {
		t.Errorf("exit %d, stderr %q", code, errb.String())
	}
}
