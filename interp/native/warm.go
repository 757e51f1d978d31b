package native

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// warmImports are the packages a warm-up build compiles into the build
// cache (in the plugin build mode, which caches apart from ordinary
// builds): what native cells import most.
var warmImports = []string{
	"fmt", "math", "math/rand/v2", "sort", "slices", "strings", "sync", "time", "runtime",
	"gonum.org/v1/gonum/mat", "gonum.org/v1/gonum/floats", "gonum.org/v1/gonum/stat",
	"gonum.org/v1/gonum/blas/blas64",
}

// gohpcWarmImports are warmed too when gohpc's source is known.
var gohpcWarmImports = []string{kernelModule + "/hpc", kernelModule + "/display"}

// Warm starts a background build of a warm-up plugin (not loaded), so that
// the first Compile finds the kernel's dependencies compiled for plugins
// and takes a fraction of a second instead of ten or more. It returns at
// once; later calls do nothing. Compile waits for a running warm-up rather
// than competing with it for the CPUs.
func (b *Builder) Warm(ctx context.Context) {
	b.warmOnce.Do(func() {
		b.warmStarted.Store(true)
		go func() {
			defer close(b.warmDone)
			t0 := time.Now()
			b.warmErr = b.warm(ctx)
			b.warmTime = time.Since(t0)
			if b.warmErr != nil {
				fmt.Fprintf(b.log, "native: warm-up: %v\n", b.warmErr)
			} else {
				fmt.Fprintf(b.log, "native: warm-up build took %v\n", b.warmTime.Round(time.Millisecond))
			}
		}()
	})
}

// WarmWait waits for the warm-up started by Warm, if any, and returns its
// error and duration.
func (b *Builder) WarmWait(ctx context.Context) (time.Duration, error) {
	if !b.warmStarted.Load() {
		return 0, nil
	}
	select {
	case <-b.warmDone:
		return b.warmTime, b.warmErr
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}

func (b *Builder) warm(ctx context.Context) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	dir, err := b.module()
	if err != nil {
		return err
	}
	imps := warmImports
	if b.srcDir != "" {
		imps = append(imps[:len(imps):len(imps)], gohpcWarmImports...)
	}
	var src strings.Builder
	src.WriteString("package main\n\nimport (\n")
	for _, p := range imps {
		fmt.Fprintf(&src, "\t_ %q\n", p)
	}
	src.WriteString("\t\"reflect\"\n)\n\nvar " + symbolsVar + " = map[string]map[string]reflect.Value{}\n")
	pdir := filepath.Join(dir, "warm")
	if err := os.MkdirAll(pdir, 0o755); err != nil {
		return err
	}
	defer os.RemoveAll(pdir)
	if err := os.WriteFile(filepath.Join(pdir, "warm.go"), []byte(src.String()), 0o644); err != nil {
		return err
	}
	args := append([]string{"build", "-buildmode=plugin", "-o", filepath.Join(pdir, "p.so")}, b.flags...)
	out, err := b.goCmd(ctx, dir, append(args, "./warm")...)
	if err != nil {
		return buildError(out, err)
	}
	return nil
}
