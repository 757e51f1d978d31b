// Package worker is the SPMD program that hpc.LocateMPI starts under
// mpirun or mpiexec: the `mpi-worker JOB OUT` subcommand of gohpc and of
// gohpc-mpi.
//
// # The program
//
// Every process runs Run. Rank 0 reads the job file (a Job, see ReadJob),
// broadcasts the stations, grid, B and options, and scatters the events'
// amplitudes in contiguous, balanced shares (S float64 per event). Every
// process locates its share with hpc.Locate on all its cores (or
// Job.Workers goroutines), the processes agree with an Allreduce whether all
// succeeded, and rank 0 gathers the locations (5 float64 per event: x, y,
// z, A, misfit), puts the event identifiers back, and writes the result file
// (a Result) atomically: a result file exists only for a job that succeeded.
//
// # Errors
//
// A job that cannot be read fails on every process at the broadcast, before
// any work; a share that fails to locate fails the job at the Allreduce. The
// failing processes print "gohpc mpi-worker: …" on stderr and exit with
// status 1, the others with status 0 (so that the launcher does not kill a
// failing process before it has said why), and the launcher reports a
// failed job instead of leaving processes waiting.
//
// # Files
//
// Job and result files are gob streams of Job and Result, whose Version is
// FormatVersion. Files rather than the launcher's stdin, which MPICH's
// Hydra does not forward reliably for large inputs. hpc.LocateMPI writes
// the job with a private type of the same shape; gob matches fields by
// name.
package worker

import (
	"bufio"
	"bytes"
	"encoding/gob"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/gohpc/gohpc/hpc"
	"github.com/gohpc/gohpc/hpc/mpi"
)

// FormatVersion is the version of the job and result files.
const FormatVersion = 1

// Job is the content of a job file.
type Job struct {
	Version  int
	Stations []hpc.Station
	Events   []hpc.Event
	Grid     hpc.Grid
	B        float64
	Workers  int  // hpc.Locate goroutines per process; 0: all cores
	Verbose  bool // each process prints a line on stdout
}

// Result is the content of a result file.
type Result struct {
	Version   int
	Locations []hpc.Location // one per event of the job, in its order
	Procs     int            // processes of the job
	Library   string         // the MPI library
	Ranks     []RankStats    // per process, in rank order
}

// RankStats is what one process did.
type RankStats struct {
	Events  int
	Seconds float64 // in hpc.Locate
}

// ReadJob reads a job file and checks its version.
func ReadJob(path string) (*Job, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("job: %w", err)
	}
	defer f.Close()
	var j Job
	if err := gob.NewDecoder(bufio.NewReader(f)).Decode(&j); err != nil {
		return nil, fmt.Errorf("job %s: not a job file: %w", path, err)
	}
	if j.Version != FormatVersion {
		return nil, fmt.Errorf("job %s: format version %d, this worker reads version %d (rebuild the worker)", path, j.Version, FormatVersion)
	}
	return &j, nil
}

// WriteFile writes v as a gob stream to path atomically (a temporary file
// renamed into place).
func WriteFile(path string, v any) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	w := bufio.NewWriter(tmp)
	err = gob.NewEncoder(w).Encode(v)
	if err == nil {
		err = w.Flush()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
	}
	return err
}

// header is what rank 0 broadcasts: the job without its events, and the
// number of events of each process; or the reason the job failed.
type header struct {
	Err      string
	Stations []hpc.Station
	Grid     hpc.Grid
	B        float64
	Workers  int
	Verbose  bool
	Shares   []int
}

// errPeer is the error of a process whose job failed on another process
// (which reports the reason).
var errPeer = errors.New("the job failed on another process")

// Components of one located event in the gathered results.
const locWords = 5

// Main runs `mpi-worker JOB OUT` with args = [JOB, OUT] and returns the
// exit status. Errors are printed on stderr, prefixed "gohpc mpi-worker: ".
func Main(args []string, stdout, stderr io.Writer) int {
	if len(args) != 2 {
		fmt.Fprintln(stderr, "gohpc mpi-worker: want two arguments, JOB and OUT (the job file and the result file); this program is started by hpc.LocateMPI through mpirun or mpiexec")
		return 2
	}
	switch err := Run(args[0], args[1], stdout); err {
	case nil, errPeer:
		// A process whose job failed elsewhere ends normally: had it
		// exited first with an error, the launcher could kill the process
		// that knows the reason before that one said it.
		return 0
	default:
		fmt.Fprintf(stderr, "gohpc mpi-worker: %v\n", err)
		return 1
	}
}

