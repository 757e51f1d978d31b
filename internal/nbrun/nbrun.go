// Package nbrun executes a notebook's code cells in order against a
// kernel.Interpreter, in-process and without Jupyter, and records their
// outputs in the notebook the way a Jupyter client would.
//
// # Outputs
//
// Consecutive stream writes to the same stream merge into one output;
// display_data with a display_id is updated in place by update_display_data
// (in every cell that shows it); clear_output clears the running cell's
// outputs, at once or, with wait, when the next output arrives. Reading
// stdin fails: there is no one to ask.
//
// # Errors
//
// A failing cell records an error output and stops the run, unless the
// cell is tagged "raises-exception" or Options.AllowErrors is set; cells
// after the failure keep no outputs, as with nbclient.
//
// # Parameters
//
// Parameters (NAME=VALUE) become a code cell tagged "injected-parameters",
// inserted after the cell tagged "parameters" (or first), as papermill does.
package nbrun

import (
	"context"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gohpc/gohpc/internal/nbformat"
	"github.com/gohpc/gohpc/kernel"
)

// Options tune a run.
type Options struct {
	CellTimeout time.Duration // per cell; 0 means none
	AllowErrors bool          // run every cell even after a failure
	Params      []Param       // injected after the "parameters" cell
	Log         io.Writer     // progress and cell errors; nil discards
}

// Param is one NAME=VALUE parameter.
type Param struct{ Name, Value string }

// ParseParam parses "NAME=VALUE"; NAME must be a Go identifier.
func ParseParam(s string) (Param, error) {
	name, value, ok := strings.Cut(s, "=")
	name = strings.TrimSpace(name)
	if !ok || !token.IsIdentifier(name) {
		return Param{}, fmt.Errorf("nbrun: parameter %q: want NAME=VALUE with NAME a Go identifier", s)
	}
	return Param{Name: name, Value: value}, nil
}

// Result summarises a run.
type Result struct {
	Executed int           // code cells run
	Failed   []CellFailure // cells that raised an error
}

// CellFailure is one failed cell.
type CellFailure struct {
	Index int // position in the notebook (0-based, after injection)
	Err   *kernel.CellError
}

// Run executes nb's code cells against in and fills in their outputs and
// execution counts. It returns an error only when the run itself could not
// proceed (ctx cancelled); failed cells are listed in the Result.
func Run(ctx context.Context, nb *nbformat.Notebook, in kernel.Interpreter, opts Options) (Result, error) {
	log := opts.Log
	if log == nil {
		log = io.Discard
	}
	if len(opts.Params) > 0 {
		injectParams(nb, opts.Params)
	}
	var res Result
	displays := &displayIndex{byID: map[string][]*nbformat.Output{}}
	count := 0
	stopped := false
	for i, cell := range nb.Cells {
		if cell.Type != "code" {
			continue
		}
		cell.Outputs = nil
		cell.ExecutionCount = nil
		if stopped || strings.TrimSpace(cell.Source) == "" {
			continue
		}
		if err := ctx.Err(); err != nil {
			return res, err
		}
		count++
		n := count
		cell.ExecutionCount = &n
		out := &collector{cell: cell, displays: displays}
		cctx, cancel := ctx, context.CancelFunc(func() {})
		if opts.CellTimeout > 0 {
			cctx, cancel = context.WithTimeout(ctx, opts.CellTimeout)
		}
		start := time.Now()
		reply, err := execute(cctx, in, kernel.ExecuteRequest{Code: cell.Source, StoreHistory: true, ExecutionCount: n}, out)
		timedOut := cctx.Err() == context.DeadlineExceeded
		cancel()
		res.Executed++
		if err == nil && reply.Value != nil {
			out.add(nbformat.Output{"output_type": "execute_result", "execution_count": n,
				"data": reply.Value.Data, "metadata": orEmpty(reply.Value.Metadata)})
		}
		if err != nil {
			ce := asCellError(err)
			if timedOut {
				ce.Value = fmt.Sprintf("cell timed out after %v (%s)", opts.CellTimeout, ce.Value)
			}
			out.add(nbformat.Output{"output_type": "error", "ename": ce.Name, "evalue": ce.Value,
				"traceback": toAny(ce.Traceback)})
			res.Failed = append(res.Failed, CellFailure{Index: i, Err: ce})
			fmt.Fprintf(log, "cell %d [%d] failed: %s: %s\n", i, n, ce.Name, ce.Value)
			for _, line := range ce.Traceback {
				fmt.Fprintf(log, "    %s\n", line)
			}
			if !opts.AllowErrors && !cell.HasTag("raises-exception") {
				stopped = true
			}
			continue
		}
		fmt.Fprintf(log, "cell %d [%d] ok in %v\n", i, n, time.Since(start).Round(time.Millisecond))
	}
	return res, nil
}

// execute calls in.Execute and turns a panic into a CellError: a broken
// interpreter fails the cell, not the run.
func execute(ctx context.Context, in kernel.Interpreter, req kernel.ExecuteRequest, out kernel.Output) (reply kernel.ExecuteResult, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = &kernel.CellError{Name: "InternalError", Value: fmt.Sprint(r)}
		}
	}()
	return in.Execute(ctx, req, out)
}

