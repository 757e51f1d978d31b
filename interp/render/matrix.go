package render

import (
	"fmt"
	"html"
	"strings"

	"gonum.org/v1/gonum/mat"

	"github.com/gohpc/gohpc/display"
)

// Matrix elision: a dimension longer than MatrixMax shows its first and last
// MatrixEdge entries around an ellipsis, as NumPy prints large arrays.
const (
	MatrixMax  = 10
	MatrixEdge = 3
)

// Matrix renders m as an HTML table (right-aligned, six significant digits,
// elided beyond MatrixMax rows or columns, with a caption giving the type
// and shape) and as text in gonum's mat.Formatted layout (with an excerpt
// for large matrices).
func Matrix(m mat.Matrix) display.Bundle {
	r, c := m.Dims()
	rows := elided(r)
	cols := elided(c)
	name := fmt.Sprintf("%T", m)

	var h strings.Builder
	h.WriteString(`<table class="gohpc-matrix" style="font-family:monospace">`)
	fmt.Fprintf(&h, `<caption style="caption-side:bottom;text-align:left">%s %d×%d</caption><tbody>`, html.EscapeString(name), r, c)
	for _, i := range rows {
		h.WriteString("<tr>")
		for _, j := range cols {
			switch {
			case i < 0 && j < 0:
				h.WriteString(`<td style="text-align:center">⋱</td>`)
			case i < 0:
				h.WriteString(`<td style="text-align:center">⋮</td>`)
			case j < 0:
				h.WriteString(`<td style="text-align:center">…</td>`)
			default:
				fmt.Fprintf(&h, `<td style="text-align:right">%s</td>`, formatFloat(m.At(i, j)))
			}
		}
		h.WriteString("</tr>")
	}
	h.WriteString("</tbody></table>")

	var text string
	switch {
	case r == 0 || c == 0:
		text = fmt.Sprintf("%s %d×%d (empty)", name, r, c)
	case r > MatrixMax || c > MatrixMax:
		text = fmt.Sprintf("%s %d×%d\n%v", name, r, c, mat.Formatted(m, mat.Excerpt(MatrixEdge), mat.Squeeze()))
		// Formatted with an excerpt starts with its own "Dims(r, c)" line.
		if a, rest, ok := strings.Cut(text, "\n"); ok && strings.HasPrefix(rest, "Dims(") {
			if _, body, ok := strings.Cut(rest, "\n"); ok {
				text = a + "\n" + body
			}
		}
	default:
		text = fmt.Sprintf("%v", mat.Formatted(m, mat.Squeeze()))
	}
	return display.Bundle{display.MIMEHTML: h.String(), display.MIMEText: text}
}

// elided lists the indices shown for a dimension of length n, with -1 for
// the ellipsis.
func elided(n int) []int {
	var idx []int
	if n <= MatrixMax {
		for i := 0; i < n; i++ {
			idx = append(idx, i)
		}
		return idx
	}
	for i := 0; i < MatrixEdge; i++ {
		idx = append(idx, i)
	}
	idx = append(idx, -1)
	for i := n - MatrixEdge; i < n; i++ {
		idx = append(idx, i)
	}
	return idx
}
