// Package interp is gohpc's Go session: the cells of a notebook,
// interpreted by yaegi (github.com/traefik/yaegi v0.16.1) with the REPL
// semantics a Go user expects. A *Session implements kernel.Interpreter
// (with completion, inspection, completeness checks and shutdown) and the
// magic.Session and magic.HPC the magics run against.
//
//	sess, err := interp.New(interp.Options{CaptureFDs: true})
//	defer sess.Close()
//	k, err := kernel.New(info, sess)
//
// # Cells
//
// Every cell goes through magic.Parse; its Go segments run in the session,
// in order:
//
//   - Declarations and statements mix in any order. A cell is split at the
//     semicolons of its top level; runs of declarations are compiled as a
//     file, runs of statements as the body of yaegi's REPL function (whose :=
//     define globals), one after the other, so `var a []int; a = append(a, 1); a`
//     works.
//   - State persists between cells. A later cell may redeclare a variable
//     (with another type), a function, or a type: a type redefined with a
//     different declaration gets a fresh internal name (Tᐧ2, a letter, so it
//     keeps T's export) and every later reference to T means the new one;
//     values made before keep the old type. Errors show the user's name.
//     What a finished cell leaves in yaegi's global frame (temporaries, a
//     redeclared variable's old value) is released (see globalFrame), so
//     re-running a cell does not pile up memory.
//   - A failed cell loses nothing. yaegi binds a cell's names as it
//     compiles, so a compile error would leave them bound (to zero values,
//     replacing the session's variables, functions and types of the same
//     names); the session undoes that (symbolSnapshot). After a run that
//     fails, a redeclared variable whose new slot still holds its zero value
//     is bound to its old slot again (globalFrame.ran).
//   - Any standard-library package can be imported in any cell, as can
//     gonum, gonum/plot, hpc and display (interp/symbols). A package used
//     without an import is imported automatically (fmt.Println needs no
//     import "fmt"); of several packages with one name, the one with the
//     selected symbols is taken (draw.TriangleGlyph is gonum's vg/draw).
//     Importing a package twice is harmless.
//   - A trailing expression becomes the execute_result, rendered by
//     render.ValueMeta (text/plain as fmt's %v, richer MIME types for
//     matrices, plots, tables and values with HTML, PNG… methods). A call
//     without a value, or with several, gives none.
//   - Compile errors point at the cell's line and column ("3:5: undefined:
//     x"), with the line and a caret in the traceback: every item is parsed
//     behind a //line directive and the rewrites keep the user's positions.
//   - A panic is an error named "panic" (or StackOverflow, Exit,
//     OutOfMemory, Interrupted) with the panic's message and the interpreted
//     frames it unwound. A panic in a goroutine the cell started is printed
//     on that cell's stderr; the kernel lives. Panics escaping yaegi itself,
//     at compile or run time, become cell errors too.
//   - Infinite recursion stops with a StackOverflow error: every interpreted
//     function starts with a guard that ends the goroutine once it uses more
//     than 64 MiB of stack, far below Go's fatal 1 GB. In a goroutine the
//     cell started, the goroutine ends with a message on stderr; in hpc's
//     workers, the cell fails when it ends; in %timeit, at 1 MiB.
//   - os.Exit and log.Fatal panic instead of ending the process; make of a
//     slice, map or channel larger than the machine's memory panics instead
//     of a fatal out-of-memory error.
//   - fmt.Print*, os.Stdout, os.Stderr and the log package write to the
//     running cell's streams as they are written. With Options.CaptureFDs,
//     file descriptors 1 and 2 are pipes whose content goes there too
//     (syscall.Write(1, …), C code, child processes). Reading os.Stdin
//     (fmt.Scanln, bufio.Scanner) asks the front-end for a line; when it
//     does not accept input the read fails with ErrStdin and the cell ends
//     with a StdinNotAllowed error.
//   - An interrupt (the context of Execute cancelled) stops interpreted
//     loops, channel operations and select, and time.Sleep, within a few
//     milliseconds; Execute returns an Interrupted error at most 60 ms
//     later and the session keeps its state. Native hpc calls stop between
//     chunks (hpc.SetContext).
//   - A cell holding only "name?" or "?name" (name?? for more detail) is
//     IPython's help: Inspect's text for the name goes to the pager, as an
//     execute_reply payload with source "page"; nothing runs.
//
// # Rewrites
//
// Before yaegi sees a cell, its AST is rewritten (in place, keeping the
// user's positions): Go 1.22's range over an integer becomes a counted
// loop evaluating its bound once; the min and max builtins become generic
// helpers, clear a native helper; loops whose body holds closures get a
// fresh copy of their variables per iteration (Go 1.22), top-level ones
// running in a closure; go statements evaluate their arguments first and
// recover in the new goroutine; make's sizes are checked; a user's own min,
// max or clear is left alone; a range over a call of maps.Keys, Values,
// All or slices.All, Values becomes the range over their argument it
// stands for, and one over slices.Backward(e) a counted loop down e.
//
// # Language gaps
//
// What yaegi v0.16.1 does not do, even after the rewrites:
//
//   - Generics are partial: a generic function with several type
//     parameters may fail to infer them (Map[T, U]); one whose variadic
//     parameter gets no argument fails to compile (slices.Insert(s, i),
//     cmp.Or(x)); a generic function is not a value (cmp.Compare[int]). A
//     global defined from an expression holding a generic call fails in
//     yaegi; for `x := e` (one name) with a call of min, max, a function of
//     cmp, slices or maps, or a generic function the session declared
//     (genericCalls), the session evaluates e alone and declares x with the
//     value's type when it is made of predeclared types, so that x can be
//     passed to generic functions later.
//   - cmp, slices and maps are yaegi's Go 1.22 sources with most functions
//     replaced and Go 1.23's added (see package stdgeneric): declared on
//     plain slices and maps, without slices.Compare. Range over functions
//     is not supported, except over a call of maps.Keys, Values, All and
//     slices.All, Values, Backward (rewritten).
//   - A three-clause for loop with closures whose body also assigns the
//     loop variable keeps one variable for all iterations (pre-1.22).
//   - Unexported fields of interpreted struct types print with an X prefix
//     ({A:1 Xb:2}); %T of interpreted types is struct {…}, and a redefined
//     type prints as Tᐧ2.
//   - println and print write to stdout, not stderr.
//   - Interpreted frames in tracebacks show the position of the function
//     (its body), not of the failing statement inside it.
//   - os.Stdout, os.Stderr and os.Stdin are not *os.File in cells (they
//     have Write/WriteString/Read/Fd/Name): code that needs an *os.File
//     must open one.
//   - An interrupt cannot stop native code blocked outside the hpc package
//     (sync.WaitGroup.Wait, a mutex, network I/O): Execute returns anyway
//     and the goroutine stays blocked. An interrupt stops the goroutines
//     earlier cells started too.
//   - Fatal runtime errors cannot be recovered: concurrent map writes, a
//     huge allocation that is not a make (append growth, strings.Repeat),
//     running out of memory. The runtime's report, with its "fatal error:"
//     line, goes to the kernel's log (its original stderr; the line by way
//     of internal/lastwords) before the process exits; Jupyter then offers
//     a restart.
//   - A redeclared variable is a new variable: functions compiled before
//     the redeclaration keep reading the old one (and keep its value
//     alive); redefine them to see the new one.
//   - Deep recursion that panics (not the guard) unwinds in time quadratic
//     in its depth inside yaegi: a panic 20,000 frames deep takes minutes.
//   - Goroutines' panics are reported, not propagated: the cell that
//     started them succeeds.
//   - A panic in an interpreted function that native code calls on a
//     goroutine of its own (an http handler, a callback of a library) ends
//     the process; go statements and time.AfterFunc are covered.
package interp
