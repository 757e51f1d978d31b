package kernel

import (
	"context"
	"errors"
)

// Interpreter is the seam between the Jupyter protocol and a language. The
// kernel calls Execute for one cell at a time, in the order the requests
// arrived; it never calls Execute concurrently with itself. Completion,
// inspection, completeness checks and shutdown are optional: an Interpreter
// may implement Completer, Inspector, CompletenessChecker and Shutdowner, and
// the kernel answers sensible defaults for those it does not.
type Interpreter interface {
	// KernelInfo describes the language for kernel_info_reply.
	KernelInfo() KernelInfo

	// Execute runs one cell. ctx is cancelled when the user interrupts the
	// cell (interrupt_request or SIGINT); Execute must then return promptly
	// (within 100 ms for interpreted code). out is the cell's only way back to
	// the notebook; it stays usable after Execute returns (goroutines the cell
	// started may still print), publishing under this cell's parent header.
	//
	// A non-nil *CellError becomes an error reply and an error message on
	// IOPub; any other non-nil error is reported as an internal error with its
	// text. Execute must not panic, but the kernel recovers if it does.
	Execute(ctx context.Context, req ExecuteRequest, out Output) (ExecuteResult, error)
}

// KernelInfo is the language part of kernel_info_reply.
type KernelInfo struct {
	Implementation        string     // e.g. "gohpc"
	ImplementationVersion string     // e.g. "0.1.0"
	Banner                string     // shown by consoles at start
	LanguageName          string     // "go"
	LanguageVersion       string     // e.g. "1.26.8"
	MimeType              string     // "text/x-go"
	FileExtension         string     // ".go"
	PygmentsLexer         string     // "go"
	CodeMirrorMode        string     // "go"
	HelpLinks             []HelpLink // shown in the Help menu
}

// HelpLink is one entry of the Help menu.
type HelpLink struct {
	Text string `json:"text"`
	URL  string `json:"url"`
}

// ExecuteRequest is the part of execute_request an Interpreter needs.
type ExecuteRequest struct {
	Code            string
	Silent          bool
	StoreHistory    bool
	AllowStdin      bool
	ExecutionCount  int               // the count shown for this cell
	UserExpressions map[string]string // name -> expression, evaluated after the cell
}

// ExecuteResult is what a successful cell leaves behind.
type ExecuteResult struct {
	// Value is the execute_result of the cell's trailing expression; nil when
	// the cell has none. Its Data must hold "text/plain".
	Value *DisplayData
	// UserExpressions maps each requested name to a MIME bundle
	// ({"status":"ok","data":…,"metadata":…}) or an error dict.
	UserExpressions map[string]any
	// Payload is passed through to execute_reply (e.g. set_next_input).
	Payload []map[string]any
}

// CellError is a failure of user code: a compile error, a panic, an
// interrupt. It becomes an error reply with these fields.
type CellError struct {
	Name      string   // ename, e.g. "CompileError", "panic", "Interrupted"
	Value     string   // evalue, one line
	Traceback []string // lines shown to the user; may contain ANSI colour
}

func (e *CellError) Error() string { return e.Name + ": " + e.Value }

// DisplayData is one rich output: a MIME bundle and its metadata.
type DisplayData struct {
	Data      map[string]any // MIME type -> content; content is a string or a JSON value
	Metadata  map[string]any // may be nil
	DisplayID string         // non-empty: sent as transient.display_id, so it can be updated
}

// Output is an executing cell's way back to the notebook. All methods are
// safe for concurrent use (goroutines a cell started may write too) and
// never block for long: the kernel coalesces streams and applies
// backpressure only when the client falls far behind.
type Output interface {
	// Stream appends text to the named stream, "stdout" or "stderr".
	Stream(name, text string)
	// Display publishes display_data.
	Display(d DisplayData)
	// UpdateDisplay publishes update_display_data; d.DisplayID must be set.
	UpdateDisplay(d DisplayData)
	// ClearOutput publishes clear_output; wait defers the clear until new output arrives.
	ClearOutput(wait bool)
	// Input asks the user for a line on the stdin channel and waits for it.
	// It returns ErrStdinNotAllowed when the request has allow_stdin false,
	// and ctx.Err() if the cell is interrupted while waiting.
	Input(ctx context.Context, prompt string, password bool) (string, error)
}

// ErrStdinNotAllowed is returned by Output.Input when the client does not accept input requests.
var ErrStdinNotAllowed = errors.New("kernel: this client does not accept input (allow_stdin is false)")

// Completer is implemented by interpreters that can complete code.
// cursor and the returned offsets count Unicode code points, as the protocol does.
type Completer interface {
	Complete(code string, cursor int) CompleteResult
}

// CompleteResult is the content of complete_reply.
type CompleteResult struct {
	Matches     []string
	CursorStart int
	CursorEnd   int
	Metadata    map[string]any
}

// Inspector is implemented by interpreters that can show documentation for
// the symbol at the cursor (a code-point offset). detailLevel is 0 or 1.
type Inspector interface {
	Inspect(code string, cursor int, detailLevel int) InspectResult
}

// InspectResult is the content of inspect_reply; Found false means no data.
type InspectResult struct {
	Found    bool
	Data     map[string]any // at least "text/plain"
	Metadata map[string]any
}

// CompletenessChecker is implemented by interpreters that can tell whether
// code is a complete cell (for consoles).
type CompletenessChecker interface {
	IsComplete(code string) IsCompleteResult
}

// IsCompleteResult is the content of is_complete_reply. Status is one of
// "complete", "incomplete", "invalid", "unknown"; Indent is used when incomplete.
type IsCompleteResult struct {
	Status string
	Indent string
}

// Shutdowner is implemented by interpreters that hold resources to release
// when the kernel shuts down or restarts.
type Shutdowner interface {
	Shutdown(restart bool) error
}
