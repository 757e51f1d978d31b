package render_test

import (
	"bytes"
	"encoding/base64"
	"image"
	"image/color"
	"image/png"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"

	"github.com/gohpc/gohpc/display"
	"github.com/gohpc/gohpc/hpc"
	"github.com/gohpc/gohpc/interp/render"
)

type mdThing struct{}

func (mdThing) Markdown() string { return "# title" }

type svgThing struct{}

func (svgThing) SVG() string    { return `<svg xmlns="http://www.w3.org/2000/svg"/>` }
func (svgThing) String() string { return "an svg thing" }

type pngThing struct{}

func (pngThing) PNG() []byte {
	var buf bytes.Buffer
	png.Encode(&buf, image.NewGray(image.Rect(0, 0, 2, 2)))
	return buf.Bytes()
}

type allThing struct{}

func (allThing) HTML() string     { return "<i>a</i>" }
func (allThing) Markdown() string { return "*a*" }
func (allThing) LaTeX() string    { return "$a$" }

// TestValueKinds checks what each kind of value renders to, and that every
// bundle has text/plain.
func TestValueKinds(t *testing.T) {
	p := plot.New()
	pts := plotter.XYs{{X: 0, Y: 0}, {X: 1, Y: 2}}
	s, err := plotter.NewScatter(pts)
	if err != nil {
		t.Fatal(err)
	}
	p.Add(s)
	rgba := image.NewRGBA(image.Rect(0, 0, 4, 3))
	rgba.Set(1, 1, color.RGBA{R: 255, A: 255})
	stations := hpc.SyntheticStations(4, 1)
	events, truth := hpc.SyntheticEvents(stations, 25, 1, 0, 1)
	_ = events

	for _, tc := range []struct {
		name string
		v    any
		mime []string // MIME types expected besides text/plain
		text string   // substring of text/plain
	}{
		{"locations", truth, []string{display.MIMEHTML}, "[[]hpc.Location: 25 rows × 6 columns]"},
		{"stations", stations, []string{display.MIMEHTML}, "Name"},
		{"location pointers", []*hpc.Location{&truth[0]}, []string{display.MIMEHTML}, "Misfit"},
		{"dense", mat.NewDense(2, 2, []float64{1, 2, 3, 4}), []string{display.MIMEHTML}, "⎡1  2⎤"},
		{"big dense", mat.NewDense(100, 100, nil), []string{display.MIMEHTML}, "*mat.Dense 100×100"},
		{"plot", p, []string{display.MIMEPNG}, "PNG>"},
		{"image", rgba, []string{display.MIMEPNG}, "<image 4×3>"},
		{"markdown method", mdThing{}, []string{display.MIMEMarkdown}, "{}"},
		{"svg method", svgThing{}, []string{display.MIMESVG}, "an svg thing"},
		{"png method", pngThing{}, []string{display.MIMEPNG}, "{}"},
		{"several methods", allThing{}, []string{display.MIMEHTML, display.MIMEMarkdown, display.MIMELaTeX}, "{}"},
		{"bundle", display.HTML("<b>x</b>"), []string{display.MIMEHTML}, "x"},
		{"number", 3.5, nil, "3.5"},
		{"pool", hpc.NewPool(2), nil, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := render.Value(tc.v)
			text, ok := b[display.MIMEText].(string)
			if !ok {
				t.Fatalf("no text/plain in %v", keys(b))
			}
			if !strings.Contains(text, tc.text) {
				t.Errorf("text/plain %q lacks %q", text, tc.text)
			}
			if len(b) != len(tc.mime)+1 {
				t.Errorf("MIME types %v, want %v and text/plain", keys(b), tc.mime)
			}
			for _, m := range tc.mime {
				if _, ok := b[m]; !ok {
					t.Errorf("no %s in %v", m, keys(b))
				}
			}
			if s, ok := b[display.MIMEPNG].(string); ok {
				raw, err := base64.StdEncoding.DecodeString(s)
				if err != nil {
					t.Fatal(err)
				}
				if _, err := png.Decode(bytes.NewReader(raw)); err != nil {
					t.Errorf("image/png does not decode: %v", err)
				}
			}
		})
	}
}

// TestLocationTableHTML checks the columns of a []hpc.Location table.
func TestLocationTableHTML(t *testing.T) {
	ls := []hpc.Location{{Event: "e1", X: 1.5, Y: -2, Z: 10, A: 3e5, Misfit: 12.345678}}
	h := render.Value(ls)[display.MIMEHTML].(string)
	for _, want := range []string{"<th>Event</th>", "<th>X</th>", "<th>Y</th>", "<th>Z</th>", "<th>A</th>", "<th>Misfit</th>", ">e1<", ">1.5<", ">300000<", ">12.3457<"} {
		if !strings.Contains(h, want) {
			t.Errorf("html lacks %q:\n%s", want, h)
		}
	}
}

func keys(b display.Bundle) []string {
	var ks []string
	for k := range b {
		ks = append(ks, k)
	}
	return ks
}
