package hpc

import (
	"bufio"
	"bytes"
	"context"
	"encoding/gob"
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
	"time"
)

// MPIOptions configures LocateMPI. The zero value runs one process on this
// machine with the first MPI found.
type MPIOptions struct {
	// Procs is the number of MPI processes; 0 means 1. Each process
	// locates a contiguous share of the events with Locate on all the cores
	// of its host (see Workers), so on one machine more than one process
	// only adds MPI's overhead: processes pay off across hosts.
	Procs int

	// Hosts are the hosts to run on, each "name" or "name:slots" (slots:
	// processes the host takes before the launcher oversubscribes it; 1
	// when absent, as Open MPI counts). Empty: this machine only. Rank 0,
	// which reads the job and writes the result, runs on the first host:
	// Dir must be visible at the same path there, and Worker on every host.
	// On hosts with several networks, name the one to use in Args: Open
	// MPI's --mca oob_tcp_if_include and btl_tcp_if_include (a subnet or
	// interface), MPICH's -iface, or -localhost with this host's address.
	Hosts []string

	// Launcher selects the MPI: "openmpi" (mpirun.openmpi, or an mpirun
	// or mpiexec that reports Open MPI), "mpich" (mpiexec.mpich, or one
	// that reports MPICH's Hydra), a launcher's path or command name (its
	// MPI is read from its --version), or "" for the first of Open MPI and
	// MPICH that is installed.
	Launcher string

	// Worker is the MPI worker program: gohpc-mpi or gohpc built with the
	// launcher's MPI (go build -tags mpi for Open MPI, -tags mpich for
	// MPICH), run as `Worker mpi-worker JOB OUT`. Empty: $GOHPC_MPI_WORKER
	// if set, else LocateMPI builds ./hpc/mpi/cmd/gohpc-mpi with the right
	// tag from the gohpc source it was compiled from ($GOHPC_SRC
	// overrides), into the user cache directory, once per process (go
	// build skips the work when nothing changed); without the source or
	// the go command it uses the binary built last time.
	Worker string

	// Workers is the number of Locate goroutines per process; 0: all the
	// cores of the process's host.
	Workers int

	// RemoteShell is the program the launcher starts processes on other
	// hosts with, as ssh would be called (Open MPI's plm_rsh_agent, MPICH's
	// -launcher-exec). Empty: the launcher's default, ssh.
	RemoteShell string

	// Args are more launcher arguments, placed before the program.
	Args []string

	// Timeout bounds the whole job; a job still running is killed and
	// LocateMPI returns an error. 0: no limit.
	Timeout time.Duration

	// Dir is where the job and result files are written (in a fresh
	// directory, removed afterwards). Empty: os.TempDir().
	Dir string

	// Verbose prints the launcher's command line, and each process prints
	// its host, cores, events and time.
	Verbose bool

	// Stdout and Stderr receive the job's output: the launcher's and every
	// process's. nil: os.Stdout and os.Stderr, which in the notebook
	// kernel are the cell's streams.
	Stdout, Stderr io.Writer
}

