package hpc

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// The benchmarks time each gohpc figure against its anchor, the code a user
// would run instead, in the same run: the anchor scripts are copies of the
// project's shared anchors in testdata/anchors, run with Debian's Python.
const anchorPython = "/usr/bin/python3"

var anchorRuns sync.Map // command line -> anchorRun

type anchorRun struct {
	out map[string]any
	err error
}

// RunAnchor runs testdata/anchors/script with args under /usr/bin/python3,
// once per test binary for a given command line, and returns the JSON object
// it prints last. It skips the benchmark, with a message saying what to
// install, if Python or one of modules is missing, and fails it if the
// script fails. The benchmark's ns/op becomes the anchor process's wall
// time. It is exported for the package's external benchmarks.
func RunAnchor(b *testing.B, modules []string, script string, args ...string) map[string]any {
	b.Helper()
	if err := anchorModules(modules); err != nil {
		b.Skipf("anchor %s skipped: %v (apt-get install python3-numpy python3-numba)", script, err)
	}
	dir := anchorDir()
	cmd := append([]string{filepath.Join(dir, script)}, args...)
	key := strings.Join(cmd, " ")
	if r, ok := anchorRuns.Load(key); ok {
		r := r.(anchorRun)
		if r.err != nil {
			b.Fatal(r.err)
		}
		anchorOp(b, r.out)
		return r.out
	}
	c := exec.Command(anchorPython, cmd...)
	c.Dir = dir
	var stdout, stderr bytes.Buffer
	c.Stdout, c.Stderr = &stdout, &stderr
	r := anchorRun{}
	t0 := time.Now()
	err := c.Run()
	wall := time.Since(t0)
	if err != nil {
		r.err = fmt.Errorf("anchor %s: %v\n%s", key, err, stderr.String())
	} else {
		lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
		if err := json.Unmarshal([]byte(lines[len(lines)-1]), &r.out); err != nil {
			r.err = fmt.Errorf("anchor %s: output %q: %v", key, stdout.String(), err)
		} else {
			r.out["_wall_s"] = wall.Seconds()
		}
	}
	anchorRuns.Store(key, r)
	if r.err != nil {
		b.Fatal(r.err)
	}
	anchorOp(b, r.out)
	return r.out
}

// anchorOp makes an anchor sub-benchmark's ns/op the wall time of the
// anchor's process: the framework calls the sub-benchmark with growing b.N,
// and the anchor runs once.
func anchorOp(b *testing.B, out map[string]any) {
	if w, ok := out["_wall_s"].(float64); ok {
		b.ReportMetric(w*1e9, "ns/op")
	}
}

var anchorModuleErr sync.Map // module list -> error (nil: present)

func anchorModules(modules []string) error {
	key := strings.Join(modules, ",")
	if v, ok := anchorModuleErr.Load(key); ok {
		err, _ := v.(error)
		return err
	}
	var err error
	if _, e := os.Stat(anchorPython); e != nil {
		err = fmt.Errorf("%s not found", anchorPython)
	} else if len(modules) > 0 {
		out, e := exec.Command(anchorPython, "-c", "import "+key).CombinedOutput()
		if e != nil {
			lines := strings.Split(strings.TrimSpace(string(out)), "\n")
			err = fmt.Errorf("%s: %s", anchorPython, lines[len(lines)-1])
		}
	}
	anchorModuleErr.Store(key, err)
	return err
}

// anchorDir is the absolute path of testdata/anchors.
func anchorDir() string {
	d, err := filepath.Abs(filepath.Join("testdata", "anchors"))
	if err != nil {
		panic(err)
	}
	return d
}

// AnchorFloat returns the number field of an anchor's output.
func AnchorFloat(b *testing.B, out map[string]any, field string) float64 {
	b.Helper()
	v, ok := out[field].(float64)
	if !ok {
		b.Fatalf("anchor output has no number %q: %v", field, out)
	}
	return v
}

var anchorLogged sync.Map // benchmark name -> struct{}

// AnchorLog logs a benchmark's summary once: the framework may call an
// anchor sub-benchmark several times, and its anchor runs only once.
func AnchorLog(b *testing.B, format string, args ...any) {
	b.Helper()
	if _, dup := anchorLogged.LoadOrStore(b.Name(), struct{}{}); !dup {
		b.Logf(format, args...)
	}
}
