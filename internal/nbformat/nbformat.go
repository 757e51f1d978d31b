// Package nbformat reads and writes Jupyter notebooks (nbformat 4).
//
// # Fidelity
//
// Reading accepts multi-line strings stored either as one string or as a
// list of lines, as nbformat allows; unknown notebook and cell metadata are
// kept. Writing follows Jupyter's own layout: keys sorted, one-space indent,
// multi-line strings split into lists of lines, no HTML escaping, so a
// notebook read and written again diffs cleanly.
//
// # Errors
//
// Read rejects what is not a notebook (not JSON, nbformat other than 4, a
// cell without a cell_type) with an error naming the cell; it never panics
// on malformed input.
package nbformat

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Notebook is an nbformat 4 notebook.
type Notebook struct {
	Cells       []*Cell
	Metadata    map[string]any
	Format      int // nbformat, always 4
	FormatMinor int // nbformat_minor
}

// Cell is one cell. Outputs and ExecutionCount apply to code cells only.
type Cell struct {
	ID             string // nbformat ≥ 4.5
	Type           string // "code", "markdown" or "raw"
	Source         string
	Metadata       map[string]any
	Outputs        []Output
	ExecutionCount *int
	Attachments    map[string]any // markdown and raw cells
}

// Output is one output of a code cell, as its JSON object: "output_type" is
// "stream", "display_data", "execute_result" or "error", with the fields
// nbformat defines for each. Multi-line strings are plain strings here.
type Output map[string]any

// Tags returns the cell's metadata.tags.
func (c *Cell) Tags() []string {
	raw, _ := c.Metadata["tags"].([]any)
	tags := make([]string, 0, len(raw))
	for _, t := range raw {
		if s, ok := t.(string); ok {
			tags = append(tags, s)
		}
	}
	return tags
}

// HasTag reports whether the cell carries the tag.
func (c *Cell) HasTag(tag string) bool {
	for _, t := range c.Tags() {
		if t == tag {
			return true
		}
	}
	return false
}

type rawNotebook struct {
	Cells         []json.RawMessage `json:"cells"`
	Metadata      map[string]any    `json:"metadata"`
	NBFormat      *int              `json:"nbformat"`
	NBFormatMinor int               `json:"nbformat_minor"`
}

type rawCell struct {
	ID             string         `json:"id"`
	CellType       string         `json:"cell_type"`
	Source         any            `json:"source"`
	Metadata       map[string]any `json:"metadata"`
	Outputs        []Output       `json:"outputs"`
	ExecutionCount *int           `json:"execution_count"`
	Attachments    map[string]any `json:"attachments"`
}

// Read parses a notebook.
func Read(r io.Reader) (*Notebook, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("nbformat: %w", err)
	}
	var raw rawNotebook
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("nbformat: not a notebook: %w", err)
	}
	if raw.NBFormat == nil {
		return nil, errors.New("nbformat: not a notebook: no nbformat field")
	}
	if *raw.NBFormat != 4 {
		return nil, fmt.Errorf("nbformat: version %d is not supported (only 4)", *raw.NBFormat)
	}
	nb := &Notebook{Metadata: raw.Metadata, Format: 4, FormatMinor: raw.NBFormatMinor}
	if nb.Metadata == nil {
		nb.Metadata = map[string]any{}
	}
	for i, rc := range raw.Cells {
		var c rawCell
		if err := json.Unmarshal(rc, &c); err != nil {
			return nil, fmt.Errorf("nbformat: cell %d: %w", i, err)
		}
		switch c.CellType {
		case "code", "markdown", "raw":
		case "":
			return nil, fmt.Errorf("nbformat: cell %d: no cell_type", i)
		default:
			return nil, fmt.Errorf("nbformat: cell %d: unknown cell_type %q", i, c.CellType)
		}
		src, ok := joinText(c.Source)
		if !ok {
			return nil, fmt.Errorf("nbformat: cell %d: source is neither a string nor a list of strings", i)
		}
		cell := &Cell{ID: c.ID, Type: c.CellType, Source: src, Metadata: c.Metadata,
			ExecutionCount: c.ExecutionCount, Attachments: c.Attachments}
		if cell.Metadata == nil {
			cell.Metadata = map[string]any{}
		}
		for j, o := range c.Outputs {
			if o == nil {
				return nil, fmt.Errorf("nbformat: cell %d: output %d is not an object", i, j)
			}
			if _, ok := o["output_type"].(string); !ok {
				return nil, fmt.Errorf("nbformat: cell %d: output %d has no output_type", i, j)
			}
			cell.Outputs = append(cell.Outputs, normalizeOutput(o))
		}
		nb.Cells = append(nb.Cells, cell)
	}
	return nb, nil
}

