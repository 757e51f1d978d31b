// Package lastwords keeps what a dying process wrote to its captured
// stderr.
//
// The kernel captures its own file descriptor 2 in a pipe, so that cells'
// native writes reach the notebook, and reads that pipe itself. When the Go
// runtime cannot recover (concurrent map writes, out of memory) it prints
// "fatal error: <why>" to fd 2 and only then starts copying its report to
// the crash output (runtime/debug.SetCrashOutput): the reason stays in a
// pipe whose only reader is the dead process.
//
// Start launches a witness: a small process that holds a duplicate of the
// pipe's read end and one end of a lifeline pipe, and reads nothing while
// the watched process lives. Dismiss, on a clean exit, sends it away
// without a word. If the lifeline breaks instead (the process died), the
// witness copies what is left unread in the captured pipe, at most
// MaxSaved bytes, to the log it was given, under a line naming the dead
// process, and exits.
//
// The witness runs in a process group of its own and ignores SIGINT,
// SIGTERM and SIGHUP: Jupyter signals, and at last kills, the kernel's
// process group, and the witness must outlive the kernel to speak. It
// leaves with the process it watches: the lifeline's end is its end.
package lastwords