// Run is the SPMD program (see the package documentation): every process
// of the job calls it with the same arguments. It initialises and finalises
// MPI.
func Run(jobPath, outPath string, stdout io.Writer) (err error) {
	if err := mpi.Init(); err != nil {
		return err
	}
	defer func() {
		if ferr := mpi.Finalize(); err == nil {
			err = ferr
		}
	}()
	rank, size := mpi.Rank(), mpi.Size()

	// Rank 0 reads the job and broadcasts all but the events.
	var job *Job
	var hdr header
	if rank == 0 {
		var rerr error
		if job, rerr = ReadJob(jobPath); rerr != nil {
			hdr.Err = rerr.Error()
		} else {
			hdr = header{Stations: job.Stations, Grid: job.Grid, B: job.B, Workers: job.Workers, Verbose: job.Verbose, Shares: shares(len(job.Events), size)}
			for i, ev := range job.Events {
				if len(ev.Amp) != len(job.Stations) {
					hdr = header{Err: fmt.Sprintf("job %s: event %d (%q): %d amplitudes for %d stations", jobPath, i, ev.ID, len(ev.Amp), len(job.Stations))}
					break
				}
			}
		}
	}
	if err := bcastHeader(&hdr); err != nil {
		return err
	}
	if hdr.Err != "" {
		if rank == 0 {
			return errors.New(hdr.Err)
		}
		return errPeer
	}
	if hdr.Workers > 0 {
		hpc.SetWorkers(hdr.Workers)
	}

	// Scatter the amplitudes.
	S := len(hdr.Stations)
	counts := make([]int, size)
	first := 0 // index of this process's first event
	for i, n := range hdr.Shares {
		counts[i] = n * S
		if i < rank {
			first += n
		}
	}
	var amps []float64
	if rank == 0 {
		amps = make([]float64, 0, len(job.Events)*S)
		for _, ev := range job.Events {
			amps = append(amps, ev.Amp...)
		}
	}
	mine := make([]float64, counts[rank])
	if err := mpi.Scatterv(amps, counts, mine, 0); err != nil {
		return err
	}
	events := make([]hpc.Event, hdr.Shares[rank])
	for i := range events {
		events[i] = hpc.Event{ID: strconv.Itoa(first + i), Amp: mine[i*S : (i+1)*S : (i+1)*S]}
	}

	// Locate, and agree on success.
	start := time.Now()
	locs, lerr := hpc.Locate(hdr.Stations, events, hdr.Grid, hdr.B)
	secs := time.Since(start).Seconds()
	status := []float64{0}
	if lerr != nil {
		status[0] = 1
	}
	if err := mpi.Allreduce(status, status, mpi.Max); err != nil {
		return err
	}
	if status[0] != 0 {
		if lerr != nil {
			return fmt.Errorf("rank %d of %d (events %d to %d of the job): %w", rank, size, first, first+len(events)-1, lerr)
		}
		return errPeer
	}
	if hdr.Verbose {
		host, _ := os.Hostname()
		fmt.Fprintf(stdout, "mpi-worker: rank %d of %d on %s (pid %d, %d workers): %d events in %.3f s\n",
			rank, size, host, os.Getpid(), hpc.Workers(), len(events), secs)
	}

	// Gather the locations and the statistics on rank 0.
	flat := make([]float64, 0, len(locs)*locWords)
	for _, l := range locs {
		flat = append(flat, l.X, l.Y, l.Z, l.A, l.Misfit)
	}
	lcounts := make([]int, size)
	scounts := make([]int, size)
	total := 0
	for i, n := range hdr.Shares {
		lcounts[i] = n * locWords
		scounts[i] = 2
		total += n
	}
	var all, stats []float64
	if rank == 0 {
		all = make([]float64, total*locWords)
		stats = make([]float64, 2*size)
	}
	if err := mpi.Gatherv(flat, all, lcounts, 0); err != nil {
		return err
	}
	if err := mpi.Gatherv([]float64{float64(len(events)), secs}, stats, scounts, 0); err != nil {
		return err
	}
	if rank != 0 {
		return nil
	}
	res := Result{Version: FormatVersion, Procs: size, Library: mpi.Library(), Locations: make([]hpc.Location, total), Ranks: make([]RankStats, size)}
	for i := range res.Locations {
		v := all[i*locWords : (i+1)*locWords]
		res.Locations[i] = hpc.Location{Event: job.Events[i].ID, X: v[0], Y: v[1], Z: v[2], A: v[3], Misfit: v[4]}
	}
	for i := range res.Ranks {
		res.Ranks[i] = RankStats{Events: int(stats[2*i]), Seconds: stats[2*i+1]}
	}
	if err := WriteFile(outPath, &res); err != nil {
		return fmt.Errorf("result: %w", err)
	}
	return nil
}

// shares splits n events over p processes in contiguous runs whose sizes
// differ by at most one, the larger first.
func shares(n, p int) []int {
	s := make([]int, p)
	for i := range s {
		s[i] = n / p
		if i < n%p {
			s[i]++
		}
	}
	return s
}

// bcastHeader broadcasts rank 0's header to every process.
func bcastHeader(h *header) error {
	var buf []byte
	if mpi.Rank() == 0 {
		var w bytes.Buffer
		if err := gob.NewEncoder(&w).Encode(h); err != nil {
			return err
		}
		buf = w.Bytes()
	}
	buf, err := mpi.BcastBytes(buf, 0)
	if err != nil {
		return err
	}
	if mpi.Rank() != 0 {
		return gob.NewDecoder(bytes.NewReader(buf)).Decode(h)
	}
	return nil
}

// ReadResult reads a result file and checks its version.
func ReadResult(path string) (*Result, error) {
	var r Result
	if err := readFile(path, &r); err != nil {
		return nil, err
	}
	if r.Version != FormatVersion {
		return nil, fmt.Errorf("result %s: format version %d, want %d", path, r.Version, FormatVersion)
	}
	return &r, nil
}

func readFile(path string, v any) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := gob.NewDecoder(bufio.NewReader(f)).Decode(v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}