// joinText turns an nbformat multi-line string (a string or a list of
// strings) into one string.
func joinText(v any) (string, bool) {
	switch t := v.(type) {
	case nil:
		return "", true
	case string:
		return t, true
	case []any:
		var b strings.Builder
		for _, p := range t {
			s, ok := p.(string)
			if !ok {
				return "", false
			}
			b.WriteString(s)
		}
		return b.String(), true
	}
	return "", false
}

// normalizeOutput joins the multi-line strings of an output: stream text,
// and the text-like MIME types of data.
func normalizeOutput(o Output) Output {
	if s, ok := joinText(o["text"]); ok && o["text"] != nil {
		o["text"] = s
	}
	if data, ok := o["data"].(map[string]any); ok {
		for mime, v := range data {
			if isJSONMime(mime) {
				continue
			}
			if s, ok := joinText(v); ok {
				data[mime] = s
			}
		}
	}
	return o
}

func isJSONMime(mime string) bool {
	return mime == "application/json" || strings.HasSuffix(mime, "+json")
}

// splitLines splits s after each newline, as nbformat stores multi-line strings.
func splitLines(s string) []string {
	lines := strings.SplitAfter(s, "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	if lines == nil {
		return []string{}
	}
	return lines
}

// Write writes nb in Jupyter's layout.
func Write(w io.Writer, nb *Notebook) error {
	cells := make([]any, 0, len(nb.Cells))
	for _, c := range nb.Cells {
		m := map[string]any{
			"cell_type": c.Type,
			"metadata":  orEmpty(c.Metadata),
			"source":    splitLines(c.Source),
		}
		if c.ID != "" {
			m["id"] = c.ID
		}
		if c.Type == "code" {
			outs := make([]any, 0, len(c.Outputs))
			for _, o := range c.Outputs {
				outs = append(outs, denormalizeOutput(o))
			}
			m["outputs"] = outs
			if c.ExecutionCount != nil {
				m["execution_count"] = *c.ExecutionCount
			} else {
				m["execution_count"] = nil
			}
		} else if len(c.Attachments) > 0 {
			m["attachments"] = c.Attachments
		}
		cells = append(cells, m)
	}
	minor := nb.FormatMinor
	doc := map[string]any{"cells": cells, "metadata": orEmpty(nb.Metadata), "nbformat": 4, "nbformat_minor": minor}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", " ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("nbformat: %w", err)
	}
	_, err := w.Write(buf.Bytes())
	return err
}

func orEmpty(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}

func denormalizeOutput(o Output) map[string]any {
	out := make(map[string]any, len(o))
	for k, v := range o {
		out[k] = v
	}
	if s, ok := o["text"].(string); ok {
		out["text"] = splitLines(s)
	}
	if data, ok := o["data"].(map[string]any); ok {
		d := make(map[string]any, len(data))
		for mime, v := range data {
			if s, ok := v.(string); ok && !isJSONMime(mime) && strings.HasPrefix(mime, "text/") {
				d[mime] = splitLines(s)
			} else {
				d[mime] = v
			}
		}
		out["data"] = d
	}
	if _, ok := out["metadata"]; !ok && (out["output_type"] == "display_data" || out["output_type"] == "execute_result") {
		out["metadata"] = map[string]any{}
	}
	return out
}
