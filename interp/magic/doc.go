// Package magic implements gohpc's IPython-style magics: the lines of a cell
// that start with % or !, parsed before the Go interpreter sees the cell.
//
//	%time f(x)                       one run: CPU, wall, Go heap and GC
//	%timeit -n 100 -r 7 -q -o f(x)   many runs: mean ± std. dev.
//	r := %timeit -o f(x)             the TimeitResult, for later cells
//	%scaling -w 1,2,4 hpc.MatMul(a, b)  speed-up with 1…N hpc workers
//	%who, %whos, %env, %lsmagic, %hpc, %reset
//	!ls -l                           a shell command, output streamed
//	files := %sx ls *.csv            a command's output lines as []string
//	%go get MODULE[@VERSION]         a third-party module, importable after
//
// and the cell magics %%time, %%timeit [SETUP], %%scaling [SETUP],
// %%writefile [-a] FILE, %%sh, %%bash, %%native (Go declarations compiled
// by the Go toolchain and bound into the session), and %%html, %%markdown,
// %%latex and %%svg (which show the body), which take the whole cell.
//
// %%native and %go get reach the toolchain through the optional Native
// interface of the Session (package interp/native builds the plugins); a
// Session without it answers them with a UsageError.
//
// # Parsing
//
// Parse splits a cell into a Plan: code segments (consecutive lines of Go,
// unchanged, with the cell line they start at) and magic segments, run in
// order by an Executor. The rules, IPython's where Go allows:
//
//   - A cell magic (%%name) must be the first non-blank line; the rest of
//     the cell is its body. %%time's body may use line magics itself;
//     %%timeit's and %%scaling's are Go only, compiled once and run many
//     times.
//   - A line magic (%name …, or "v := %name …" / "v = %name …" to keep its
//     value) may stand on any line of the cell, at the top level: the code
//     before it runs first, the code after it after. A % line inside a
//     block or an unfinished statement is an error, not a silent guess.
//   - A line starting with ! is a shell command only where a Go statement
//     could start (at the top level, after a complete statement): "!ok" on
//     the line after "x := a &&" is Go's negation.
//   - Nothing inside a raw string or a /* */ comment is a magic. The parser
//     follows just enough of Go's lexical structure (strings, comments,
//     brackets, automatic semicolons) to know where statements start.
//   - Options are getopt-style, as IPython's: "-n 100", "-n100", "-qo",
//     "--" ends them. Integer options must be positive.
//   - "%name?" (or "??", or "%%name?" on the first line) shows the magic's
//     usage instead of running it.
//   - An unknown magic is a *UsageError suggesting the close names
//     ("Line magic function `%timit` not found. Did you mean %timeit or
//     %time?"); so are bad options and misplaced magics. Errors carry the
//     cell line.
//
// # Output formats
//
// The timing magics print what IPython prints, so that notebooks read the
// same:
//
//	CPU times: user 1.21 s, sys: 8.03 ms, total: 1.22 s
//	Wall time: 1.22 s
//	Go heap: 76.3 MiB allocated (1,024 allocations), 3 GC cycles
//
//	1.23 ms ± 45.6 µs per loop (mean ± std. dev. of 7 runs, 1,000 loops each)
//
// The third %time line is gohpc's own. %timeit calibrates as IPython does
// (1, 10, 100, … loops until one batch takes at least 0.2 s; 7 runs) and
// warns "The slowest run took 5.03 times longer than the fastest. This
// could mean that an intermediate result is being cached." when the slowest
// run took more than four times the fastest. Times are formatted by
// render.FormatTime, IPython's _format_time. Unlike IPython, %timeit leaves
// the garbage collector on: in Go it is the memory manager, not a cycle
// collector, and a statement allocating in a loop of a million would run
// the kernel out of memory without it. Its cost is part of the timing, as
// it is in a Go benchmark. The Go heap line of %time counts the whole
// process, which the statement's goroutines dominate.
//
// %scaling runs a statement with each worker count (1…GOMAXPROCS, or -w),
// keeping the best of -r runs, and shows a table updated in place as the
// measurements come, then a PNG chart of the speed-up with the ideal line.
// Both mute the session's progress bars while they repeat a statement
// (ProgressMuter).
//
// # Interrupts
//
// Every magic stops promptly when the cell's context is cancelled: timing
// loops check a flag between calls; shell commands run in their own
// process group, which is killed with everything it started.
//
// # Invariants
//
// The package never imports the interpreter: it sees it through the
// Session interface (and HPC for worker counts), and writes only through
// Output, so it is tested with fakes. Parse never panics, whatever the
// input (FuzzParse).
package magic
