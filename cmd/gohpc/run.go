package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/gohpc/gohpc/hpc"
	"github.com/gohpc/gohpc/internal/nbformat"
	"github.com/gohpc/gohpc/internal/nbrun"
	"github.com/gohpc/gohpc/interp"
	"github.com/gohpc/gohpc/kernel"
)

// paramList collects repeated --param NAME=VALUE flags.
type paramList []nbrun.Param

func (p *paramList) String() string { return fmt.Sprint(*p) }
func (p *paramList) Set(s string) error {
	param, err := nbrun.ParseParam(s)
	if err != nil {
		return err
	}
	*p = append(*p, param)
	return nil
}

func init() {
	c := &command{
		name:  "run",
		usage: "NOTEBOOK.ipynb [-o OUT.ipynb] [--timeout S] [--param NAME=VALUE]... [--allow-errors]",
		summary: "execute a notebook in-process, without Jupyter, and write its outputs;\n" +
			"exits 1 when a cell fails (cells tagged raises-exception may fail)",
	}
	c.run = func(args []string, stdout, stderr io.Writer) int {
		fs := newFlagSet(c, stderr)
		out := fs.String("o", "", "write the executed notebook to `OUT.ipynb` (\"-\" for stdout; default: not saved)")
		timeout := fs.Float64("timeout", 0, "per-cell time limit in `SECONDS` (0: none)")
		allowErrors := fs.Bool("allow-errors", false, "run every cell even after one fails")
		quiet := fs.Bool("q", false, "print only failures")
		var params paramList
		fs.Var(&params, "param", "set a parameter `NAME=VALUE` after the cell tagged \"parameters\" (repeatable)")
		positional, code, ok := parseInterspersed(fs, args)
		if !ok {
			return code
		}
		if len(positional) != 1 {
			fs.Usage()
			return 2
		}
		return runNotebook(positional[0], runOptions{
			out: *out, timeout: time.Duration(*timeout * float64(time.Second)),
			allowErrors: *allowErrors, quiet: *quiet, params: params,
		}, stdout, stderr)
	}
	register(c)
}

// parseInterspersed parses flags that may come before or after positional
// arguments ("gohpc run NB.ipynb -o OUT.ipynb"), as users of nbconvert and
// papermill expect.
func parseInterspersed(fs *flag.FlagSet, args []string) (positional []string, code int, ok bool) {
	for {
		if code, ok := parseFlags(fs, args); !ok {
			return nil, code, false
		}
		args = fs.Args()
		if len(args) == 0 {
			return positional, 0, true
		}
		if args[0] == "--" {
			return append(positional, args[1:]...), 0, true
		}
		positional = append(positional, args[0])
		args = args[1:]
	}
}

type runOptions struct {
	out         string
	timeout     time.Duration
	allowErrors bool
	quiet       bool
	params      []nbrun.Param
}

// runNotebook executes path and returns the exit code: 0 when every cell
// ran (or failed as its raises-exception tag says it may), 1 when a cell
// failed or the notebook could not be read or written, 130 on SIGINT.
func runNotebook(path string, opts runOptions, stdout, stderr io.Writer) int {
	data, err := os.ReadFile(path)
	if err != nil {
		fmt.Fprintf(stderr, "gohpc run: %v\n", err)
		return 1
	}
	nb, err := nbformat.Read(bytes.NewReader(data))
	if err != nil {
		fmt.Fprintf(stderr, "gohpc run: %s: %v\n", path, err)
		return 1
	}
	// Cells run with the notebook's directory as working directory, as in
	// Jupyter, so relative data paths work the same.
	dir, err := filepath.Abs(filepath.Dir(path))
	if err != nil {
		fmt.Fprintf(stderr, "gohpc run: %v\n", err)
		return 1
	}
	if opts.out != "" && opts.out != "-" {
		if opts.out, err = filepath.Abs(opts.out); err != nil {
			fmt.Fprintf(stderr, "gohpc run: %v\n", err)
			return 1
		}
	}
	if err := os.Chdir(dir); err != nil {
		fmt.Fprintf(stderr, "gohpc run: %v\n", err)
		return 1
	}
	var log io.Writer = stderr
	if !isTerminal(stderr) {
		// Tracebacks carry ANSI colours for notebooks; a batch job's log
		// file gets plain text.
		log = plainText{stderr}
	}
	if opts.quiet {
		log = &failuresOnly{w: log}
	}
	// The session's own diagnostics (a panic inside the interpreter, with
	// its Go stack) go to the run's log.
	sess, err := interp.New(interp.Options{Dir: dir, Log: stderr})
	if err != nil {
		fmt.Fprintf(stderr, "gohpc run: %v\n", err)
		return 1
	}
	defer sess.Close()
	hpc.UseBLAS()

	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt)
	defer cancel()
	if err := restoreModules(ctx, nb, sess, log); err != nil {
		fmt.Fprintf(stderr, "gohpc run: %s: %v\n", path, err)
		return 1
	}
	start := time.Now()
	res, runErr := nbrun.Run(ctx, nb, sess, nbrun.Options{
		CellTimeout: opts.timeout, AllowErrors: opts.allowErrors, Params: opts.params, Log: log,
	})
	code := 0
	unexpected := 0
	for _, f := range res.Failed {
		if !nb.Cells[f.Index].HasTag("raises-exception") {
			unexpected++
		}
	}
	recordModules(nb, sess.NativeModules())
	if opts.out != "" {
		if err := writeNotebook(opts.out, nb, stdout); err != nil {
			fmt.Fprintf(stderr, "gohpc run: %v\n", err)
			code = 1
		}
	}
	switch {
	case runErr != nil:
		fmt.Fprintf(stderr, "gohpc run: %s: interrupted after %d cells\n", path, res.Executed)
		return 130
	case unexpected > 0:
		fmt.Fprintf(stderr, "gohpc run: %s: %d of %d cells failed (%v)\n", path, unexpected, res.Executed,
			time.Since(start).Round(time.Millisecond))
		return 1
	}
	if !opts.quiet {
		fmt.Fprintf(stderr, "gohpc run: %s: %d cells ran in %v\n", path, res.Executed,
			time.Since(start).Round(time.Millisecond))
	}
	return code
}

