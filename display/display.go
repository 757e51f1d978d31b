package display

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"sync"
	"sync/atomic"
)

// MIME types used by the constructors and renderers of this package.
const (
	MIMEText     = "text/plain"
	MIMEHTML     = "text/html"
	MIMEMarkdown = "text/markdown"
	MIMELaTeX    = "text/latex"
	MIMEPNG      = "image/png"
	MIMEJPEG     = "image/jpeg"
	MIMESVG      = "image/svg+xml"
	MIMEJSON     = "application/json"
)

// Bundle is a MIME bundle: MIME type -> content. Text formats hold a
// string; image/png and image/jpeg hold base64-encoded data, as the Jupyter
// protocol carries them; application/json holds a JSON value (a map, slice,
// string, float64, bool or nil). A Bundle shown in a notebook always has a
// "text/plain" entry.
type Bundle map[string]any

// Metadata is the metadata of a Bundle, keyed by MIME type, e.g.
// {"image/png": {"width": 576, "height": 384}}. It may be nil.
type Metadata map[string]any

// Data is one rich output on its way to the notebook: a bundle, its metadata
// and, for outputs that can be updated in place, a display id.
type Data struct {
	Bundle    Bundle
	Metadata  Metadata
	DisplayID string // empty: the output cannot be updated
}

// Sink receives the rich outputs of the running cell. The notebook session
// installs one per cell with SetSink; its methods must be safe for
// concurrent use, since goroutines a cell started may display too.
type Sink interface {
	// Display publishes d as display_data.
	Display(d Data)
	// UpdateDisplay replaces every output shown with d.DisplayID by d.
	UpdateDisplay(d Data)
	// ClearOutput clears the cell's output; wait defers the clear until the
	// next output arrives, which avoids flicker in animations.
	ClearOutput(wait bool)
}

// RenderFunc turns any value into a bundle and its metadata; see SetRenderFunc.
type RenderFunc func(v any) (Bundle, Metadata)

type sinkHolder struct{ s Sink }
type renderHolder struct{ f RenderFunc }

var (
	currentSink   atomic.Pointer[sinkHolder]
	currentRender atomic.Pointer[renderHolder]
)

// SetSink installs s as the destination of Display, ClearOutput and
// Handle.Display, and returns a function that restores the previous sink.
// A nil s installs the default sink, which writes the text/plain part of
// each output to standard output (useful outside a notebook).
//
// The notebook session calls it at the start of every cell:
//
//	restore := display.SetSink(cellSink)
//	defer restore()
func SetSink(s Sink) (restore func()) {
	prev := currentSink.Swap(&sinkHolder{s})
	return func() {
		if prev == nil {
			currentSink.Store(nil)
			return
		}
		currentSink.Store(prev)
	}
}

// CurrentSink returns the installed sink, or the default one that writes
// text/plain to standard output.
func CurrentSink() Sink {
	if h := currentSink.Load(); h != nil && h.s != nil {
		return h.s
	}
	return textSink{os.Stdout}
}

// SetRenderFunc installs f as the renderer used by Display and Handle to
// turn a value into a bundle, and returns the previous one. A nil f restores
// the built-in Render of this package. The notebook session installs a richer
// renderer (matrices, plots, tables) that falls back to Render.
func SetRenderFunc(f RenderFunc) RenderFunc {
	prev := currentRender.Swap(&renderHolder{f})
	if prev == nil {
		return nil
	}
	return prev.f
}

func render(v any) (Bundle, Metadata) {
	var b Bundle
	var m Metadata
	if h := currentRender.Load(); h != nil && h.f != nil {
		b, m = h.f(v)
	} else {
		b, m = Render(v)
	}
	return withText(b, v), m
}

// Display shows v in the current cell's output, rendered by what it is: a
// Bundle as is; a value with HTML, Markdown, LaTeX, PNG, SVG, JSON or
// MIMEBundle methods through them; an image as PNG; anything else through
// the renderer installed with SetRenderFunc (matrices, plots, tables) and
// finally as text.
func Display(v any) {
	b, m := render(v)
	CurrentSink().Display(Data{Bundle: b, Metadata: m})
}

// ClearOutput clears the output of the current cell. With wait true the clear
// happens when the next output arrives, so that
//
//	for i := range frames {
//		display.ClearOutput(true)
//		display.Display(frames[i])
//	}
//
// animates without flicker.
func ClearOutput(wait bool) {
	CurrentSink().ClearOutput(wait)
}

// Handle is an output that can be updated in place, e.g. a status line or a
// chart redrawn while a computation runs:
//
//	h := display.NewHandle()
//	h.Display("starting")
//	…
//	h.Update(display.HTML("<b>done</b>"))
//
// A Handle sends to the sink that was current when Display was last called
// on it, so updates from goroutines reach the right cell even after it ended.
// Its methods are safe for concurrent use.
type Handle struct {
	id   string
	mu   sync.Mutex
	sink Sink
}

// NewHandle returns a handle with a new random display id; nothing is shown
// until Display or Update is called.
func NewHandle() *Handle {
	return &Handle{id: newDisplayID()}
}

// NewHandleID returns a handle for the given display id, e.g. to update an
// output from a later cell.
func NewHandleID(id string) *Handle {
	if id == "" {
		panic("display: empty display id")
	}
	return &Handle{id: id}
}

// ID returns the display id.
func (h *Handle) ID() string { return h.id }

// Display shows v as a new output carrying the handle's display id. Calling it
// again shows another copy; Update changes all of them.
func (h *Handle) Display(v any) {
	b, m := render(v)
	s := CurrentSink()
	h.mu.Lock()
	h.sink = s
	h.mu.Unlock()
	s.Display(Data{Bundle: b, Metadata: m, DisplayID: h.id})
}

// Update replaces the outputs shown with this handle by v. If the handle was
// never displayed, Update displays it.
func (h *Handle) Update(v any) {
	h.mu.Lock()
	s := h.sink
	h.mu.Unlock()
	if s == nil {
		h.Display(v)
		return
	}
	b, m := render(v)
	s.UpdateDisplay(Data{Bundle: b, Metadata: m, DisplayID: h.id})
}

// String describes the handle (its display id).
func (h *Handle) String() string { return "display.Handle(" + h.id + ")" }

func newDisplayID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("display: no randomness for a display id: " + err.Error())
	}
	return hex.EncodeToString(b[:])
}

// textSink is the default sink: the text/plain part of outputs to w.
type textSink struct{ w io.Writer }

func (t textSink) Display(d Data)       { fmt.Fprintln(t.w, d.Bundle[MIMEText]) }
func (t textSink) UpdateDisplay(d Data) { fmt.Fprintln(t.w, d.Bundle[MIMEText]) }
func (t textSink) ClearOutput(bool)     {}
