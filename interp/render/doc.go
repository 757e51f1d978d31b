// Package render turns Go values into MIME bundles for the notebook: the
// trailing value of a cell, and whatever a cell passes to display.Display.
//
// # Values
//
// Value and ValueMeta render by what a value is: a display.Bundle as is;
// display's renderer methods (HTML, Markdown, LaTeX, PNG, SVG, JSON,
// MIMEBundle); a gonum/plot *plot.Plot as PNG; a gonum mat.Matrix as an HTML
// table elided like NumPy (first and last MatrixEdge rows and columns
// beyond MatrixMax, with a shape caption) and as mat.Formatted text; an
// image.Image as PNG; a slice of structs, such as []hpc.Location, as a table
// (found by reflection: any struct's exported fields are its columns);
// slices of numbers summarised beyond a thousand elements; errors by their
// message. Everything else falls back to display.Render.
//
// ValueMeta has the signature of display.RenderFunc; the session installs
// it once with display.SetRenderFunc(render.ValueMeta) so that
// display.Display renders matrices and plots too.
//
// # Plots
//
// Plots are drawn at 6 × 4 in and shown at 96 dpi (576 × 384 CSS pixels),
// rendered at twice that resolution for high-density screens; the
// image/png metadata carries the display size. Text uses the Liberation
// fonts gonum/plot embeds. ScalingTable and ScalingChart render the
// speed-up study of the %scaling magic.
//
// # Progress
//
// Progress turns hpc.ProgressFunc reports into live bars: one display_data
// with a display id after half a second, update_display_data at most ten
// times a second, and a one-line summary at the end. Its clock is injectable
// for tests.
//
// # Invariants
//
// Every bundle holds text/plain. Rendering never panics: a panic in a
// user's method becomes the text of the bundle. The package imports
// display, gonum and gonum/plot, never the interpreter or the kernel; it
// finds hpc types by their shape, so it does not depend on hpc's API.
//
// FormatTime is IPython's _format_time (three significant digits in s, ms,
// µs or ns), shared with the timing magics.
package render
