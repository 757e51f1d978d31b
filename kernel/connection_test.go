package kernel

import (
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const goodConnection = `{
  "shell_port": 52001, "iopub_port": 52002, "stdin_port": 52003,
  "control_port": 52004, "hb_port": 52005,
  "ip": "127.0.0.1", "key": "a0436f6c-1916-498b-8eb9-e81ab9368e84",
  "transport": "tcp", "signature_scheme": "hmac-sha256", "kernel_name": "gohpc"
}`

func TestParseConnectionInfo(t *testing.T) {
	got, err := ParseConnectionInfo([]byte(goodConnection))
	if err != nil {
		t.Fatal(err)
	}
	want := ConnectionInfo{"tcp", "127.0.0.1", 52001, 52002, 52003, 52004, 52005,
		"a0436f6c-1916-498b-8eb9-e81ab9368e84", "hmac-sha256", "gohpc"}
	if got != want {
		t.Fatalf("got %+v\nwant %+v", got, want)
	}
	if ep := got.endpoint(got.ShellPort); ep != "tcp://127.0.0.1:52001" {
		t.Errorf("endpoint = %s", ep)
	}

	tests := []struct {
		name    string
		json    string
		wantErr string // empty: valid
		check   func(ConnectionInfo) bool
	}{
		{"defaults", `{"ip":"127.0.0.1","shell_port":1,"iopub_port":2,"stdin_port":3,"control_port":4,"hb_port":5,"key":"k"}`, "",
			func(c ConnectionInfo) bool { return c.Transport == "tcp" && c.SignatureScheme == "hmac-sha256" }},
		{"unsigned", `{"ip":"127.0.0.1","shell_port":1,"iopub_port":2,"stdin_port":3,"control_port":4,"hb_port":5,"key":"","signature_scheme":""}`, "",
			func(c ConnectionInfo) bool { return c.Key == "" }},
		{"ports as strings", `{"ip":"::1","shell_port":"1","iopub_port":2,"stdin_port":3,"control_port":4,"hb_port":5}`, "",
			func(c ConnectionInfo) bool { return c.ShellPort == 1 }},
		{"ipc", `{"transport":"ipc","ip":"/tmp/k","shell_port":1,"iopub_port":2,"stdin_port":3,"control_port":4,"hb_port":5}`, "",
			func(c ConnectionInfo) bool { return c.endpoint(3) == "ipc:///tmp/k-3" }},
		{"port 0 means any", `{"ip":"127.0.0.1","shell_port":0,"iopub_port":0,"stdin_port":0,"control_port":0,"hb_port":0}`, "", nil},
		{"malformed", "{\n  \"ip\": \"127.0.0.1\",\n  oops\n}", "line 3", nil},
		{"not an object", `[1,2]`, "malformed JSON", nil},
		{"null", `null`, "not an object", nil},
		{"trailing", `{"ip":"x"} {}`, "trailing", nil},
		{"empty", ``, "malformed JSON", nil},
		{"missing port", `{"ip":"127.0.0.1","shell_port":1,"iopub_port":2,"stdin_port":3,"control_port":4}`, `missing "hb_port"`, nil},
		{"missing ip", `{"shell_port":1,"iopub_port":2,"stdin_port":3,"control_port":4,"hb_port":5}`, `missing "ip"`, nil},
		{"port not a number", `{"ip":"127.0.0.1","shell_port":"x","iopub_port":2,"stdin_port":3,"control_port":4,"hb_port":5}`, "shell_port", nil},
		{"port out of range", `{"ip":"127.0.0.1","shell_port":70000,"iopub_port":2,"stdin_port":3,"control_port":4,"hb_port":5}`, "out of range", nil},
		{"port fraction", `{"ip":"127.0.0.1","shell_port":1.5,"iopub_port":2,"stdin_port":3,"control_port":4,"hb_port":5}`, "integer", nil},
		{"duplicate ports", `{"ip":"127.0.0.1","shell_port":1,"iopub_port":1,"stdin_port":3,"control_port":4,"hb_port":5}`, "both 1", nil},
		{"unknown scheme", `{"ip":"127.0.0.1","shell_port":1,"iopub_port":2,"stdin_port":3,"control_port":4,"hb_port":5,"key":"k","signature_scheme":"hmac-md5"}`, "unsupported signature_scheme", nil},
		{"bad transport", `{"transport":"udp","ip":"127.0.0.1","shell_port":1,"iopub_port":2,"stdin_port":3,"control_port":4,"hb_port":5}`, "unsupported transport", nil},
		{"bad ip", `{"ip":"not an ip!","shell_port":1,"iopub_port":2,"stdin_port":3,"control_port":4,"hb_port":5}`, "not an IP", nil},
		{"key not string", `{"ip":"127.0.0.1","shell_port":1,"iopub_port":2,"stdin_port":3,"control_port":4,"hb_port":5,"key":5}`, `"key" must be a string`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := ParseConnectionInfo([]byte(tt.json))
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				if tt.check != nil && !tt.check(c) {
					t.Fatalf("unexpected %+v", c)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error %v, want one mentioning %q", err, tt.wantErr)
			}
			if !strings.HasPrefix(err.Error(), "kernel: ") || strings.Count(err.Error(), "kernel:") != 1 {
				t.Errorf("error %q should carry one kernel: prefix", err)
			}
		})
	}
}