// LocateMPI locates every event as Locate does, with the same results, by
// running an MPI job: the events are scattered over opt.Procs processes
// (on opt.Hosts), each locates its share with Locate on all its cores, and
// the locations are gathered back. It is Locate for catalogs too large for
// one machine; Locate is faster on one machine.
//
// LocateMPI validates its inputs as Locate does, writes a job file, runs
// the launcher (mpirun or mpiexec, with --bind-to none so that each process
// keeps all its cores, and --allow-run-as-root or --oversubscribe only when
// needed) on the worker program (see MPIOptions.Worker), streams the job's
// output to opt.Stdout and opt.Stderr, and reads the result file.
//
// It returns an error, with the worker's or the launcher's message, if the
// launcher or the worker cannot be found or built, if the job fails, or if
// it runs longer than opt.Timeout (the job is then killed). If the context
// installed with SetContext is cancelled, LocateMPI kills the job (its whole
// process group) and returns ErrInterrupted.
//
// # The job files
//
// The job file is a gob stream of a struct with the fields Version (1),
// Stations, Events, Grid, B, Workers and Verbose; the result file one with
// Version, Locations, Procs, Library and Ranks (per process, Events and
// Seconds). Package hpc/mpi/worker defines both and is the program.
func LocateMPI(stations []Station, events []Event, g Grid, B float64, opt MPIOptions) ([]Location, error) {
	const task = "LocateMPI"
	fail := func(format string, args ...any) error {
		return fmt.Errorf("hpc: %s: "+format, append([]any{task}, args...)...)
	}
	if _, err := newProblem(task, stations, events, g, B); err != nil {
		return nil, err
	}
	if opt.Procs < 0 || opt.Workers < 0 {
		return nil, fail("Procs = %d and Workers = %d: want ≥ 0", opt.Procs, opt.Workers)
	}
	if len(events) == 0 {
		return []Location{}, nil
	}
	if err := interrupted(); err != nil {
		return nil, err
	}
	if opt.Procs == 0 {
		opt.Procs = 1
	}
	if opt.Stdout == nil {
		opt.Stdout = os.Stdout
	}
	if opt.Stderr == nil {
		opt.Stderr = os.Stderr
	}
	ln, err := findLauncher(opt.Launcher)
	if err != nil {
		return nil, fail("%v", err)
	}
	worker, err := findWorker(opt.Worker, ln.impl, opt.Stdout)
	if err != nil {
		return nil, fail("%v", err)
	}

	dir, err := os.MkdirTemp(opt.Dir, "gohpc-mpi-")
	if err != nil {
		return nil, fail("job directory: %v", err)
	}
	defer os.RemoveAll(dir)
	jobPath, outPath := filepath.Join(dir, "job.gob"), filepath.Join(dir, "result.gob")
	job := mpiJob{Version: mpiFormat, Stations: stations, Events: events, Grid: g, B: B, Workers: opt.Workers, Verbose: opt.Verbose}
	if err := writeGob(jobPath, &job); err != nil {
		return nil, fail("job file: %v", err)
	}

	args, err := ln.args(opt)
	if err != nil {
		return nil, fail("%v", err)
	}
	args = append(args, worker, "mpi-worker", jobPath, outPath)
	if opt.Verbose {
		fmt.Fprintf(opt.Stdout, "$ %s\n", strings.Join(args, " "))
	}
	if err := runJob(args, opt); err != nil {
		if err == ErrInterrupted {
			return nil, err
		}
		return nil, fail("%v", err)
	}

	var res mpiResult
	if err := readGob(outPath, &res); err != nil {
		return nil, fail("the job succeeded but left no readable result: %v", err)
	}
	if res.Version != mpiFormat || len(res.Locations) != len(events) {
		return nil, fail("result of format %d with %d locations, want format %d with %d (a worker of another gohpc version?)", res.Version, len(res.Locations), mpiFormat, len(events))
	}
	for i, l := range res.Locations {
		if l.Event != events[i].ID {
			return nil, fail("result %d is for event %q, want %q", i, l.Event, events[i].ID)
		}
	}
	return res.Locations, nil
}

// mpiFormat is the version of the job and result files.
const mpiFormat = 1

// mpiJob and mpiResult have the shape of worker.Job and worker.Result (gob
// matches fields by name).
type mpiJob struct {
	Version  int
	Stations []Station
	Events   []Event
	Grid     Grid
	B        float64
	Workers  int
	Verbose  bool
}

type mpiResult struct {
	Version   int
	Locations []Location
	Procs     int
	Library   string
}

func writeGob(path string, v any) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	err = gob.NewEncoder(w).Encode(v)
	if err == nil {
		err = w.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

func readGob(path string, v any) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return gob.NewDecoder(bufio.NewReader(f)).Decode(v)
}

// mpiLauncher is an MPI launcher: its path and its MPI, "openmpi" or
// "mpich".
type mpiLauncher struct {
	path, impl string
}

var launcherImpls sync.Map // path -> impl, from --version

