// Package native compiles Go code at run time into plugins that match the
// running kernel, and loads them, so that interpreted cells can call
// compiled code: the %%native cell magic (a cell's declarations compiled by
// the Go toolchain) and %go get (a third-party module's API).
//
//	b := native.New(native.Config{GoMod: gohpc.GoMod, GoSum: gohpc.GoSum})
//	b.Warm(ctx)                              // at kernel start, in the background
//	pkg, err := b.Compile(ctx, body, "In[3]", 2)
//	in.Use(yaegi.Exports{pkg.Path + "/" + pkg.Name: pkg.Symbols})
//	res, err := b.Get(ctx, "github.com/google/uuid@v1.6.0")
//
// # How a plugin is built
//
// A Builder keeps a scratch module in a temporary directory: the kernel's
// embedded go.mod (renamed gohpc.native) and go.sum, so that every
// dependency resolves to the version the kernel was built with, plus a
// replace directive pointing github.com/gohpc/gohpc at its source tree
// (Config.SourceDir, $GOHPC_SOURCE, or the tree this package was compiled
// from if its go.mod is the kernel's), so that cells can import hpc and
// display. Each compile writes a new package (gohpc.native/c1, c2, …: a
// plugin's package path must be new each time, since a loaded plugin cannot
// be replaced) holding the cell, behind a //line directive so the
// compiler's errors name cell lines, and a generated symbol table
// (GohpcNativeSymbols, as yaegi extract writes them: functions and
// constants as values, variables addressable, types as (*T)(nil); in the
// cell's package, so unexported names are bound too), plus a main package
// beside it that is built with go build -buildmode=plugin, opened with
// plugin.Open, and deleted with its .so file.
//
// A cell's package stays in the scratch module: a later cell that uses an
// exported function, type or constant of an earlier one (and does not
// declare it) gets an alias of its latest definition, so a type declared
// in one native cell can be passed to the functions of the next. Variables
// are not shared that way (each cell would get a copy).
//
// %go get runs go get in the scratch module, type-checks the packages from
// their export data (go list -export) and writes the symbol table of their
// exported, non-generic API into a plugin of its own, with yaegi's
// interface wrappers (so interpreted types can implement the package's
// interfaces).
//
// # Matching the kernel
//
// The Go runtime refuses a plugin whose packages differ from the host's
// ("plugin was built with a different version of package …"). A Builder
// therefore:
//
//   - pins GOTOOLCHAIN to runtime.Version() and checks that the go command
//     reports it;
//   - builds with the kernel's build settings that change compiled packages
//     (-race, -msan, -asan, -trimpath, -tags, -gcflags, -asmflags,
//     GOAMD64 and the other GOARCH levels, GOEXPERIMENT, the CGO_* flags),
//     read from the binary's debug.BuildInfo, and drops those from GOFLAGS;
//   - resolves modules from the kernel's go.mod/go.sum, and refuses a
//     %go get whose requirements would change the version of any module the
//     kernel has (Stage "clash"), restoring go.mod and go.sum.
//
// The kernel itself must be built with cgo (plugin.Open is not implemented
// otherwise), not with -buildmode other than exe or pie, and the source
// tree it was built from must be unchanged for cells to import gohpc's own
// packages.
//
// # Errors
//
// Every failure is an *Error whose Stage tells where: "platform" (no
// plugins on this OS, or a kernel without build information),
// "toolchain" (no go command, or not the kernel's version), "cgo" (a
// kernel built without cgo, or no C compiler), "build", "load", "proxy"
// (go get failed), "clash", "unbindable" (a module whose API is all generic) and "usage". A %%native cell that does not
// compile gives a *CompileError holding the compiler's messages at cell
// lines. Nothing here panics or exits; the kernel survives every failure.
//
// # Limits
//
//   - Plugins cannot be unloaded: each compile keeps its code and data
//     (about 1–3 MB) until the kernel restarts, and a module loaded with
//     %go get cannot be replaced by another version in the same kernel.
//   - Native code runs to completion: an interrupt does not stop a native
//     loop (pass long computations through hpc functions, which check for
//     cancellation), and a fatal error in it (a nil map write, an
//     unrecovered panic in a goroutine it started) ends the kernel.
//   - Generic functions and types cannot be bound (the interpreter gets no
//     instances of them); they are listed in Package.Skipped with a hint.
//   - Types declared in interpreted cells cannot cross into native code;
//     builtin types, slices, maps, funcs, gonum types and types declared in
//     native cells can.
//   - A native variable is bound into the interpreter as a copy: functions
//     of the native cell see their own variable, not assignments made by
//     interpreted cells. Constants are bound as variables of their default
//     type. Pass state as arguments.
//   - A native call costs about as much as an interpreted one (~100–250 ns):
//     pass whole slices, not elements.
//
// # Invariants
//
// One build runs at a time per Builder (they share the scratch module);
// a running warm-up build is waited for rather than competed with. The
// package never imports the interpreter: it hands back reflect values that
// the session binds.
package native
