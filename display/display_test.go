package display

import (
	"bytes"
	"encoding/base64"
	"errors"
	"image"
	"image/color"
	"image/png"
	"strings"
	"sync"
	"testing"
)

// recSink records everything it receives.
type recSink struct {
	mu      sync.Mutex
	shown   []Data
	updated []Data
	clears  []bool
}

func (r *recSink) Display(d Data) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.shown = append(r.shown, d)
}

func (r *recSink) UpdateDisplay(d Data) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.updated = append(r.updated, d)
}

func (r *recSink) ClearOutput(wait bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.clears = append(r.clears, wait)
}

type rich struct{}

func (rich) HTML() string     { return "<i>rich</i>" }
func (rich) Markdown() string { return "*rich*" }
func (rich) LaTeX() string    { return "$r$" }
func (rich) SVG() string      { return "<svg/>" }
func (rich) JSON() any        { return map[string]int{"a": 1} }
func (rich) String() string   { return "rich!" }

type onlyHTML struct{ N int }

func (onlyHTML) HTML() string { return "<b>x</b>" }

type pic struct{}

func (pic) PNG() []byte { return pngBytes(2, 3) }

type custom struct{}

func (custom) MIMEBundle() (Bundle, Metadata) {
	return Bundle{"text/x-custom": "c"}, Metadata{"text/x-custom": map[string]any{"k": 1}}
}

func pngBytes(w, h int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	img.Set(0, 0, color.RGBA{255, 0, 0, 255})
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		panic(err)
	}
	return buf.Bytes()
}

func TestConstructorsHaveText(t *testing.T) {
	img := image.NewGray(image.Rect(0, 0, 4, 5))
	for _, tc := range []struct {
		name string
		b    Bundle
		mime string
		text string
	}{
		{"HTML", HTML("<p>a &amp; b</p><script>x()</script><p>c</p>"), MIMEHTML, "a & b\nc"},
		{"Markdown", Markdown("# T"), MIMEMarkdown, "# T"},
		{"LaTeX", LaTeX("$x$"), MIMELaTeX, "$x$"},
		{"SVG", SVG("<svg/>"), MIMESVG, "<SVG image>"},
		{"PNG", PNG(pngBytes(7, 9)), MIMEPNG, "<PNG image 7×9>"},
		{"Image", Image(img), MIMEPNG, "<image 4×5>"},
		{"JSON", JSON(map[string]any{"a": []int{1}}), MIMEJSON, "{\n  \"a\": [\n    1\n  ]\n}"},
		{"Text", Text("t"), MIMEText, "t"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, ok := tc.b[tc.mime]; !ok {
				t.Errorf("no %s in %v", tc.mime, tc.b)
			}
			if got := tc.b[MIMEText]; got != tc.text {
				t.Errorf("text/plain = %q, want %q", got, tc.text)
			}
		})
	}
}

func TestPNGIsBase64(t *testing.T) {
	raw := pngBytes(3, 3)
	b := PNG(raw)
	dec, err := base64.StdEncoding.DecodeString(b[MIMEPNG].(string))
	if err != nil || !bytes.Equal(dec, raw) {
		t.Fatalf("image/png does not decode to the input: %v", err)
	}
	if got := PNG([]byte("nope"))[MIMEText].(string); !strings.HasPrefix(got, "<invalid PNG image") {
		t.Errorf("invalid PNG text = %q", got)
	}
}

func TestJSONScalarAndError(t *testing.T) {
	if b := JSON(3); b[MIMEText] != "3" || b[MIMEJSON] != nil {
		t.Errorf("JSON(3) = %v", b)
	}
	if b := JSON(make(chan int)); !strings.HasPrefix(b[MIMEText].(string), "<JSON: ") {
		t.Errorf("JSON(chan) = %v", b)
	}
}

func TestRender(t *testing.T) {
	for _, tc := range []struct {
		name  string
		v     any
		mimes []string
		text  string
	}{
		{"nil", nil, nil, "<nil>"},
		{"string", "hello", nil, "hello"},
		{"int", 42, nil, "42"},
		{"error", errors.New("boom"), nil, "boom"},
		{"struct", struct{ A, B int }{1, 2}, nil, "{A:1 B:2}"},
		{"rich", rich{}, []string{MIMEHTML, MIMEMarkdown, MIMELaTeX, MIMESVG, MIMEJSON}, "rich!"},
		{"onlyHTML", onlyHTML{3}, []string{MIMEHTML}, "{N:3}"},
		{"pngMethod", pic{}, []string{MIMEPNG}, "{}"},
		{"image", image.NewRGBA(image.Rect(0, 0, 2, 2)), []string{MIMEPNG}, "<image 2×2>"},
		{"bundle", Bundle{MIMEHTML: "<b>b</b>"}, []string{MIMEHTML}, "b"},
		{"bundleNoText", Bundle{"text/x-odd": "?"}, []string{"text/x-odd"}, "<text/x-odd>"},
		{"custom", custom{}, []string{"text/x-custom"}, "{}"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, _ := Render(tc.v)
			for _, m := range tc.mimes {
				if _, ok := b[m]; !ok {
					t.Errorf("missing %s in %v", m, b)
				}
			}
			if got := b[MIMEText]; got != tc.text {
				t.Errorf("text/plain = %q, want %q", got, tc.text)
			}
		})
	}
	_, m := Render(custom{})
	if m == nil {
		t.Error("MIMEBundle metadata lost")
	}
}