func asCellError(err error) *kernel.CellError {
	var ce *kernel.CellError
	if errors.As(err, &ce) {
		c := *ce
		return &c
	}
	return &kernel.CellError{Name: "InternalError", Value: err.Error()}
}

func toAny(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

func orEmpty(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}

// injectParams inserts the parameter cell after the "parameters" cell. A
// name the parameters cell declares is assigned (=), keeping its type;
// others are declared (:=).
func injectParams(nb *nbformat.Notebook, params []Param) {
	at := 0
	declared := map[string]bool{}
	for i, c := range nb.Cells {
		if c.Type == "code" && c.HasTag("parameters") {
			at = i + 1
			declared = declaredNames(c.Source)
			break
		}
	}
	var b strings.Builder
	for _, p := range params {
		op := ":="
		if declared[p.Name] {
			op = "="
		}
		fmt.Fprintf(&b, "%s %s %s\n", p.Name, op, goValue(p.Value))
	}
	cell := &nbformat.Cell{Type: "code", Source: b.String(), ID: "injected-parameters",
		Metadata: map[string]any{"tags": []any{"injected-parameters"}}}
	nb.Cells = append(nb.Cells[:at], append([]*nbformat.Cell{cell}, nb.Cells[at:]...)...)
}

// declaredNames lists the names a cell declares with var, const or :=.
func declaredNames(src string) map[string]bool {
	names := map[string]bool{}
	f, err := parser.ParseFile(token.NewFileSet(), "", "package p\nfunc _() {\n"+src+"\n}", 0)
	if err != nil {
		return names
	}
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.ValueSpec:
			for _, id := range n.Names {
				names[id.Name] = true
			}
		case *ast.AssignStmt:
			if n.Tok == token.DEFINE {
				for _, l := range n.Lhs {
					if id, ok := l.(*ast.Ident); ok {
						names[id.Name] = true
					}
				}
			}
		}
		return true
	})
	return names
}

// goValue keeps a Go literal (number, string, rune, bool, composite) as it
// is and quotes anything else as a string.
func goValue(v string) string {
	e, err := parser.ParseExpr(v)
	if err == nil {
		switch e := e.(type) {
		case *ast.BasicLit, *ast.CompositeLit:
			return v
		case *ast.UnaryExpr:
			if _, ok := e.X.(*ast.BasicLit); ok && (e.Op == token.SUB || e.Op == token.ADD) {
				return v
			}
		case *ast.Ident:
			if e.Name == "true" || e.Name == "false" {
				return v
			}
		}
	}
	return strconv.Quote(v)
}

// displayIndex finds the outputs that show a display_id, in every cell.
type displayIndex struct {
	mu   sync.Mutex
	byID map[string][]*nbformat.Output
}

// collector is the kernel.Output of one cell.
type collector struct {
	mu        sync.Mutex
	cell      *nbformat.Cell
	displays  *displayIndex
	clearNext bool
}

func (c *collector) add(o nbformat.Output) *nbformat.Output {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.clearNext {
		c.cell.Outputs = nil
		c.clearNext = false
	}
	c.cell.Outputs = append(c.cell.Outputs, o)
	return &c.cell.Outputs[len(c.cell.Outputs)-1]
}

func (c *collector) Stream(name, text string) {
	c.mu.Lock()
	if c.clearNext {
		c.cell.Outputs = nil
		c.clearNext = false
	}
	if n := len(c.cell.Outputs); n > 0 {
		last := c.cell.Outputs[n-1]
		if last["output_type"] == "stream" && last["name"] == name {
			last["text"] = last["text"].(string) + text
			c.mu.Unlock()
			return
		}
	}
	c.cell.Outputs = append(c.cell.Outputs, nbformat.Output{"output_type": "stream", "name": name, "text": text})
	c.mu.Unlock()
}

func (c *collector) Display(d kernel.DisplayData) {
	o := nbformat.Output{"output_type": "display_data", "data": d.Data, "metadata": orEmpty(d.Metadata)}
	c.add(o)
	if d.DisplayID != "" {
		c.displays.mu.Lock()
		c.displays.byID[d.DisplayID] = append(c.displays.byID[d.DisplayID], &o)
		c.displays.mu.Unlock()
	}
}

// UpdateDisplay replaces the data of every output showing d.DisplayID.
// Outputs are maps, so the index's copies share them with the cells.
func (c *collector) UpdateDisplay(d kernel.DisplayData) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.displays.mu.Lock()
	defer c.displays.mu.Unlock()
	for _, o := range c.displays.byID[d.DisplayID] {
		(*o)["data"] = d.Data
		(*o)["metadata"] = orEmpty(d.Metadata)
	}
}

func (c *collector) ClearOutput(wait bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if wait {
		c.clearNext = true
		return
	}
	c.cell.Outputs = nil
}

func (c *collector) Input(ctx context.Context, prompt string, password bool) (string, error) {
	return "", kernel.ErrStdinNotAllowed
}
