package magic

import "strings"

// lexState is what the magic parser knows of the Go code read so far: enough
// of Go's lexical structure to tell whether the next line starts a new
// statement at the top level of the cell.
type lexState struct {
	raw   bool // inside a raw string literal (`…`), which may span lines
	block bool // inside a general comment (/* … */), which may span lines
	depth int  // open parentheses, brackets and braces
	// term: the last token read ends a statement, so a newline here would
	// get an automatic semicolon (an identifier, a literal, one of the
	// keywords break, continue, fallthrough, return, one of ++ -- ) ] }),
	// or nothing has been read since the last statement boundary.
	term bool
}

// terminators are the keywords after which Go inserts a semicolon at a newline.
var terminators = map[string]bool{"break": true, "continue": true, "fallthrough": true, "return": true}

var keywords = map[string]bool{
	"break": true, "case": true, "chan": true, "const": true, "continue": true, "default": true,
	"defer": true, "else": true, "fallthrough": true, "for": true, "func": true, "go": true,
	"goto": true, "if": true, "import": true, "interface": true, "map": true, "package": true,
	"range": true, "return": true, "select": true, "struct": true, "switch": true, "type": true, "var": true,
}

// scan reads one line of Go code (without its newline) and returns the state
// after it. It never fails: text that is not valid Go only makes the state
// approximate, and the compiler reports the real error.
func (s lexState) scan(line string) lexState {
	n := len(line)
	for i := 0; i < n; {
		if s.raw {
			j := strings.IndexByte(line[i:], '`')
			if j < 0 {
				return s
			}
			i += j + 1
			s.raw, s.term = false, true
			continue
		}
		if s.block {
			// A comment is not a token: term is what it was before it. (A
			// comment spanning lines acts as a newline in Go, which also
			// leaves a statement boundary where one was.)
			j := strings.Index(line[i:], "*/")
			if j < 0 {
				return s
			}
			i += j + 2
			s.block = false
			continue
		}
		c := line[i]
		next := byte(0)
		if i+1 < n {
			next = line[i+1]
		}
		switch {
		case c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v':
			i++
		case c == '/' && next == '/':
			return s
		case c == '/' && next == '*':
			s.block = true
			i += 2
		case c == '`':
			s.raw = true
			i++
		case c == '"' || c == '\'':
			i = skipQuoted(line, i)
			s.term = true
		case isIdentStart(c):
			j := i + 1
			for j < n && isIdentPart(line[j]) {
				j++
			}
			w := line[i:j]
			s.term = !keywords[w] || terminators[w]
			i = j
		case isDigit(c) || (c == '.' && isDigit(next)):
			j := i + 1
			for j < n {
				d := line[j]
				if isIdentPart(d) || d == '.' {
					j++
					continue
				}
				if (d == '+' || d == '-') && strings.ContainsRune("eEpP", rune(line[j-1])) && !isHex(line[i:j]) {
					j++
					continue
				}
				break
			}
			s.term = true
			i = j
		case c == '(' || c == '[' || c == '{':
			s.depth++
			s.term = false
			i++
		case c == ')' || c == ']' || c == '}':
			if s.depth > 0 {
				s.depth--
			}
			s.term = true
			i++
		case (c == '+' && next == '+') || (c == '-' && next == '-'):
			s.term = true
			i += 2
		case c == ';':
			s.term = true
			i++
		default:
			s.term = false
			i++
		}
	}
	return s
}

// skipQuoted returns the index after the string or rune literal starting at
// line[i], or len(line) if it is not closed on this line.
func skipQuoted(line string, i int) int {
	q := line[i]
	for j := i + 1; j < len(line); j++ {
		switch line[j] {
		case '\\':
			j++
		case q:
			return j + 1
		}
	}
	return len(line)
}

func isIdentStart(c byte) bool {
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80
}

func isIdentPart(c byte) bool { return isIdentStart(c) || isDigit(c) }

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isHex(num string) bool {
	return len(num) > 1 && num[0] == '0' && (num[1] == 'x' || num[1] == 'X')
}