func TestDisplaySinkAndRestore(t *testing.T) {
	outer := &recSink{}
	inner := &recSink{}
	restoreOuter := SetSink(outer)
	defer restoreOuter()
	restoreInner := SetSink(inner)
	Display(HTML("<b>x</b>"))
	ClearOutput(true)
	restoreInner()
	Display("after")
	if len(inner.shown) != 1 || inner.shown[0].Bundle[MIMEHTML] != "<b>x</b>" || inner.shown[0].DisplayID != "" {
		t.Errorf("inner got %+v", inner.shown)
	}
	if len(inner.clears) != 1 || !inner.clears[0] {
		t.Errorf("clears = %v", inner.clears)
	}
	if len(outer.shown) != 1 || outer.shown[0].Bundle[MIMEText] != "after" {
		t.Errorf("outer got %+v", outer.shown)
	}
}

func TestRenderFunc(t *testing.T) {
	s := &recSink{}
	defer SetSink(s)()
	prev := SetRenderFunc(func(v any) (Bundle, Metadata) {
		if n, ok := v.(int); ok {
			return Bundle{MIMEHTML: "<td>" + strings.Repeat("|", n) + "</td>"}, Metadata{"x": 1}
		}
		return Render(v)
	})
	defer SetRenderFunc(prev)
	Display(3)
	Display("s")
	if len(s.shown) != 2 {
		t.Fatalf("shown %d", len(s.shown))
	}
	if s.shown[0].Bundle[MIMEHTML] != "<td>|||</td>" || s.shown[0].Bundle[MIMEText] != "3" || s.shown[0].Metadata["x"] != 1 {
		t.Errorf("custom renderer not used, or text/plain not added: %+v", s.shown[0])
	}
	if s.shown[1].Bundle[MIMEText] != "s" {
		t.Errorf("fallback: %+v", s.shown[1])
	}
}

func TestHandle(t *testing.T) {
	cell1 := &recSink{}
	restore := SetSink(cell1)
	h := NewHandle()
	if len(h.ID()) != 32 || NewHandle().ID() == h.ID() {
		t.Fatalf("ids not random: %q", h.ID())
	}
	h.Display("one")
	restore()

	// A later cell updates the handle: the update goes to the cell that showed it.
	cell2 := &recSink{}
	restore = SetSink(cell2)
	defer restore()
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() { defer wg.Done(); h.Update("two") }()
	}
	wg.Wait()
	if len(cell1.shown) != 1 || cell1.shown[0].DisplayID != h.ID() {
		t.Errorf("display: %+v", cell1.shown)
	}
	if len(cell1.updated) != 8 || cell1.updated[0].Bundle[MIMEText] != "two" || cell1.updated[0].DisplayID != h.ID() {
		t.Errorf("updates: %+v", cell1.updated)
	}
	if len(cell2.shown)+len(cell2.updated) != 0 {
		t.Errorf("cell2 got output")
	}

	// Update before Display displays.
	h2 := NewHandleID("fixed")
	h2.Update("x")
	if len(cell2.shown) != 1 || cell2.shown[0].DisplayID != "fixed" {
		t.Errorf("update-first: %+v", cell2.shown)
	}
}

func TestHTMLTextTruncates(t *testing.T) {
	long := strings.Repeat("a", 3*maxText)
	if got := []rune(HTML(long)[MIMEText].(string)); len(got) != maxText+1 {
		t.Errorf("len = %d", len(got))
	}
	if got := HTML("<table><tr><td>1</td><td>2</td></tr><tr><td>3</td></tr></table>")[MIMEText]; got != "1\t2\n3" {
		t.Errorf("table text = %q", got)
	}
}

// interpWrapper mimics the interface wrappers the Go interpreter passes to
// native code for a cell's types with methods.
type interpWrapper struct {
	IValue any
	WHTML  func() string
}

func (w interpWrapper) HTML() string { return w.WHTML() }

type interpStringWrapper struct {
	IValue  any
	WHTML   func() string
	WString func() string
}

func (w interpStringWrapper) HTML() string   { return w.WHTML() }
func (w interpStringWrapper) String() string { return w.WString() }

func TestRenderInterpreterWrappers(t *testing.T) {
	html := func() string { return "<i>a</i> &amp; b" }
	tests := []struct {
		name string
		v    any
		text string
	}{
		{"text from html", interpWrapper{IValue: "junk", WHTML: html}, "a & b"},
		{"text from String", interpStringWrapper{IValue: 1, WHTML: html, WString: func() string { return "S" }}, "S"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, _ := Render(tt.v)
			if b[MIMEHTML] != "<i>a</i> &amp; b" || b[MIMEText] != tt.text {
				t.Errorf("Render = %v, want html and text %q", b, tt.text)
			}
		})
	}
	if got := PlainText(interpWrapper{IValue: &struct{ N int }{3}, WHTML: html}); got != "&{N:3}" {
		t.Errorf("PlainText of a wrapper = %q, want the wrapped value", got)
	}
}