func TestReadConnectionFile(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "kernel.json")
	os.WriteFile(good, []byte(goodConnection), 0o600)
	if _, err := ReadConnectionFile(good); err != nil {
		t.Fatal(err)
	}
	_, err := ReadConnectionFile(filepath.Join(dir, "missing.json"))
	if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), "missing.json") {
		t.Fatalf("missing file: %v", err)
	}
	_, err = ReadConnectionFile(dir) // a directory cannot be read as a file
	if err == nil {
		t.Fatal("reading a directory succeeded")
	}
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`{"ip":`), 0o600)
	_, err = ReadConnectionFile(bad)
	if err == nil || !strings.Contains(err.Error(), "bad.json") || !strings.Contains(err.Error(), "malformed JSON") {
		t.Fatalf("malformed file: %v", err)
	}
}

// FuzzParseConnectionInfo checks that whatever the parser accepts is valid;
// the seed corpus is in testdata/fuzz/FuzzParseConnectionInfo.
func FuzzParseConnectionInfo(f *testing.F) {
	f.Add([]byte(goodConnection))
	f.Add([]byte(`{"transport":"ipc","ip":"/tmp/x","shell_port":1,"iopub_port":2,"stdin_port":3,"control_port":4,"hb_port":5}`))
	f.Add([]byte(`{"ip":"127.0.0.1","shell_port":"1","iopub_port":2,"stdin_port":3,"control_port":4,"hb_port":5,"key":""}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := ParseConnectionInfo(data)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "kernel: connection info: ") {
				t.Fatalf("error %q lacks the package prefix", err)
			}
			return
		}
		// What was accepted survives a round trip through JSON.
		again, err := json.Marshal(c)
		if err != nil {
			t.Fatal(err)
		}
		c2, err := ParseConnectionInfo(again)
		if err != nil || c2 != c {
			t.Fatalf("round trip: %+v, %v; want %+v", c2, err, c)
		}
		for _, p := range c.ports() {
			if ep := c.endpoint(p.port); !strings.HasPrefix(ep, c.Transport+"://") {
				t.Fatalf("endpoint %q", ep)
			}
		}
		if err := c.Validate(); err != nil {
			t.Fatalf("parsed info does not validate: %v", err)
		}
		if c.Transport != "tcp" && c.Transport != "ipc" {
			t.Fatalf("transport %q accepted", c.Transport)
		}
		for _, p := range c.ports() {
			if p.port < 0 || p.port > 65535 {
				t.Fatalf("%s = %d accepted", p.name, p.port)
			}
		}
		if c.Key != "" && c.SignatureScheme != SchemeHMACSHA256 {
			t.Fatalf("scheme %q accepted with a key", c.SignatureScheme)
		}
	})
}
