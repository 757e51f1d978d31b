// Package display shows rich output in a notebook: HTML, Markdown, LaTeX,
// images, SVG and JSON, and outputs updated in place. It is exported to cells,
// so a cell can write
//
//	display.Display(display.HTML("<b>converged</b> after 12 iterations"))
//
//	h := display.NewHandle()
//	for i := range steps {
//		h.Update(fmt.Sprintf("step %d/%d", i+1, len(steps)))
//	}
//
// and a trailing display.Markdown("…") renders like any other value.
//
// # Bundles
//
// A Bundle maps MIME types to content, as Jupyter's display_data does. The
// constructors HTML, Markdown, LaTeX, SVG, PNG, JPEG, Image, JSON and Text
// build one; every Bundle this package produces holds "text/plain", the
// fallback front-ends without rich display (consoles, nbconvert to text)
// show. Binary images are carried base64-encoded, as on the wire.
//
// # Renderer interfaces
//
// A value renders through the methods it has: HTML() string, Markdown()
// string, LaTeX() string, PNG() []byte, SVG() string, JSON() any, or
// MIMEBundle() (Bundle, Metadata) for full control (interfaces HTMLer,
// Markdowner, LaTeXer, PNGer, SVGer, JSONer, MIMEBundler). All that apply go
// into one bundle; its text/plain comes from String or fmt's %v. Render is
// the built-in renderer (standard library only); the notebook session
// installs a richer one with SetRenderFunc (package interp/render: matrices,
// plots, tables of structs), which falls back to Render.
//
// # Sinks
//
// Output reaches the notebook through a Sink: Display, UpdateDisplay and
// ClearOutput, the subset of the kernel's output the display functions need.
// The session installs the running cell's sink with SetSink and restores the
// previous one when the cell ends. Without a sink, outputs print their
// text/plain to standard output, so code using this package also runs
// outside a notebook.
//
// A Handle remembers the sink current when it was displayed, so that a
// goroutine updating it after its cell ended still updates the right output.
//
// # Invariants
//
// The package is a leaf: it imports the standard library only, so the
// kernel, the interpreter and native packages can all depend on it. Its API
// is non-generic with concrete types, as the interpreter's symbol extraction
// requires. All functions are safe for concurrent use.
package display
