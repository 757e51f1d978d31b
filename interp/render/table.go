package render

import (
	"fmt"
	"html"
	"reflect"
	"strings"
	"unicode/utf8"

	"github.com/gohpc/gohpc/display"
)

// Table elision: beyond TableMax rows, the first and last TableEdge rows are
// shown around an ellipsis row, as pandas does.
const (
	TableMax  = 20
	TableEdge = 10
	cellWidth = 40 // runes kept of a cell's text
)

// Table renders rows (a slice or array of structs, or of pointers to structs,
// such as []hpc.Location) as a table with an index column and one column per
// exported field, floats with six significant digits, elided beyond TableMax
// rows, in HTML and aligned text. ok is false if rows is not such a value or
// its struct has no exported field.
func Table(rows any) (b display.Bundle, ok bool) {
	return structTable(reflect.ValueOf(rows))
}

func structTable(rv reflect.Value) (display.Bundle, bool) {
	if rv.Kind() != reflect.Slice && rv.Kind() != reflect.Array {
		return nil, false
	}
	et := rv.Type().Elem()
	ptr := et.Kind() == reflect.Pointer
	if ptr {
		et = et.Elem()
	}
	if et.Kind() != reflect.Struct {
		return nil, false
	}
	var fields []int
	var names []string
	for i := 0; i < et.NumField(); i++ {
		if f := et.Field(i); f.IsExported() {
			fields = append(fields, i)
			names = append(names, f.Name)
		}
	}
	if len(fields) == 0 {
		return nil, false
	}
	n := rv.Len()
	typeName := rv.Type().String()
	if n == 0 {
		return display.Text(typeName + "{}"), true
	}

	// Rows shown, -1 for the ellipsis.
	var idx []int
	if n <= TableMax {
		for i := 0; i < n; i++ {
			idx = append(idx, i)
		}
	} else {
		for i := 0; i < TableEdge; i++ {
			idx = append(idx, i)
		}
		idx = append(idx, -1)
		for i := n - TableEdge; i < n; i++ {
			idx = append(idx, i)
		}
	}

	// Cells as text, and whether each column is numeric (right-aligned).
	numeric := make([]bool, len(fields))
	for k, fi := range fields {
		switch et.Field(fi).Type.Kind() {
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
			reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
			reflect.Float32, reflect.Float64:
			numeric[k] = true
		}
	}
	cells := make([][]string, len(idx))
	for r, i := range idx {
		if i < 0 {
			continue
		}
		row := make([]string, len(fields))
		e := rv.Index(i)
		if ptr {
			if e.IsNil() {
				for k := range row {
					row[k] = "<nil>"
				}
				cells[r] = row
				continue
			}
			e = e.Elem()
		}
		for k, fi := range fields {
			row[k] = cellText(e.Field(fi))
		}
		cells[r] = row
	}

	// HTML, in the look of pandas' DataFrame.
	var h strings.Builder
	h.WriteString(`<table class="gohpc-table"><thead><tr style="text-align:right"><th></th>`)
	for _, name := range names {
		fmt.Fprintf(&h, "<th>%s</th>", html.EscapeString(name))
	}
	h.WriteString("</tr></thead><tbody>")
	for r, i := range idx {
		if i < 0 {
			h.WriteString("<tr><th>…</th>")
			for range fields {
				h.WriteString("<td>…</td>")
			}
			h.WriteString("</tr>")
			continue
		}
		fmt.Fprintf(&h, "<tr><th>%d</th>", i)
		for k, s := range cells[r] {
			if numeric[k] {
				fmt.Fprintf(&h, `<td style="text-align:right">%s</td>`, html.EscapeString(s))
			} else {
				fmt.Fprintf(&h, `<td style="text-align:left">%s</td>`, html.EscapeString(s))
			}
		}
		h.WriteString("</tr>")
	}
	h.WriteString("</tbody></table>")
	shape := fmt.Sprintf("%s: %d rows × %d columns", typeName, n, len(fields))
	fmt.Fprintf(&h, "<p>%s</p>", html.EscapeString(shape))

	// Text: aligned columns, an index column, "..." for elided rows.
	indexW := len(fmt.Sprint(n - 1))
	widths := make([]int, len(fields))
	for k, name := range names {
		widths[k] = utf8.RuneCountInString(name)
	}
	for _, row := range cells {
		for k, s := range row {
			widths[k] = max(widths[k], utf8.RuneCountInString(s))
		}
	}
	var t strings.Builder
	t.WriteString(strings.Repeat(" ", indexW))
	for k, name := range names {
		t.WriteString("  ")
		t.WriteString(pad(name, widths[k], numeric[k]))
	}
	t.WriteByte('\n')
	for r, i := range idx {
		if i < 0 {
			t.WriteString(pad("...", indexW, false))
			for k := range fields {
				t.WriteString("  ")
				t.WriteString(pad("...", widths[k], numeric[k]))
			}
			t.WriteByte('\n')
			continue
		}
		t.WriteString(pad(fmt.Sprint(i), indexW, true))
		for k, s := range cells[r] {
			t.WriteString("  ")
			t.WriteString(pad(s, widths[k], numeric[k]))
		}
		t.WriteByte('\n')
	}
	t.WriteString("\n[" + shape + "]")
	return display.Bundle{display.MIMEHTML: h.String(), display.MIMEText: t.String()}, true
}

// cellText formats one field for a table: floats with six significant
// digits, the rest by fmt, cut to cellWidth runes.
func cellText(v reflect.Value) string {
	var s string
	switch v.Kind() {
	case reflect.Float32, reflect.Float64:
		s = formatFloat(v.Float())
	default:
		if v.CanInterface() {
			s = display.PlainText(v.Interface())
		} else {
			s = fmt.Sprint(v)
		}
	}
	s = strings.ReplaceAll(s, "\n", `\n`)
	if utf8.RuneCountInString(s) > cellWidth {
		s = string([]rune(s)[:cellWidth-1]) + "…"
	}
	return s
}

// pad aligns s in a field of w runes, right-aligned if right.
func pad(s string, w int, right bool) string {
	n := w - utf8.RuneCountInString(s)
	if n <= 0 {
		return s
	}
	if right {
		return strings.Repeat(" ", n) + s
	}
	return s + strings.Repeat(" ", n)
}