// findLauncher resolves MPIOptions.Launcher.
func findLauncher(name string) (mpiLauncher, error) {
	var candidates []string
	want := ""
	switch name {
	case "":
		candidates = []string{"mpirun.openmpi", "mpiexec.mpich", "mpirun", "mpiexec"}
	case "openmpi":
		want, candidates = name, []string{"mpirun.openmpi", "mpirun", "mpiexec"}
	case "mpich":
		want, candidates = name, []string{"mpiexec.mpich", "mpiexec.hydra", "mpiexec", "mpirun"}
	default:
		p, err := lookLauncher(name)
		if err != nil {
			return mpiLauncher{}, fmt.Errorf("launcher %q: %v", name, err)
		}
		impl, err := launcherImpl(p)
		if err != nil {
			return mpiLauncher{}, err
		}
		return mpiLauncher{p, impl}, nil
	}
	for _, c := range candidates {
		p, err := lookLauncher(c)
		if err != nil {
			continue
		}
		impl, err := launcherImpl(p)
		if err == nil && (want == "" || impl == want) {
			return mpiLauncher{p, impl}, nil
		}
	}
	what := map[string]string{
		"":        "no MPI launcher found (mpirun.openmpi, mpiexec.mpich, mpirun, mpiexec)",
		"openmpi": "Open MPI's launcher not found (mpirun.openmpi, or an mpirun of Open MPI)",
		"mpich":   "MPICH's launcher not found (mpiexec.mpich, or an mpiexec of MPICH)",
	}[want]
	return mpiLauncher{}, fmt.Errorf("%s: install Debian's openmpi-bin and libopenmpi-dev, or mpich and libmpich-dev", what)
}

// lookLauncher finds a launcher on $PATH with its directory's symbolic
// links resolved: Open MPI's mpirun derives its installation prefix from
// its path, and refuses to start as /bin/mpirun where /bin links to usr/bin.
func lookLauncher(name string) (string, error) {
	p, err := exec.LookPath(name)
	if err != nil {
		return "", err
	}
	if abs, err := filepath.Abs(p); err == nil {
		p = abs
	}
	if d, err := filepath.EvalSymlinks(filepath.Dir(p)); err == nil {
		p = filepath.Join(d, filepath.Base(p))
	}
	return p, nil
}

// launcherImpl reads a launcher's MPI from its --version.
func launcherImpl(path string) (string, error) {
	if v, ok := launcherImpls.Load(path); ok {
		return v.(string), nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out, _ := exec.CommandContext(ctx, path, "--version").CombinedOutput()
	s := string(out)
	impl := ""
	switch {
	case strings.Contains(s, "Open MPI") || strings.Contains(s, "OpenRTE"):
		impl = "openmpi"
	case strings.Contains(s, "HYDRA") || strings.Contains(s, "MPICH"):
		impl = "mpich"
	default:
		return "", fmt.Errorf("launcher %s: neither Open MPI nor MPICH (its --version says %q)", path, firstLine(s))
	}
	launcherImpls.Store(path, impl)
	return impl, nil
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return s
}

// args is the launcher's command line up to the program.
func (ln mpiLauncher) args(opt MPIOptions) ([]string, error) {
	slots := 0
	for _, h := range opt.Hosts {
		name, n, found := strings.Cut(h, ":")
		k := 1
		if found {
			var err error
			if k, err = strconv.Atoi(n); err != nil || k < 1 {
				return nil, fmt.Errorf("host %q: want name or name:slots with slots ≥ 1", h)
			}
		}
		if name == "" || strings.ContainsAny(name, ", \t") {
			return nil, fmt.Errorf("host %q: bad host name", h)
		}
		slots += k
	}
	np := strconv.Itoa(opt.Procs)
	var a []string
	switch ln.impl {
	case "openmpi":
		a = []string{ln.path, "-np", np, "--bind-to", "none"}
		if os.Geteuid() == 0 {
			a = append(a, "--allow-run-as-root")
		}
		if len(opt.Hosts) == 0 {
			slots = physicalCores()
		}
		if opt.Procs > slots {
			a = append(a, "--oversubscribe")
		}
		if len(opt.Hosts) > 0 {
			a = append(a, "--host", strings.Join(opt.Hosts, ","))
		}
		if opt.RemoteShell != "" {
			a = append(a, "--mca", "plm_rsh_agent", opt.RemoteShell)
		}
	case "mpich":
		// Hydra places processes round-robin over the hosts' slots and
		// never refuses more processes than slots.
		a = []string{ln.path, "-n", np, "-bind-to", "none"}
		if len(opt.Hosts) > 0 {
			a = append(a, "-hosts", strings.Join(opt.Hosts, ","))
		}
		if opt.RemoteShell != "" {
			a = append(a, "-launcher", "ssh", "-launcher-exec", opt.RemoteShell)
		}
	}
	return append(a, opt.Args...), nil
}

// physicalCores is the number of cores (not hardware threads) of this
// machine, which Open MPI counts as its slots.
func physicalCores() int {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return runtime.NumCPU()
	}
	cores := map[string]bool{}
	phys := ""
	for _, line := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		switch strings.TrimSpace(k) {
		case "physical id":
			phys = strings.TrimSpace(v)
		case "core id":
			cores[phys+"/"+strings.TrimSpace(v)] = true
		}
	}
	if len(cores) == 0 {
		return runtime.NumCPU()
	}
	return len(cores)
}

