package mpi

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// childEnv marks a test process started by the MPI launcher.
const childEnv = "GOHPC_MPI_TEST_CHILD"

// checkCollectives runs every collective with data that depends on the rank
// and checks the results; it is the body of each process of the job.
func checkCollectives() error {
	if err := Init(); err != nil {
		return err
	}
	r, n := Rank(), Size()
	fail := func(format string, args ...any) error {
		return fmt.Errorf("rank %d of %d: "+format, append([]any{r, n}, args...)...)
	}
	if Init() == nil {
		return fail("second Init succeeded")
	}

	// Bcast and BcastBytes from the last rank.
	root := n - 1
	b := make([]byte, 5)
	if r == root {
		copy(b, "hello")
	}
	if err := Bcast(b, root); err != nil || string(b) != "hello" {
		return fail("Bcast: %q, %v", b, err)
	}
	var msg []byte
	if r == root {
		msg = []byte(strings.Repeat("job", 1000))
	}
	got, err := BcastBytes(msg, root)
	if err != nil || string(got) != strings.Repeat("job", 1000) {
		return fail("BcastBytes: %d bytes, %v", len(got), err)
	}
	f := []float64{0, 0}
	if r == 0 {
		f = []float64{1.5, -2}
	}
	if err := BcastFloat64(f, 0); err != nil || f[0] != 1.5 || f[1] != -2 {
		return fail("BcastFloat64: %v, %v", f, err)
	}

	// Scatterv: rank i gets i+1 elements (rank 1 none), valued offset+j.
	counts := make([]int, n)
	total := 0
	for i := range counts {
		counts[i] = i + 1
		if i == 1 {
			counts[i] = 0
		}
		total += counts[i]
	}
	var send []float64
	if r == 0 {
		send = make([]float64, total)
		for i := range send {
			send[i] = float64(i)
		}
	}
	recv := make([]float64, counts[r])
	if err := Scatterv(send, counts, recv, 0); err != nil {
		return fail("Scatterv: %v", err)
	}
	off := 0
	for i := range r {
		off += counts[i]
	}
	for j, v := range recv {
		if v != float64(off+j) {
			return fail("Scatterv: element %d is %v, want %d", j, v, off+j)
		}
	}

	// Gatherv back, doubled, to the last rank.
	for j := range recv {
		recv[j] *= 2
	}
	var all []float64
	if r == root {
		all = make([]float64, total)
	}
	if err := Gatherv(recv, all, counts, root); err != nil {
		return fail("Gatherv: %v", err)
	}
	for i, v := range all {
		if v != float64(2*i) {
			return fail("Gatherv: element %d is %v, want %d", i, v, 2*i)
		}
	}

	// Allreduce, also in place.
	in := []float64{float64(r), float64(r), float64(r)}
	out := make([]float64, 3)
	for _, c := range []struct {
		op   Op
		want float64
	}{{Sum, float64(n * (n - 1) / 2)}, {Max, float64(n - 1)}, {Min, 0}} {
		if err := Allreduce(in, out, c.op); err != nil || out[0] != c.want || out[2] != c.want {
			return fail("Allreduce op %d: %v, %v; want %v", c.op, out, err, c.want)
		}
	}
	if err := Allreduce(in, in, Sum); err != nil || in[1] != float64(n*(n-1)/2) {
		return fail("Allreduce in place: %v, %v", in, err)
	}
	if err := Allreduce(nil, nil, Max); err != nil {
		return fail("Allreduce of nothing: %v", err)
	}
	if r == 0 {
		fmt.Printf("collectives ok on %d processes (%s, %s)\n", n, Impl, Library())
	}
	return Finalize()
}

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) != "" {
		if err := checkCollectives(); err != nil {
			fmt.Fprintln(os.Stderr, "FAIL:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// launcher returns the command line that starts n processes with the MPI
// this test binary was built for, or skips.
func launcher(t *testing.T, n int) []string {
	t.Helper()
	switch Impl {
	case "openmpi":
		p, err := exec.LookPath("mpirun.openmpi")
		if err != nil {
			t.Skip("mpirun.openmpi not found (Debian: openmpi-bin): skipping the multi-process test")
		}
		return []string{p, "-np", fmt.Sprint(n), "--oversubscribe", "--allow-run-as-root", "--bind-to", "none"}
	case "mpich":
		p, err := exec.LookPath("mpiexec.mpich")
		if err != nil {
			t.Skip("mpiexec.mpich not found (Debian: mpich): skipping the multi-process test")
		}
		return []string{p, "-n", fmt.Sprint(n), "-bind-to", "none"}
	}
	return nil
}

// TestCollectives runs the collectives on 1, 2 and 3 processes under the
// MPI launcher, or, for the stand-in, in this process.
func TestCollectives(t *testing.T) {
	if Impl == "none" {
		if err := checkCollectives(); err != nil {
			t.Fatal(err)
		}
		func() {
			defer func() {
				if recover() == nil {
					t.Error("Rank after Finalize did not panic")
				}
			}()
			Rank()
		}()
		return
	}
	for _, n := range []int{1, 2, 3} {
		t.Run(fmt.Sprint("procs=", n), func(t *testing.T) {
			args := append(launcher(t, n), os.Args[0], "-test.run=^$")
			cmd := exec.Command(args[0], args[1:]...)
			cmd.Env = append(os.Environ(), childEnv+"=1")
			timer := time.AfterFunc(60*time.Second, func() { cmd.Process.Kill() })
			defer timer.Stop()
			out, err := cmd.CombinedOutput()
			if err != nil || !strings.Contains(string(out), fmt.Sprintf("collectives ok on %d processes", n)) {
				t.Fatalf("%v: %v\n%s", args, err, out)
			}
			t.Logf("%s", strings.TrimSpace(string(out)))
		})
	}
}

// TestMismatchMessage checks Init's error for a binary started by the wrong
// launcher.
func TestMismatchMessage(t *testing.T) {
	err := mismatch(4)
	if !strings.Contains(err.Error(), "4 processes") {
		t.Fatal(err)
	}
	t.Log(err)
}
