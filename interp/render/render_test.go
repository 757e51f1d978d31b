package render

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"github.com/gohpc/gohpc/display"
)

func TestFormatTime(t *testing.T) {
	// Expected values are IPython's _format_time at precision 3.
	for _, tc := range []struct {
		s    float64
		want string
	}{
		{0, "0 ns"},
		{1e-12, "0.001 ns"},
		{1e-9, "1 ns"},
		{8.26e-9, "8.26 ns"},
		{29.94e-9, "29.9 ns"},
		{999e-9, "999 ns"},
		{1e-6, "1 µs"},
		{1.5e-6, "1.5 µs"},
		{643.7e-6, "644 µs"},
		{1e-3, "1 ms"},
		{1.2345e-3, "1.23 ms"},
		{0.05, "50 ms"},
		{0.501, "501 ms"},
		{1, "1 s"},
		{1.37, "1.37 s"},
		{59.94, "59.9 s"},
		{60, "1min"},
		{125.5, "2min 5s"},
		{3725, "1h 2min 5s"},
		{90000, "1d 1h"},
	} {
		if got := FormatTime(tc.s, 3); got != tc.want {
			t.Errorf("FormatTime(%g) = %q, want %q", tc.s, got, tc.want)
		}
	}
	if got := FormatTime(1.23456e-3, 5); got != "1.2346 ms" {
		t.Errorf("precision 5: %q", got)
	}
	if got := FormatTime(2e-3, 0); got != "2 ms" {
		t.Errorf("precision 0: %q", got)
	}
}

func TestFormatCountBytes(t *testing.T) {
	for n, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", 100000: "100,000", 1234567: "1,234,567", -1234: "-1,234"} {
		if got := FormatCount(n); got != want {
			t.Errorf("FormatCount(%d) = %q, want %q", n, got, want)
		}
	}
	for n, want := range map[uint64]string{0: "0 B", 1023: "1023 B", 1536: "1.50 KiB", 80 << 20: "80.0 MiB", 3 << 30: "3.00 GiB", 200 << 20: "200 MiB"} {
		if got := FormatBytes(n); got != want {
			t.Errorf("FormatBytes(%d) = %q, want %q", n, got, want)
		}
	}
}

func seq(r, c int) *mat.Dense {
	m := mat.NewDense(r, c, nil)
	for i := 0; i < r; i++ {
		for j := 0; j < c; j++ {
			m.Set(i, j, float64(i*1000+j))
		}
	}
	return m
}

func TestMatrixSmall(t *testing.T) {
	b := Value(mat.NewDense(2, 3, []float64{1, 2, 3, 4, 5, 6.5}))
	h := b[display.MIMEHTML].(string)
	if strings.Count(h, "<tr>") != 2 || strings.Count(h, "<td") != 6 || strings.Contains(h, "…") {
		t.Errorf("html = %s", h)
	}
	if !strings.Contains(h, "*mat.Dense 2×3") || !strings.Contains(h, ">6.5<") {
		t.Errorf("caption or value missing: %s", h)
	}
	want := "⎡1  2    3⎤\n⎣4  5  6.5⎦"
	if got := b[display.MIMEText]; got != want {
		t.Errorf("text = %q, want %q", got, want)
	}
}

func TestMatrixElided(t *testing.T) {
	b := Value(seq(1000, 500))
	h := b[display.MIMEHTML].(string)
	if n := strings.Count(h, "<tr>"); n != 2*MatrixEdge+1 {
		t.Errorf("%d rows, want %d", n, 2*MatrixEdge+1)
	}
	if n := strings.Count(h, "<td"); n != (2*MatrixEdge+1)*(2*MatrixEdge+1) {
		t.Errorf("%d cells", n)
	}
	for _, want := range []string{"⋮", "…", "⋱", "*mat.Dense 1000×500", ">999499<", ">2002<", ">997000<"} {
		if !strings.Contains(h, want) {
			t.Errorf("html lacks %q", want)
		}
	}
	if strings.Contains(h, ">3<") || strings.Contains(h, ">5005<") {
		t.Error("elided values shown")
	}
	text := b[display.MIMEText].(string)
	if !strings.HasPrefix(text, "*mat.Dense 1000×500\n") || !strings.Contains(text, "...") || strings.Contains(text, "Dims(") {
		t.Errorf("text = %s", text)
	}
	if lines := strings.Count(text, "\n"); lines > 2*MatrixEdge+3 {
		t.Errorf("text has %d lines", lines)
	}
}