// The worker program, by MPI: built once per process.
var (
	workerMu    sync.Mutex
	workerBuilt = map[string]string{}
)

// workerTags are the build tags of the worker for each MPI.
var workerTags = map[string]string{"openmpi": "mpi", "mpich": "mpich"}

// findWorker resolves MPIOptions.Worker for the MPI impl.
func findWorker(path, impl string, log io.Writer) (string, error) {
	if path == "" {
		path = os.Getenv("GOHPC_MPI_WORKER")
	}
	if path != "" {
		p, err := exec.LookPath(path)
		if err != nil {
			return "", fmt.Errorf("worker %q: %v", path, err)
		}
		return filepath.Abs(p)
	}
	workerMu.Lock()
	defer workerMu.Unlock()
	if p, ok := workerBuilt[impl]; ok {
		return p, nil
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	bin := filepath.Join(cache, "gohpc", "mpi", "gohpc-mpi-"+impl)
	src, srcErr := sourceDir()
	goCmd, goErr := goCommand()
	if srcErr != nil || goErr != nil {
		if _, err := os.Stat(bin); err == nil {
			workerBuilt[impl] = bin
			return bin, nil
		}
		why := srcErr
		if why == nil {
			why = goErr
		}
		return "", fmt.Errorf("no MPI worker: set MPIOptions.Worker (or $GOHPC_MPI_WORKER) to gohpc-mpi built with -tags %s, or make the gohpc source and the go command available to build it (%v)", workerTags[impl], why)
	}
	if _, err := os.Stat(bin); err != nil {
		fmt.Fprintf(log, "hpc: LocateMPI: building the %s worker once, into %s\n", impl, bin)
	}
	if err := os.MkdirAll(filepath.Dir(bin), 0o755); err != nil {
		return "", fmt.Errorf("worker cache: %v", err)
	}
	// go build leaves an up-to-date binary alone, in a fraction of a second.
	cmd := exec.Command(goCmd, "build", "-tags", workerTags[impl], "-o", bin, "./hpc/mpi/cmd/gohpc-mpi")
	cmd.Dir = src
	cmd.Env = append(os.Environ(), "CGO_ENABLED=1")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("building the %s worker (go build -tags %s ./hpc/mpi/cmd/gohpc-mpi in %s): %v\n%s", impl, workerTags[impl], src, err, bytes.TrimSpace(out))
	}
	workerBuilt[impl] = bin
	return bin, nil
}

// modulePath is the module whose source findWorker builds from.
const modulePath = "github.com/gohpc/gohpc"

// sourceDir finds the gohpc module's source: $GOHPC_SRC, the directory this
// package was compiled from, or the main module of the working directory.
func sourceDir() (string, error) {
	var tried []string
	if d := os.Getenv("GOHPC_SRC"); d != "" {
		if isSource(d) {
			return d, nil
		}
		return "", fmt.Errorf("$GOHPC_SRC = %s is not the %s source", d, modulePath)
	}
	if _, file, _, ok := runtime.Caller(0); ok && filepath.IsAbs(file) {
		d := filepath.Dir(filepath.Dir(file))
		if isSource(d) {
			return d, nil
		}
		tried = append(tried, d)
	}
	if goCmd, err := goCommand(); err == nil {
		if out, err := exec.Command(goCmd, "env", "GOMOD").Output(); err == nil {
			if m := strings.TrimSpace(string(out)); m != "" && m != os.DevNull {
				d := filepath.Dir(m)
				if isSource(d) {
					return d, nil
				}
				tried = append(tried, d)
			}
		}
	}
	return "", fmt.Errorf("the %s source was not found (tried %s; set $GOHPC_SRC)", modulePath, strings.Join(tried, ", "))
}

// isSource reports whether d holds the gohpc module with the worker.
func isSource(d string) bool {
	b, err := os.ReadFile(filepath.Join(d, "go.mod"))
	if err != nil || firstLine(string(b)) != "module "+modulePath {
		return false
	}
	_, err = os.Stat(filepath.Join(d, "hpc", "mpi", "cmd", "gohpc-mpi", "main.go"))
	return err == nil
}

