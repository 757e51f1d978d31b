package kernel_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/gohpc/gohpc/kernel"
)

// echo is the smallest Interpreter: every cell's value is its code.
type echo struct{}

func (echo) KernelInfo() kernel.KernelInfo {
	return kernel.KernelInfo{Implementation: "echo", LanguageName: "text", MimeType: "text/plain", FileExtension: ".txt"}
}

func (echo) Execute(ctx context.Context, req kernel.ExecuteRequest, out kernel.Output) (kernel.ExecuteResult, error) {
	out.Stream("stdout", "running\n")
	return kernel.ExecuteResult{Value: &kernel.DisplayData{Data: map[string]any{"text/plain": req.Code}}}, nil
}

// The life of a kernel process, as a main function writes it: the
// connection file (here its content, with port 0 for "any free port"), the
// interpreter, signals, Run and the exit status.
func Example() {
	info, err := kernel.ParseConnectionInfo([]byte(`{"transport": "tcp", "ip": "127.0.0.1",
		"shell_port": 0, "iopub_port": 0, "stdin_port": 0, "control_port": 0, "hb_port": 0,
		"key": "a0436f6c-1916-498b-8eb9-e81ab9368e84", "signature_scheme": "hmac-sha256"}`))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	// The log goes to the process's original stderr (io.Discard here).
	k, err := kernel.New(info, echo{}, kernel.WithLogOutput(io.Discard))
	if err != nil {
		fmt.Fprintln(os.Stderr, err) // e.g. a port in use
		os.Exit(1)
	}
	defer k.Close()

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	go func() {
		for s := range sigs {
			if s == os.Interrupt {
				k.Interrupt() // interrupts the running cell, if any
				continue
			}
			cancel()
		}
	}()

	cancel() // here, stop at once: as SIGTERM would
	err = k.Run(ctx)
	clean := err == nil || errors.Is(err, context.Canceled)
	fmt.Println("clean stop:", clean, "restart requested:", k.RestartRequested())
	// Output: clean stop: true restart requested: false
}