func TestMatrixVectorAndEmpty(t *testing.T) {
	b := Value(mat.NewVecDense(20, nil))
	if h := b[display.MIMEHTML].(string); strings.Count(h, "<tr>") != 7 || !strings.Contains(h, "*mat.VecDense 20×1") {
		t.Errorf("vector html = %s", h)
	}
	b = Value(&mat.Dense{})
	if b[display.MIMEText] != "*mat.Dense 0×0 (empty)" {
		t.Errorf("empty = %q", b[display.MIMEText])
	}
	b = Value((*mat.Dense)(nil))
	if b[display.MIMEText] != "*mat.Dense(nil)" {
		t.Errorf("nil = %q", b[display.MIMEText])
	}
}

// location has the fields of hpc.Location.
type location struct {
	Event      string
	X, Y, Z, A float64
	Misfit     float64
	internal   int
}

func locations(n int) []location {
	ls := make([]location, n)
	for i := range ls {
		ls[i] = location{Event: fmt.Sprintf("ev%03d", i), X: float64(i), Y: 2.5, Z: -1, A: 1e6, Misfit: 100.0 / 3, internal: i}
	}
	return ls
}

func TestTableLocations(t *testing.T) {
	b := Value(locations(3))
	h := b[display.MIMEHTML].(string)
	for _, want := range []string{"<th>Event</th>", "<th>X</th>", "<th>Misfit</th>", ">ev002<", ">33.3333<", ">1e+06<", "3 rows × 6 columns"} {
		if !strings.Contains(h, want) {
			t.Errorf("html lacks %q: %s", want, h)
		}
	}
	if strings.Contains(h, "internal") {
		t.Error("unexported field shown")
	}
	want := "   Event  X    Y   Z      A   Misfit\n" +
		"0  ev000  0  2.5  -1  1e+06  33.3333\n" +
		"1  ev001  1  2.5  -1  1e+06  33.3333\n" +
		"2  ev002  2  2.5  -1  1e+06  33.3333\n" +
		"\n[[]render.location: 3 rows × 6 columns]"
	if got := b[display.MIMEText]; got != want {
		t.Errorf("text =\n%s\nwant\n%s", got, want)
	}
}

func TestTableElidedAndPointers(t *testing.T) {
	ls := locations(256)
	ptrs := make([]*location, len(ls))
	for i := range ls {
		ptrs[i] = &ls[i]
	}
	ptrs[1] = nil
	for _, v := range []any{ls, ptrs} {
		b := Value(v)
		h := b[display.MIMEHTML].(string)
		if n := strings.Count(h, "<tr><th>"); n != 2*TableEdge+1 {
			t.Errorf("%T: %d body rows", v, n)
		}
		for _, want := range []string{">ev000<", ">ev009<", "<th>…</th>", ">ev246<", ">ev255<", "256 rows × 6 columns"} {
			if !strings.Contains(h, want) {
				t.Errorf("%T: html lacks %q", v, want)
			}
		}
		if strings.Contains(h, ">ev010<") || strings.Contains(h, ">ev245<") {
			t.Errorf("%T: elided rows shown", v)
		}
		if text := b[display.MIMEText].(string); !strings.Contains(text, "\n... ") || !strings.Contains(text, "255  ev255") {
			t.Errorf("%T: text = %s", v, text)
		}
	}
	if b := Value([]location{}); b[display.MIMEText] != "[]render.location{}" {
		t.Errorf("empty: %v", b)
	}
	if _, ok := Table([]struct{ a int }{{1}}); ok {
		t.Error("table of unexported fields")
	}
	if _, ok := Table(3); ok {
		t.Error("table of an int")
	}
}