// writeNotebook writes nb to path atomically (a temporary file renamed into
// place), or to stdout for "-".
func writeNotebook(path string, nb *nbformat.Notebook, stdout io.Writer) error {
	if path == "-" {
		return nbformat.Write(stdout, nb)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".gohpc-run-*.ipynb")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := nbformat.Write(tmp, nb); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// isTerminal reports whether w is a character device (a terminal).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// ansiEscape matches the SGR colour sequences of tracebacks.
var ansiEscape = regexp.MustCompile("\x1b\\[[0-9;]*m")

// plainText writes to w without ANSI colour sequences. Each Write must
// hold whole sequences, as the run log's line-at-a-time writes do.
type plainText struct{ w io.Writer }

func (p plainText) Write(b []byte) (int, error) {
	if _, err := p.w.Write(ansiEscape.ReplaceAll(b, nil)); err != nil {
		return 0, err
	}
	return len(b), nil
}

// failuresOnly passes on the lines of a run log that report failures (and
// their indented tracebacks), dropping the "ok" lines.
type failuresOnly struct {
	w       io.Writer
	partial []byte
	inError bool
}

func (f *failuresOnly) Write(p []byte) (int, error) {
	f.partial = append(f.partial, p...)
	for {
		i := bytes.IndexByte(f.partial, '\n')
		if i < 0 {
			return len(p), nil
		}
		line := string(f.partial[:i+1])
		f.partial = f.partial[i+1:]
		switch {
		case strings.Contains(line, " failed: "):
			f.inError = true
		case !strings.HasPrefix(line, "    "):
			f.inError = false
		}
		if f.inError {
			if _, err := io.WriteString(f.w, line); err != nil {
				return len(p), err
			}
		}
	}
}

// The third-party modules a notebook's cells added with %go get are kept in
// its metadata as gohpc.modules ["path@version", …], so that a run on
// another machine gets them before the first cell, as the author had them.

// restoreModules runs %go get for each module nb's metadata lists.
func restoreModules(ctx context.Context, nb *nbformat.Notebook, sess *interp.Session, log io.Writer) error {
	for _, m := range notebookModules(nb) {
		fmt.Fprintf(log, "restoring module %s\n", m)
		_, err := sess.Execute(ctx, kernel.ExecuteRequest{Code: "%go get " + m}, discardOutput{})
		if err != nil {
			return fmt.Errorf("restoring module %s from the notebook's metadata: %w", m, err)
		}
	}
	return nil
}

// notebookModules returns the metadata's gohpc.modules.
func notebookModules(nb *nbformat.Notebook) []string {
	g, _ := nb.Metadata["gohpc"].(map[string]any)
	list, _ := g["modules"].([]any)
	var ms []string
	for _, v := range list {
		if m, ok := v.(string); ok && m != "" && !strings.HasPrefix(m, "-") {
			ms = append(ms, m)
		}
	}
	return ms
}

// recordModules sets the metadata's gohpc.modules to modules (sorted,
// merged with what was there), or leaves the metadata alone when there
// are none.
func recordModules(nb *nbformat.Notebook, modules []string) {
	if len(modules) == 0 {
		return
	}
	seen := map[string]bool{}
	var all []string
	for _, m := range append(notebookModules(nb), modules...) {
		if !seen[m] {
			seen[m] = true
			all = append(all, m)
		}
	}
	sort.Strings(all)
	if nb.Metadata == nil {
		nb.Metadata = map[string]any{}
	}
	g, _ := nb.Metadata["gohpc"].(map[string]any)
	if g == nil {
		g = map[string]any{}
	}
	list := make([]any, len(all))
	for i, m := range all {
		list[i] = m
	}
	g["modules"] = list
	nb.Metadata["gohpc"] = g
}

// discardOutput is a kernel.Output that drops everything: the output of
// restoring modules is not part of any cell.
type discardOutput struct{}

func (discardOutput) Stream(name, text string)         {}
func (discardOutput) Display(kernel.DisplayData)       {}
func (discardOutput) UpdateDisplay(kernel.DisplayData) {}
func (discardOutput) ClearOutput(wait bool)            {}
func (discardOutput) Input(ctx context.Context, prompt string, password bool) (string, error) {
	return "", kernel.ErrStdinNotAllowed
}