// goCommand finds the go command: on $PATH, or in the GOROOT this program
// was built with.
func goCommand() (string, error) {
	if p, err := exec.LookPath("go"); err == nil {
		return p, nil
	}
	if r := runtime.GOROOT(); r != "" {
		p := filepath.Join(r, "bin", "go")
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", errors.New("the go command was not found")
}

// killGrace is how long a killed job gets between SIGTERM, which lets the
// launcher stop its processes everywhere, and SIGKILL for the whole process
// group.
const killGrace = 2 * time.Second

// runJob runs the launcher's command line, streaming its output to
// opt.Stdout and opt.Stderr, and returns an error with the job's message if
// it fails, times out or is interrupted.
func runJob(args []string, opt MPIOptions) error {
	ctx := context.Background()
	if h := currentContext.Load(); h != nil {
		ctx = h.ctx
	}
	outTail, errTail := &tailBuffer{max: 8 << 10}, &tailBuffer{max: 32 << 10}
	// The launcher runs with SIGPIPE ignored: MPICH's mpiexec writes to the
	// proxy of a rank that has just failed, and killed by SIGPIPE it would
	// die before passing on the rank's error output.
	cmd := exec.Command("/bin/sh", append([]string{"-c", `trap '' PIPE; exec "$@"`, "sh"}, args...)...)
	cmd.Stdout = io.MultiWriter(opt.Stdout, outTail)
	cmd.Stderr = io.MultiWriter(opt.Stderr, errTail)
	// Processes left holding the output pipes must not keep Wait waiting.
	cmd.WaitDelay = killGrace
	newProcessGroup(cmd)
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting %s: %v", args[0], err)
	}
	waitc := make(chan error, 1)
	go func() { waitc <- cmd.Wait() }()
	var timeout <-chan time.Time
	if opt.Timeout > 0 {
		t := time.NewTimer(opt.Timeout)
		defer t.Stop()
		timeout = t.C
	}
	// kill stops the job: SIGTERM to the launcher, then after killGrace
	// SIGKILL to it and to every process it had started.
	kill := func() {
		procs := jobProcesses(cmd.Process.Pid)
		signalJob(cmd, procs, false, false)
		exited := false
		select {
		case <-waitc:
			exited = true
		case <-time.After(killGrace):
			procs = append(procs, jobProcesses(cmd.Process.Pid)...)
		}
		signalJob(cmd, procs, true, exited)
		if !exited {
			<-waitc
		}
	}
	select {
	case err := <-waitc:
		if err == nil {
			return nil
		}
		return fmt.Errorf("the MPI job failed after %v (%s %v): %s", time.Since(start).Round(time.Millisecond), filepath.Base(args[0]), err, jobMessage(errTail, outTail))
	case <-ctx.Done():
		kill()
		return ErrInterrupted
	case <-timeout:
		kill()
		return fmt.Errorf("the MPI job did not finish within %v and was killed: %s", opt.Timeout, jobMessage(errTail, outTail))
	}
}

// jobMessage is what explains a failed job: the worker's error lines if
// there are any, else the end of the launcher's output.
func jobMessage(stderr, stdout *tailBuffer) string {
	text := stderr.String()
	var mine []string
	seen := map[string]bool{}
	for _, l := range strings.Split(text, "\n") {
		if i := strings.Index(l, "gohpc mpi-worker: "); i >= 0 && !seen[l[i:]] {
			seen[l[i:]] = true // every process may say the same
			mine = append(mine, strings.TrimSpace(l[i:]))
		}
	}
	if len(mine) > 0 {
		return strings.Join(mine, "; ")
	}
	if strings.TrimSpace(text) == "" {
		text = stdout.String()
	}
	lines := strings.Split(strings.TrimSpace(text), "\n")
	var keep []string
	for _, l := range lines[max(0, len(lines)-20):] {
		// Drop the rules and frames of dashes (Open MPI) and of equals
		// signs (MPICH) around the launchers' messages.
		if l = strings.TrimSpace(strings.Trim(strings.TrimSpace(l), "=")); strings.Trim(l, "-=") != "" {
			keep = append(keep, l)
		}
	}
	if len(keep) == 0 {
		return "no output"
	}
	return strings.Join(keep, " ")
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if len(t.buf) > t.max {
		t.buf = append(t.buf[:0], t.buf[len(t.buf)-t.max:]...)
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.buf)
}
