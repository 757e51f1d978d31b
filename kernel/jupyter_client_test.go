package kernel

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"testing"
	"time"
)

// pythonWithJupyterClient returns a Python that can import jupyter_client.
func pythonWithJupyterClient() string {
	for _, p := range []string{"python3", "/usr/bin/python3"} {
		if path, err := exec.LookPath(p); err == nil && exec.Command(path, "-c", "import jupyter_client").Run() == nil {
			return path
		}
	}
	return ""
}

// TestJupyterClient drives the kernel with jupyter_client, the reference
// client (over libzmq), and measures the round trip of a trivial cell.
func TestJupyterClient(t *testing.T) {
	py := pythonWithJupyterClient()
	if py == "" {
		t.Skip("no python3 with jupyter_client")
	}
	f := newFake()
	k, runErr, _ := startZMQKernel(t, loopbackInfo(), f)
	ci := k.ConnectionInfo()
	data, _ := json.Marshal(ci)
	cf := filepath.Join(t.TempDir(), "kernel.json")
	if err := os.WriteFile(cf, data, 0o600); err != nil {
		t.Fatal(err)
	}
	n := "2000"
	if raceEnabled || testing.Short() {
		n = "200"
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, py, "testdata/jupyter_client_check.py", cf, n)
	cmd.Stderr = newTestLogWriter(t)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("jupyter_client check failed: %v\n%s", err, out)
	}
	var rep struct {
		KernelInfo   []any                      `json:"kernel_info"`
		Execute      []any                      `json:"execute"`
		Outputs      []string                   `json:"outputs"`
		Stream       []string                   `json:"stream"`
		Error        []any                      `json:"error"`
		InputRequest []any                      `json:"input_request"`
		Input        string                     `json:"input"`
		Interrupt    []any                      `json:"interrupt"`
		Heartbeat    bool                       `json:"heartbeat"`
		History      [][]any                    `json:"history"`
		Latency      struct{ P50, P99 float64 } `json:"latency_ms"`
		Shutdown     []any                      `json:"shutdown"`
	}
	if err := json.Unmarshal(out, &rep); err != nil {
		t.Fatalf("bad report %q: %v", out, err)
	}
	check := func(name string, got, want any) {
		t.Helper()
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}
	check("kernel_info", rep.KernelInfo, []any{"ok", "5.3", "go"})
	check("execute", rep.Execute, []any{"ok", 1.0})
	check("outputs", rep.Outputs, []string{"execute_input", "stream", "execute_result"})
	check("stream", rep.Stream, []string{"hello"})
	check("error", rep.Error, []any{"error", "Failure", "boom"})
	check("input_request", rep.InputRequest, []any{"input_request", "name?", true})
	check("input", rep.Input, "ok")
	check("interrupt", rep.Interrupt, []any{"interrupt_reply", "ok", "error", "Interrupted"})
	check("heartbeat", rep.Heartbeat, true)
	check("history", rep.History, [][]any{{1.0, 3.0, "input name?"}, {1.0, 4.0, "block"}})
	check("shutdown", rep.Shutdown, []any{"shutdown_reply", "ok", false})
	t.Logf("execute round trip through jupyter_client: p50 %.3f ms, p99 %.3f ms", rep.Latency.P50, rep.Latency.P99)
	if !raceEnabled && rep.Latency.P50 > 10 {
		t.Errorf("p50 round trip %.3f ms: far off the 0.3 ms target", rep.Latency.P50)
	}
	select {
	case err := <-runErr:
		if err != nil {
			t.Fatal(err)
		}
		runErr <- nil
	case <-time.After(2 * time.Second):
		t.Fatal("Run did not return after shutdown_request")
	}
}
