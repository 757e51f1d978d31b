package kernel

import (
	"regexp"
	"strings"
)

// currentSession is the history session number of this kernel run. History
// is kept in memory only, so there is one session and no earlier ones.
const currentSession = 1

// history records the input of every cell executed with store_history,
// indexed by execution count, and the text/plain output of the last
// outputsKept of them (older outputs read as null, as IPython's output cache
// keeps 1000). Not safe for concurrent use; the kernel guards it with
// stateMu.
type history struct {
	entries []historyEntry // line numbers 1, 2, … in order
}

type historyEntry struct {
	line   int
	input  string
	output *string
}

// outputsKept bounds the outputs history holds: a long session of large
// results must not keep them all.
const outputsKept = 1000

func (h *history) add(line int, input string, output *string) {
	h.entries = append(h.entries, historyEntry{line, input, output})
	if n := len(h.entries); n > outputsKept {
		h.entries[n-outputsKept-1].output = nil
	}
}

// historyQuery is the content of history_request.
type historyQuery struct {
	Output         bool   `json:"output"`
	Raw            bool   `json:"raw"`
	HistAccessType string `json:"hist_access_type"`
	Session        int    `json:"session"`
	Start          int    `json:"start"`
	Stop           int    `json:"stop"`
	N              *int   `json:"n"`
	Pattern        string `json:"pattern"`
	Unique         bool   `json:"unique"`
}

// query answers q with [session, line, input] triples, or
// [session, line, [input, output]] when q.Output is set (output is null for
// a cell without a text/plain result). It follows IPython's in-memory
// semantics: range on the current session (0, or 1) with negative start and
// stop counting from the end and stop exclusive; tail of the last n; search
// by glob pattern (* ? [..]) on the input, unique keeping the latest
// occurrence, limited to the last n matches.
func (h *history) query(q historyQuery) []any {
	var sel []historyEntry
	switch q.HistAccessType {
	case "range":
		if q.Session != 0 && q.Session != currentSession {
			break // no earlier sessions are kept
		}
		n := len(h.entries) + 1 // lines are 1..n-1
		start, stop := q.Start, q.Stop
		if start < 0 {
			start += n
		}
		if stop == 0 || stop > n {
			stop = n
		} else if stop < 0 {
			stop += n
		}
		for _, e := range h.entries {
			if e.line >= start && e.line < stop {
				sel = append(sel, e)
			}
		}
	case "tail":
		n := 10
		if q.N != nil {
			n = *q.N
		}
		if n > 0 {
			sel = h.entries[max(0, len(h.entries)-n):]
		}
	case "search":
		pat := q.Pattern
		if pat == "" {
			pat = "*"
		}
		re, err := globRegexp(pat)
		if err != nil {
			break
		}
		seen := map[string]bool{}
		for i := len(h.entries) - 1; i >= 0; i-- { // newest first, for unique and n
			e := h.entries[i]
			if !re.MatchString(e.input) {
				continue
			}
			if q.Unique {
				if seen[e.input] {
					continue
				}
				seen[e.input] = true
			}
			sel = append(sel, e)
			if q.N != nil && *q.N > 0 && len(sel) == *q.N {
				break
			}
		}
		for i, j := 0, len(sel)-1; i < j; i, j = i+1, j-1 {
			sel[i], sel[j] = sel[j], sel[i]
		}
	}
	out := make([]any, 0, len(sel))
	for _, e := range sel {
		if q.Output {
			var o any
			if e.output != nil {
				o = *e.output
			}
			out = append(out, []any{currentSession, e.line, []any{e.input, o}})
		} else {
			out = append(out, []any{currentSession, e.line, e.input})
		}
	}
	return out
}

// globRegexp translates an SQLite GLOB pattern (as IPython's history search
// uses) to an anchored regular expression: * any run, ? one character,
// [...] a class ([^...] negated); matching is case-sensitive.
func globRegexp(glob string) (*regexp.Regexp, error) {
	var b strings.Builder
	b.WriteString(`\A(?s:`)
	rs := []rune(glob)
	for i := 0; i < len(rs); i++ {
		switch c := rs[i]; c {
		case '*':
			b.WriteString(`.*`)
		case '?':
			b.WriteString(`.`)
		case '[':
			j := i + 1
			if j < len(rs) && rs[j] == '^' {
				j++
			}
			if j < len(rs) && rs[j] == ']' {
				j++
			}
			for j < len(rs) && rs[j] != ']' {
				j++
			}
			if j >= len(rs) { // no closing bracket: a literal [
				b.WriteString(`\[`)
				continue
			}
			class := rs[i+1 : j]
			b.WriteByte('[')
			for k, r := range class {
				if k == 0 && r == '^' {
					b.WriteByte('^')
					continue
				}
				if r == '\\' || r == '[' || r == ']' {
					b.WriteByte('\\')
				}
				b.WriteRune(r)
			}
			b.WriteByte(']')
			i = j
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	b.WriteString(`)\z`)
	return regexp.Compile(b.String())
}
