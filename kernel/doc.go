// Package kernel implements the Jupyter messaging protocol (version 5.3) for
// gohpc: the connection file, the wire format and its HMAC signing, the five
// ZeroMQ sockets, request dispatch and the heartbeat.
//
// The language lives behind the Interpreter interface, defined here the way
// net/http defines Handler; kernel never imports an interpreter, yaegi or
// gonum. Completion, inspection, completeness checks and shutdown are
// optional one-method interfaces (Completer, Inspector, CompletenessChecker,
// Shutdowner) found by type assertion; without them the kernel answers
// empty matches, found: false and status "unknown".
//
// # Use
//
// A main function reads the connection file, builds its Interpreter and
// serves it:
//
//	info, err := kernel.ReadConnectionFile(path) // error: exit 1
//	k, err := kernel.New(info, interp, kernel.WithLogger(logger)) // error (port in use…): exit 1
//	defer k.Close()
//	// SIGINT → k.Interrupt(); SIGTERM/SIGHUP → cancel ctx.
//	err = k.Run(ctx)
//	// nil (shutdown_request or Close) or context.Canceled: exit 0.
//
// Run returns within about a second of the stop (WithShutdownGrace), even if
// the running cell ignores its context; the process should then exit rather
// than wait for that cell. The kernel never restarts itself: after a
// shutdown_request with restart set (RestartRequested), the client's kernel
// manager starts a new process.
//
// The kernel writes nothing to standard output or standard error of its own
// accord: every log line goes to the logger of WithLogger or WithLogOutput
// (by default, to os.Stderr as it is when New is called). An interpreter that
// captures file descriptor 2 for cells should hand New the original stderr.
//
// # Wire
//
// Each incoming message is checked, in this order and before any JSON is
// parsed: the size cap (DefaultMaxMessageSize, 256 MiB, or
// WithMaxMessageSize; larger messages are read off the socket, discarded and
// logged), the <IDS|MSG> delimiter, the HMAC-SHA256 signature (constant
// time; an empty key means unsigned) and the replay history (the last 2^16
// signatures, as jupyter_client keeps; a repeated one is dropped). Dropped
// messages are logged and never answered; a signed request whose content is
// malformed gets an error reply. Frame bodies over 1 MiB are allocated as
// their bytes arrive, so announcing a large frame costs a peer nothing.
//
// The sockets are bound with zmq4 doing the ZMTP handshake and this package
// doing the framing (zmtp.go explains why): shell, control and stdin are
// ROUTERs, iopub a PUB with one bounded queue per subscriber, the heartbeat
// an echo that never waits on the kernel.
//
// # Dispatch invariants
//
//   - Shell requests are handled one at a time, in arrival order, by one
//     goroutine; so are execute, complete, inspect and is_complete requests
//     that arrive on control, since they call the Interpreter. Other control
//     requests (interrupt, shutdown, kernel_info…) have their own goroutine
//     and are served while a cell runs.
//   - Every request is answered exactly once on the channel it came on,
//     routed to its sender's identities, with its header as parent; an
//     unknown *_request gets an error reply of the matching *_reply type.
//   - Every handled message is framed on IOPub by status busy and status
//     idle with it as parent; its outputs come between them, in the order
//     the Interpreter produced them.
//   - One goroutine owns the IOPub socket. The busy/idle of control-served
//     requests take a priority lane ahead of queued output, so control
//     replies never wait for a flood of output or a stalled subscriber.
//   - execution_count grows only for store_history (never when silent);
//     silent cells publish nothing but busy and idle. After a cell fails
//     (and its stop_on_error is not false), execute requests already
//     received, or sent before the error and arriving within 500 ms by
//     their header date, are answered "aborted"; the mark is set before the
//     error reply goes out, so a request sent after seeing it runs (see
//     abortMark).
//   - Interrupt (interrupt_request, or a SIGINT handler calling Interrupt)
//     cancels the running cell's context and nothing else. Panics in any
//     Interpreter method are recovered and reported; no request, frame or
//     cell can stop the kernel.
//
// # Output
//
// Stream text is coalesced per cell: published when 64 KiB are pending,
// after the flush interval (WithStreamFlushInterval, 25 ms), before any
// other output of the cell and when the cell ends. Memory is bounded: a
// writer that finds 1 MiB pending publishes it itself and so waits while
// IOPub is behind; no byte is dropped or reordered, and an incomplete UTF-8
// sequence at a flush boundary is held back for the next write. Output a
// cell's goroutines write after its reply is still published under its
// parent header.
//
// # Stop
//
// A shutdown_request, Close or the cancellation of Run's context cancels the
// running cell, waits for it and the Shutdowner within the grace, flushes
// IOPub (bounded by the grace as well), closes every socket and connection
// and returns. No goroutine the kernel started outlives Run or Close, except
// a cell that ignores its context.
package kernel
