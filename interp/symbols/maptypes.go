package symbols

import (
	"fmt"
	"reflect"

	"github.com/gohpc/gohpc/display"
)

// MapTypes tells yaegi which interfaces to look for when an interpreted
// value is passed to a native function taking any. A cell's type with an
// HTML() string method passed to display.Display arrives wrapped so that the
// native code sees the method (without this, it would see a plain struct).
// Each list is ordered most specific first; yaegi wraps the value in the
// first interface its type implements.
//
// The second half maps each single-method wrapper to a composed one that
// also carries String, so that a value with HTML and String methods keeps its
// text/plain form. yaegi picks the first composed wrapper whose methods the
// type has all of.
var MapTypes = map[reflect.Value][]reflect.Type{}

func init() {
	Symbols["."] = map[string]reflect.Value{"MapTypes": reflect.ValueOf(MapTypes)}

	rich := []reflect.Type{
		reflect.TypeOf((*display.MIMEBundler)(nil)).Elem(),
		reflect.TypeOf((*display.HTMLer)(nil)).Elem(),
		reflect.TypeOf((*display.Markdowner)(nil)).Elem(),
		reflect.TypeOf((*display.SVGer)(nil)).Elem(),
		reflect.TypeOf((*display.PNGer)(nil)).Elem(),
		reflect.TypeOf((*display.LaTeXer)(nil)).Elem(),
		reflect.TypeOf((*display.JSONer)(nil)).Elem(),
		reflect.TypeOf((*fmt.Stringer)(nil)).Elem(),
	}
	MapTypes[reflect.ValueOf(display.Display)] = rich
	MapTypes[reflect.ValueOf(display.Render)] = rich
	MapTypes[reflect.ValueOf(display.RenderMethods)] = rich
	MapTypes[reflect.ValueOf(display.PlainText)] = rich[len(rich)-1:]

	composed := func(single any, withString any) {
		MapTypes[reflect.ValueOf(single)] = []reflect.Type{reflect.TypeOf(withString).Elem()}
	}
	composed((*_github_com_gohpc_gohpc_display_HTMLer)(nil), (*htmlStringer)(nil))
	composed((*_github_com_gohpc_gohpc_display_Markdowner)(nil), (*markdownStringer)(nil))
	composed((*_github_com_gohpc_gohpc_display_SVGer)(nil), (*svgStringer)(nil))
	composed((*_github_com_gohpc_gohpc_display_PNGer)(nil), (*pngStringer)(nil))
	composed((*_github_com_gohpc_gohpc_display_LaTeXer)(nil), (*latexStringer)(nil))
	composed((*_github_com_gohpc_gohpc_display_JSONer)(nil), (*jsonStringer)(nil))
}

// The composed wrappers follow yaegi's layout: IValue first, then one
// W<Method> field per method.

type htmlStringer struct {
	IValue  any
	WHTML   func() string
	WString func() string
}

func (w htmlStringer) HTML() string   { return w.WHTML() }
func (w htmlStringer) String() string { return w.WString() }

type markdownStringer struct {
	IValue    any
	WMarkdown func() string
	WString   func() string
}

func (w markdownStringer) Markdown() string { return w.WMarkdown() }
func (w markdownStringer) String() string   { return w.WString() }

type svgStringer struct {
	IValue  any
	WSVG    func() string
	WString func() string
}

func (w svgStringer) SVG() string    { return w.WSVG() }
func (w svgStringer) String() string { return w.WString() }

type pngStringer struct {
	IValue  any
	WPNG    func() []byte
	WString func() string
}

func (w pngStringer) PNG() []byte    { return w.WPNG() }
func (w pngStringer) String() string { return w.WString() }

type latexStringer struct {
	IValue  any
	WLaTeX  func() string
	WString func() string
}

func (w latexStringer) LaTeX() string  { return w.WLaTeX() }
func (w latexStringer) String() string { return w.WString() }

type jsonStringer struct {
	IValue  any
	WJSON   func() any
	WString func() string
}

func (w jsonStringer) JSON() any      { return w.WJSON() }
func (w jsonStringer) String() string { return w.WString() }
