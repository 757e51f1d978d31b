package render

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/gohpc/gohpc/display"
)

// Plot sizing. A plot is drawn at DefaultPlotWidth × DefaultPlotHeight
// (6 × 4 in) and shown at PlotDPI (96, the CSS pixel) as 576 × 384 pixels,
// but rendered at PlotScale times the resolution so that it stays sharp on
// high-density screens; the image/png metadata carries the display size.
const (
	DefaultPlotWidth  = 6 * vg.Inch
	DefaultPlotHeight = 4 * vg.Inch
	PlotDPI           = 96
	PlotScale         = 2
)

// Plot renders p as a PNG of w × h, with image/png metadata giving the size
// to show it at (in CSS pixels). It panics if w or h is not positive.
func Plot(p *plot.Plot, w, h vg.Length) (display.Bundle, display.Metadata) {
	if w <= 0 || h <= 0 {
		panic(fmt.Sprintf("render: plot size %v×%v is not positive", w, h))
	}
	c := vgimg.NewWith(vgimg.UseWH(w, h), vgimg.UseDPI(PlotDPI*PlotScale))
	p.Draw(draw.New(c))
	var buf bytes.Buffer
	if _, err := (vgimg.PngCanvas{Canvas: c}).WriteTo(&buf); err != nil {
		return display.Text("<plot: " + err.Error() + ">"), nil
	}
	px := func(l vg.Length) int { return int(math.Ceil(float64(l/vg.Inch) * PlotDPI)) }
	title := p.Title.Text
	if title == "" {
		title = "plot"
	}
	b := display.Bundle{
		display.MIMEPNG:  base64.StdEncoding.EncodeToString(buf.Bytes()),
		display.MIMEText: fmt.Sprintf("<%s: %d×%d PNG>", title, px(w), px(h)),
	}
	m := display.Metadata{display.MIMEPNG: map[string]any{"width": px(w), "height": px(h)}}
	return b, m
}

// ScalingRow is one measurement of a scaling study: the wall time per run
// with Workers workers.
type ScalingRow struct {
	Workers int
	Seconds float64
}

// Speedups returns, for each row, the speed-up T(w0)/T(w) and the parallel
// efficiency speed-up / (w/w0), relative to the first row's worker count w0
// (usually 1).
func Speedups(rows []ScalingRow) (speedup, efficiency []float64) {
	if len(rows) == 0 {
		return nil, nil
	}
	w0, t0 := float64(rows[0].Workers), rows[0].Seconds
	for _, r := range rows {
		s := t0 / r.Seconds
		speedup = append(speedup, s)
		efficiency = append(efficiency, s/(float64(r.Workers)/w0))
	}
	return speedup, efficiency
}

// ScalingTable renders a scaling study as a table: workers, time per run,
// speed-up and efficiency, in HTML and text.
func ScalingTable(rows []ScalingRow) display.Bundle {
	sp, eff := Speedups(rows)
	type line struct {
		Workers    int
		Time       string
		Speedup    string
		Efficiency string
	}
	lines := make([]line, len(rows))
	for i, r := range rows {
		lines[i] = line{r.Workers, FormatTime(r.Seconds, 3), fmt.Sprintf("%.2f×", sp[i]), fmt.Sprintf("%.0f%%", 100*eff[i])}
	}
	var h bytes.Buffer
	h.WriteString(`<table class="gohpc-scaling"><thead><tr style="text-align:right"><th>workers</th><th>time</th><th>speed-up</th><th>efficiency</th></tr></thead><tbody>`)
	for _, l := range lines {
		fmt.Fprintf(&h, `<tr style="text-align:right"><td>%d</td><td>%s</td><td>%s</td><td>%s</td></tr>`, l.Workers, l.Time, l.Speedup, l.Efficiency)
	}
	h.WriteString("</tbody></table>")
	var t bytes.Buffer
	fmt.Fprintf(&t, "%7s  %10s  %8s  %10s\n", "workers", "time", "speed-up", "efficiency")
	for _, l := range lines {
		fmt.Fprintf(&t, "%7d  %10s  %8s  %10s\n", l.Workers, l.Time, l.Speedup, l.Efficiency)
	}
	return display.Bundle{display.MIMEHTML: h.String(), display.MIMEText: t.String()}
}

// ScalingPlot draws the speed-up of a scaling study against the number of
// workers, measured (points and line) and ideal (dashed, w/w0).
func ScalingPlot(title string, rows []ScalingRow) (*plot.Plot, error) {
	sp, _ := Speedups(rows)
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = "workers"
	p.Y.Label.Text = "speed-up"
	measured := make(plotter.XYs, len(rows))
	ideal := make(plotter.XYs, len(rows))
	w0 := 1.0
	if len(rows) > 0 {
		w0 = float64(rows[0].Workers)
	}
	ticks := make([]plot.Tick, 0, len(rows))
	for i, r := range rows {
		measured[i] = plotter.XY{X: float64(r.Workers), Y: sp[i]}
		ideal[i] = plotter.XY{X: float64(r.Workers), Y: float64(r.Workers) / w0}
		ticks = append(ticks, plot.Tick{Value: float64(r.Workers), Label: fmt.Sprint(r.Workers)})
	}
	il, err := plotter.NewLine(ideal)
	if err != nil {
		return nil, err
	}
	il.Color = color.Gray{Y: 128}
	il.Dashes = []vg.Length{vg.Points(6), vg.Points(4)}
	ml, mp, err := plotter.NewLinePoints(measured)
	if err != nil {
		return nil, err
	}
	blue := color.RGBA{R: 31, G: 119, B: 180, A: 255}
	ml.Color, ml.Width = blue, vg.Points(2)
	mp.Color, mp.Shape, mp.Radius = blue, draw.CircleGlyph{}, vg.Points(3)
	p.Add(plotter.NewGrid(), il, ml, mp)
	p.Legend.Add("ideal", il)
	p.Legend.Add("measured", ml, mp)
	p.Legend.Top, p.Legend.Left = true, true
	// Room around the data: the last point off the frame, the legend above the lines.
	top, right := 1.0, 1.0
	for i := range rows {
		top = max(top, sp[i], ideal[i].Y)
		right = max(right, measured[i].X)
	}
	p.X.Min, p.X.Max = 0, right*1.05+0.2
	p.Y.Min, p.Y.Max = 0, top*1.2
	p.Legend.XOffs, p.Legend.YOffs = vg.Points(8), -vg.Points(4)
	if len(rows) <= 16 {
		p.X.Tick.Marker = plot.ConstantTicks(ticks)
	}
	return p, nil
}

// ScalingChart renders ScalingPlot as a PNG at the default size.
func ScalingChart(title string, rows []ScalingRow) (display.Bundle, display.Metadata) {
	p, err := ScalingPlot(title, rows)
	if err != nil {
		return display.Text("<scaling chart: " + err.Error() + ">"), nil
	}
	return Plot(p, DefaultPlotWidth, DefaultPlotHeight)
}
