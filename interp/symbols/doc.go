// Package symbols holds the yaegi symbol maps that let cells import gohpc's
// own packages (hpc, display) and gonum (mat, floats, stat, stat/distuv,
// blas/blas64) and gonum/plot (plot, plotter, plotutil, vg, vg/draw) at
// native speed. The session loads them after the standard library's:
//
//	i := interp.New(interp.Options{…})
//	i.Use(stdlib.Symbols)
//	i.Use(symbols.Symbols)
//
// # Generation
//
// The maps are generated with yaegi extract, one file per package, from the
// go:generate lines in symbols.go, and committed. After changing the
// exported API of hpc or display, or upgrading gonum, run
//
//	go generate ./interp/symbols
//
// TestGeneratedUpToDate reruns the same lines into a scratch directory and
// fails when the committed files differ, name the stale file and its first
// changed line.
//
// What extract does, and so what cells see:
//   - Generic functions and types are skipped (yaegi cannot call them
//     natively); none of the extracted APIs has any today, and hpc keeps
//     its cell-facing API non-generic.
//   - Constants become go/constant values, so untyped constants keep their
//     precision; variables are addressable (cells can set them).
//   - Each interface gets a wrapper type (the "_Name" entries): a cell's
//     own type can then implement plotter.XYer, plot.Plotter,
//     display.HTMLer and the like, and be passed to native code.
//   - display's SetSink and SetRenderFunc are excluded: they are the
//     session's plumbing, and a cell replacing them would break the output
//     of later cells.
//
// # Rich methods of a cell's types
//
// A value of an interpreted type passed to a native function taking any
// reaches it without its methods (yaegi's types are reflect structs). The
// MapTypes entry ("." in Symbols) tells yaegi to wrap such values in the
// first interface they implement when they are passed to display.Display,
// display.Render and display.RenderMethods: MIMEBundler, HTMLer,
// Markdowner, SVGer, PNGer, LaTeXer, JSONer, then fmt.Stringer. Composed
// wrappers keep String alongside a rich method, so text/plain stays the
// type's own.
//
// A cell's trailing value comes back from Eval without its methods too, and
// converting it to any inside the interpreter does not help. The session
// gets the rich output by binding the value to a variable of its static
// type and displaying that variable inside the interpreter:
//
//	i.Eval("_v := " + expr)
//	i.Eval("display.Display(_v)")
//
// (TestTrailingValueRecipe).
package symbols