func TestPlotPNG(t *testing.T) {
	p := plot.New()
	p.Title.Text = "Sine"
	p.X.Label.Text = "x"
	f := plotter.NewFunction(math.Sin)
	f.XMin, f.XMax = 0, 6
	p.Add(f)
	p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = 0, 6, -1, 1
	b, m := ValueMeta(p)
	img := decodePNG(t, b)
	if got := img.Bounds().Size(); got != image.Pt(576*PlotScale, 384*PlotScale) {
		t.Errorf("size %v", got)
	}
	meta := m[display.MIMEPNG].(map[string]any)
	if meta["width"] != 576 || meta["height"] != 384 {
		t.Errorf("metadata %v", m)
	}
	if b[display.MIMEText] != "<Sine: 576×384 PNG>" {
		t.Errorf("text %q", b[display.MIMEText])
	}
	// The title is drawn with a real font: dark pixels in the top band.
	if dark := darkPixels(img, image.Rect(0, 0, img.Bounds().Dx(), 40)); dark < 50 {
		t.Errorf("title band has %d dark pixels; fonts not rendered?", dark)
	}
	b2, _ := Plot(p, 3*vg.Inch, 2*vg.Inch)
	if got := decodePNG(t, b2).Bounds().Size(); got != image.Pt(288*PlotScale, 192*PlotScale) {
		t.Errorf("custom size %v", got)
	}
}

func decodePNG(t *testing.T, b display.Bundle) image.Image {
	t.Helper()
	raw, err := base64.StdEncoding.DecodeString(b[display.MIMEPNG].(string))
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func darkPixels(img image.Image, r image.Rectangle) int {
	n := 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if g := color.GrayModel.Convert(img.At(x, y)).(color.Gray); g.Y < 100 {
				n++
			}
		}
	}
	return n
}

func TestScaling(t *testing.T) {
	rows := []ScalingRow{{1, 2}, {2, 1.1}, {4, 0.6}}
	sp, eff := Speedups(rows)
	if math.Abs(sp[2]-2/0.6) > 1e-12 || math.Abs(eff[1]-2/1.1/2) > 1e-12 || eff[0] != 1 {
		t.Errorf("speedups %v %v", sp, eff)
	}
	tb := ScalingTable(rows)
	text := tb[display.MIMEText].(string)
	for _, want := range []string{"workers", "speed-up", "efficiency", "1.82×", "91%", "600 ms", "83%"} {
		if !strings.Contains(text, want) {
			t.Errorf("table text lacks %q:\n%s", want, text)
		}
	}
	if !strings.Contains(tb[display.MIMEHTML].(string), "<td>3.33×</td>") {
		t.Errorf("html: %s", tb[display.MIMEHTML])
	}
	b, _ := ScalingChart("MatMul", rows)
	if got := decodePNG(t, b).Bounds().Size(); got != image.Pt(576*PlotScale, 384*PlotScale) {
		t.Errorf("chart size %v", got)
	}
}

type htmlThing struct{}

func (htmlThing) HTML() string { return "<b>h</b>" }

type panicky struct{}

func (panicky) String() string { panic("bad String") }

func TestValueText(t *testing.T) {
	long := make([]float64, 2000)
	for i := range long {
		long[i] = float64(i)
	}
	for _, tc := range []struct {
		name string
		v    any
		want string
	}{
		{"nil", nil, "<nil>"},
		{"error", errors.New("no convergence"), "no convergence"},
		{"floats", []float64{1, 2.5}, "[1 2.5]"},
		{"longFloats", long, "[0 1 2 ... 1997 1998 1999] (len 2000)"},
		{"strings", []string{"a b", "c"}, `["a b" "c"]`},
		{"array", [3]int{1, 2, 3}, "[1 2 3]"},
		{"map", map[string]int{"b": 2, "a": 1}, "map[a:1 b:2]"},
		{"string", "as is", "as is"},
		{"struct", struct{ N int }{4}, "{N:4}"},
		{"nilMap", map[string]int(nil), "map[string]int(nil)"},
		{"panic", panicky{}, "<render.panicky: panic while rendering: bad String>"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := Value(tc.v)
			if got := b[display.MIMEText]; got != tc.want {
				t.Errorf("text = %q, want %q", got, tc.want)
			}
		})
	}
	if b := Value(htmlThing{}); b[display.MIMEHTML] != "<b>h</b>" || b[display.MIMEText] != "{}" {
		t.Errorf("methods: %v", b)
	}
	if b := Value(display.Markdown("*m*")); b[display.MIMEMarkdown] != "*m*" {
		t.Errorf("bundle: %v", b)
	}
	if b := Value(image.NewGray(image.Rect(0, 0, 3, 2))); decodePNG(t, b).Bounds().Dx() != 3 {
		t.Error("image")
	}
	big := strings.Repeat("é", maxText)
	if got := Value(big)[display.MIMEText].(string); len(got) > maxText+40 || !strings.Contains(got, "bytes more)") {
		t.Errorf("long string not clipped: %d", len(got))
	}
}
