package display

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html"
	"image"
	"image/png"
	"reflect"
	"sort"
	"strings"
)

// The renderer interfaces. A value whose type has one or more of these
// methods is shown through them, with a text/plain fallback from its String
// method or fmt's %v. They mirror IPython's _repr_html_ and friends.
type (
	// HTMLer is implemented by values that render as an HTML fragment.
	HTMLer interface{ HTML() string }
	// Markdowner is implemented by values that render as Markdown.
	Markdowner interface{ Markdown() string }
	// LaTeXer is implemented by values that render as LaTeX, e.g. "$x^2$".
	LaTeXer interface{ LaTeX() string }
	// PNGer is implemented by values that render as a PNG image (raw bytes).
	PNGer interface{ PNG() []byte }
	// SVGer is implemented by values that render as an SVG document.
	SVGer interface{ SVG() string }
	// JSONer is implemented by values that render as JSON (any value
	// encoding/json can marshal).
	JSONer interface{ JSON() any }
	// MIMEBundler is implemented by values that build their whole bundle.
	MIMEBundler interface {
		MIMEBundle() (Bundle, Metadata)
	}
)

// maxText bounds the text/plain fallbacks this package derives from rich content.
const maxText = 2000

// HTML returns a bundle showing s as HTML, with its text (tags removed) as
// the text/plain fallback.
func HTML(s string) Bundle {
	return Bundle{MIMEHTML: s, MIMEText: htmlText(s)}
}

// Markdown returns a bundle showing s as Markdown; the source is the text fallback.
func Markdown(s string) Bundle {
	return Bundle{MIMEMarkdown: s, MIMEText: s}
}

// LaTeX returns a bundle showing s as LaTeX, e.g. `$$\int_0^1 x\,dx$$`; the
// source is the text fallback.
func LaTeX(s string) Bundle {
	return Bundle{MIMELaTeX: s, MIMEText: s}
}

// SVG returns a bundle showing the SVG document s.
func SVG(s string) Bundle {
	return Bundle{MIMESVG: s, MIMEText: "<SVG image>"}
}

// Text returns a bundle of plain text only.
func Text(s string) Bundle {
	return Bundle{MIMEText: s}
}

// PNG returns a bundle showing the PNG image b (raw file bytes). The text
// fallback gives its size, or says the data is not a PNG image.
func PNG(b []byte) Bundle {
	text := "<PNG image>"
	if cfg, err := png.DecodeConfig(bytes.NewReader(b)); err == nil {
		text = fmt.Sprintf("<PNG image %d×%d>", cfg.Width, cfg.Height)
	} else {
		text = "<invalid PNG image: " + err.Error() + ">"
	}
	return Bundle{MIMEPNG: base64.StdEncoding.EncodeToString(b), MIMEText: text}
}

// JPEG returns a bundle showing the JPEG image b (raw file bytes).
func JPEG(b []byte) Bundle {
	return Bundle{MIMEJPEG: base64.StdEncoding.EncodeToString(b), MIMEText: "<JPEG image>"}
}

// Image returns a bundle showing img, encoded as PNG.
func Image(img image.Image) Bundle {
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return Text("<image: " + err.Error() + ">")
	}
	r := img.Bounds()
	return Bundle{
		MIMEPNG:  base64.StdEncoding.EncodeToString(buf.Bytes()),
		MIMEText: fmt.Sprintf("<image %d×%d>", r.Dx(), r.Dy()),
	}
}

// JSON returns a bundle showing v as an interactive JSON tree, with indented
// JSON as the text fallback. v is anything encoding/json can marshal; if it
// cannot, the bundle is the error as text.
func JSON(v any) Bundle {
	raw, err := json.Marshal(v)
	if err != nil {
		return Text("<JSON: " + err.Error() + ">")
	}
	var generic any
	if err := json.Unmarshal(raw, &generic); err != nil {
		return Text("<JSON: " + err.Error() + ">")
	}
	var ind bytes.Buffer
	if err := json.Indent(&ind, raw, "", "  "); err != nil {
		return Text("<JSON: " + err.Error() + ">")
	}
	// The notebook's JSON viewer wants an object or array at the top.
	switch generic.(type) {
	case map[string]any, []any:
		return Bundle{MIMEJSON: generic, MIMEText: ind.String()}
	}
	return Bundle{MIMEText: ind.String()}
}

// Render is the built-in renderer, using the standard library only: a Bundle
// as is; the renderer interfaces (HTMLer, Markdowner, LaTeXer, PNGer, SVGer,
// JSONer, MIMEBundler, all that apply); an image.Image as PNG; an error as
// its message; a fmt.Stringer by String; a string as is; a struct with its
// field names (%+v); anything else by fmt's %v. The bundle always holds
// text/plain. The metadata is nil unless a MIMEBundler supplies it.
func Render(v any) (Bundle, Metadata) {
	if v == nil {
		return Text("<nil>"), nil
	}
	if b, m, ok := RenderMethods(v); ok {
		return b, m
	}
	switch x := v.(type) {
	case Bundle:
		return withText(x, nil), nil
	case image.Image:
		return Image(x), nil
	}
	return Text(PlainText(v)), nil
}

