package render

import (
	"fmt"
	"image"
	"reflect"
	"strings"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/plot"

	"github.com/gohpc/gohpc/display"
)

// maxText bounds the text/plain of values rendered by fmt (long slices, maps).
const maxText = 20000

// Value renders v by what it is and returns its bundle; see ValueMeta.
func Value(v any) display.Bundle {
	b, _ := ValueMeta(v)
	return b
}

// ValueMeta renders v by what it is, in this order:
//   - nil, or a nil pointer, map or slice: its text;
//   - a display.Bundle as is;
//   - a value with display's renderer methods (HTML, Markdown, LaTeX, PNG,
//     SVG, JSON, MIMEBundle) through them;
//   - a *plot.Plot as PNG at DefaultPlotWidth × DefaultPlotHeight;
//   - a mat.Matrix (*mat.Dense, *mat.VecDense, …) as an HTML table, elided to
//     the first and last 3 rows and columns beyond 10, with a shape caption;
//   - an image.Image as PNG;
//   - an error as its message;
//   - a slice or array of structs (or of pointers to structs), such as
//     []hpc.Location, as an HTML table with one column per exported field;
//   - a slice or array of numbers, elided beyond 1000 elements as NumPy does;
//   - anything else by display.Render (String, %+v for structs, %v).
//
// The bundle always holds text/plain. ValueMeta has the signature of
// display.RenderFunc, so the session installs it with
// display.SetRenderFunc(render.ValueMeta). It never panics: a panic in a
// user's String or HTML method becomes the text of the bundle.
func ValueMeta(v any) (b display.Bundle, m display.Metadata) {
	defer func() {
		if r := recover(); r != nil {
			b, m = display.Text(fmt.Sprintf("<%T: panic while rendering: %v>", v, r)), nil
		}
	}()
	if v == nil {
		return display.Text("<nil>"), nil
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Slice, reflect.Interface, reflect.Func, reflect.Chan:
		if rv.IsNil() {
			return display.Text(fmt.Sprintf("%T(nil)", v)), nil
		}
	}
	if x, ok := v.(display.Bundle); ok {
		return display.Render(x)
	}
	if b, m, ok := display.RenderMethods(v); ok {
		return b, m
	}
	switch x := v.(type) {
	case *plot.Plot:
		return Plot(x, DefaultPlotWidth, DefaultPlotHeight)
	case mat.Matrix:
		return Matrix(x), nil
	case image.Image:
		return display.Image(x), nil
	case error:
		return display.Text(x.Error()), nil
	case fmt.Stringer:
		return display.Text(clip(x.String())), nil
	}
	if b, ok := structTable(rv); ok {
		return b, nil
	}
	if s, ok := sliceText(rv); ok {
		return display.Text(s), nil
	}
	b, m = display.Render(v)
	if s, ok := b[display.MIMEText].(string); ok {
		b[display.MIMEText] = clip(s)
	}
	return b, m
}

// clip cuts s to maxText bytes on a rune boundary, marking the cut.
func clip(s string) string {
	if len(s) <= maxText {
		return s
	}
	cut := maxText
	for cut > 0 && !isRuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + fmt.Sprintf("… (%d bytes more)", len(s)-cut)
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }

const (
	sliceThreshold = 1000 // elements beyond which slices are summarised
	sliceEdge      = 3    // elements shown at each end of a summarised slice
)

// sliceText prints slices and arrays of numbers, bools and strings like fmt,
// summarised as NumPy does beyond sliceThreshold elements:
// "[0 1 2 ... 997 998 999] (len 1000000)". Strings are quoted.
func sliceText(rv reflect.Value) (string, bool) {
	if rv.Kind() != reflect.Slice && rv.Kind() != reflect.Array {
		return "", false
	}
	verb := "%v"
	switch rv.Type().Elem().Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64, reflect.Complex64, reflect.Complex128, reflect.Bool:
	case reflect.String:
		verb = "%q"
	default:
		return "", false
	}
	n := rv.Len()
	if n <= sliceThreshold {
		return clip(fmt.Sprintf(verb, rv.Interface())), true
	}
	var b strings.Builder
	b.WriteByte('[')
	for i := 0; i < sliceEdge; i++ {
		fmt.Fprintf(&b, verb+" ", rv.Index(i).Interface())
	}
	b.WriteString("...")
	for i := n - sliceEdge; i < n; i++ {
		fmt.Fprintf(&b, " "+verb, rv.Index(i).Interface())
	}
	fmt.Fprintf(&b, "] (len %d)", n)
	return b.String(), true
}
