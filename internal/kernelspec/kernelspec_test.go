package kernelspec

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const template = `{"argv": ["{binary}", "kernel", "-f", "{connection_file}"], "display_name": "Go (gohpc)", "language": "go", "interrupt_mode": "message"}`

func TestInstall(t *testing.T) {
	dir := t.TempDir()
	s := Spec{Name: "gohpc", Binary: `/opt/my "go"/gohpc`, Template: []byte(template), Logo32: []byte("p32"), Logo64: []byte("p64")}
	got, err := Install(dir, s)
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(dir, "kernels", "gohpc"); got != want {
		t.Fatalf("installed into %s, want %s", got, want)
	}
	var spec struct {
		Argv          []string `json:"argv"`
		DisplayName   string   `json:"display_name"`
		InterruptMode string   `json:"interrupt_mode"`
	}
	data, err := os.ReadFile(filepath.Join(got, "kernel.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &spec); err != nil {
		t.Fatal(err)
	}
	if spec.Argv[0] != s.Binary || spec.Argv[3] != "{connection_file}" || spec.InterruptMode != "message" {
		t.Errorf("kernel.json = %+v", spec)
	}
	for _, f := range []string{"logo-32x32.png", "logo-64x64.png"} {
		fi, err := os.Stat(filepath.Join(got, f))
		if err != nil || fi.Mode().Perm() != 0o644 {
			t.Errorf("%s: %v %v", f, fi, err)
		}
	}

	// Reinstall with another display name replaces atomically and leaves no temporaries.
	s.DisplayName = "Go 2"
	if _, err := Install(dir, s); err != nil {
		t.Fatal(err)
	}
	data, _ = os.ReadFile(filepath.Join(got, "kernel.json"))
	if !strings.Contains(string(data), `"Go 2"`) {
		t.Errorf("display name not replaced: %s", data)
	}
	entries, _ := os.ReadDir(filepath.Join(dir, "kernels"))
	if len(entries) != 1 {
		t.Errorf("kernels dir holds %d entries, want 1 (temporaries left behind?)", len(entries))
	}
}

func TestInstallErrors(t *testing.T) {
	tests := []struct {
		name string
		spec Spec
		want string
	}{
		{"relative binary", Spec{Name: "gohpc", Binary: "gohpc", Template: []byte(template)}, "not absolute"},
		{"bad name", Spec{Name: "../x", Binary: "/b", Template: []byte(template)}, "only letters"},
		{"empty name", Spec{Binary: "/b", Template: []byte(template)}, "empty kernel name"},
		{"bad template", Spec{Name: "g", Binary: "/b", Template: []byte("{")}, "not valid JSON"},
		{"no argv", Spec{Name: "g", Binary: "/b", Template: []byte("{}")}, "no argv"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Install(t.TempDir(), tt.spec)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestUserDataDir(t *testing.T) {
	t.Setenv("JUPYTER_DATA_DIR", "/x/jup")
	if d, _ := UserDataDir(); d != "/x/jup" {
		t.Errorf("JUPYTER_DATA_DIR ignored: %s", d)
	}
	t.Setenv("JUPYTER_DATA_DIR", "")
	t.Setenv("XDG_DATA_HOME", "/x/data")
	if d, _ := UserDataDir(); d != "/x/data/jupyter" {
		t.Errorf("XDG_DATA_HOME ignored: %s", d)
	}
}
