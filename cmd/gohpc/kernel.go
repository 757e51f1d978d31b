package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/gohpc/gohpc/hpc"
	"github.com/gohpc/gohpc/internal/lastwords"
	"github.com/gohpc/gohpc/interp"
	"github.com/gohpc/gohpc/kernel"
)

func init() {
	c := &command{
		name:    "kernel",
		usage:   "-f CONNECTION_FILE",
		summary: "run the Jupyter kernel (started by Jupyter from the kernelspec)",
	}
	c.run = func(args []string, stdout, stderr io.Writer) int {
		fs := newFlagSet(c, stderr)
		connFile := fs.String("f", "", "Jupyter connection `FILE` (ports, key, transport)")
		debug := fs.Bool("debug", false, "log every message at debug level")
		if code, ok := parseFlags(fs, args); !ok {
			return code
		}
		if *connFile == "" || fs.NArg() > 0 {
			fs.Usage()
			return 2
		}
		return runKernel(*connFile, *debug, stderr)
	}
	register(c)
}

// runKernel serves the connection file until a shutdown_request, SIGTERM or
// SIGHUP. SIGINT interrupts the running cell, as Jupyter expects of a kernel.
// Exit codes: 0 after a clean shutdown, 1 when the kernel cannot start.
func runKernel(connFile string, debug bool, stderr io.Writer) int {
	info, err := kernel.ReadConnectionFile(connFile)
	if err != nil {
		fmt.Fprintf(stderr, "gohpc kernel: %v\n", err)
		return 1
	}
	// Signals first: SIGINT before the handler is installed would kill the
	// process.
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	defer signal.Stop(sigs)

	sess, err := interp.New(interp.Options{CaptureFDs: true})
	if err != nil {
		fmt.Fprintf(stderr, "gohpc kernel: %v\n", err)
		return 1
	}
	defer sess.Close()
	// Warm the Go build cache for %%native cells in the background, so a
	// first compile takes a second, not a cold build's ten or more.
	// GOHPC_NO_WARM=1 skips it (test suites that start many kernels).
	if os.Getenv("GOHPC_NO_WARM") != "1" {
		sess.WarmNative()
	}
	// From here on fd 2 is the running cell's stderr: the kernel logs to the
	// process's original stderr, which Jupyter shows in its own log.
	level := slog.LevelInfo
	if debug {
		level = slog.LevelDebug
	}
	logger := slog.New(slog.NewTextHandler(sess.OriginalStderr(), &slog.HandlerOptions{Level: level}))
	hpc.UseBLAS()

	ws := &witnessed{Session: sess, logger: logger}
	defer ws.dismiss()
	k, err := kernel.New(info, ws, kernel.WithLogger(logger))
	if err != nil {
		logger.Error("cannot start the kernel", "connection_file", connFile, "err", err)
		return 1
	}
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	go func() {
		for s := range sigs {
			if s == os.Interrupt {
				k.Interrupt()
				continue
			}
			logger.Info("signal received; shutting down", "signal", s.String())
			stop()
		}
	}()
	go watchParent(ctx, os.Getppid(), time.Second, func() {
		logger.Warn("the process that started the kernel is gone; shutting down")
		stop()
	})
	if err := k.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
		logger.Error("kernel stopped with an error", "err", err)
		return 1
	}
	return 0
}

// witnessed is the session with a witness for fatal errors: the runtime
// writes a fatal error's reason to fd 2, the cells' captured pipe, which
// dies with the kernel; the witness process copies it to the log (see
// internal/lastwords). Only cells bring fatal errors, so the witness starts
// with the first cell, not at launch, which stays the user's.
type witnessed struct {
	*interp.Session
	logger *slog.Logger
	once   sync.Once
	wit    *lastwords.Witness
}

func (w *witnessed) Execute(ctx context.Context, req kernel.ExecuteRequest, out kernel.Output) (kernel.ExecuteResult, error) {
	w.once.Do(w.start)
	return w.Session.Execute(ctx, req, out)
}

func (w *witnessed) start() {
	exe, err := os.Executable()
	if err == nil {
		w.wit, err = lastwords.Start(exe, []string{"lastwords"}, w.CapturedStderr(), w.OriginalStderr())
	}
	if err != nil {
		w.logger.Warn("no witness for fatal errors", "err", err)
	}
}

// dismiss sends the witness, if it started, away: the kernel ends cleanly.
func (w *witnessed) dismiss() {
	w.once.Do(func() {}) // no witness from now on
	w.wit.Dismiss(time.Second)
}

// watchParent calls gone once the kernel's parent process (the notebook
// server or kernel manager that launched it) has exited, as ipykernel's
// parent poller does, so a killed launcher leaves no orphan kernel behind.
// An orphan is re-parented, so a changed parent pid means the launcher died.
// It returns when ctx is done. A parent pid of 1 at start (launched by init
// or a container's entry point) is not watched.
func watchParent(ctx context.Context, parent int, every time.Duration, gone func()) {
	if parent <= 1 {
		return
	}
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			if os.Getppid() != parent {
				gone()
				return
			}
		}
	}
}