// RenderMethods renders v through the renderer interfaces it implements
// (MIMEBundler first, then HTMLer, Markdowner, LaTeXer, PNGer, SVGer and
// JSONer, all that apply, in one bundle with a text fallback). ok is false
// when v implements none of them.
func RenderMethods(v any) (b Bundle, m Metadata, ok bool) {
	if mb, isMB := v.(MIMEBundler); isMB {
		b, m = mb.MIMEBundle()
		return withText(b, v), m, true
	}
	b = Bundle{}
	if x, is := v.(HTMLer); is {
		b[MIMEHTML] = x.HTML()
	}
	if x, is := v.(Markdowner); is {
		b[MIMEMarkdown] = x.Markdown()
	}
	if x, is := v.(LaTeXer); is {
		b[MIMELaTeX] = x.LaTeX()
	}
	if x, is := v.(PNGer); is {
		b[MIMEPNG] = base64.StdEncoding.EncodeToString(x.PNG())
	}
	if x, is := v.(SVGer); is {
		b[MIMESVG] = x.SVG()
	}
	if x, is := v.(JSONer); is {
		j := JSON(x.JSON())
		if jv, has := j[MIMEJSON]; has {
			b[MIMEJSON] = jv
		}
	}
	if len(b) == 0 {
		return nil, nil, false
	}
	return withText(b, v), nil, true
}

// PlainText is the text/plain form of v used when nothing richer applies:
// an error's message, String for a fmt.Stringer, a string as is, %+v for
// structs (and pointers to them), %v otherwise.
func PlainText(v any) string {
	switch x := v.(type) {
	case nil:
		return "<nil>"
	case error:
		return x.Error()
	case fmt.Stringer:
		return x.String()
	case string:
		return x
	}
	if w, ok := unwrap(v); ok {
		return PlainText(w)
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Pointer && !rv.IsNil() {
		rv = rv.Elem()
	}
	if rv.Kind() == reflect.Struct {
		return fmt.Sprintf("%+v", v)
	}
	return fmt.Sprintf("%v", v)
}

// unwrap returns the value inside an interface wrapper of the Go
// interpreter: a struct whose first field, IValue, holds the wrapped value
// and whose other fields are W-prefixed funcs implementing the methods. A
// cell's value passed to a native function arrives so wrapped when its type
// has methods of the renderer interfaces. (yaegi v0.16 sets IValue right
// for pointers only; for a struct value it holds the last field.)
func unwrap(v any) (any, bool) {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Struct || rv.NumField() < 2 {
		return nil, false
	}
	rt := rv.Type()
	if f := rt.Field(0); f.Name != "IValue" || f.Type.Kind() != reflect.Interface {
		return nil, false
	}
	for i := 1; i < rt.NumField(); i++ {
		if f := rt.Field(i); f.Type.Kind() != reflect.Func || !strings.HasPrefix(f.Name, "W") {
			return nil, false
		}
	}
	return rv.Field(0).Interface(), true
}

// withText makes sure b has a text/plain entry: from v when there is one,
// else from the HTML, Markdown or LaTeX content, else a placeholder naming
// the content types.
func withText(b Bundle, v any) Bundle {
	if b == nil {
		b = Bundle{}
	}
	if _, ok := b[MIMEText]; ok {
		return b
	}
	out := make(Bundle, len(b)+1)
	for k, c := range b {
		out[k] = c
	}
	_, isStringer := v.(fmt.Stringer)
	if _, isWrapper := unwrap(v); v != nil && (isStringer || !isWrapper) {
		if _, isBundle := v.(Bundle); !isBundle {
			out[MIMEText] = PlainText(v)
			return out
		}
	}
	// A bundle, or an interpreter's wrapper (whose wrapped value is not
	// reliable, and whose fields carry the interpreter's names): text from
	// the content.
	if h, ok := b[MIMEHTML].(string); ok {
		out[MIMEText] = htmlText(h)
		return out
	}
	for _, k := range []string{MIMEMarkdown, MIMELaTeX} {
		if t, ok := b[k].(string); ok {
			out[MIMEText] = t
			return out
		}
	}
	kinds := make([]string, 0, len(b))
	for k := range b {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	out[MIMEText] = "<" + strings.Join(kinds, ", ") + ">"
	return out
}

// htmlText is a rough text rendering of an HTML fragment: tags removed
// (with the content of script and style elements), entities decoded, runs of
// blank lines squeezed, cut at maxText characters.
func htmlText(s string) string {
	var b strings.Builder
	lower := strings.ToLower(s)
	for i := 0; i < len(s); {
		if s[i] != '<' {
			j := strings.IndexByte(s[i:], '<')
			if j < 0 {
				j = len(s) - i
			}
			b.WriteString(s[i : i+j])
			i += j
			continue
		}
		for _, skip := range []string{"script", "style"} {
			if strings.HasPrefix(lower[i+1:], skip) {
				if end := strings.Index(lower[i:], "</"+skip); end >= 0 {
					i += end
				}
			}
		}
		j := strings.IndexByte(s[i:], '>')
		if j < 0 {
			break
		}
		tag := lower[i+1 : i+j]
		if strings.HasPrefix(tag, "br") || strings.HasPrefix(tag, "/p") || strings.HasPrefix(tag, "/tr") ||
			strings.HasPrefix(tag, "/div") || strings.HasPrefix(tag, "/h") || strings.HasPrefix(tag, "/li") {
			b.WriteByte('\n')
		} else if strings.HasPrefix(tag, "/td") || strings.HasPrefix(tag, "/th") {
			b.WriteByte('\t')
		}
		i += j + 1
	}
	text := html.UnescapeString(b.String())
	lines := strings.Split(text, "\n")
	out := lines[:0]
	blank := false
	for _, l := range lines {
		l = strings.TrimRight(l, " \t")
		if l == "" {
			if blank || len(out) == 0 {
				continue
			}
			blank = true
		} else {
			blank = false
		}
		out = append(out, l)
	}
	text = strings.TrimSpace(strings.Join(out, "\n"))
	if r := []rune(text); len(r) > maxText {
		text = string(r[:maxText]) + "…"
	}
	return text
}
