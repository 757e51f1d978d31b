// Package kernelspec writes gohpc's Jupyter kernelspec: kernel.json, filled
// in from the template with the binary's absolute path, and the logos.
//
// # Where
//
// Jupyter looks for kernels in <data dir>/kernels/<name>. The user data dir is
// $JUPYTER_DATA_DIR, else $XDG_DATA_HOME/jupyter or ~/.local/share/jupyter
// (~/Library/Jupyter on macOS); the system one is /usr/local/share/jupyter;
// a prefix P (a virtualenv, conda env or any install root) uses
// P/share/jupyter.
//
// # Atomicity
//
// The kernelspec directory is written under a temporary name beside its
// destination and renamed into place, so a reader never sees half of it and
// a failed install leaves the previous one untouched.
package kernelspec

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// Spec is what to install.
type Spec struct {
	Name        string // directory name, e.g. "gohpc"; letters, digits, '-', '_' and '.'
	DisplayName string // overrides the template's display_name when not empty
	Binary      string // absolute path of the gohpc binary
	Template    []byte // kernel.json with "{binary}" placeholders
	Logo32      []byte // PNG, 32×32
	Logo64      []byte // PNG, 64×64
}

// UserDataDir returns the per-user Jupyter data directory.
func UserDataDir() (string, error) {
	if d := os.Getenv("JUPYTER_DATA_DIR"); d != "" {
		return d, nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("kernelspec: no home directory: %w", err)
	}
	if runtime.GOOS == "darwin" {
		return filepath.Join(home, "Library", "Jupyter"), nil
	}
	if x := os.Getenv("XDG_DATA_HOME"); x != "" {
		return filepath.Join(x, "jupyter"), nil
	}
	return filepath.Join(home, ".local", "share", "jupyter"), nil
}

// SystemDataDir is the system-wide Jupyter data directory that Jupyter
// searches on Unix.
const SystemDataDir = "/usr/local/share/jupyter"

// PrefixDataDir returns the Jupyter data directory under an install prefix.
func PrefixDataDir(prefix string) string { return filepath.Join(prefix, "share", "jupyter") }

// Render returns kernel.json for s: the template with every "{binary}"
// replaced by s.Binary (JSON-escaped) and display_name overridden if asked.
func Render(s Spec) ([]byte, error) {
	if !filepath.IsAbs(s.Binary) {
		return nil, fmt.Errorf("kernelspec: binary path %q is not absolute", s.Binary)
	}
	quoted, err := json.Marshal(s.Binary)
	if err != nil {
		return nil, err
	}
	// Replace inside JSON strings: strip the quotes json.Marshal added.
	filled := bytes.ReplaceAll(s.Template, []byte("{binary}"), quoted[1:len(quoted)-1])
	var doc map[string]any
	if err := json.Unmarshal(filled, &doc); err != nil {
		return nil, fmt.Errorf("kernelspec: template is not valid JSON: %w", err)
	}
	if _, ok := doc["argv"].([]any); !ok {
		return nil, errors.New("kernelspec: template has no argv list")
	}
	if s.DisplayName != "" {
		doc["display_name"] = s.DisplayName
	}
	out, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(out, '\n'), nil
}

// Install writes the kernelspec into dataDir/kernels/<s.Name>, replacing any
// previous one atomically, and returns the directory written.
func Install(dataDir string, s Spec) (string, error) {
	if err := validName(s.Name); err != nil {
		return "", err
	}
	spec, err := Render(s)
	if err != nil {
		return "", err
	}
	parent := filepath.Join(dataDir, "kernels")
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return "", fmt.Errorf("kernelspec: %w", err)
	}
	tmp, err := os.MkdirTemp(parent, "."+s.Name+".tmp-")
	if err != nil {
		return "", fmt.Errorf("kernelspec: %w", err)
	}
	defer os.RemoveAll(tmp) // no-op once renamed
	if err := os.Chmod(tmp, 0o755); err != nil {
		return "", fmt.Errorf("kernelspec: %w", err)
	}
	files := map[string][]byte{"kernel.json": spec, "logo-32x32.png": s.Logo32, "logo-64x64.png": s.Logo64}
	for name, data := range files {
		if len(data) == 0 {
			continue
		}
		if err := os.WriteFile(filepath.Join(tmp, name), data, 0o644); err != nil {
			return "", fmt.Errorf("kernelspec: %w", err)
		}
	}
	dest := filepath.Join(parent, s.Name)
	if _, err := os.Lstat(dest); err == nil {
		old := tmp + ".old"
		if err := os.Rename(dest, old); err != nil {
			return "", fmt.Errorf("kernelspec: replacing %s: %w", dest, err)
		}
		defer os.RemoveAll(old)
	}
	if err := os.Rename(tmp, dest); err != nil {
		return "", fmt.Errorf("kernelspec: %w", err)
	}
	return dest, nil
}

func validName(name string) error {
	if name == "" {
		return errors.New("kernelspec: empty kernel name")
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_.", r)) {
			return fmt.Errorf("kernelspec: kernel name %q: only letters, digits, '-', '_' and '.' are allowed", name)
		}
	}
	if name == "." || name == ".." {
		return fmt.Errorf("kernelspec: kernel name %q is not allowed", name)
	}
	return nil
}
