package main

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/gohpc/gohpc"
	"github.com/gohpc/gohpc/internal/kernelspec"
)

func init() {
	c := &command{
		name:    "install",
		usage:   "[--user | --sys-prefix | --prefix DIR] [--name NAME] [--display-name TEXT]",
		summary: "install the Jupyter kernelspec for this binary (system-wide by default)",
	}
	c.run = func(args []string, stdout, stderr io.Writer) int {
		fs := newFlagSet(c, stderr)
		user := fs.Bool("user", false, "install for the current user (Jupyter's user data dir)")
		sysPrefix := fs.Bool("sys-prefix", false, "install into the active Python environment's prefix ($VIRTUAL_ENV, $CONDA_PREFIX or python3's sys.prefix)")
		prefix := fs.String("prefix", "", "install under `DIR`/share/jupyter/kernels")
		name := fs.String("name", "gohpc", "kernelspec `NAME` (directory name)")
		display := fs.String("display-name", "", "display name shown by Jupyter (default \"Go (gohpc)\")")
		if code, ok := parseFlags(fs, args); !ok {
			return code
		}
		if fs.NArg() > 0 {
			fmt.Fprintf(stderr, "gohpc install: unexpected argument %q\n", fs.Arg(0))
			return 2
		}
		chosen := 0
		for _, b := range []bool{*user, *sysPrefix, *prefix != ""} {
			if b {
				chosen++
			}
		}
		if chosen > 1 {
			fmt.Fprintln(stderr, "gohpc install: choose at most one of --user, --sys-prefix and --prefix")
			return 2
		}
		var dataDir string
		var err error
		switch {
		case *user:
			dataDir, err = kernelspec.UserDataDir()
		case *sysPrefix:
			var p string
			p, err = pythonPrefix()
			dataDir = kernelspec.PrefixDataDir(p)
		case *prefix != "":
			var p string
			p, err = filepath.Abs(*prefix)
			dataDir = kernelspec.PrefixDataDir(p)
		default:
			dataDir = kernelspec.SystemDataDir
		}
		if err != nil {
			fmt.Fprintf(stderr, "gohpc install: %v\n", err)
			return 1
		}
		bin, err := executablePath()
		if err != nil {
			fmt.Fprintf(stderr, "gohpc install: %v\n", err)
			return 1
		}
		dir, err := kernelspec.Install(dataDir, kernelspec.Spec{
			Name: *name, DisplayName: *display, Binary: bin,
			Template: gohpc.KernelSpecTemplate, Logo32: gohpc.Logo32, Logo64: gohpc.Logo64,
		})
		if err != nil {
			fmt.Fprintf(stderr, "gohpc install: %v\n", err)
			return 1
		}
		fmt.Fprintf(stdout, "Installed kernelspec %s in %s\n", *name, dir)
		return 0
	}
	register(c)
}

// executablePath is the absolute, symlink-free path of this binary.
func executablePath() (string, error) {
	p, err := os.Executable()
	if err != nil {
		return "", fmt.Errorf("cannot find this binary: %w", err)
	}
	if r, err := filepath.EvalSymlinks(p); err == nil {
		p = r
	}
	return filepath.Abs(p)
}

// pythonPrefix is the prefix of the active Python environment.
func pythonPrefix() (string, error) {
	for _, v := range []string{"VIRTUAL_ENV", "CONDA_PREFIX"} {
		if p := os.Getenv(v); p != "" {
			return p, nil
		}
	}
	out, err := exec.Command("python3", "-c", "import sys; print(sys.prefix)").Output()
	if err != nil {
		return "", fmt.Errorf("--sys-prefix: no $VIRTUAL_ENV or $CONDA_PREFIX, and python3 failed: %w", err)
	}
	return strings.TrimSpace(string(out)), nil
}
