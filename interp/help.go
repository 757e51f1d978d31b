package interp

import (
	"regexp"

	"github.com/gohpc/gohpc/kernel"
)

// helpCell matches a cell that asks for a name's documentation, as in
// IPython: "x?", "?x", "strings.Split??" or "??p.Norm" (the whole cell, one
// name, "?" on one side only). Go has no "?" operator, so such a cell is
// never Go.
var helpCell = regexp.MustCompile(`^\s*(\?{0,2})\s*([\p{L}_][\p{L}\p{Nd}_]*(?:\.[\p{L}_][\p{L}\p{Nd}_]*)?)\s*(\?{0,2})\s*$`)

// parseHelpCell returns the name a help cell asks about and the detail level
// (0 for "?", 1 for "??"); ok is false for any other cell.
func parseHelpCell(code string) (name string, detail int, ok bool) {
	m := helpCell.FindStringSubmatch(code)
	if m == nil {
		return "", 0, false
	}
	pre, post := m[1], m[3]
	if (pre == "") == (post == "") {
		return "", 0, false
	}
	return m[2], len(pre+post) - 1, true
}

// help answers a help cell as IPython does: the documentation goes to the
// pager (an execute_reply payload with source "page", which JupyterLab shows
// below the cell and Notebook in its pager), or "Object `x` not found." to
// stdout.
func (s *Session) help(name string, detail int, out kernel.Output) []map[string]any {
	res := s.Inspect(name, len([]rune(name)), detail)
	if !res.Found {
		out.Stream("stdout", "Object `"+name+"` not found.\n")
		return nil
	}
	return []map[string]any{{"source": "page", "data": res.Data, "start": 0}}
}
